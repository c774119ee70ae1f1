"""The Overview ("/"): a workspace's spend at a glance, each figure linking to the report that shows it.

* month-to-date spend beside the same days of last month (``costs.dates.previous_period``: Mar 1..31
  compares with Feb 1..28), the change, and last month's total;
* the top five services over the last 30 days (meaningful on any day, the 1st included);
* the five biggest movers: services whose month-to-date spend changed most against the same days of
  last month;
* spend per billing account, this month to date and last month;
* integrations that need attention: in error, importing (with progress), or with spend waiting in
  ``unattributed`` (categories Twilio reports that the catalog does not know yet);
* the forecast of this month for All Resources (stored by the forecasting task, read here in two small
  queries: ``costs.forecasts.read``) with its band, against last month and with its measured accuracy, or
  why there is none.

The figures come from four grouped ``ReportQuery`` queries (month to date and the last 30 days by
billing account and service, the same days of last month by service, last month by billing account:
over the monthly summary where it gives the same answer), plus the integrations, All Resources and the
import history (one query): seven queries whatever the number of line items, and two small ones for the stored
forecast. Python only adds up aggregated rows.

Currencies are never added together: every figure is per currency (a workspace with USD and GBP
accounts gets two of each). ``spend_query`` is the ONE place a query is built, so passing a
reporting currency there makes every figure come back in it, one per figure.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef, Window
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from vantage.lib.dates import add_months, month_end, month_start, utc_today
from vantage.lib.money import percent_of

from . import scoping
from .anomalies.choices import AnomalyStatus
from .anomalies.models import Anomaly
from .budgets.performance import MonthPerformance, workspace_performance
from .choices import DateBin, DateRange
from .coverage import import_gaps_of
from .dates import previous_period
from .forecasts import read as forecast_read
from .fx import rate_note
from .models import UNATTRIBUTED_CATEGORY, UNATTRIBUTED_SERVICE, CostLineItem, CostSummaryState, integration_model
from .reports import ReportQuery
from .services import ensure_default_report

TOP = 5
LAST_DAYS = 30
# The integrations app's IntegrationStatus values that need a person's attention (costs cannot
# import that app; the values are stored strings).
ERROR, BUSY = "error", ("pending", "importing")
MESSAGE_CHARS = 200

Grouped = dict[str, dict[tuple, Decimal]]  # currency -> group values -> cost (aggregated rows)


@dataclass(frozen=True)
class Periods:
    """The days every figure covers, all UTC calendar days, both ends inclusive."""

    today: date
    month_start: date
    same_days_start: date  # the same days of last month (clamped: Mar 31 -> Feb 1..28)
    same_days_end: date
    last_month_start: date
    last_month_end: date
    last_days_start: date  # the last 30 days, today included

    @classmethod
    def of(cls, today: date) -> Periods:
        first = month_start(today)
        same_start, same_end = previous_period(first, today)
        last_month_start = add_months(first, -1)
        return cls(
            today=today,
            month_start=first,
            same_days_start=same_start,
            same_days_end=same_end,
            last_month_start=last_month_start,
            last_month_end=month_end(last_month_start),
            last_days_start=today - timedelta(days=LAST_DAYS - 1),
        )


@dataclass(frozen=True)
class Headline:
    """One currency's month to date against the same days of last month, and last month's total."""

    currency: str
    month_to_date: Decimal
    same_days_last_month: Decimal | None  # None: those days were not fully imported
    last_month: Decimal | None  # None: last month was not fully imported

    @property
    def change(self) -> Decimal | None:
        return None if self.same_days_last_month is None else self.month_to_date - self.same_days_last_month

    @property
    def change_percent(self) -> Decimal | None:
        return percent_of(self.change, self.same_days_last_month)


@dataclass(frozen=True)
class ServiceSpend:
    service: str
    currency: str
    amount: Decimal
    share_percent: Decimal | None  # of the currency's total over the same days
    url: str


@dataclass(frozen=True)
class Mover:
    service: str
    currency: str
    month_to_date: Decimal
    same_days_last_month: Decimal
    url: str

    @property
    def change(self) -> Decimal:
        return self.month_to_date - self.same_days_last_month

    @property
    def change_percent(self) -> Decimal | None:
        return percent_of(self.change, self.same_days_last_month)


@dataclass(frozen=True)
class AccountSpend:
    billing_account: str
    currency: str
    month_to_date: Decimal
    last_month: Decimal | None  # None: not fully imported
    month_url: str
    last_month_url: str


@dataclass(frozen=True)
class Attention:
    """An integration a person should look at, and why."""

    integration_id: int
    billing_account: str
    status: str
    status_label: str
    message: str
    progress_percent: int
    unattributed: list[tuple[str, Decimal, str]] = field(default_factory=list)  # (currency, amount, report url)

    @property
    def error(self) -> bool:
        return self.status == ERROR

    @property
    def importing(self) -> bool:
        return self.status in BUSY


@dataclass(frozen=True)
class ForecastFigure:
    """This month's expected total in one currency, its 80% band, and last month's total to compare."""

    currency: str
    amount: Decimal
    low: Decimal
    high: Decimal
    last_month: Decimal | None  # None: last month was not fully imported (or had no costs in this currency)

    @property
    def change(self) -> Decimal | None:
        return None if self.last_month is None else self.amount - self.last_month

    @property
    def change_percent(self) -> Decimal | None:
        return percent_of(self.change, self.last_month)


@dataclass(frozen=True)
class ForecastCard:
    """All Resources' forecast of this month (a figure per currency), its accuracy, or why there is none."""

    month: date
    figures: list[ForecastFigure]
    accuracy: str
    reason: str
    url: str  # the report page, where the forecast continues the chart


