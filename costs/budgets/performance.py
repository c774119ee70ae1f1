"""How a budget is doing, month by month: budget, actual, month-to-date budget, forecast, % used, over/under.

Actual spend is added up in the database through each report's own saved filters (one query for every
month and every report a budget covers); the forecast is read from the report's stored forecast
(``forecast_for``, the one place that reads it). A parent budget adds up its children's figures.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from vantage.lib.dates import add_months, month_end, month_start, utc_today
from vantage.lib.money import ExactSum, percent_of

from ..filtersets import saved_filters_q
from ..forecasts.models import ForecastMonth, ForecastStatus
from ..reports.conversion import COST, CURRENCY, money
from ..reports.truncation import TruncMonth
from ..scoping import workspace_line_items
from .models import Budget, amount_for

CENT = Decimal("0.01")
MAX_MONTHS = 120  # an open-ended budget is shown to the end of the current year; never more than ten years


def cents(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(CENT, rounding=ROUND_HALF_UP)


def prorated(amount: Decimal, month: date, today: date) -> Decimal:
    """The month's budget to date: whole for a past month, nothing for a future one, ``amount x day / days``
    for the current month (11/28 x 40,000 = 15,714.29)."""
    if month > month_start(today):
        return Decimal(0)
    if month < month_start(today):
        return amount
    days = calendar.monthrange(month.year, month.month)[1]
    return cents(amount * today.day / days)


def forecasts_for(report, first: date, last: date, currency: str) -> dict[date, Decimal]:
    """The stored forecast totals of ``report``'s months ``first``..``last`` in ``currency`` (one query); a month
    without one is absent (no forecast, or the report's latest fit failed)."""
    rows = ForecastMonth.objects.filter(
        forecast__report=report, forecast__status=ForecastStatus.OK, currency=currency,
        month__gte=first, month__lte=last,
    ).values_list("month", "amount")  # fmt: skip
    return dict(rows)


def forecast_for(report, month: date, currency: str) -> Decimal | None:
    return forecasts_for(report, month, month, currency).get(month)


def monthly_actuals(workspace, reports, currency: str, first: date, last: date) -> dict[int, dict[date, Decimal]]:
    """Actual spend of each report per month ``first``..``last`` in ``currency``, from ONE grouped query of
    conditional sums (one per report): ``{report pk: {month: cost}}``. A report whose filters name a dimension
    that no longer exists has no actuals."""
    conditions = {r.pk: saved_filters_q(r.filters, workspace) for r in reports}
    in_currency = Q(**{CURRENCY: currency})
    sums = {f"r{pk}": ExactSum(COST, filter=q & in_currency) for pk, q in conditions.items() if q is not None}
    out: dict[int, dict[date, Decimal]] = {pk: {} for pk in conditions}
    if not sums:
        return out
    rows = workspace_line_items(workspace).filter(date__gte=first, date__lte=month_end(last))
    rows = money(rows, workspace.reporting_currency or None)
    rows = rows.annotate(budget_month=TruncMonth("date")).order_by().values("budget_month").annotate(**sums)
    for row in rows:
        month = row["budget_month"]
        month = month.date() if isinstance(month, datetime) else month
        if isinstance(month, str):
            month = date.fromisoformat(month[:10])
        for pk in conditions:
            value = row.get(f"r{pk}")
            if value is not None:
                out[pk][month] = Decimal(str(value)) if not isinstance(value, Decimal) else value
    return out


@dataclass
class MonthPerformance:
    month: date
    budget: Decimal | None
    actual: Decimal
    mtd_budget: Decimal | None
    forecast: Decimal | None
    is_current: bool
    is_future: bool

    @property
    def percent_used(self) -> Decimal | None:
        return percent_of(self.actual, self.budget)

    @property
    def over_under(self) -> Decimal | None:
        """Actual minus the budget to date (positive: over)."""
        return None if self.mtd_budget is None else self.actual - self.mtd_budget

    @property
    def forecast_over(self) -> Decimal | None:
        """Forecast minus the month's budget (positive: the month is expected to end over budget)."""
        return None if self.forecast is None or self.budget is None else self.forecast - self.budget

    @property
    def forecast_text(self) -> str:
        diff = self.forecast_over
        if self.forecast is None:
            return "no forecast"
        if diff is None:
            return "no budget this month"
        if diff > 0:
            return f"forecast over budget by {cents(diff):,.2f}"
        if diff < 0:
            return f"forecast under budget by {cents(-diff):,.2f}"
        return "forecast on budget"


@dataclass
class Performance:
    budget: Budget
    currency: str
    months: list[MonthPerformance] = field(default_factory=list)
    today: date | None = None

    def month(self, month: date) -> MonthPerformance | None:
        return next((m for m in self.months if m.month == month), None)

    @property
    def current(self) -> MonthPerformance | None:
        return next((m for m in self.months if m.is_current), None)

    @property
    def year_to_date(self) -> dict:
        """This year's months up to the current one: the months' budgets, the budget to date, actual."""
        year = [m for m in self.months if m.month.year == self.today.year and not m.is_future]
        budget = sum((m.budget or 0 for m in year), Decimal(0))
        to_date = sum((m.mtd_budget or 0 for m in year), Decimal(0))
        actual = sum((m.actual for m in year), Decimal(0))
        return {"budget": budget, "mtd_budget": to_date, "actual": actual, "over_under": actual - to_date,
                "percent_used": percent_of(actual, budget)}


def hierarchy(workspace) -> tuple[dict[int, Budget], dict[int, list[int]]]:
    """Every budget of the workspace with its periods (two queries), and each one's children."""
    budgets = {b.pk: b for b in Budget.objects.filter(workspace=workspace).select_related("cost_report")
               .prefetch_related("periods")}
    children = defaultdict(list)
    for b in budgets.values():
        if b.parent_id in budgets:
            children[b.parent_id].append(b.pk)
    return budgets, children


def leaves_of(pk: int, children: dict[int, list[int]]) -> list[int]:
    out, stack, seen = [], [pk], set()
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if children.get(node):
            stack.extend(children[node])
        else:
            out.append(node)
    return out


def month_range(leaves: list[Budget], today: date) -> tuple[date, date] | None:
    """From the first budgeted month to the last one (an open period: to December of the current year)."""
    periods = [p for b in leaves for p in b.periods.all()]
    if not periods:
        return None
    first = min(p.start_month for p in periods)
    open_end = date(max(today.year, first.year), 12, 1)
    last = max((p.end_month or open_end) for p in periods)
    return first, min(last, add_months(first, MAX_MONTHS - 1))


def months_between(first: date, last: date) -> list[date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def _leaf_month(leaf: Budget, month: date, actuals: dict, forecasts: dict, this_month: date) -> tuple:
    amount = amount_for(leaf.periods.all(), month)
    actual = actuals.get(leaf.cost_report_id, {}).get(month, Decimal(0))
    forecast = actual if month < this_month else forecasts[leaf.pk].get(month)
    return amount, actual, forecast


def budget_performance(budget: Budget, today: date | None = None, *, tree=None) -> Performance:
    """``budget``'s figures for each of its months; a parent's are its leaf budgets' added up."""
    today = today or utc_today()
    this_month = month_start(today)
    budgets, children = tree or hierarchy(budget.workspace)
    leaves = [budgets[pk] for pk in leaves_of(budget.pk, children) if pk in budgets]
    span = month_range(leaves, today)
    perf = Performance(budget=budget, currency=budget.currency, today=today)
    if span is None:
        return perf
    first, last = span
    reports = {leaf.cost_report_id: leaf.cost_report for leaf in leaves}
    actuals = monthly_actuals(budget.workspace, reports.values(), budget.currency, first, min(last, this_month))
    forecasts = {leaf.pk: forecasts_for(leaf.cost_report, max(first, this_month), last, budget.currency)
                 for leaf in leaves}
    for month in months_between(first, last):
        figures = [_leaf_month(leaf, month, actuals, forecasts, this_month) for leaf in leaves]
        amounts = [a for a, _, _ in figures if a is not None]
        amount = sum(amounts, Decimal(0)) if amounts else None
        forecast = None if any(f is None for _, _, f in figures) else sum((f for _, _, f in figures), Decimal(0))
        perf.months.append(MonthPerformance(
            month=month, budget=amount, actual=sum((a for _, a, _ in figures), Decimal(0)),
            mtd_budget=None if amount is None else prorated(amount, month, today), forecast=forecast,
            is_current=month == this_month, is_future=month > this_month,
        ))  # fmt: skip
    return perf


def workspace_performance(workspace, today: date | None = None) -> dict[int, Performance]:
    """Every budget of the workspace (for the list page): shares one read of the hierarchy."""
    tree = hierarchy(workspace)
    return {pk: budget_performance(b, today, tree=tree) for pk, b in tree[0].items()}


def report_budget_months(report, first: date, last: date) -> list[tuple[Budget, dict[date, Decimal]]]:
    """For drawing budgets on a report's chart: each budget of ``report`` that has periods of its own, with its
    amount for each month ``first``..``last`` (first days) that one covers. Two queries."""
    out = []
    for budget in Budget.objects.filter(cost_report=report, children__isnull=True).prefetch_related("periods"):
        periods = list(budget.periods.all())
        months = {m: a for m in months_between(month_start(first), month_start(last))
                  if (a := amount_for(periods, m)) is not None}
        if months:
            out.append((budget, months))
    return out


def reports_counted_twice(budget: Budget, tree=None) -> list[tuple[str, list[str]]]:
    """A parent's leaves that follow the same cost report, which its actual then adds up more than once:
    ``[(report title, [budget names])]`` (empty for a leaf, or when every leaf has its own report)."""
    budgets, children = tree or hierarchy(budget.workspace)
    by_report: dict[int, list[Budget]] = defaultdict(list)
    for pk in leaves_of(budget.pk, children):
        if pk != budget.pk:
            by_report[budgets[pk].cost_report_id].append(budgets[pk])
    return [(leaves[0].cost_report.title, sorted(b.name for b in leaves))
            for leaves in by_report.values() if len(leaves) > 1]  # fmt: skip
