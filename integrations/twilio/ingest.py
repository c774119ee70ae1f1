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

Every window is fetched completely first, then replaces that window's rows in one transaction, so a
failure leaves the previous rows intact and a repeated import gives identical rows.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Callable

from django.db import transaction
from django.utils import timezone

from costs.models import UNATTRIBUTED_CATEGORY, UNATTRIBUTED_SERVICE, BilledTotal, ChargeType, CostLineItem
from integrations.models import (
    CategoryRole,
    IngestionRun,
    Integration,
    RunStatus,
    RunTrigger,
    TwilioUsageCategory,
    UnclassifiedUsage,
)

from .catalog import TOTAL_CATEGORY, CategoryInfo, load_catalog
from .client import MalformedResponse, PageStats, TwilioClient, TwilioError, UsageRecord, client_for

ZERO = Decimal(0)
UNATTRIBUTED_DESCRIPTION = "Twilio's total for the day minus the sum of its known categories"
BATCH = 1000


def month_windows(start: date, end: date, *, newest_first: bool = False) -> list[tuple[date, date]]:
    """Contiguous, non-overlapping windows of at most one calendar month covering start..end."""
    if end < start:
        raise ValueError("The end date is before the start date.")
    windows = []
    day = start
    while day <= end:
        last = date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
        windows.append((day, min(last, end)))
        day = min(last, end) + timedelta(days=1)
    return windows[::-1] if newest_first else windows


@dataclass
class WindowRows:
    line_items: list[CostLineItem] = field(default_factory=list)
    billed: list[BilledTotal] = field(default_factory=list)
    unclassified: list[UnclassifiedUsage] = field(default_factory=list)
    unknown_categories: set[str] = field(default_factory=set)
    twilio_total: Decimal = ZERO
    difference: Decimal = ZERO
    rollup_records: int = 0


def _is_zero(value: Decimal | None) -> bool:
    return value is None or value == 0


def build_rows(
    integration: Integration, records: list[UsageRecord], catalog: dict[str, CategoryInfo], start: date, end: date
) -> WindowRows:
    out = WindowRows()
    leaves: dict[tuple[str, date, str], UsageRecord] = {}
    totals: dict[tuple[str, date, str], Decimal] = {}
    attributed: dict[tuple[str, date, str], Decimal] = defaultdict(lambda: ZERO)
    unknown: dict[tuple[str, date, str], UsageRecord] = {}

    for rec in records:
        if rec.start_date != rec.end_date:
            raise MalformedResponse(f"Twilio sent a daily record for '{rec.category}' spanning several days.")
        if not (start <= rec.start_date <= end):
            raise MalformedResponse(
                f"Twilio sent a record dated {rec.start_date} for a request covering {start}..{end}."
            )
        info = catalog.get(rec.category)
        role = info.role if info else CategoryRole.UNKNOWN
        if rec.category == TOTAL_CATEGORY or role == CategoryRole.TOTAL:
            if rec.price is not None:
                key = (rec.account_sid, rec.start_date, rec.currency)
                totals[key] = totals.get(key, ZERO) + rec.price
        elif role == CategoryRole.ROLLUP:
            out.rollup_records += 1
        elif role == CategoryRole.LEAF:
            leaves[(rec.account_sid, rec.start_date, rec.category)] = rec  # a repeated record replaces, never adds
        else:
            unknown[(rec.account_sid, rec.start_date, rec.category)] = rec

    for (account, day, category), rec in leaves.items():
        if rec.price is not None:
            attributed[(account, day, rec.currency)] += rec.price
        if _is_zero(rec.price) and _is_zero(rec.usage) and _is_zero(rec.count):
            continue
        out.line_items.append(
            CostLineItem(
                integration=integration,
                account_id=account,
                date=day,
                service=catalog[category].service,
                category=category,
                charge_type=ChargeType.CREDIT if rec.price is not None and rec.price < 0 else ChargeType.USAGE,
                description=rec.description,
                cost=rec.price,
                currency=rec.currency,
                usage=rec.usage,
                usage_unit=rec.usage_unit,
                count=rec.count,
                count_unit=rec.count_unit,
            )
        )

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

    for (account, day, currency), amount in totals.items():
        known = attributed.get((account, day, currency), ZERO)
        out.billed.append(
            BilledTotal(
                integration=integration, account_id=account, date=day, currency=currency, amount=amount, attributed=known
            )
        )
        out.twilio_total += amount
        residual = amount - known
        if residual != 0:
            out.difference += residual
            out.line_items.append(
                CostLineItem(
                    integration=integration,
                    account_id=account,
                    date=day,
                    service=UNATTRIBUTED_SERVICE,
                    category=UNATTRIBUTED_CATEGORY,
                    charge_type=ChargeType.USAGE,
                    description=UNATTRIBUTED_DESCRIPTION,
                    cost=residual,
                    currency=currency,
                )
            )
    return out


