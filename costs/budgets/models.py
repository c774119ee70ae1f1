"""Budgets per cost report (monthly periods, hierarchies up to 10 levels) and their alerts.

The rules every writer applies (forms, CSV import, API, admin) live in ``validation.py``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models

from vantage.lib.text import refuse_bidi_controls

from .choices import Basis, Window


class Budget(models.Model):
    """A monthly budget for one cost report; or a parent adding up its child budgets (no periods of its own)."""

    workspace = models.ForeignKey("vantage.Workspace", on_delete=models.CASCADE, related_name="budgets")
    cost_report = models.ForeignKey("costs.CostReport", on_delete=models.CASCADE, related_name="budgets")
    name = models.CharField(max_length=100, validators=[refuse_bidi_controls])
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children",
        help_text="A budget sits in one place only; its parent adds it up with its siblings.",
    )  # fmt: skip
    currency = models.CharField(max_length=3)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="budget_unique_name")]

    def __str__(self):
        return self.name


class BudgetPeriod(models.Model):
    """``amount`` for every month from ``start_month`` to ``end_month`` (both first days; open-ended if None)."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="periods")
    start_month = models.DateField(help_text="The first day of the first month.")
    end_month = models.DateField(null=True, blank=True, help_text="The first day of the last month; empty: open.")
    amount = models.DecimalField(max_digits=16, decimal_places=2, help_text="Per month.")

    class Meta:
        ordering = ["start_month", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_month__isnull=True) | models.Q(end_month__gte=models.F("start_month")),
                name="budgetperiod_end_after_start",
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="budgetperiod_amount_not_negative"),
        ]

    def __str__(self):
        end = f"{self.end_month:%Y-%m}" if self.end_month else "…"
        return f"{self.start_month:%Y-%m} to {end}: {self.amount}"

    def covers(self, month: date) -> bool:
        return self.start_month <= month and (self.end_month is None or month <= self.end_month)


def amount_for(periods, month: date) -> Decimal | None:
    """The month's amount among ``periods`` (they never overlap), or None if none covers it."""
    return next((p.amount for p in periods if p.covers(month)), None)


class BudgetAlert(models.Model):
    """Thresholds (% of the month's budget) on actual spend or on the forecast, sent to members and webhooks."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="alerts")
    thresholds = models.JSONField(default=list, help_text="Percentages of the month's budget, 1 to 1000.")
    basis = models.CharField(max_length=10, choices=Basis.choices, default=Basis.ACTUAL)
    window = models.CharField(max_length=5, choices=Window.choices, default=Window.NONE)
    window_days = models.PositiveSmallIntegerField(null=True, blank=True, help_text="N, for a first/last-days window.")
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="budget_alerts")
    webhooks = models.ManyToManyField("notifications.WebhookEndpoint", blank=True, related_name="budget_alerts")
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["budget__name", "pk"]

    def __str__(self):
        levels = ", ".join(f"{t}%" for t in self.thresholds)
        return f"{self.budget}: {levels} of {self.get_basis_display().lower()}"


class BudgetAlertFiring(models.Model):
    """A threshold of an alert crossed in one month: at most one row per (alert, month, threshold), so two
    evaluations (a re-run import, two workers) fire it once."""

    alert = models.ForeignKey(BudgetAlert, on_delete=models.CASCADE, related_name="firings")
    month = models.DateField(help_text="The month's first day.")
    threshold = models.PositiveSmallIntegerField()
    basis = models.CharField(max_length=10, choices=Basis.choices)
    value = models.DecimalField(max_digits=28, decimal_places=10, help_text="The spend or forecast that crossed it.")
    budget_amount = models.DecimalField(max_digits=16, decimal_places=2)
    notified = models.BooleanField(default=False, help_text="False: crossed with a higher one, only that was sent.")
    fired_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-fired_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "month", "threshold"], name="budgetalertfiring_once")
        ]

    def __str__(self):
        return f"{self.alert_id} {self.month:%Y-%m} {self.threshold}%"
