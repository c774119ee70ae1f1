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
from vantage.lib.money import ExactSum

from ..choices import DateBin, Mode, Sort
from ..filtersets import TAG_PARAM, saved_filters_q
from ..models import CostReport
from ..reports import ReportQuery
from ..reports.conversion import COST, CURRENCY, money
from ..scoping import workspace_line_items
from ..services import ensure_default_report
from . import engine
from .models import ForecastMonth, ForecastPoint, ForecastStatus, ReportForecast

METHOD_LENGTH = 300  # ReportForecast.method

logger = logging.getLogger(__name__)

# What a forecast reads: ETS and the weekday means fit the last engine.FIT_MONTHS (six complete months to
# backtest, each with the month before it to learn from); last year's same days need a year and 28 days more.
HISTORY_MONTHS = 14
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


VANISHED = "The report filters on a dimension that no longer exists."


def report_history(report: CostReport, today: date):
    """``(end, {(service, currency): {day: cost}})`` of one report through ``ReportQuery`` (exact for every
    filter, split virtual tags included), or a reason string when it cannot be read."""
    rows = _report_rows(report)
    if rows is None:
        return VANISHED
    end = _history_end(rows, today)
    if end is None:
        return None, {}
    return end, daily_history(report, rows, add_months(month_start(end), -HISTORY_MONTHS), end)


def workspace_histories(workspace, reports, today: date) -> dict:
    """``report_history`` of many reports of ``workspace`` at once: reports without a virtual tag filter from
    ONE grouped query of conditional sums (the workspace's rows are read once, however many reports), the
    others (a tag may split rows by weight) each through its own ``ReportQuery``."""
    out = {r.pk: report_history(r, today) for r in reports if TAG_PARAM in (r.filters or {})}
    batched = {r.pk: saved_filters_q(r.filters, workspace) for r in reports if r.pk not in out}
    out.update({pk: VANISHED for pk, q in batched.items() if q is None})
    sums = {f"r{pk}": ExactSum(COST, filter=q) if q else ExactSum(COST) for pk, q in batched.items() if q is not None}
    rows = workspace_line_items(workspace).filter(date__lt=today)
    last = rows.aggregate(last=Max("date"))["last"] if sums else None
    series = {pk: defaultdict(dict) for pk in batched}
    if last is not None:
        grouped = money(rows.filter(date__gte=add_months(month_start(last), -HISTORY_MONTHS)),
                        workspace.reporting_currency or None)
        for row in grouped.values("date", "service", CURRENCY).annotate(**sums).order_by():
            for key in sums:
                value, pk = row[key], int(key[1:])
                if value is not None:
                    series[pk][(row["service"] or "", row[CURRENCY])][_as_date(row["date"])] = float(value)
    for pk in (int(key[1:]) for key in sums):
        ends = [max(h) for h in series[pk].values() if h]
        out[pk] = (max(ends), series[pk]) if ends else (None, {})
    return out


def compute_forecast(report: CostReport, today: date | None = None, history=None) -> dict:
    """Everything a report's forecast stores, computed (nothing written): a dict of ReportForecast fields
    plus ``points`` and ``months`` (unsaved rows). ``history``: what ``report_history`` returns, if known."""
    today = today or utc_today()
    history = report_history(report, today) if history is None else history
    if isinstance(history, str):
        return {"status": ForecastStatus.FAILED, "reason": history}
    end, series = history
    days = [d for h in series.values() for d, v in h.items() if v]
    if end is None or not days:
        return {"status": ForecastStatus.TOO_SHORT, "reason": engine.too_short_reason(0), "history_end": end}
    first = min(days)
    length = (end - first).days + 1
    if length < engine.MIN_HISTORY_DAYS:
        return {"status": ForecastStatus.TOO_SHORT, "reason": engine.too_short_reason(length),
                "history_start": first, "history_end": end}
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
    return {
        "status": ForecastStatus.OK,
        "method": method_summary([fit.method for fit in fits.values()]),
        "history_start": first,
        "history_end": end,
        "horizon_end": until,
        "accuracy": _accuracy(totals, end),
        "points": points,
        "months": months,
    }


def refresh_report_forecast(report: CostReport, today: date | None = None, history=None) -> ReportForecast:
    """Fit ``report``'s forecast and replace the stored one (all of it, or nothing, in one transaction)."""
    try:
        fields = compute_forecast(report, today, history)
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
    today = today or utc_today()
    reports = list(CostReport.objects.filter(workspace=workspace))
    histories = workspace_histories(workspace, reports, today)
    return [refresh_report_forecast(report, today, histories[report.pk]) for report in reports]


def month_forecast(report: CostReport, month: date) -> list[ForecastMonth]:
    """The stored expected totals of ``month`` (one per currency) of ``report``'s forecast; [] if none."""
    return list(
        ForecastMonth.objects.filter(
            forecast__report=report, forecast__status=ForecastStatus.OK, month=month_start(month)
        ).order_by("currency")
    )


def method_summary(methods: list[str]) -> str:
    """The methods used, each once with how many series it forecast, whole sentences only (a fallback's
    reason, "(the series is ...)", differs per series: it is the series' own, not the report's)."""
    counts: dict[str, int] = {}
    for method in methods:
        base = method.split(" (the series", 1)[0].removesuffix(engine.YEAR_NOTE)
        counts[base] = counts.get(base, 0) + 1
    if not counts:
        return engine.FALLBACK_METHOD
    yearly = sum(1 for method in methods if method.endswith(engine.YEAR_NOTE))
    if len(counts) == 1:
        base, n = next(iter(counts.items()))
        if yearly in (0, n):
            return base + (engine.YEAR_NOTE if yearly else "")
        parts = [base]
    else:
        ordered = sorted(counts.items(), key=lambda kv: (kv[0] != engine.ETS_METHOD, -kv[1], kv[0]))
        parts = [f"{base}: {n} series" for base, n in ordered]
    if yearly:
        parts.append(f"last year's same days averaged in for {yearly} of {len(methods)} series")
    while len(parts) > 1 and len("; ".join(parts)) > METHOD_LENGTH:  # whole parts only
        parts.pop(-2 if yearly and len(parts) > 2 else -1)
    return "; ".join(parts)