@dataclass(frozen=True)
class BudgetLine:
    """One budget on the Overview: this month's budget, actual and forecast, from its performance."""

    name: str
    url: str
    currency: str
    month: MonthPerformance


@dataclass
class Overview:
    periods: Periods
    has_integrations: bool
    report_url: str = ""  # All Resources
    headlines: list[Headline] = field(default_factory=list)
    top_services: list[ServiceSpend] = field(default_factory=list)
    movers: list[Mover] = field(default_factory=list)
    accounts: list[AccountSpend] = field(default_factory=list)
    attention: list[Attention] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)  # the report behind each headline figure
    month_importing: bool = False  # this month's import is not finished yet
    previous_complete: bool = True  # the same days of last month were fully imported
    currency_note: str = ""  # how the figures' currency came about (converted, at which rates)
    forecast: ForecastCard | None = None
    budgets: list[BudgetLine] = field(default_factory=list)  # this month, the most used first
    budgets_more: int = 0  # budgets not listed
    anomalies: list = field(default_factory=list)  # the latest active anomalies (costs.anomalies)
    anomalies_active: int = 0

    def url(self, **params) -> str:
        """All Resources with ``params`` in its query string (they override the saved settings)."""
        return f"{self.report_url}?{urlencode(params, doseq=True)}"


# --- the queries -------------------------------------------------------------------------------------


class Spend:
    """Builds the Overview's grouped queries for one workspace. Currency is decided here alone."""

    def __init__(self, workspace, *, summaries_maintained: bool):
        self.workspace = workspace
        self.line_items = scoping.workspace_line_items(workspace)
        self.summary = functools.partial(scoping.summary_in, workspace, maintained=summaries_maintained)

    def spend_query(self, start: date, end: date, group_by=()) -> ReportQuery:
        """THE query behind every figure: cost per group, in monthly bins, in the workspace's reporting
        currency (converted in the database); a workspace without one sees each billing currency."""
        return ReportQuery(
            self.line_items,
            start=start,
            end=end,
            group_by=list(group_by),
            bin=DateBin.MONTH,
            workspace=self.workspace,
            summary=self.summary,  # read where it gives the same rows (whole months)
            currency=self.workspace.reporting_currency or None,
        )

    def by_group(self, start: date, end: date, group_by=()) -> Grouped:
        """``{currency: {group values: cost}}`` over ``start..end`` (ONE grouped query; groups whose cost
        is unknown are left out)."""
        out: Grouped = defaultdict(dict)
        for row in self.spend_query(start, end, group_by).groups():
            if row.cost_total is not None:
                out[row.currency][row.groups] = row.cost_total
        return dict(out)


