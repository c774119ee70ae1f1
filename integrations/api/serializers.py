from rest_framework import serializers

from integrations.models import Integration
from vantage.models import Workspace


class ImportProgressSerializer(serializers.Serializer):
    windows_total = serializers.IntegerField(source="import_windows_total")
    windows_done = serializers.IntegerField(source="import_windows_done")
    records_read = serializers.IntegerField(source="import_records_read")
    percent = serializers.IntegerField(source="progress_percent")


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


class IntegrationUpdateSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=500, allow_blank=True, required=False)
    workspaces = serializers.ListField(child=serializers.IntegerField(), required=False, allow_empty=True)

    def validate_workspaces(self, value):
        user = self.context["request"].user
        editable = {w.pk: w for w in Workspace.objects.editable_by(user)}
        unknown = [pk for pk in value if pk not in editable]
        if unknown:
            raise serializers.ValidationError(f"You cannot assign workspaces {unknown}: not found or not editable by you.")
        return [editable[pk] for pk in value]


class TwilioIntegrationCreateSerializer(serializers.Serializer):
    """Same rules as the Connect form (it is run underneath); the secret is write-only."""

    api_key = serializers.CharField(max_length=64, help_text="API Key SID (SK + 32 hex)")
    api_secret = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})
    account_sid = serializers.CharField(max_length=64, help_text="Account SID (AC + 32 hex)")
    account_name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    workspaces = serializers.ListField(child=serializers.IntegerField(), required=False)

    FORM_FIELDS = {"api_key_sid": "api_key", "api_secret": "api_secret", "account_sid": "account_sid",
                   "account_name": "account_name", "description": "description"}

    def validate_workspaces(self, value):
        return IntegrationUpdateSerializer(context=self.context).validate_workspaces(value)

    def validate(self, attrs):
        from integrations.forms import TwilioConnectForm

        form = TwilioConnectForm(data={
            "api_key_sid": attrs["api_key"], "api_secret": attrs["api_secret"], "account_sid": attrs["account_sid"],
            "account_name": attrs["account_name"], "description": attrs.get("description", ""),
        })
        if not form.is_valid():
            errors = {}
            for field, messages in form.errors.items():
                errors[self.FORM_FIELDS.get(field, "non_field_errors")] = [str(m) for m in messages]
            raise serializers.ValidationError(errors)
        return {**attrs, **{self.FORM_FIELDS[k]: v for k, v in form.cleaned_data.items()}}
