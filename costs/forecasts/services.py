"""Forecast workflows: fit a report's forecast and store it (in a task, never on a request), read it back.

``refresh_report_forecast(report)`` reads the report's daily cost per service and currency (its own saved
filters, in the workspace's reporting currency) with ONE grouped query, fits each series
(``engine.forecast_series``), and replaces the report's stored forecast in one transaction: daily points
to the end of the current month and the next three months, month totals (actual to date + forecast) and
the backtest's typical error. ``refresh_workspace_forecasts(workspace)`` does it for every report.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from vantage.lib.dates import add_months, month_end, month_start, utc_today

from ..choices import DateBin, Mode, Sort
from ..filtersets import saved_filters_q
from ..models import CostReport
from ..reports import ReportQuery
from ..scoping import workspace_line_items
from ..services import ensure_default_report
from . import engine
from .models import ForecastMonth, ForecastPoint, ForecastStatus, ReportForecast

logger = logging.getLogger(__name__)

HISTORY_MONTHS = 7  # six complete months to backtest, each with the month before it to learn from
FUTURE_MONTHS = 3  # forecast to the end of the current month and of the next three
BACKTEST_DAY = 10
BACKTEST_MONTHS = 6


def _report_rows(report: CostReport):
    """The report's line items (its saved filters, in its workspace), or None when a filter names a
    dimension that no longer exists."""
    condition = saved_filters_q(report.filters, report.workspace)
    if condition is None:
        return None
    return workspace_line_items(report.workspace).filter(condition)


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def daily_history(report: CostReport, rows, start: date, end: date) -> dict[tuple[str, str], dict[date, float]]:
    """{(service, currency): {day: cost}} over ``start..end``: one grouped query in the database."""
    currency = report.workspace.reporting_currency or None
    query = ReportQuery(rows, start=start, end=end, group_by=["service"], bin=DateBin.DAY, mode=Mode.SPEND,
                        sort=Sort.NAME, workspace=report.workspace, currency=currency)
    series: dict[tuple[str, str], dict[date, float]] = defaultdict(dict)
    for row in query.rows():
        if row.cost is not None:
            series[(row.groups[0] or "", row.currency)][_as_date(row.bin)] = float(row.cost)
    return series


def _history_end(rows, today: date) -> date | None:
    """The last complete day of costs: the last imported day before today (today is still accruing)."""
    return rows.filter(date__lt=today).aggregate(last=Max("date"))["last"]


def _fit_all(series, *, first: date, end: date, until: date) -> dict[tuple[str, str], engine.SeriesForecast]:
    fits = {}
    for i, (key, history) in enumerate(sorted(series.items())):
        recent = [v for d, v in history.items() if d > end - timedelta(days=engine.RECENT_DAYS)]
        if not any(recent):  # stopped: nothing to forecast
            continue
        fits[key] = engine.forecast_series(history, start=first, end=end, until=until, seed=i)
    return fits


def _totals_by_currency(series) -> dict[str, dict[date, float]]:
    totals: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    for (_, currency), history in series.items():
        for day, value in history.items():
            totals[currency][day] += value
    return totals


def _accuracy(totals: dict[str, dict[date, float]], end: date) -> dict:
    """The backtest of the month-end total in the report's main currency (the largest)."""
    if not totals:
        return {}
    currency = max(totals, key=lambda c: abs(sum(totals[c].values())))
    result = engine.backtest_month_end(totals[currency], end=end, day=BACKTEST_DAY, months=BACKTEST_MONTHS)
    return {**result, "currency": currency} if result else {}