def _by(grouped: Grouped, position: int) -> Grouped:
    """``grouped`` added up by the group value at ``position`` alone (over aggregated rows)."""
    out: Grouped = {}
    for currency, groups in grouped.items():
        sums = out.setdefault(currency, {})
        for values, amount in groups.items():
            key = (values[position],)
            sums[key] = sums.get(key, Decimal(0)) + amount
    return out


def _totals(grouped: Grouped) -> dict[str, Decimal]:
    return {currency: sum(groups.values(), Decimal(0)) for currency, groups in grouped.items()}


def _integrations(workspace) -> list:
    """The workspace's integrations, each annotated with whether its monthly summary is incomplete
    (line items but no ``CostSummaryState``): what ``scoping.workspace_cost_summary`` would ask."""
    line_items = CostLineItem.objects.filter(integration=OuterRef("pk"))
    return list(
        integration_model()
        .objects.filter(pk__in=scoping.workspace_integration_ids(workspace))
        .annotate(
            unsummarised=Exists(line_items) & ~Exists(CostSummaryState.objects.filter(integration=OuterRef("pk")))
        )
        .order_by("account_name")
        .only("account_name", "status", "status_message", "import_windows_done", "import_windows_total")
    )


# --- the figures -------------------------------------------------------------------------------------


def build_overview(workspace, today: date | None = None) -> Overview:
    """Every figure of the Overview for ``workspace``: nine queries (two for the forecast), whatever the data."""
    periods = p = Periods.of(today or utc_today())
    integrations = _integrations(workspace)
    overview = Overview(periods=periods, has_integrations=bool(integrations))
    if not integrations:
        return overview
    all_resources = ensure_default_report(workspace)
    overview.report_url = reverse("costs:report_detail", args=[all_resources.pk])
    overview.links = _links(overview)
    month_gaps, last_month_gaps = import_gaps_of(
        workspace, [(p.month_start, p.today), (p.last_month_start, p.last_month_end)]
    )
    overview.month_importing = any(g.importing for g in month_gaps)
    overview.previous_complete = not any(
        g.start <= p.same_days_end and g.end >= p.same_days_start for g in last_month_gaps
    )
    overview.currency_note = _currency_note(workspace, p.today)
    spend = Spend(workspace, summaries_maintained=not any(i.unsummarised for i in integrations))
    this_month = spend.by_group(p.month_start, p.today, ["billing_account", "service"])
    same_days = spend.by_group(p.same_days_start, p.same_days_end, ["service"])
    last_month = spend.by_group(p.last_month_start, p.last_month_end, ["billing_account"])
    last_days = spend.by_group(p.last_days_start, p.today, ["billing_account", "service"])
    overview.headlines = _headlines(
        _totals(this_month),
        _totals(same_days) if overview.previous_complete else None,
        None if last_month_gaps else _totals(last_month),
    )
    overview.top_services = _top_services(overview, _by(last_days, 1))
    if overview.previous_complete:
        overview.movers = _movers(overview, _by(this_month, 1), same_days)
    partial = {g.billing_account for g in last_month_gaps}
    overview.accounts = _accounts(overview, _by(this_month, 0), last_month, partial)
    overview.attention = _attention(overview, integrations, last_days)
    overview.forecast = _forecast_card(overview, all_resources)
    overview.budgets, overview.budgets_more = _budgets(workspace, p.today)
    overview.anomalies, overview.anomalies_active = _anomalies(workspace)
    return overview


