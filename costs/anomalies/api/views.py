"""API v2: anomaly alerts (``/anomaly_alerts``: list with filters, read, PUT status and feedback) and
anomaly notifications (``/anomaly_notifications``: CRUD), scoped to the workspace like every view."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from vantage.api.schema import READ_ERRORS, WORKSPACE_PARAM, WRITE_ERRORS
from vantage.api.viewsets import WorkspaceViewSetMixin

from .. import services
from ..filtersets import AnomalyFilterSet
from ..models import Anomaly, AnomalyNotification
from .serializers import (
    AnomalyAlertSerializer,
    AnomalyAlertUpdateSerializer,
    AnomalyNotificationSerializer,
    AnomalyNotificationWriteSerializer,
)

FILTER_PARAMS = [
    OpenApiParameter("start_date", str, description="YYYY-MM-DD: anomalies on or after this day."),
    OpenApiParameter("end_date", str, description="YYYY-MM-DD: anomalies on or before this day."),
    OpenApiParameter("service", str), OpenApiParameter("category", str),
    OpenApiParameter("status", str, enum=["active", "archived", "ignored"]),
]


@extend_schema_view(
    list=extend_schema(summary="Anomaly alerts of the workspace", parameters=[WORKSPACE_PARAM, *FILTER_PARAMS],
                       responses={200: AnomalyAlertSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One anomaly alert", parameters=[WORKSPACE_PARAM],
                           responses={200: AnomalyAlertSerializer, **READ_ERRORS}),
    update=extend_schema(summary="Set an anomaly's status and feedback (owners and editors)",
                         parameters=[WORKSPACE_PARAM], request=AnomalyAlertUpdateSerializer,
                         responses={200: AnomalyAlertSerializer, **WRITE_ERRORS}),
)
class AnomalyAlertViewSet(WorkspaceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          mixins.UpdateModelMixin, viewsets.GenericViewSet):
    serializer_class = AnomalyAlertSerializer
    queryset = Anomaly.objects.none()
    http_method_names = ["get", "put", "head", "options"]

    def get_queryset(self):
        return Anomaly.objects.filter(workspace=self.workspace).select_related("integration").order_by("-date", "-pk")

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        filterset = AnomalyFilterSet(self.request.query_params, queryset=queryset, request=self.request)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        return filterset.qs

    def update(self, request, *args, **kwargs):
        self.require_editor()
        anomaly = self.get_object()
        ser = AnomalyAlertUpdateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        services.set_status(anomaly, status=data["status"], feedback=data["feedback"], note=data["feedback_note"],
                            suppress_days=data["suppress_days"], user=request.user)
        return Response(AnomalyAlertSerializer(self.get_queryset().get(pk=anomaly.pk)).data)


@extend_schema_view(
    list=extend_schema(summary="Anomaly notifications (per cost report)", parameters=[WORKSPACE_PARAM],
                       responses={200: AnomalyNotificationSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One report's anomaly notifications", parameters=[WORKSPACE_PARAM],
                           responses={200: AnomalyNotificationSerializer, **READ_ERRORS}),
    create=extend_schema(summary="Notify anomalies of a cost report (owners and editors)",
                         parameters=[WORKSPACE_PARAM], request=AnomalyNotificationWriteSerializer,
                         responses={201: AnomalyNotificationSerializer, **WRITE_ERRORS}),
    update=extend_schema(summary="Replace a report's anomaly notifications", parameters=[WORKSPACE_PARAM],
                         request=AnomalyNotificationWriteSerializer,
                         responses={200: AnomalyNotificationSerializer, **WRITE_ERRORS}),
    destroy=extend_schema(summary="Stop a report's anomaly notifications", parameters=[WORKSPACE_PARAM],
                          responses={204: None, **WRITE_ERRORS}),
)
class AnomalyNotificationViewSet(WorkspaceViewSetMixin, viewsets.ModelViewSet):
    serializer_class = AnomalyNotificationSerializer
    queryset = AnomalyNotification.objects.none()

    def get_queryset(self):
        return (AnomalyNotification.objects.filter(workspace=self.workspace)
                .prefetch_related("recipients", "webhooks").order_by("pk"))

    def create(self, request, *args, **kwargs):
        return self._save(None, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        return self._save(self.get_object(), status.HTTP_200_OK)

    def destroy(self, request, *args, **kwargs):
        self.require_editor()
        self.get_object().delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _save(self, instance, code):
        self.require_editor()
        context = {**self.get_serializer_context(), "instance": instance}
        ser = AnomalyNotificationWriteSerializer(data=self.request.data, context=context)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        setting = instance or AnomalyNotification(workspace=self.workspace, created_by=self.request.user)
        setting.cost_report, setting.min_amount, setting.is_active = data["cost_report"], data["min_amount"], \
            data["is_active"]
        setting.save()
        setting.recipients.set(data["recipients"])
        setting.webhooks.set(data["webhooks"])
        return Response(AnomalyNotificationSerializer(self.get_queryset().get(pk=setting.pk)).data, status=code)
