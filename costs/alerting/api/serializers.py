"""API v2 shapes of cost alerts (with their events) and report notifications (digests); rules from ``validation``."""

from __future__ import annotations

from rest_framework import serializers

from vantage.models import Membership

from ...models import CostReport
from .. import validation
from ..choices import MAX_REPORTS, Direction, Frequency, Period
from ..models import CostAlert, CostAlertEvent, ReportDigest

ID = {"min_value": 1, "max_value": 2**63 - 1}  # a database id (SQLite: a signed 64-bit integer)


class CostAlertSerializer(serializers.ModelSerializer):
    class Meta:
        model = CostAlert
        fields = ["id", "workspace", "name", "reports", "percent", "amount", "direction", "period", "recipients",
                  "webhooks", "is_active", "created_at", "updated_at"]
        read_only_fields = fields

    reports = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    recipients = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    webhooks = serializers.PrimaryKeyRelatedField(many=True, read_only=True)


class CostAlertEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = CostAlertEvent
        fields = ["id", "alert", "report", "group", "currency", "period", "period_start", "period_end",
                  "previous_amount", "amount", "change", "percent", "direction", "created_at"]
        read_only_fields = fields

    direction = serializers.ChoiceField(choices=Direction.choices, read_only=True)


class ReportNotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportDigest
        fields = ["id", "workspace", "cost_report", "frequency", "recipients", "webhooks", "is_active",
                  "last_period_sent", "created_at", "updated_at"]
        read_only_fields = fields

    cost_report = serializers.PrimaryKeyRelatedField(source="report", read_only=True)
    recipients = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    webhooks = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    last_period_sent = serializers.SerializerMethodField(help_text="The first day of the last period sent.")

    def get_last_period_sent(self, obj) -> str | None:
        last = obj.sends.order_by("-period_start").first()
        return None if last is None else last.period_start.isoformat()


class AudienceSerializer(serializers.Serializer):
    recipients = serializers.ListField(child=serializers.IntegerField(**ID), required=False, default=list,
                                       max_length=500, help_text="User ids of workspace members, emailed.")
    webhooks = serializers.ListField(child=serializers.IntegerField(**ID), required=False, default=list,
                                     max_length=100, help_text="Ids of the workspace's webhook endpoints.")
    is_active = serializers.BooleanField(default=True)

    def audience(self, attrs, errors: dict) -> tuple[list, list]:
        """The members and endpoints named (unknown ids: an error on their field)."""
        workspace = self.context["workspace"]
        users = [m.user for m in Membership.objects.filter(workspace=workspace, user_id__in=attrs["recipients"])
                 .select_related("user")]
        if len(users) != len(set(attrs["recipients"])):
            errors["recipients"] = ["Recipients must be members of this workspace (user ids)."]
        hooks = list(workspace.webhook_endpoints.filter(pk__in=attrs["webhooks"]))
        if len(hooks) != len(set(attrs["webhooks"])):
            errors["webhooks"] = ["Webhooks must be this workspace's (endpoint ids)."]
        return users, hooks

    @staticmethod
    def merge(errors: dict, found: dict) -> None:
        for name, messages in found.items():
            errors.setdefault(name, messages)
        if errors:
            raise serializers.ValidationError(errors)


class CostAlertWriteSerializer(AudienceSerializer):
    name = serializers.CharField(max_length=100)
    reports = serializers.ListField(child=serializers.IntegerField(**ID), max_length=1000,
                                    help_text=f"Ids of 1 to {MAX_REPORTS} of the workspace's cost reports.")
    percent = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=30,
                                    help_text="% change against the previous period, 1 to 1000 (a number).")
    amount = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=30,
                                   help_text="Amount of change, more than 0; with percent, both must be crossed.")
    direction = serializers.ChoiceField(choices=Direction.choices, default=Direction.UP)
    period = serializers.ChoiceField(choices=Period.choices, default=Period.DAY)

    def to_internal_value(self, data):
        if isinstance(data, dict):  # numbers are welcome for the thresholds
            data = {k: (str(v) if k in ("percent", "amount") and isinstance(v, int | float)
                        and not isinstance(v, bool) else v) for k, v in data.items()}  # fmt: skip
        return super().to_internal_value(data)

    def validate(self, attrs):
        workspace = self.context["workspace"]
        errors: dict = {}
        users, hooks = self.audience(attrs, errors)
        found = {r.pk: r for r in CostReport.objects.filter(workspace=workspace, pk__in=attrs["reports"])}
        reports = [found.get(pk) for pk in dict.fromkeys(attrs["reports"])]
        data = validation.AlertInput(
            name=attrs["name"], reports=reports, percent=attrs.get("percent"), amount=attrs.get("amount"),
            direction=attrs["direction"], period=attrs["period"], recipients=users, webhooks=hooks,
            is_active=attrs["is_active"],
        )  # fmt: skip
        self.merge(errors, validation.check_alert(workspace, data))
        return {"data": data}


class ReportNotificationWriteSerializer(AudienceSerializer):
    cost_report = serializers.IntegerField(**ID, help_text="The id of one of the workspace's cost reports.")
    frequency = serializers.ChoiceField(choices=Frequency.choices, default=Frequency.WEEKLY)

    def validate(self, attrs):
        workspace = self.context["workspace"]
        errors: dict = {}
        users, hooks = self.audience(attrs, errors)
        report = CostReport.objects.filter(workspace=workspace, pk=attrs["cost_report"]).first()
        data = validation.DigestInput(report=report, frequency=attrs["frequency"], recipients=users,
                                      webhooks=hooks, is_active=attrs["is_active"])
        found = validation.check_digest(workspace, data)
        if "report" in found:
            found["cost_report"] = found.pop("report")
        self.merge(errors, found)
        return {"data": data}
