"""API v2 shapes of budgets (Vantage's, adapted to ids) and budget alerts; every rule from ``validation``."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vantage.models import Membership

from ... import models as cost_models
from .. import services, validation
from ..choices import MAX_WINDOW_DAYS, Basis, Window
from ..models import Budget, BudgetAlert
from ..performance import Performance
from ..validation import Period

ID = {"min_value": 1, "max_value": 2**63 - 1}  # a database id (SQLite: a signed 64-bit integer)
DECIMAL = {"type": "string", "format": "decimal", "example": "1500.00"}


def _django_to_drf(error: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(error.messages)


@extend_schema_field(DECIMAL)
class AmountField(serializers.Field):
    def to_internal_value(self, data):
        if isinstance(data, bool | dict | list):
            raise serializers.ValidationError("Write the amount as a number like 1500.50.")
        try:
            return validation.parse_amount(data)
        except DjangoValidationError as error:
            raise _django_to_drf(error) from None

    def to_representation(self, value):
        return f"{value:.2f}"


@extend_schema_field({"type": "string", "format": "date", "example": "2026-01-01"})
class MonthField(serializers.Field):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError("Write a month as YYYY-MM or YYYY-MM-01.")
        try:
            return validation.parse_month(data)
        except DjangoValidationError as error:
            raise _django_to_drf(error) from None

    def to_representation(self, value):
        return value.isoformat()


class PeriodSerializer(serializers.Serializer):
    start_at = MonthField(help_text="The first month (its first day).")
    end_at = MonthField(required=False, allow_null=True, help_text="The last month (its first day); null: open.")
    amount = AmountField(help_text="The budget of each month of the period.")


class MonthPerformanceSerializer(serializers.Serializer):
    month = serializers.DateField()
    budget = serializers.DecimalField(max_digits=28, decimal_places=2, allow_null=True)
    actual = serializers.DecimalField(max_digits=28, decimal_places=2)
    mtd_budget = serializers.DecimalField(max_digits=28, decimal_places=2, allow_null=True,
                                          help_text="The budget to date: prorated by day in the current month.")
    forecast = serializers.DecimalField(max_digits=28, decimal_places=2, allow_null=True)
    percent_used = serializers.DecimalField(max_digits=28, decimal_places=2, allow_null=True)
    over_under = serializers.DecimalField(max_digits=28, decimal_places=2, allow_null=True,
                                          help_text="Actual minus the budget to date (positive: over).")
    forecast_over = serializers.DecimalField(max_digits=28, decimal_places=2, allow_null=True)
    forecast_text = serializers.CharField()


class YearToDateSerializer(serializers.Serializer):
    budget = serializers.DecimalField(max_digits=28, decimal_places=2)
    mtd_budget = serializers.DecimalField(max_digits=28, decimal_places=2)
    actual = serializers.DecimalField(max_digits=28, decimal_places=2)
    over_under = serializers.DecimalField(max_digits=28, decimal_places=2)
    percent_used = serializers.DecimalField(max_digits=28, decimal_places=2, allow_null=True)


class PerformanceSerializer(serializers.Serializer):
    currency = serializers.CharField()
    months = MonthPerformanceSerializer(many=True)
    year_to_date = YearToDateSerializer()


class BudgetSerializer(serializers.ModelSerializer):
    periods = serializers.SerializerMethodField()
    child_budgets = serializers.SerializerMethodField()
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    performance = serializers.SerializerMethodField(help_text="Only with include_performance=true.")

    class Meta:
        model = Budget
        fields = ["id", "workspace", "name", "cost_report", "parent", "currency", "periods", "child_budgets",
                  "performance", "created_by", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(PeriodSerializer(many=True))
    def get_periods(self, obj):
        return PeriodSerializer([{"start_at": p.start_month, "end_at": p.end_month, "amount": p.amount}
                                 for p in obj.periods.all()], many=True).data

    def get_child_budgets(self, obj) -> list[int]:
        return [c.pk for c in obj.children.all()]

    @extend_schema_field(PerformanceSerializer(allow_null=True))
    def get_performance(self, obj):
        perf: Performance | None = self.context.get("performance", {}).get(obj.pk)
        if perf is None:
            return None
        return PerformanceSerializer({"currency": perf.currency, "months": perf.months,
                                      "year_to_date": perf.year_to_date}).data


class BudgetWriteSerializer(serializers.Serializer):
    """A whole budget (PUT replaces it): its periods, or its child budgets (a parent has no periods)."""

    name = serializers.CharField(max_length=100)
    cost_report = serializers.IntegerField(**ID, help_text="The id of one of the workspace's cost reports.")
    parent = serializers.IntegerField(**ID, required=False, allow_null=True, help_text="A parent budget's id.")
    currency = serializers.CharField(required=False, allow_blank=True, max_length=3,
                                     help_text="Default: the workspace's reporting currency, or the report's.")
    periods = PeriodSerializer(many=True, required=False, default=list)
    child_budgets = serializers.ListField(child=serializers.IntegerField(**ID), required=False, max_length=1000,
                                         help_text="Ids of budgets this one adds up (replaces its children).")

    def _budget(self, pk, workspace):
        return None if pk is None else Budget.objects.filter(workspace=workspace, pk=pk).first()

    def validate(self, attrs):
        workspace = self.context["workspace"]
        report = cost_models.CostReport.objects.filter(pk=attrs["cost_report"], workspace=workspace).first()
        errors = {}
        parent = self._budget(attrs.get("parent"), workspace)
        if attrs.get("parent") is not None and parent is None:
            errors["parent"] = ["Choose a parent budget of this workspace."]
        children = None
        if "child_budgets" in attrs:
            children = [self._budget(pk, workspace) for pk in attrs["child_budgets"]]
            if None in children:
                errors["child_budgets"] = ["Every child budget must be one of this workspace's budgets."]
                children = [c for c in children if c is not None]
        data = services.BudgetInput(
            name=attrs["name"], cost_report=report, parent=parent, currency=attrs.get("currency") or "",
            periods=[Period(p["start_at"], p.get("end_at"), p["amount"]) for p in attrs.get("periods", [])],
            children=children,
        )  # fmt: skip
        checked = services.check_budget(workspace, data, self.instance)
        for name, messages in checked.errors.items():
            errors.setdefault(name, messages)
        if errors:
            raise serializers.ValidationError(errors)
        return {"data": checked.data}


class BudgetAlertSerializer(serializers.ModelSerializer):
    class Meta:
        model = BudgetAlert
        fields = ["id", "budget", "thresholds", "basis", "window", "window_days", "recipients", "webhooks",
                  "is_active", "created_at"]
        read_only_fields = fields

    thresholds = serializers.ListField(child=serializers.IntegerField())
    recipients = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    webhooks = serializers.PrimaryKeyRelatedField(many=True, read_only=True)


class BudgetAlertWriteSerializer(serializers.Serializer):
    budget = serializers.IntegerField(**ID, help_text="The id of one of the workspace's budgets.")
    thresholds = serializers.ListField(child=serializers.IntegerField(min_value=-(2**31), max_value=2**31),
                                       min_length=1, max_length=20,
                                       help_text="Percentages of the month's budget, each 1 to 1000.")
    basis = serializers.ChoiceField(choices=Basis.choices, default=Basis.ACTUAL)
    window = serializers.ChoiceField(choices=Window.choices, default=Window.NONE)
    window_days = serializers.IntegerField(min_value=-(2**31), max_value=2**31, required=False, allow_null=True,
                                           help_text=f"N (1 to {MAX_WINDOW_DAYS}) for a first/last-days window.")
    recipients = serializers.ListField(child=serializers.IntegerField(**ID), required=False, default=list,
                                       max_length=500,
                                       help_text="User ids of workspace members, emailed.")
    webhooks = serializers.ListField(child=serializers.IntegerField(**ID), required=False, default=list,
                                     max_length=100,
                                     help_text="Ids of the workspace's webhook endpoints.")
    is_active = serializers.BooleanField(default=True)

    def validate(self, attrs):
        workspace = self.context["workspace"]
        budget = Budget.objects.filter(workspace=workspace, pk=attrs["budget"]).first()
        members = set(Membership.objects.filter(workspace=workspace, user_id__in=attrs["recipients"])
                      .values_list("user_id", flat=True))
        errors = {}
        if set(attrs["recipients"]) - members:
            errors["recipients"] = ["Recipients must be members of this workspace (user ids)."]
        hooks = list(workspace.webhook_endpoints.filter(pk__in=attrs["webhooks"]))
        if len(hooks) != len(set(attrs["webhooks"])):
            errors["webhooks"] = ["Webhooks must be this workspace's (endpoint ids)."]
        users = [m.user for m in Membership.objects.filter(workspace=workspace, user_id__in=members)
                 .select_related("user")]
        data = services.AlertInput(
            thresholds=attrs["thresholds"], basis=attrs["basis"], window=attrs["window"],
            window_days=attrs.get("window_days"), recipients=users, webhooks=hooks, is_active=attrs["is_active"],
        )  # fmt: skip
        for name, messages in services.check_alert(workspace, budget, data).items():
            errors.setdefault(name, messages)
        if errors:
            raise serializers.ValidationError(errors)
        return {"budget": budget, "data": data}
