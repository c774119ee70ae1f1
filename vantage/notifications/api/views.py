"""API v2: webhook endpoints (list, create, delete) and the notification log, scoped to a workspace."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from vantage.api.schema import READ_ERRORS, WORKSPACE_PARAM, WRITE_ERRORS
from vantage.api.viewsets import WorkspaceViewSetMixin

from .. import services
from ..models import Notification, WebhookEndpoint
from .serializers import CreatedWebhookEndpointSerializer, NotificationSerializer, WebhookEndpointSerializer


@extend_schema_view(
    list=extend_schema(summary="Webhook endpoints of the workspace", parameters=[WORKSPACE_PARAM],
                       responses={200: WebhookEndpointSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One webhook endpoint", parameters=[WORKSPACE_PARAM],
                           responses={200: WebhookEndpointSerializer, **READ_ERRORS}),
    create=extend_schema(
        summary="Add a webhook endpoint (owners and editors); the answer holds its signing secret, once",
        parameters=[WORKSPACE_PARAM], request=WebhookEndpointSerializer,
        responses={201: CreatedWebhookEndpointSerializer, **WRITE_ERRORS},
    ),
    destroy=extend_schema(summary="Delete a webhook endpoint (the log keeps what was sent)",
                          parameters=[WORKSPACE_PARAM], responses={204: None, **WRITE_ERRORS}),
)
class WebhookEndpointViewSet(WorkspaceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                             mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = WebhookEndpointSerializer
    queryset = WebhookEndpoint.objects.none()  # for the schema; get_queryset scopes to the workspace
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):
        return WebhookEndpoint.objects.filter(workspace=self.workspace).order_by("name", "pk")

    def create(self, request, *args, **kwargs):
        self.require_editor()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        hook, secret = services.create_webhook(
            self.workspace, name=serializer.validated_data["name"], url=serializer.validated_data["url"],
            created_by=request.user,
        )  # fmt: skip
        hook.signing_secret = secret
        data = CreatedWebhookEndpointSerializer(hook, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})

    def destroy(self, request, *args, **kwargs):
        self.require_editor()
        self.get_object().delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="Notifications of the workspace, newest first", parameters=[WORKSPACE_PARAM],
                       responses={200: NotificationSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One notification and how its delivery went", parameters=[WORKSPACE_PARAM],
                           responses={200: NotificationSerializer, **READ_ERRORS}),
)
class NotificationViewSet(WorkspaceViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()

    def get_queryset(self):
        return Notification.objects.filter(workspace=self.workspace).order_by("-created_at", "-pk")
