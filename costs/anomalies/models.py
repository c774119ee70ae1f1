"""Anomalies found on daily cost series, the workspace's floors, suppressions and notification settings.

A series is one (billing account = integration, account, service, category) daily cost. The scoring
task (``services.score_integration``) records one ``Anomaly`` per workspace, series and day at most
(a unique constraint), so a re-import or two workers never duplicate one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from vantage.lib.money import MONEY

from .choices import (
    DEFAULT_MIN_AMOUNT,
    DEFAULT_MIN_PERCENT,
    AnomalyStatus,
    Direction,
    Feedback,
)


class AnomalySettings(models.Model):
    """A workspace's floors: a day is an anomaly only if its change crosses both (besides the model's band)."""

    workspace = models.OneToOneField("vantage.Workspace", on_delete=models.CASCADE, related_name="anomaly_settings")
    min_amount = models.DecimalField(max_digits=14, decimal_places=2, default=DEFAULT_MIN_AMOUNT,
                                     help_text="In the series' billing currency.")
    min_percent = models.DecimalField(max_digits=7, decimal_places=2, default=DEFAULT_MIN_PERCENT,
                                      help_text="Of the expected cost.")

    class Meta:
        verbose_name_plural = "anomaly settings"

    def __str__(self):
        return f"{self.workspace}: {self.min_amount} and {self.min_percent}%"


class ScoringState(models.Model):
    """How far an integration's series are scored: the next import scores only the days after it."""

    integration = models.OneToOneField(
        "integrations.Integration", on_delete=models.CASCADE, primary_key=True, related_name="anomaly_scoring"
    )
    scored_through = models.DateField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"integration {self.integration_id} scored through {self.scored_through}"


class Anomaly(models.Model):
    workspace = models.ForeignKey("vantage.Workspace", on_delete=models.CASCADE, related_name="anomalies")
    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="anomalies",
        help_text="The billing account.",
    )  # fmt: skip
    account_id = models.CharField("Account", max_length=34)
    service = models.CharField(max_length=64)
    category = models.CharField(max_length=128)
    date = models.DateField()
    currency = models.CharField(max_length=3)
    direction = models.CharField(max_length=5, choices=Direction.choices)
    amount = models.DecimalField(help_text="The day's actual cost.", **MONEY)
    expected = models.DecimalField(**MONEY)
    lower_bound = models.DecimalField(**MONEY)
    upper_bound = models.DecimalField(**MONEY)
    previous_amount = models.DecimalField(null=True, blank=True, help_text="The day before.", **MONEY)
    seven_day_average = models.DecimalField(null=True, blank=True, **MONEY)
    percent_change = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, help_text="Against the expected cost."
    )
    status = models.CharField(max_length=10, choices=AnomalyStatus.choices, default=AnomalyStatus.ACTIVE)
    feedback = models.CharField(max_length=12, choices=Feedback.choices, blank=True, default=Feedback.NONE)
    feedback_note = models.CharField(max_length=500, blank=True)
    notified = models.BooleanField(default=False, help_text="Its first-day alert was recorded for delivery.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name_plural = "anomalies"
        constraints = [
            models.UniqueConstraint(fields=["workspace", "integration", "account_id", "category", "date"],
                                    name="anomaly_once_per_series_day"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["workspace", "status", "-date"], name="anomaly_ws_status_date"),
            models.Index(fields=["workspace", "-date"], name="anomaly_ws_date"),
        ]

    def __str__(self):
        return f"{self.date} {self.service} / {self.category}: {self.get_direction_display().lower()}"

    @property
    def delta(self):
        return self.amount - self.expected


class AnomalySuppression(models.Model):
    """"Expected" feedback: the same series raises no anomaly up to ``until`` (inclusive)."""

    workspace = models.ForeignKey("vantage.Workspace", on_delete=models.CASCADE, related_name="+")
    integration = models.ForeignKey("integrations.Integration", on_delete=models.CASCADE, related_name="+")
    account_id = models.CharField(max_length=34)
    category = models.CharField(max_length=128)
    until = models.DateField()
    anomaly = models.ForeignKey(Anomaly, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-until", "pk"]

    def __str__(self):
        return f"{self.category} of {self.account_id} until {self.until}"


class AnomalyNotification(models.Model):
    """Who hears about the anomalies of one cost report's costs: first-day alerts and a daily digest."""

    workspace = models.ForeignKey("vantage.Workspace", on_delete=models.CASCADE, related_name="+")
    cost_report = models.OneToOneField("costs.CostReport", on_delete=models.CASCADE,
                                       related_name="anomaly_notification")
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="anomaly_notifications")
    webhooks = models.ManyToManyField("notifications.WebhookEndpoint", blank=True,
                                      related_name="anomaly_notifications")
    min_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0,
                                     help_text="Only anomalies whose change is at least this much.")
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cost_report__title", "pk"]

    def __str__(self):
        return f"anomaly notifications of {self.cost_report}"