def compute_forecast(report: CostReport, today: date | None = None) -> dict:
    """Everything a report's forecast stores, computed (nothing written): a dict of ReportForecast fields
    plus ``points`` and ``months`` (unsaved rows)."""
    rows = _report_rows(report)
    if rows is None:
        return {"status": ForecastStatus.FAILED, "reason": "The report filters on a dimension that no longer exists."}
    today = today or utc_today()
    end = _history_end(rows, today)
    if end is None:
        return {"status": ForecastStatus.TOO_SHORT, "reason": engine.too_short_reason(0)}
    start = add_months(month_start(end), -HISTORY_MONTHS)
    series = daily_history(report, rows, start, end)
    days = [d for history in series.values() for d, v in history.items() if v]
    first = min(days) if days else end
    length = (end - first).days + 1 if days else 0
    if length < engine.MIN_HISTORY_DAYS:
        return {"status": ForecastStatus.TOO_SHORT, "reason": engine.too_short_reason(length),
                "history_start": first if days else None, "history_end": end}
    until = month_end(add_months(month_start(max(today, end)), FUTURE_MONTHS))
    fits = _fit_all(series, first=first, end=end, until=until)
    return _stored(series, fits, first=first, end=end, until=until)


def _stored(series, fits, *, first: date, end: date, until: date) -> dict:
    points = [
        ForecastPoint(date=day, service=service, currency=currency, amount=engine.as_decimal(amount),
                      low=engine.as_decimal(low), high=engine.as_decimal(high))
        for (service, currency), fit in fits.items()
        for day, amount, low, high in fit.points()
    ]
    totals = _totals_by_currency(series)
    months = []
    for currency, actual in sorted(totals.items()):
        in_currency = [fit for (_, cur), fit in fits.items() if cur == currency]
        for m in engine.month_totals(actual, in_currency, end=end, months=engine.months_between(end, until)):
            months.append(ForecastMonth(month=m.month, currency=currency, actual=engine.as_decimal(m.actual),
                                        amount=engine.as_decimal(m.amount), low=engine.as_decimal(m.low),
                                        high=engine.as_decimal(m.high)))  # fmt: skip
    methods = sorted({fit.method for fit in fits.values()}, key=lambda m: m != engine.ETS_METHOD)
    return {
        "status": ForecastStatus.OK,
        "method": "; ".join(methods)[:120] or engine.FALLBACK_METHOD,
        "history_start": first,
        "history_end": end,
        "horizon_end": until,
        "accuracy": _accuracy(totals, end),
        "points": points,
        "months": months,
    }


def refresh_report_forecast(report: CostReport, today: date | None = None) -> ReportForecast:
    """Fit ``report``'s forecast and replace the stored one (all of it, or nothing, in one transaction)."""
    try:
        fields = compute_forecast(report, today)
    except Exception:  # a fit that breaks must not stop the other reports; the operator sees "failed"
        logger.exception("Forecast of cost report %s failed", report.pk)
        fields = {"status": ForecastStatus.FAILED, "reason": "The forecast could not be computed; see the logs."}
    points, months = fields.pop("points", []), fields.pop("months", [])
    defaults = {"reason": "", "method": "", "history_start": None, "history_end": None, "horizon_end": None,
                "accuracy": {}, **fields, "computed_at": timezone.now()}
    with transaction.atomic():
        forecast, _ = ReportForecast.objects.update_or_create(report=report, defaults=defaults)
        forecast.points.all().delete()
        forecast.months.all().delete()
        for row in (*points, *months):
            row.forecast = forecast
        ForecastPoint.objects.bulk_create(points, batch_size=2000)
        ForecastMonth.objects.bulk_create(months)
    return forecast


def refresh_workspace_forecasts(workspace, today: date | None = None) -> list[ReportForecast]:
    """Refresh the forecast of every cost report of ``workspace`` (All Resources included)."""
    ensure_default_report(workspace)  # All Resources exists before anyone opens the report list
    return [refresh_report_forecast(report, today) for report in CostReport.objects.filter(workspace=workspace)]


def month_forecast(report: CostReport, month: date) -> list[ForecastMonth]:
    """The stored expected totals of ``month`` (one per currency) of ``report``'s forecast; [] if none."""
    return list(
        ForecastMonth.objects.filter(
            forecast__report=report, forecast__status=ForecastStatus.OK, month=month_start(month)
        ).order_by("currency")
    )
