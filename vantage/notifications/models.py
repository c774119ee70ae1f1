"""What the product sends and to where: workspace webhook endpoints, and a record of every notification."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from encrypted_model_fields.fields import EncryptedCharField

from vantage.lib.text import refuse_bidi_controls


class WebhookEndpoint(models.Model):
    """An HTTPS URL of a workspace that receives signed JSON (Slack/Teams compatible ``text``)."""

    workspace = models.ForeignKey("vantage.Workspace", on_delete=models.CASCADE, related_name="webhook_endpoints")
    name = models.CharField(max_length=100, validators=[refuse_bidi_controls])
    url = models.URLField(max_length=500)
    # HMAC-SHA256 key receivers verify signatures with: shown once when created, stored encrypted
    signing_secret = EncryptedCharField(max_length=100)
    is_active = models.BooleanField(default=True)
    failing = models.BooleanField(default=False, help_text="Set when deliveries keep failing; shown to owners.")
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="webhook_unique_name")]

    def __str__(self):
        return self.name


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    RETRYING = "retrying", "Retrying"
    FAILED = "failed", "Failed"


class Notification(models.Model):
    """One message to one recipient on one channel: what, to whom, and how its delivery went.

    ``dedupe_key`` (unique) makes a notification at most once: whoever records the same key second
    (another worker, a re-run import) records nothing."""

    workspace = models.ForeignKey("vantage.Workspace", on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40, help_text='What sent it, e.g. "budget_alert".')
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(max_length=254, help_text="An email address, or the webhook's name.")
    webhook = models.ForeignKey(WebhookEndpoint, null=True, blank=True, on_delete=models.SET_NULL)
    subject = models.CharField(max_length=200)
    text = models.TextField()
    payload = models.JSONField(default=dict, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="notification_ws_created")]

    def __str__(self):
        return f"{self.kind} to {self.recipient} ({self.channel}): {self.status}"