def _record_unknown_categories(names: set[str]) -> None:
    if not names:
        return
    now = timezone.now()
    TwilioUsageCategory.objects.bulk_create(
        [
            TwilioUsageCategory(name=n, service="Other", role=CategoryRole.UNKNOWN, first_seen_at=now)
            for n in sorted(names)
        ],
        ignore_conflicts=True,
    )


def replace_window(integration: Integration, start: date, end: date, rows: WindowRows) -> None:
    """Atomically swap the window's rows for the new ones."""
    with transaction.atomic():
        for model in (CostLineItem, BilledTotal, UnclassifiedUsage):
            model.objects.filter(integration=integration, date__gte=start, date__lte=end).delete()
        CostLineItem.objects.bulk_create(rows.line_items, batch_size=BATCH)
        BilledTotal.objects.bulk_create(rows.billed, batch_size=BATCH)
        UnclassifiedUsage.objects.bulk_create(rows.unclassified, batch_size=BATCH)
        _record_unknown_categories(rows.unknown_categories)


def ingest_window(
    integration: Integration,
    start: date,
    end: date,
    *,
    client: TwilioClient | None = None,
    catalog: dict[str, CategoryInfo] | None = None,
    trigger: str = RunTrigger.MANUAL,
    on_page: Callable[[int], None] | None = None,
) -> IngestionRun:
    """Fetch ``start``..``end`` (inclusive) and replace that window's rows. Raises TwilioError on failure
    (after recording it on the run); the window's previous rows stay as they were."""
    if end < start:
        raise ValueError("The end date is before the start date.")
    client = client or client_for(integration)
    catalog = catalog if catalog is not None else load_catalog()
    run = IngestionRun.objects.create(integration=integration, trigger=trigger, start_date=start, end_date=end)
    stats = PageStats()
    try:
        records: list[UsageRecord] = []
        for page in client.iter_daily_pages(start, end, stats):
            records.extend(page)
            if on_page:
                on_page(len(page))
        rows = build_rows(integration, records, catalog, start, end)
        replace_window(integration, start, end, rows)
    except TwilioError as exc:
        _finish(run, stats, status=RunStatus.FAILED, error=str(exc))
        raise
    except Exception as exc:
        # Unexpected: record the type only (an exception text could carry request details).
        _finish(run, stats, status=RunStatus.FAILED, error=f"Internal error ({exc.__class__.__name__}).")
        raise
    run.line_items_written = len(rows.line_items)
    run.unknown_records = len(rows.unclassified)
    run.twilio_total = rows.twilio_total
    run.reconciliation_difference = rows.difference
    _finish(run, stats, status=RunStatus.SUCCEEDED)
    return run


def _finish(run: IngestionRun, stats: PageStats, *, status: str, error: str = "") -> None:
    run.pages = stats.pages
    run.records_read = stats.records
    run.status = status
    run.error = error
    run.finished_at = timezone.now()
    run.save()
