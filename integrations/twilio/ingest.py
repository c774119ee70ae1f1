"""Turn Twilio's daily Usage Records into cost line items whose totals equal what Twilio bills.

For each account and UTC day:

* ``leaf`` categories become ``CostLineItem`` rows (all-zero rows are not stored);
* ``rollup`` categories are skipped (they are sums of leaves: counting them would double count);
* ``totalprice`` is the truth and is stored as a ``BilledTotal``; if the leaves do not add up to it
  exactly, the difference becomes one ``unattributed`` line item, so every report total equals
  Twilio's total to the cent;
* categories the catalog does not know are never counted (they may be roll-ups); they are kept in
  ``UnclassifiedUsage`` for an operator to classify, and their cost reaches reports through the
  residual meanwhile.

This module only turns records into rows; ``integrations.twilio.importer`` fetches a window completely
first and then replaces that window's rows in one transaction (``costs.writes.replace_window`` for the
cost rows), so a failure leaves the previous rows intact and a repeated import gives identical rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from costs.models import UNATTRIBUTED_CATEGORY, UNATTRIBUTED_SERVICE, BilledTotal, ChargeType
from costs.writes import LineItemRow
from integrations.models import CategoryRole, Integration, UnclassifiedUsage

from .catalog import TOTAL_CATEGORY, CategoryInfo
from .client import MalformedResponse, UsageRecord

ZERO = Decimal(0)
UNATTRIBUTED_DESCRIPTION = "Twilio's total for the day minus the sum of its known categories"

Key = tuple[str, date, str]  # (account, day, category or currency)


@dataclass
class WindowRows:
    line_items: list[LineItemRow] = field(default_factory=list)
    billed: list[BilledTotal] = field(default_factory=list)
    unclassified: list[UnclassifiedUsage] = field(default_factory=list)
    unknown_categories: set[str] = field(default_factory=set)
    twilio_total: Decimal = ZERO
    difference: Decimal = ZERO
    rollup_records: int = 0


@dataclass
class _Sorted:
    """A window's records by role: leaves and unknown ones by (account, day, category), totals by
    (account, day, currency)."""

    leaves: dict[Key, UsageRecord] = field(default_factory=dict)
    unknown: dict[Key, UsageRecord] = field(default_factory=dict)
    totals: dict[Key, Decimal] = field(default_factory=dict)
    rollups: int = 0


def _is_zero(value: Decimal | None) -> bool:
    return value is None or value == 0


def _check(rec: UsageRecord, start: date, end: date) -> None:
    if rec.start_date != rec.end_date:
        raise MalformedResponse(f"Twilio sent a daily record for '{rec.category}' spanning several days.")
    if not (start <= rec.start_date <= end):
        raise MalformedResponse(f"Twilio sent a record dated {rec.start_date} for a request covering {start}..{end}.")


def _sort(records: list[UsageRecord], catalog: dict[str, CategoryInfo], start: date, end: date) -> _Sorted:
    out = _Sorted()
    for rec in records:
        _check(rec, start, end)
        info = catalog.get(rec.category)
        role = info.role if info else CategoryRole.UNKNOWN
        if rec.category == TOTAL_CATEGORY or role == CategoryRole.TOTAL:
            if rec.price is not None:
                key = (rec.account_sid, rec.start_date, rec.currency)
                out.totals[key] = out.totals.get(key, ZERO) + rec.price
        elif role == CategoryRole.ROLLUP:
            out.rollups += 1
        elif role == CategoryRole.LEAF:
            out.leaves[(rec.account_sid, rec.start_date, rec.category)] = rec  # a repeated record replaces, never adds
        else:
            out.unknown[(rec.account_sid, rec.start_date, rec.category)] = rec
    return out


def _leaf_rows(integration_id: int, leaves: dict[Key, UsageRecord], catalog, out: WindowRows) -> dict[Key, Decimal]:
    """Append the leaves' line items to ``out``; return what they attribute per (account, day, currency)."""
    attributed: dict[Key, Decimal] = defaultdict(lambda: ZERO)
    for (account, day, category), rec in leaves.items():
        if rec.price is not None:
            attributed[(account, day, rec.currency)] += rec.price
        if _is_zero(rec.price) and _is_zero(rec.usage) and _is_zero(rec.count):
            continue
        out.line_items.append(
            LineItemRow(
                integration_id,
                account,
                day,
                catalog[category].service,
                category,
                ChargeType.CREDIT if rec.price is not None and rec.price < 0 else ChargeType.USAGE,
                rec.description,
                rec.price,
                rec.currency,
                rec.usage,
                rec.usage_unit,
                rec.count,
                rec.count_unit,
            )
        )
    return attributed


def _unclassified_rows(integration: Integration, unknown: dict[Key, UsageRecord], out: WindowRows) -> None:
    for (account, day, category), rec in unknown.items():
        out.unknown_categories.add(category)
        out.unclassified.append(
            UnclassifiedUsage(
                integration=integration,
                account_id=account,
                date=day,
                category=category,
                description=rec.description,
                price=rec.price,
                currency=rec.currency,
                usage=rec.usage,
                usage_unit=rec.usage_unit,
                count=rec.count,
                count_unit=rec.count_unit,
            )
        )


def _billed_rows(integration: Integration, totals: dict[Key, Decimal], attributed: dict[Key, Decimal],
                 out: WindowRows) -> None:
    """Twilio's total per account-day, and the ``unattributed`` residual where the leaves fall short of it."""
    for (account, day, currency), amount in totals.items():
        known = attributed.get((account, day, currency), ZERO)
        out.billed.append(
            BilledTotal(
                integration=integration, account_id=account, date=day, currency=currency, amount=amount,
                attributed=known,
            )
        )
        out.twilio_total += amount
        residual = amount - known
        if residual != 0:
            out.difference += residual
            out.line_items.append(
                LineItemRow(
                    integration.pk, account, day, UNATTRIBUTED_SERVICE, UNATTRIBUTED_CATEGORY, ChargeType.USAGE,
                    UNATTRIBUTED_DESCRIPTION, residual, currency, None, "", None, "",
                )
            )


def build_rows(
    integration: Integration, records: list[UsageRecord], catalog: dict[str, CategoryInfo], start: date, end: date
) -> WindowRows:
    """The rows one window's records become (see the module's docstring); raises MalformedResponse on a
    record that is not one day inside ``start..end``."""
    by_role = _sort(records, catalog, start, end)
    out = WindowRows(rollup_records=by_role.rollups)
    attributed = _leaf_rows(integration.pk, by_role.leaves, catalog, out)
    _unclassified_rows(integration, by_role.unknown, out)
    _billed_rows(integration, by_role.totals, attributed, out)
    return out
