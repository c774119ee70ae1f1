"""API v2: cost alerts (``/cost_alerts``, events at ``/cost_alerts/{id}/events``) and report notifications."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from vantage.api.schema import READ_ERRORS, WORKSPACE_PARAM, WRITE_ERRORS
from vantage.api.viewsets import WorkspaceViewSetMixin

from .. import services
from ..models import CostAlert, ReportDigest
from .serializers import (
    CostAlertEventSerializer,
    CostAlertSerializer,
    CostAlertWriteSerializer,
    ReportNotificationSerializer,
    ReportNotificationWriteSerializer,
)


class SavedByServiceMixin:
    """Writes validate with the write serializer, then save through the service (owners and editors only)."""

    write_serializer_class = None
    save = None

    def _save(self, instance=None, code=status.HTTP_200_OK):
        self.require_editor()
        ser = self.write_serializer_class(data=self.request.data, context=self.get_serializer_context())
        ser.is_valid(raise_exception=True)
        saved = type(self).save(self.workspace, self.request.user, ser.validated_data["data"], instance)
        return Response(self.get_serializer(self.get_queryset().get(pk=saved.pk)).data, status=code)

    def create(self, request, *args, **kwargs):
        return self._save(code=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        return self._save(self.get_object())

    def destroy(self, request, *args, **kwargs):
        self.require_editor()
        self.get_object().delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


def _crud_schema(thing: str, read, write):
    return extend_schema_view(
        list=extend_schema(summary=f"{thing}s of the workspace", parameters=[WORKSPACE_PARAM],
                           responses={200: read(many=True), **READ_ERRORS}),
        retrieve=extend_schema(summary=f"One {thing.lower()}", parameters=[WORKSPACE_PARAM],
                               responses={200: read, **READ_ERRORS}),
        create=extend_schema(summary=f"Create a {thing.lower()} (owners and editors)", parameters=[WORKSPACE_PARAM],
                             request=write, responses={201: read, **WRITE_ERRORS}),
        update=extend_schema(summary=f"Replace a {thing.lower()}", parameters=[WORKSPACE_PARAM], request=write,
                             responses={200: read, **WRITE_ERRORS}),
        destroy=extend_schema(summary=f"Delete a {thing.lower()}", parameters=[WORKSPACE_PARAM],
                              responses={204: None, **WRITE_ERRORS}),
    )


@_crud_schema("Cost alert", CostAlertSerializer, CostAlertWriteSerializer)
class CostAlertViewSet(SavedByServiceMixin, WorkspaceViewSetMixin, viewsets.ModelViewSet):
    serializer_class = CostAlertSerializer
    write_serializer_class = CostAlertWriteSerializer
    save = staticmethod(services.save_alert)
    queryset = CostAlert.objects.none()  # for the schema; get_queryset scopes to the workspace

    def get_queryset(self):
        return (CostAlert.objects.filter(workspace=self.workspace)
                .prefetch_related("reports", "recipients", "webhooks").order_by("pk"))

    @extend_schema(summary="Events of a cost alert, newest period first", parameters=[WORKSPACE_PARAM],
                   responses={200: CostAlertEventSerializer(many=True), **READ_ERRORS})
    @action(detail=True, methods=["get"])
    def events(self, request, pk=None):
        events = self.get_object().events.order_by("-period_start", "-pk")
        page = self.paginate_queryset(events)
        return self.get_paginated_response(CostAlertEventSerializer(page, many=True).data)


@_crud_schema("Report notification", ReportNotificationSerializer, ReportNotificationWriteSerializer)
class ReportNotificationViewSet(SavedByServiceMixin, WorkspaceViewSetMixin, viewsets.ModelViewSet):
    serializer_class = ReportNotificationSerializer
    write_serializer_class = ReportNotificationWriteSerializer
    save = staticmethod(services.save_digest)
    queryset = ReportDigest.objects.none()

    def get_queryset(self):
        return (ReportDigest.objects.filter(workspace=self.workspace)
                .prefetch_related("recipients", "webhooks").order_by("pk"))
