"""Reading stored forecasts: the one place pages, the Overview, budgets and the API get them from.

Nothing here fits anything: the forecasting task stores a report's latest fit (``models``); these functions
read it with small indexed queries, aggregated in the database (never a loop over points in Python).

* ``forecast_of(report)`` -> the report's ``ReportForecast`` (status, reason, accuracy) or ``None``;
* ``month_forecast(report, month, currency)`` -> the month's ``ForecastMonth`` (the band of the TOTAL);
* ``month_forecasts(report, month)`` -> every currency's ``ForecastMonth`` of that month;
* ``daily_points(report, start, end, services=None)`` -> ``DailyPoint`` per day and currency, summed over
  the services asked for (all of them by default; ``exclude=True``: all but those);
* ``accuracy_text(forecast)`` / ``reason_text(forecast)``: what a person reads beside the figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from .models import ForecastMonth, ForecastPoint, ForecastStatus, ReportForecast

MIN_HISTORY_DAYS = 14  # what the engine needs; said in the reason when it wrote none
NO_FORECAST_YET = "No forecast yet: one is computed after each import of this report's costs."


@dataclass(frozen=True)
class DailyPoint:
    """One forecast day in one currency: the services' amounts and their 80% bands added up."""

    date: date
    currency: str
    amount: Decimal
    low: Decimal
    high: Decimal


def _report_filter(report) -> dict:
    """Rows of ``report`` (a ``CostReport`` or its primary key)."""
    return {"forecast__report": report}


def forecast_of(report) -> ReportForecast | None:
    """The report's latest forecast (whatever its status), or ``None`` if none was ever computed. One query."""
    return ReportForecast.objects.filter(report=report).first()


def month_forecast(report, month: date, currency: str) -> ForecastMonth | None:
    """The expected total of the calendar month starting ``month`` in ``currency`` (``None``: not forecast).
    Only an ``ok`` forecast's months count. One query."""
    return (
        ForecastMonth.objects.filter(**_report_filter(report), forecast__status=ForecastStatus.OK,
                                     month=month.replace(day=1), currency=currency)  # fmt: skip
        .first()
    )


def month_forecasts(report, month: date) -> list[ForecastMonth]:
    """Every currency's expected total of the month starting ``month``, by currency. One query."""
    return list(
        ForecastMonth.objects.filter(**_report_filter(report), forecast__status=ForecastStatus.OK,
                                     month=month.replace(day=1)).order_by("currency")  # fmt: skip
    )


def daily_points(
    report, start: date, end: date, services: Iterable[str] | None = None, *, exclude: bool = False,
    currency: str | None = None, after: date | None = None,
) -> list[DailyPoint]:  # fmt: skip
    """The forecast per day of ``start..end`` (and after ``after``, e.g. the last day of actual costs) and
    currency, summed in the database over ``services`` (``None``: every service; ``exclude``: every service
    but those). Days are in order. One query."""
    points = ForecastPoint.objects.filter(
        **_report_filter(report), forecast__status=ForecastStatus.OK, date__gte=start, date__lte=end
    )
    if after is not None:
        points = points.filter(date__gt=after)
    if currency is not None:
        points = points.filter(currency=currency)
    if services is not None:
        services = list(services)
        points = points.exclude(service__in=services) if exclude else points.filter(service__in=services)
    rows = (
        points.values("date", "currency")
        .annotate(total=Sum("amount"), total_low=Sum("low"), total_high=Sum("high"))
        .order_by("date", "currency")
    )
    return [DailyPoint(r["date"], r["currency"], r["total"], r["total_low"], r["total_high"]) for r in rows]


def accuracy_text(forecast: ReportForecast | None) -> str:
    """E.g. "last 6 months: within 4.1% on day 10" from the stored backtest; "" when none was measured."""
    accuracy = (forecast.accuracy if forecast is not None else None) or {}
    try:
        months, day, error = int(accuracy["months"]), int(accuracy["day"]), Decimal(str(accuracy["error_percent"]))
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return ""
    within = f"{error.quantize(Decimal('0.1')):f}".removesuffix(".0")
    return f"last {months} month{'s' if months != 1 else ''}: within {within}% on day {day}"


def reason_text(forecast: ReportForecast | None) -> str:
    """Why there is no forecast, in words ("" when there is one)."""
    if forecast is None:
        return NO_FORECAST_YET
    if forecast.status == ForecastStatus.OK:
        return ""
    if forecast.reason:
        return forecast.reason
    if forecast.status == ForecastStatus.TOO_SHORT:
        return f"Not enough history: a forecast needs {MIN_HISTORY_DAYS} days of costs."
    return "The last forecast failed; it is tried again after the next import."
