"""API v2: budgets (``/budgets``, with ``performance`` on ``include_performance=true``) and budget alerts."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.response import Response

from vantage.api.schema import READ_ERRORS, WORKSPACE_PARAM, WRITE_ERRORS
from vantage.api.viewsets import WorkspaceViewSetMixin
from vantage.audit.choices import AuditAction
from vantage.audit.services import record

from .. import services
from ..models import Budget, BudgetAlert
from ..performance import budget_performance, workspace_performance
from .serializers import BudgetAlertSerializer, BudgetAlertWriteSerializer, BudgetSerializer, BudgetWriteSerializer

PERFORMANCE_PARAM = OpenApiParameter(
    "include_performance", bool, description="true: add each budget's performance per month and year to date."
)


def _wants_performance(request) -> bool:
    return str(request.query_params.get("include_performance", "")).lower() in ("true", "1", "yes")


class SavedByServiceMixin:
    """Writes go through ``_save`` (validation and the service's rules: all or nothing); owners and editors
    only, like every write of the API."""

    def _save(self, instance=None, code=status.HTTP_200_OK):
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        return self._save(code=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        return self._save(self.get_object())

    def destroy(self, request, *args, **kwargs):
        self.require_editor()
        instance = self.get_object()
        self._audit_deleted(instance)
        instance.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _audit_deleted(self, instance) -> None:
        """Budgets write an audit event; alerts do not."""


@extend_schema_view(
    list=extend_schema(summary="Budgets of the workspace", parameters=[WORKSPACE_PARAM, PERFORMANCE_PARAM],
                       responses={200: BudgetSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One budget", parameters=[WORKSPACE_PARAM, PERFORMANCE_PARAM],
                           responses={200: BudgetSerializer, **READ_ERRORS}),
    create=extend_schema(summary="Create a budget (owners and editors)", parameters=[WORKSPACE_PARAM],
                         request=BudgetWriteSerializer, responses={201: BudgetSerializer, **WRITE_ERRORS}),
    update=extend_schema(summary="Replace a budget: name, report, parent, periods (all or nothing)",
                         parameters=[WORKSPACE_PARAM], request=BudgetWriteSerializer,
                         responses={200: BudgetSerializer, **WRITE_ERRORS}),
    destroy=extend_schema(summary="Delete a budget (its children stay, without a parent)",
                          parameters=[WORKSPACE_PARAM], responses={204: None, **WRITE_ERRORS}),
)
class BudgetViewSet(SavedByServiceMixin, WorkspaceViewSetMixin, viewsets.ModelViewSet):
    serializer_class = BudgetSerializer
    queryset = Budget.objects.none()  # for the schema; get_queryset scopes to the workspace

    def get_queryset(self):
        return (Budget.objects.filter(workspace=self.workspace).select_related("created_by")
                .prefetch_related("periods", "children").order_by("name", "pk"))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self, "workspace") and _wants_performance(self.request):
            if self.action == "list":
                context["performance"] = workspace_performance(self.workspace)
            elif self.action == "retrieve":
                budget = get_object_or_404(self.get_queryset(), pk=self.kwargs.get("pk"))
                context["performance"] = {budget.pk: budget_performance(budget)}
        return context

    def _audit_deleted(self, instance) -> None:
        record(self.request, self.workspace, AuditAction.BUDGET_DELETED, instance,
               f"Deleted the budget “{instance.name}”.")

    def _save(self, instance=None, code=status.HTTP_200_OK):
        self.require_editor()
        ser = BudgetWriteSerializer(instance, data=self.request.data, context=self.get_serializer_context())
        ser.is_valid(raise_exception=True)
        budget = services.save_budget(self.workspace, self.request.user, ser.validated_data["data"], instance)
        record(self.request, self.workspace, AuditAction.BUDGET_CHANGED if instance else AuditAction.BUDGET_CREATED,
               budget, f"Saved the budget “{budget.name}”.")
        budget = self.get_queryset().get(pk=budget.pk)
        return Response(BudgetSerializer(budget, context=self.get_serializer_context()).data, status=code)


@extend_schema_view(
    list=extend_schema(summary="Budget alerts of the workspace", parameters=[WORKSPACE_PARAM],
                       responses={200: BudgetAlertSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One budget alert", parameters=[WORKSPACE_PARAM],
                           responses={200: BudgetAlertSerializer, **READ_ERRORS}),
    create=extend_schema(summary="Create a budget alert (owners and editors)", parameters=[WORKSPACE_PARAM],
                         request=BudgetAlertWriteSerializer, responses={201: BudgetAlertSerializer, **WRITE_ERRORS}),
    update=extend_schema(summary="Replace a budget alert", parameters=[WORKSPACE_PARAM],
                         request=BudgetAlertWriteSerializer, responses={200: BudgetAlertSerializer, **WRITE_ERRORS}),
    destroy=extend_schema(summary="Delete a budget alert", parameters=[WORKSPACE_PARAM],
                          responses={204: None, **WRITE_ERRORS}),
)
class BudgetAlertViewSet(SavedByServiceMixin, WorkspaceViewSetMixin, viewsets.ModelViewSet):
    serializer_class = BudgetAlertSerializer
    queryset = BudgetAlert.objects.none()

    def get_queryset(self):
        return (BudgetAlert.objects.filter(budget__workspace=self.workspace)
                .prefetch_related("recipients", "webhooks").order_by("pk"))

    def _save(self, instance=None, code=status.HTTP_200_OK):
        self.require_editor()
        ser = BudgetAlertWriteSerializer(data=self.request.data, context=self.get_serializer_context())
        ser.is_valid(raise_exception=True)
        alert = services.save_alert(ser.validated_data["budget"], self.request.user, ser.validated_data["data"],
                                    instance)
        return Response(BudgetAlertSerializer(self.get_queryset().get(pk=alert.pk)).data, status=code)
