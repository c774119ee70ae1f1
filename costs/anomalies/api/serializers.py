"""API v2 shapes of anomaly alerts (Vantage's ``/anomaly_alerts``) and anomaly notifications."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vantage.models import Membership

from ...models import CostReport
from .. import validation
from ..choices import DEFAULT_SUPPRESS_DAYS, MAX_SUPPRESS_DAYS, AnomalyStatus, Feedback
from ..models import Anomaly, AnomalyNotification

ID = {"min_value": 1, "max_value": 2**63 - 1}


def _drf(error: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(error.messages)


@extend_schema_field({"type": "string", "format": "decimal", "example": "20.00"})
class AmountField(serializers.Field):
    def to_internal_value(self, data):
        if isinstance(data, bool | dict | list) or data is None:
            raise serializers.ValidationError("Write the amount as a number like 20.50.")
        try:
            return validation.check_amount(data)
        except DjangoValidationError as error:
            raise _drf(error) from None

    def to_representation(self, value):
        return f"{value:.2f}"


class AnomalyAlertSerializer(serializers.ModelSerializer):
    billing_account = serializers.CharField(source="integration.account_name", read_only=True)

    class Meta:
        model = Anomaly
        fields = ["id", "date", "billing_account", "account_id", "service", "category", "currency", "direction",
                  "amount", "previous_amount", "seven_day_average", "expected", "lower_bound", "upper_bound",
                  "percent_change", "status", "feedback", "feedback_note", "created_at"]
        read_only_fields = fields


class AnomalyAlertUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AnomalyStatus.choices)
    feedback = serializers.ChoiceField(choices=Feedback.choices, required=False, default="")
    feedback_note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)
    suppress_days = serializers.IntegerField(
        min_value=0, max_value=MAX_SUPPRESS_DAYS, required=False, default=DEFAULT_SUPPRESS_DAYS,
        help_text='With feedback "expected": no anomaly on the same series for these days (0: none).',
    )  # fmt: skip


class AnomalyNotificationSerializer(serializers.ModelSerializer):
    recipients = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    webhooks = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    min_amount = AmountField(read_only=True)

    class Meta:
        model = AnomalyNotification
        fields = ["id", "cost_report", "recipients", "webhooks", "min_amount", "is_active", "created_at"]
        read_only_fields = fields


class AnomalyNotificationWriteSerializer(serializers.Serializer):
    cost_report = serializers.IntegerField(**ID, help_text="The id of one of the workspace's cost reports.")
    recipients = serializers.ListField(child=serializers.IntegerField(**ID), required=False, default=list,
                                       max_length=500, help_text="User ids of workspace members, emailed.")
    webhooks = serializers.ListField(child=serializers.IntegerField(**ID), required=False, default=list,
                                     max_length=100, help_text="Ids of the workspace's webhook endpoints.")
    min_amount = AmountField(required=False, default=validation.check_amount(0))
    is_active = serializers.BooleanField(default=True)

    def validate(self, attrs):
        workspace = self.context["workspace"]
        instance = self.context.get("instance")
        errors = {}
        report = CostReport.objects.filter(workspace=workspace, pk=attrs["cost_report"]).first()
        if report is None:
            errors["cost_report"] = ["Choose one of this workspace's cost reports (id)."]
        elif AnomalyNotification.objects.filter(cost_report=report).exclude(pk=getattr(instance, "pk", None)).exists():
            errors["cost_report"] = ["This report has anomaly notifications already: change them (PUT)."]
        members = {m.user_id: m.user for m in Membership.objects.filter(
            workspace=workspace, user_id__in=attrs["recipients"]).select_related("user")}
        if set(attrs["recipients"]) - set(members):
            errors["recipients"] = ["Recipients must be members of this workspace (user ids)."]
        hooks = list(workspace.webhook_endpoints.filter(pk__in=attrs["webhooks"]))
        if len(hooks) != len(set(attrs["webhooks"])):
            errors["webhooks"] = ["Webhooks must be this workspace's (endpoint ids)."]
        if not errors:
            try:
                validation.check_targets(workspace, list(members.values()), hooks)
            except DjangoValidationError as error:
                errors["recipients"] = error.messages
        if errors:
            raise serializers.ValidationError(errors)
        return {**attrs, "cost_report": report, "recipients": list(members.values()), "webhooks": hooks}