ANOMALIES_LISTED = 3


def _anomalies(workspace) -> tuple[list, int]:
    """The latest active anomalies and how many are active (stored by the scoring task): one query, the
    count a window over every active row, computed before the LIMIT."""
    rows = list(Anomaly.objects.filter(workspace=workspace, status=AnomalyStatus.ACTIVE)
                .annotate(active=Window(Count("pk"))).order_by("-date", "-pk")[:ANOMALIES_LISTED])
    return rows, rows[0].active if rows else 0


BUDGETS_LISTED = 5


def _budgets(workspace, today: date) -> tuple[list[BudgetLine], int]:
    """The workspace's budgets with a budget this month, the most used first (one actuals query per budget:
    the budgets page's own figures)."""
    lines = []
    for performance in workspace_performance(workspace, today).values():
        month = performance.current
        if month is None or month.budget is None:
            continue
        url = reverse("budgets:budget_detail", args=[performance.budget.pk])
        lines.append(BudgetLine(performance.budget.name, url, performance.currency, month))
    lines.sort(key=lambda b: (-(b.month.percent_used or 0), b.name.lower()))
    return lines[:BUDGETS_LISTED], max(len(lines) - BUDGETS_LISTED, 0)


def _forecast_card(overview: Overview, report) -> ForecastCard:
    """This month's forecast of ``report`` per currency against last month's total (the headline's), or the
    reason there is none. Two small queries (one without a forecast); nothing is fitted here."""
    month = overview.periods.month_start
    forecast = forecast_read.forecast_of(report)
    months = forecast_read.month_forecasts(report, month) if forecast is not None else []
    last = {h.currency: h.last_month for h in overview.headlines}
    figures = [ForecastFigure(m.currency, m.amount, m.low, m.high, last.get(m.currency)) for m in months]
    reason = forecast_read.reason_text(forecast) or ("" if figures else "No forecast of this month yet.")
    url = overview.url(date_range=DateRange.THIS_MONTH, bin="day")
    return ForecastCard(month, figures, forecast_read.accuracy_text(forecast), reason, url)


def _currency_note(workspace, today: date) -> str:
    if not workspace.reporting_currency:
        return "Per billing currency (no reporting currency is set: Settings › Workspace)"
    return rate_note(workspace.reporting_currency, today)


def _links(overview: Overview) -> dict[str, str]:
    p, url = overview.periods, overview.url
    return {
        "month": url(date_range=DateRange.THIS_MONTH, group_by="service", bin="day", compare="on"),
        "same_days": url(
            date_range=DateRange.CUSTOM, start_date=p.same_days_start.isoformat(),
            end_date=p.same_days_end.isoformat(), group_by="service", bin="day",
        ),  # fmt: skip
        "last_month": url(date_range=DateRange.LAST_MONTH, group_by="service", bin="day"),
        "top_services": url(date_range=DateRange.LAST_30_DAYS, group_by="service", bin="day"),
        "accounts": url(date_range=DateRange.THIS_MONTH, group_by="billing_account", bin="day"),
    }


def _headlines(
    month: dict[str, Decimal], same_days: dict[str, Decimal] | None, last_month: dict[str, Decimal] | None
) -> list[Headline]:
    currencies = set(month) | set(same_days or {}) | set(last_month or {})
    return [
        Headline(
            currency=c,
            month_to_date=month.get(c, Decimal(0)),
            same_days_last_month=None if same_days is None else same_days.get(c, Decimal(0)),
            last_month=None if last_month is None else last_month.get(c, Decimal(0)),
        )
        for c in sorted(currencies)
    ]


def _top_services(overview: Overview, last_days: Grouped) -> list[ServiceSpend]:
    out = []
    for currency in sorted(last_days):
        groups = last_days[currency]
        total = sum(groups.values(), Decimal(0))
        ranked = sorted(groups.items(), key=lambda kv: (-kv[1], str(kv[0][0])))[:TOP]
        for (service,), amount in ranked:
            url = overview.url(
                date_range=DateRange.LAST_30_DAYS, service=service, service_op="is", group_by="category", bin="day"
            )
            out.append(ServiceSpend(service, currency, amount, percent_of(amount, total), url))
    return out


