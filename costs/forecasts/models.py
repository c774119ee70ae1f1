"""Stored forecasts: the latest fit of each cost report, per day, service and currency, with month totals.

Written only by the forecasting task (never on a request); read by the report page, the Overview, budgets
and the API.
"""

from __future__ import annotations

from django.db import models

from vantage.lib.money import MONEY


class ForecastStatus(models.TextChoices):
    OK = "ok", "Forecast"
    TOO_SHORT = "too_short", "Not enough history"
    FAILED = "failed", "Failed"


class ReportForecast(models.Model):
    """The latest forecast of one cost report (its own filters, in the workspace's reporting currency or
    its billing currencies), replaced whole by each fit."""

    report = models.OneToOneField("costs.CostReport", on_delete=models.CASCADE, related_name="forecast")
    status = models.CharField(max_length=10, choices=ForecastStatus.choices)
    reason = models.CharField(max_length=200, blank=True, help_text="Why there is no forecast, in words.")
    method = models.CharField(max_length=300, blank=True, help_text="The models used, in words.")
    history_start = models.DateField(null=True, blank=True)
    history_end = models.DateField(null=True, blank=True, help_text="The last day of actual costs it saw.")
    horizon_end = models.DateField(null=True, blank=True)
    # the backtest over the report's own history, e.g. {"months": 6, "day": 10, "error_percent": 4.1}
    accuracy = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField()

    def __str__(self):
        return f"forecast of report {self.report_id}: {self.status}"


class ForecastPoint(models.Model):
    """One forecast day of one service in one currency, with its 80% band."""

    forecast = models.ForeignKey(ReportForecast, on_delete=models.CASCADE, related_name="points")
    date = models.DateField()
    service = models.CharField(max_length=64)
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(**MONEY)
    low = models.DecimalField(**MONEY)
    high = models.DecimalField(**MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["forecast", "date", "service", "currency"], name="forecastpoint_unique")
        ]
        indexes = [models.Index(fields=["forecast", "date"], name="forecastpoint_date")]

    def __str__(self):
        return f"{self.date} {self.service} {self.amount} {self.currency}"


class ForecastMonth(models.Model):
    """A calendar month's expected total in one currency (all services): actual to date plus the forecast
    of its remaining days, with the 80% band of that total (not a sum of daily bands)."""

    forecast = models.ForeignKey(ReportForecast, on_delete=models.CASCADE, related_name="months")
    month = models.DateField(help_text="The month's first day.")
    currency = models.CharField(max_length=3)
    actual = models.DecimalField(help_text="Actual cost of the month up to history_end.", **MONEY)
    amount = models.DecimalField(**MONEY)
    low = models.DecimalField(**MONEY)
    high = models.DecimalField(**MONEY)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["forecast", "month", "currency"], name="forecastmonth_unique")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.amount} {self.currency}"
