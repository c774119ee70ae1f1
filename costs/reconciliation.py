"""Does a report add up to what Twilio billed? Compares report totals with ``BilledTotal``.

Only meaningful when the report keeps whole accounts' days: no filter other than the date range,
billing account and account (a service filter removes part of each day on purpose). Then the
report's total per currency must equal the sum of Twilio's ``totalprice`` for the same
integrations, accounts and days; when it does not, the days where the difference arises are listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q

from vantage.lib.money import ExactSum

from .dimensions import UnknownDimension, dimensions
from .models import UNATTRIBUTED_CATEGORY, UNATTRIBUTED_SERVICE
from .reports import Report
from .reports.eligibility import whole_months
from .scoping import workspace_billed_months, workspace_billed_totals

# Sums are exact (ExactSum); what is left below this is the rounding of 10-decimal storage, not money.
TOLERANCE = Decimal("0.000001")
MAX_DAYS_LISTED = 10


class _Compared:
    """What the report says (``report_total``) against what Twilio billed (``billed_total``)."""

    report_total: Decimal
    billed_total: Decimal

    @property
    def difference(self) -> Decimal:
        return self.report_total - self.billed_total


@dataclass
class CurrencyCheck(_Compared):
    currency: str
    report_total: Decimal
    billed_total: Decimal

    @property
    def matches(self) -> bool:
        return abs(self.difference) < TOLERANCE


@dataclass
class DayDifference(_Compared):
    date: date
    currency: str
    report_total: Decimal
    billed_total: Decimal


@dataclass
class Reconciliation:
    checks: list[CurrencyCheck]
    days: list[DayDifference] = field(default_factory=list)
    more_days: int = 0
    # per currency: what Twilio billed beyond its known categories (the "Unattributed" line items)
    unattributed: dict[str, Decimal] = field(default_factory=dict)

    @property
    def matches(self) -> bool:
        return all(c.matches for c in self.checks)


def _billed_filter(filters: dict, workspace, registry) -> Q | None:
    """The report's filters over the billed totals; ``None`` when one cuts through accounts' days."""
    billed_q = Q()
    for key, spec in filters.items():
        try:
            dimension = registry.get(key, workspace)
        except UnknownDimension:
            return None
        if dimension.billed_field is None:
            return None
        q = Q(**{f"{dimension.billed_field}__in": spec["values"]})
        billed_q &= ~q if spec.get("op") == "not" else q
    return billed_q


def reconcile(
    report: Report, filters: dict, workspace, registry=dimensions, *, maintained: bool | None = None
) -> Reconciliation | None:
    """``None`` when the filters cut through accounts' days (nothing to compare with).

    Over whole months of integrations whose derived tables are ``maintained`` (as the report filters
    learn, ``CostLineItemFilterSet.summaries_maintained``), Twilio's totals are read added up per month
    (``BilledMonthlyTotal``, a row per account and month instead of per day): the same sums."""
    billed_q = _billed_filter(filters, workspace, registry)
    if billed_q is None:
        return None
    query = report.query
    billed = (
        workspace_billed_totals(workspace).filter(date__gte=query.start, date__lte=query.end)
        .filter(billed_q)
        .order_by()
    )
    source = billed
    if maintained and whole_months(query.start, query.end):
        source = workspace_billed_months(workspace).filter(date__gte=query.start, date__lte=query.end)
        source = source.filter(billed_q).order_by()
    sums = source.values("currency").annotate(amount=ExactSum("amount"), attributed=ExactSum("attributed"))
    billed_totals, unattributed = {}, {}
    for r in sums:
        billed_totals[r["currency"]] = r["amount"]
        if r["amount"] != r["attributed"]:
            unattributed[r["currency"]] = r["amount"] - r["attributed"]
    report_totals = report.cost_totals
    checks = [
        CurrencyCheck(c, report_totals.get(c) or Decimal(0), billed_totals.get(c) or Decimal(0))
        for c in sorted(set(report_totals) | set(billed_totals))
    ]
    result = Reconciliation(checks, unattributed=unattributed)
    if result.matches:
        return result
    # Where does it arise? Two small per-day queries, only when something is off.
    billed_days = {
        (r["date"], r["currency"]): r["amount"]
        for r in billed.values("date", "currency").annotate(amount=ExactSum("amount"))
    }
    report_days = {
        (r["date"], r["currency"]): r["cost"] or Decimal(0)
        for r in query.in_range().values("date", "currency").annotate(cost=ExactSum("cost"))
    }
    days = [
        DayDifference(day, currency, report_days.get(key, Decimal(0)), billed_days.get(key, Decimal(0)))
        for key in sorted(set(billed_days) | set(report_days))
        for day, currency in [key]
    ]
    days = [d for d in days if abs(d.difference) >= TOLERANCE]
    result.days, result.more_days = days[:MAX_DAYS_LISTED], max(len(days) - MAX_DAYS_LISTED, 0)
    return result


def unclassified_amounts(report: Report, reconciliation: Reconciliation | None) -> dict[str, Decimal]:
    """How much of the report waits in "Unattributed" (categories Twilio billed that the catalog does not
    know yet, until an operator classifies them), per currency; empty when none or not known.

    With a reconciliation, from the billed totals it read (``amount - attributed``, no extra query);
    otherwise from the report's own rows when they are grouped by service or category.
    """
    if reconciliation is not None:
        return {c: v for c, v in sorted(reconciliation.unattributed.items()) if abs(v) >= TOLERANCE}
    query = report.query
    positions = [
        (i, value)
        for i, key in enumerate(query.group_by)
        for value in [{"service": UNATTRIBUTED_SERVICE, "category": UNATTRIBUTED_CATEGORY}.get(key)]
        if value
    ]
    out: dict[str, Decimal] = {}
    for row in report.rows:  # aggregated rows, one per group
        if positions and any(row.groups[i] == value for i, value in positions) and row.cost_total:
            out[row.currency] = out.get(row.currency, Decimal(0)) + row.cost_total
    return {c: v for c, v in sorted(out.items()) if abs(v) >= TOLERANCE}