def _movers(
    overview: Overview, this_month: Grouped, same_days: Grouped
) -> list[Mover]:
    out = []
    for currency in sorted(set(this_month) | set(same_days)):
        now, before = this_month.get(currency, {}), same_days.get(currency, {})
        movers = [
            Mover(
                service=groups[0],
                currency=currency,
                month_to_date=now.get(groups, Decimal(0)),
                same_days_last_month=before.get(groups, Decimal(0)),
                url=overview.url(
                    date_range=DateRange.THIS_MONTH, service=groups[0], service_op="is", group_by="category",
                    bin="day", compare="on",
                ),
            )  # fmt: skip
            for groups in set(now) | set(before)
        ]
        movers = [m for m in movers if m.change]
        movers.sort(key=lambda m: (-abs(m.change), str(m.service)))
        out.extend(movers[:TOP])
    return out


def _accounts(overview: Overview, month: Grouped, last_month: Grouped, partial: set[str]) -> list[AccountSpend]:
    """Month to date and last month per billing account; ``None`` for a last month not fully imported."""
    keys = {(c, g) for c, groups in month.items() for g in groups} | {
        (c, g) for c, groups in last_month.items() for g in groups
    }
    rows = [
        AccountSpend(
            billing_account=groups[0],
            currency=currency,
            month_to_date=month.get(currency, {}).get(groups, Decimal(0)),
            last_month=None if groups[0] in partial else last_month.get(currency, {}).get(groups, Decimal(0)),
            month_url=overview.url(
                date_range=DateRange.THIS_MONTH, billing_account=groups[0], billing_account_op="is",
                group_by="service", bin="day",
            ),  # fmt: skip
            last_month_url=overview.url(
                date_range=DateRange.LAST_MONTH, billing_account=groups[0], billing_account_op="is",
                group_by="service", bin="day",
            ),  # fmt: skip
        )
        for currency, groups in keys
    ]
    rows.sort(key=lambda r: (r.currency, -r.month_to_date, -(r.last_month or 0), str(r.billing_account)))
    return rows


def _attention(overview: Overview, integrations, last_days: Grouped) -> list[Attention]:
    """Integrations in error or importing, and those with spend in ``unattributed`` over the last 30 days
    (the importer files that residual, unknown categories included, under UNATTRIBUTED_SERVICE)."""
    waiting: dict[str, list[tuple[str, Decimal, str]]] = defaultdict(list)
    for currency in sorted(last_days):
        for (account, service), amount in last_days[currency].items():
            if service == UNATTRIBUTED_SERVICE and amount:
                url = overview.url(
                    date_range=DateRange.LAST_30_DAYS, billing_account=account, billing_account_op="is",
                    category=UNATTRIBUTED_CATEGORY, category_op="is", group_by="category", bin="day",
                )  # fmt: skip
                waiting[account].append((currency, amount, url))
    out = []
    for integration in integrations:
        status = integration.status
        if status != ERROR and status not in BUSY and not waiting.get(integration.account_name):
            continue
        out.append(
            Attention(
                integration_id=integration.pk,
                billing_account=integration.account_name,
                status=status,
                status_label=integration.get_status_display(),
                message=(integration.status_message or "")[:MESSAGE_CHARS] if status == ERROR else "",
                progress_percent=integration.progress_percent,
                unattributed=waiting.get(integration.account_name, []),
            )
        )
    return out


# --- the page ----------------------------------------------------------------------------------------


@require_GET
def overview_page(request):
    """The Overview of the current workspace; a person in no workspace is told so (no 404 on "/")."""
    workspace = request.workspace
    context = {"overview": build_overview(workspace) if workspace is not None else None}
    return render(request, "costs/overview.html", context)
