"""API v2: the workspace's audit log (owners only), with the page's filters."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics

from vantage.api.pagination import ApiPagination
from vantage.api.schema import WORKSPACE_PARAM, WRITE_ERRORS
from vantage.api.scoping import WorkspaceScopedMixin
from vantage.models import Role

from ..filtersets import AuditEventFilterSet
from ..models import AuditEvent
from .serializers import AuditEventSerializer


@extend_schema(summary="The workspace's audit log, newest first (owners only)", tags=["Audit log"],
               parameters=[WORKSPACE_PARAM], responses={200: AuditEventSerializer(many=True), **WRITE_ERRORS})
class AuditEventListView(WorkspaceScopedMixin, generics.ListAPIView):
    serializer_class = AuditEventSerializer
    pagination_class = ApiPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = AuditEventFilterSet
    queryset = AuditEvent.objects.none()  # for the schema; get_queryset scopes to the workspace

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.workspace.role_of(request.user) != Role.OWNER:
            raise exceptions.PermissionDenied("Only the workspace's owners read its audit log.")

    def get_queryset(self):
        return AuditEvent.objects.for_workspace(self.workspace)
