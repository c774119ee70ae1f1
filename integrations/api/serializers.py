from datetime import UTC

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from integrations import history
from integrations.models import Integration
from integrations.twilio import credentials
from integrations.validation import check_keeps_a_workspace
from vantage.lib import formatting
from vantage.models import Workspace


class ImportProgressSerializer(serializers.Serializer):
    windows_total = serializers.IntegerField(source="import_windows_total")
    windows_done = serializers.IntegerField(source="import_windows_done")
    records_read = serializers.IntegerField(source="import_records_read")
    percent = serializers.IntegerField(source="progress_percent")


class ImportStatusSerializer(ImportProgressSerializer):
    """What an integration's page polls (``status.json``): the API's import progress, flat, with the status."""

    id = serializers.IntegerField(source="pk")
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    message = serializers.CharField(source="status_message")
    last_refreshed_at = serializers.DateTimeField(default_timezone=UTC)  # for programs: ISO 8601, UTC
    # What the page prints, in the one format of every page (vantage.lib.formatting), so the live update
    # reads exactly as the page the server rendered.
    records_read_display = serializers.SerializerMethodField()
    last_refreshed_display = serializers.SerializerMethodField()

    def get_records_read_display(self, obj) -> str:
        return formatting.integer(obj.import_records_read)

    def get_last_refreshed_display(self, obj) -> str:
        return formatting.moment(obj.last_refreshed_at) if obj.last_refreshed_at else "not yet"


class IntegrationSerializer(serializers.ModelSerializer):
    """An integration as programs see it. Credentials are never part of it."""

    import_progress = ImportProgressSerializer(source="*", read_only=True)
    last_error = serializers.CharField(source="status_message", read_only=True)
    workspaces = serializers.SerializerMethodField()

    class Meta:
        model = Integration
        fields = [
            "id", "provider", "account_name", "account_sid", "description", "status", "last_error",
            "import_progress", "last_refreshed_at", "workspaces", "created_at",
        ]
        read_only_fields = fields

    def get_workspaces(self, obj) -> list[int]:
        return sorted(w.pk for w in obj.workspaces.all())


def _chosen(editable: list[Workspace], pks) -> list[Workspace]:
    """The workspaces ``pks`` if each is among ``editable``; a ValidationError naming the others."""
    by_pk = {w.pk: w for w in editable}
    unknown = [pk for pk in pks if pk not in by_pk]
    if unknown:
        raise serializers.ValidationError(f"You cannot assign workspaces {unknown}: not found or not editable by you.")
    return [by_pk[pk] for pk in pks]


class IntegrationUpdateSerializer(serializers.Serializer):
    # Needs ``integration`` in its context: assigning no workspace must leave it one it keeps.
    # (No docstring: the API schema would show it.)

    description = serializers.CharField(max_length=500, allow_blank=True, required=False)
    workspaces = serializers.ListField(child=serializers.IntegerField(), required=False, allow_empty=True)

    def validate_workspaces(self, value):
        self.editable = editable = list(Workspace.objects.editable_by(self.context["request"].user))
        chosen = _chosen(editable, value)
        try:
            check_keeps_a_workspace(self.context["integration"], chosen, editable)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return chosen


class TwilioIntegrationCreateSerializer(serializers.Serializer):
    """Same rules as the Connect form; the secret is write-only."""

    # The rules are integrations/twilio/credentials.py's, shared with the form.

    api_key = serializers.CharField(max_length=64, help_text="API Key SID (SK + 32 hex)")
    api_secret = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})
    account_sid = serializers.CharField(max_length=64, help_text="Account SID (AC + 32 hex)")
    account_name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    workspaces = serializers.ListField(child=serializers.IntegerField(), required=False)

    def validate_api_key(self, value):
        return credentials.clean_api_key_sid(value)

    def validate_account_sid(self, value):
        return credentials.clean_account_sid(value)

    def validate_account_name(self, value):
        return credentials.clean_account_name(value)

    def validate_workspaces(self, value):
        return _chosen(list(Workspace.objects.editable_by(self.context["request"].user)), value)

    def validate(self, attrs):
        try:
            credentials.check_credentials(attrs["api_key"], attrs["api_secret"], attrs["account_sid"])
            credentials.check_not_connected(attrs["account_sid"])  # only to a key valid for the account (finding 4)
        except credentials.CredentialsProblem as exc:
            raise serializers.ValidationError({exc.field or "non_field_errors": [exc.message]}) from None
        return attrs


class EarlierHistoryRequestSerializer(serializers.Serializer):
    # Needs ``integration`` in its context: the bounds depend on what it already imported.

    start_month = serializers.CharField(
        help_text="The month to go back to, YYYY-MM: not after the earliest month already imported, at most "
        f"{history.MAX_MONTHS_BACK} months before the current one."
    )

    def validate_start_month(self, value):
        try:
            return history.check_start_month(self.context["integration"], history.parse_month(value))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


class EarlierHistoryResponseSerializer(serializers.Serializer):
    start_month = serializers.DateField(format="%Y-%m", help_text="The month the import goes back to.")
    months_queued = serializers.IntegerField(help_text="Months to import (0: every month is already imported).")
    integration = IntegrationSerializer()
