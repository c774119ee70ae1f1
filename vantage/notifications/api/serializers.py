"""Webhook endpoints and notification records in the API. The URL is write-only (the path of a Slack or
Teams webhook URL is a credential) and the signing secret appears only in the answer to the POST."""

from rest_framework import serializers

from ..forms import validate_webhook_name, validate_webhook_url
from ..models import Notification, WebhookEndpoint
from ..outbound import display_url


class WebhookEndpointSerializer(serializers.ModelSerializer):
    url = serializers.CharField(
        write_only=True, max_length=500,
        help_text="https:// URL receiving a signed JSON POST; checked now (public address, answers). Never returned.",
    )  # fmt: skip
    target = serializers.SerializerMethodField(help_text="Scheme and host of the URL (the path is not shown).")

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "name", "url", "target", "is_active", "failing", "consecutive_failures", "created_at"]
        read_only_fields = ["is_active", "failing", "consecutive_failures", "created_at"]

    def get_target(self, obj) -> str:
        return display_url(obj.url)

    def validate_name(self, value):
        return validate_webhook_name(self.context["workspace"], value)  # Django's ValidationError: DRF maps it

    def validate_url(self, value):
        return validate_webhook_url(value)


class CreatedWebhookEndpointSerializer(WebhookEndpointSerializer):
    signing_secret = serializers.CharField(read_only=True, help_text="Shown only in this answer: store it now.")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "signing_secret"]


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "channel", "recipient", "webhook", "subject", "text", "payload", "status", "attempts",
                  "last_error", "response_code", "next_attempt_at", "created_at", "sent_at"]
        read_only_fields = fields
