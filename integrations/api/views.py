from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations import auditing, services
from integrations.models import Integration, IntegrationStatus, Provider
from vantage.api.errors import error_response
from vantage.api.schema import WORKSPACE_PARAM, WRITE_ERRORS, ApiErrorSerializer
from vantage.api.scoping import WorkspaceScopedMixin
from vantage.api.viewsets import WorkspaceViewSetMixin

from .serializers import (
    EarlierHistoryRequestSerializer,
    EarlierHistoryResponseSerializer,
    IntegrationSerializer,
    IntegrationUpdateSerializer,
    TwilioIntegrationCreateSerializer,
)

ERRORS = {400: None, 401: None, 403: None, 404: None, 429: None}


@extend_schema_view(
    list=extend_schema(
        summary="Integrations visible in the workspace",
        parameters=[
            WORKSPACE_PARAM,
            OpenApiParameter("provider", str, enum=[p for p, _ in Provider.choices]),
            OpenApiParameter("status", str, enum=[s for s, _ in IntegrationStatus.choices]),
        ],
    ),
    retrieve=extend_schema(summary="One integration: status, import progress, last error",
                           parameters=[WORKSPACE_PARAM]),
    update=extend_schema(summary="Change description and workspace assignment", request=IntegrationUpdateSerializer,
                         parameters=[WORKSPACE_PARAM]),
    destroy=extend_schema(
        summary="Delete the integration and all of its costs, in every workspace it is in",
        description="Only for someone who edits every workspace the integration is in (403 otherwise: use "
        "remove-from-workspace).",
        parameters=[WORKSPACE_PARAM],
    ),
)
class IntegrationViewSet(WorkspaceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = IntegrationSerializer

    def get_queryset(self):
        qs = Integration.objects.in_workspace(self.workspace).prefetch_related("workspaces").order_by("account_name")
        if self.action == "list":
            for param in ("provider", "status"):
                value = self.request.query_params.get(param)
                if value:
                    choices = dict(Provider.choices if param == "provider" else IntegrationStatus.choices)
                    if value not in choices:
                        raise ValidationError({param: f"Unknown {param} {value!r}; use one of {sorted(choices)}."})
                    qs = qs.filter(**{param: value})
        return qs

    def get_managed(self) -> Integration:
        """The integration, if the person edits every workspace it is in (``services.can_manage``); else 403."""
        self.require_editor()
        integration = self.get_object()
        if not services.can_manage(integration, self.request.user):
            raise PermissionDenied(services.MSG_NOT_MANAGER)
        return integration

    def update(self, request, *args, **kwargs):
        self.require_editor()
        integration = self.get_object()
        ser = IntegrationUpdateSerializer(data=request.data, context={"request": request, "integration": integration})
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        if "description" in data and data["description"] != integration.description:
            # every workspace shows the description: it is the managers' to change (the assignment is yours)
            self.get_managed()
        was = auditing.before(integration)
        if "workspaces" in data:
            services.set_workspaces(integration, data["workspaces"], ser.editable)  # read once, by validation
            auditing.workspaces_changed(request, integration, was)
        if "description" in data:
            integration.description = data["description"]
            integration.save(update_fields=["description", "updated_at"])
            auditing.edited(request, integration, credentials_changed=False)
        integration = Integration.objects.prefetch_related("workspaces").get(pk=integration.pk)
        return Response(IntegrationSerializer(integration).data)

    def destroy(self, request, *args, **kwargs):
        was = auditing.before(integration := self.get_managed())
        auditing.deleted(request, was, services.delete_integration(integration)["line_items"])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Remove the integration from this workspace; the other workspaces keep it and its costs",
        description="For anyone who edits the workspace. 409 when it is the integration's only workspace "
        "(delete it instead).",
        request=None,
        responses={204: None, 409: ApiErrorSerializer, **WRITE_ERRORS},
        parameters=[WORKSPACE_PARAM],
    )
    @action(detail=True, methods=["post"], url_path="remove-from-workspace", url_name="remove-from-workspace")
    def remove_from_workspace(self, request, pk=None):
        self.require_editor()
        integration = self.get_object()
        try:
            services.remove_from_workspace(integration, self.workspace)
        except services.LastWorkspace as exc:
            return error_response(None, str(exc), status.HTTP_409_CONFLICT)
        auditing.removed(request, integration, self.workspace)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Re-import the current and previous month now", request=None,
                   responses={202: IntegrationSerializer, 409: None}, parameters=[WORKSPACE_PARAM])
    @action(detail=True, methods=["post"])
    def sync(self, request, pk=None):
        integration = self.get_managed()
        if not services.queue_sync(integration):
            return error_response(None, "An import is already running for this integration.", status.HTTP_409_CONFLICT)
        auditing.synced(request, integration)
        return Response(IntegrationSerializer(integration).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Import earlier history: every month back to start_month not imported yet, newest first",
        request=EarlierHistoryRequestSerializer,
        responses={
            202: EarlierHistoryResponseSerializer,
            200: EarlierHistoryResponseSerializer,
            409: ApiErrorSerializer,
            **WRITE_ERRORS,
        },
        parameters=[WORKSPACE_PARAM],
    )
    @action(detail=True, methods=["post"], url_path="import-history", url_name="import-history")
    def import_history(self, request, pk=None):
        integration = self.get_managed()
        ser = EarlierHistoryRequestSerializer(data=request.data, context={"integration": integration})
        ser.is_valid(raise_exception=True)
        month = ser.validated_data["start_month"]
        try:
            queued = services.queue_earlier_history(integration, month)
        except services.Busy as exc:
            return error_response(None, str(exc), status.HTTP_409_CONFLICT)
        if queued:
            auditing.reimported(request, integration, f"Importing {queued} earlier month(s) back to {month:%b %Y}.")
        # queue_earlier_history sets what it changes on ``integration`` (its workspaces came prefetched)
        body = {"start_month": month, "months_queued": queued, "integration": integration}
        return Response(EarlierHistoryResponseSerializer(body).data,
                        status=status.HTTP_202_ACCEPTED if queued else status.HTTP_200_OK)


class TwilioIntegrationCreateView(WorkspaceScopedMixin, APIView):
    @extend_schema(
        summary="Connect a Twilio account (credentials are checked live; then the current month and the twelve "
        "before it are imported)",
        request=TwilioIntegrationCreateSerializer,
        responses={201: IntegrationSerializer, **ERRORS},
        parameters=[WORKSPACE_PARAM],
        tags=["integrations"],
    )
    def post(self, request):
        self.require_editor()
        ser = TwilioIntegrationCreateSerializer(data=request.data, context={"request": request})
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        try:
            integration = services.connect_twilio(
                user=request.user, workspace=self.workspace, api_key_sid=data["api_key"],
                api_secret=data["api_secret"], account_sid=data["account_sid"], account_name=data["account_name"],
                description=data.get("description", ""), workspaces=data.get("workspaces") or None,
            )
        except services.DuplicateIntegration as exc:
            return error_response("account_name", str(exc))
        auditing.connected(request, integration)
        integration = Integration.objects.prefetch_related("workspaces").get(pk=integration.pk)
        return Response(IntegrationSerializer(integration).data, status=status.HTTP_201_CREATED)
