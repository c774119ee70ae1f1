"""Cost alerts with the events they fired, and report digests with the periods they sent.

The rules every writer applies (forms, API, admin) live in ``validation.py``. An event is unique per
alert, report, group and period, and a digest's send per digest and period: whoever records it second
(another worker, a re-run import) records nothing and sends nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .choices import Direction, Frequency, Period


class Recipients(models.Model):
    """Who hears of it: members by email and the workspace's webhook endpoints."""

    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                        help_text="Workspace members, emailed.")
    webhooks = models.ManyToManyField("notifications.WebhookEndpoint", blank=True, related_name="+")
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def emails(self) -> list[str]:
        """The recipients' addresses, members of the workspace only (one may have left since)."""
        members = set(self.workspace.memberships.values_list("user_id", flat=True))
        return sorted({u.email for u in self.recipients.all() if u.email and u.pk in members})


class CostAlert(Recipients):
    """Fires when a group of one of its reports changed by a % and/or an amount between two complete periods."""

    workspace = models.ForeignKey("vantage.Workspace", on_delete=models.CASCADE, related_name="cost_alerts")
    name = models.CharField(max_length=100)
    reports = models.ManyToManyField("costs.CostReport", related_name="cost_alerts")
    percent = models.DecimalField("Threshold %", max_digits=7, decimal_places=2, null=True, blank=True,
                                  help_text="Change against the previous period, 1 to 1000 %.")
    amount = models.DecimalField("Threshold amount", max_digits=14, decimal_places=2, null=True, blank=True,
                                 help_text="Change against the previous period, in the report's currency.")
    direction = models.CharField(max_length=6, choices=Direction.choices, default=Direction.UP)
    period = models.CharField(max_length=7, choices=Period.choices, default=Period.DAY)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    @property
    def threshold_text(self) -> str:
        parts = ([f"{self.percent.normalize():f}%"] if self.percent is not None else []) + (
            [f"{self.amount:,.2f}"] if self.amount is not None else [])
        return " and ".join(parts)


class CostAlertEvent(models.Model):
    """One group of one report crossing an alert's thresholds in one period (recorded once)."""

    alert = models.ForeignKey(CostAlert, on_delete=models.CASCADE, related_name="events")
    report = models.ForeignKey("costs.CostReport", on_delete=models.CASCADE, related_name="+")
    group_key = models.CharField(max_length=200, help_text="The group's values and currency, as recorded.")
    group = models.CharField(max_length=300, help_text="The group as people read it, e.g. SMS & MMS.")
    currency = models.CharField(max_length=3)
    period = models.CharField(max_length=7, choices=Period.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    previous_amount = models.DecimalField(max_digits=20, decimal_places=6)
    amount = models.DecimalField(max_digits=20, decimal_places=6)
    change = models.DecimalField(max_digits=20, decimal_places=6)
    percent = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True,
                                  help_text="Empty when the previous period cost nothing.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "-pk"]
        constraints = [models.UniqueConstraint(fields=["alert", "report", "group_key", "period_start"],
                                               name="costalertevent_once_per_period")]

    def __str__(self):
        return f"{self.alert} {self.group} {self.period_start}"

    @property
    def direction(self) -> str:
        return Direction.UP if self.change > 0 else Direction.DOWN


class ReportDigest(Recipients):
    """A cost report's totals and changes, sent daily, weekly (Mondays) or monthly (the 2nd)."""

    workspace = models.ForeignKey("vantage.Workspace", on_delete=models.CASCADE, related_name="report_digests")
    report = models.ForeignKey("costs.CostReport", on_delete=models.CASCADE, related_name="digests")
    frequency = models.CharField(max_length=7, choices=Frequency.choices, default=Frequency.WEEKLY)

    class Meta:
        ordering = ["report__title", "frequency", "pk"]

    def __str__(self):
        return f"{self.report} ({self.get_frequency_display()})"


class ReportDigestSend(models.Model):
    """One digest's period, sent (recorded once: the digest goes out once per period)."""

    digest = models.ForeignKey(ReportDigest, on_delete=models.CASCADE, related_name="sends")
    period_start = models.DateField()
    period_end = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "-pk"]
        constraints = [models.UniqueConstraint(fields=["digest", "period_start"], name="reportdigestsend_once")]

    def __str__(self):
        return f"{self.digest} {self.period_start}"
