"""API v2: virtual tags with their ordered values, scoped to one of the caller's workspaces."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.response import Response

from vantage.api.schema import READ_ERRORS, WORKSPACE_PARAM, WRITE_ERRORS
from vantage.api.viewsets import WorkspaceViewSetMixin
from vantage.audit.choices import AuditAction
from vantage.audit.services import record

from ..models import VirtualTag
from .serializers import VirtualTagSerializer


@extend_schema_view(
    list=extend_schema(summary="Virtual tags of the workspace, each with its ordered values",
                       parameters=[WORKSPACE_PARAM], responses={200: VirtualTagSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One virtual tag with its ordered values", parameters=[WORKSPACE_PARAM],
                           responses={200: VirtualTagSerializer, **READ_ERRORS}),
    create=extend_schema(summary="Create a virtual tag with its values (owners and editors)",
                         parameters=[WORKSPACE_PARAM], responses={201: VirtualTagSerializer, **WRITE_ERRORS}),
    update=extend_schema(
        summary="Replace a tag's key, description and values (in the given order, all or nothing)",
        parameters=[WORKSPACE_PARAM], responses={200: VirtualTagSerializer, **WRITE_ERRORS},
    ),
    destroy=extend_schema(summary="Delete a virtual tag (reports no longer offer it)", parameters=[WORKSPACE_PARAM],
                          responses={204: None, **WRITE_ERRORS}),
)
class VirtualTagViewSet(WorkspaceViewSetMixin, viewsets.ModelViewSet):
    serializer_class = VirtualTagSerializer
    queryset = VirtualTag.objects.none()  # for the schema; get_queryset scopes to the workspace

    def get_queryset(self):
        return (
            VirtualTag.objects.filter(workspace=self.workspace)
            .select_related("created_by")
            .prefetch_related("values")
            .order_by("key", "pk")
        )

    def create(self, request, *args, **kwargs):
        self.require_editor()
        return super().create(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        self.require_editor()
        return super().update(request, *args, **kwargs)

    def perform_create(self, serializer):
        super().perform_create(serializer)
        tag = serializer.instance
        record(self.request, self.workspace, AuditAction.TAG_CREATED, tag, f"Created the virtual tag “{tag.key}”.")

    def perform_update(self, serializer):
        super().perform_update(serializer)
        tag = serializer.instance
        record(self.request, self.workspace, AuditAction.TAG_CHANGED, tag, f"Saved the virtual tag “{tag.key}”.")

    def destroy(self, request, *args, **kwargs):
        self.require_editor()
        tag = self.get_object()
        record(request, self.workspace, AuditAction.TAG_DELETED, tag, f"Deleted the virtual tag “{tag.key}”.")
        tag.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
