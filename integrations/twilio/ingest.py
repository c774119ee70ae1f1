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
import queue
import threading
from typing import Callable, Iterable, Iterator, NamedTuple

from django.db import connection, transaction
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


class LineItemRow(NamedTuple):
    """A cost line item as a plain tuple in column order: thousands per window skip model overhead."""

    integration_id: int
    account_id: str
    date: date
    service: str
    category: str
    charge_type: str
    description: str
    cost: Decimal | None
    currency: str
    usage: Decimal | None
    usage_unit: str
    count: Decimal | None
    count_unit: str


def insert_line_items(rows: list[LineItemRow]) -> None:
    """Insert many line items fast: COPY on PostgreSQL, one executemany elsewhere (inside the caller's
    transaction). The values are already clean Decimals, dates and strings from the parser."""
    if not rows:
        return
    table = connection.ops.quote_name(CostLineItem._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(CostLineItem._meta.get_field(f).column) for f in LineItemRow._fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(LineItemRow._fields))
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",
                [(*r[:2], r.date.isoformat(), *r[3:]) for r in rows],
            )


@dataclass
class WindowRows:
    line_items: list[LineItemRow] = field(default_factory=list)
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
            LineItemRow(
                integration.pk,
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
                LineItemRow(
                    integration.pk, account, day, UNATTRIBUTED_SERVICE, UNATTRIBUTED_CATEGORY, ChargeType.USAGE,
                    UNATTRIBUTED_DESCRIPTION, residual, currency, None, "", None, "",
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
    """Atomically swap the window's rows for the new ones (and what reports derive from the line items)."""
    from costs.services import refresh_cost_summaries

    with transaction.atomic():
        for model in (CostLineItem, BilledTotal, UnclassifiedUsage):
            model.objects.filter(integration=integration, date__gte=start, date__lte=end).delete()
        insert_line_items(rows.line_items)
        BilledTotal.objects.bulk_create(rows.billed, batch_size=BATCH)
        UnclassifiedUsage.objects.bulk_create(rows.unclassified, batch_size=BATCH)
        _record_unknown_categories(rows.unknown_categories)
        # monthly summaries and filter values, in this same transaction: never out of step
        refresh_cost_summaries(integration, start, end)


def ingest_window(
    integration: Integration,
    start: date,
    end: date,
    *,
    client: TwilioClient | None = None,
    catalog: dict[str, CategoryInfo] | None = None,
    trigger: str = RunTrigger.MANUAL,
    on_page: Callable[[int], None] | None = None,
    pages: Iterable[list[UsageRecord]] | None = None,
) -> IngestionRun:
    """Fetch ``start``..``end`` (inclusive) and replace that window's rows. Raises TwilioError on failure
    (after recording it on the run); the window's previous rows stay as they were.

    ``pages`` (from a ``WindowPrefetcher``) supplies the window's pages instead of fetching them here."""
    if end < start:
        raise ValueError("The end date is before the start date.")
    client = client or client_for(integration)
    catalog = catalog if catalog is not None else load_catalog()
    run = IngestionRun.objects.create(integration=integration, trigger=trigger, start_date=start, end_date=end)
    stats = PageStats()
    try:
        records: list[UsageRecord] = []
        for page in pages if pages is not None else client.iter_daily_pages(start, end):
            stats.pages += 1
            stats.records += len(page)
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


class WindowPrefetcher:
    """Downloads the pages of several windows, in order, on one background thread, so the next window
    arrives while the current one is being written. The thread only talks HTTP (never the database);
    pages pass through a bounded queue, so memory stays at about ``max_pages`` pages ahead."""

    def __init__(self, client: TwilioClient, windows: list[tuple[date, date]], max_pages: int = 32):
        self._queue: queue.Queue = queue.Queue(maxsize=max_pages)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(client, list(windows)), daemon=True, name="twilio-prefetch"
        )
        self._thread.start()

    def _run(self, client, windows):
        try:
            for index, (start, end) in enumerate(windows):
                for page in client.iter_daily_pages(start, end):
                    if not self._put(("page", index, page)):
                        return
                if not self._put(("end", index, None)):
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(("error", None, exc))

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def pages(self, index: int) -> Iterator[list[UsageRecord]]:
        """The pages of window ``index``; raises the fetch error if one happened."""
        while True:
            kind, got, payload = self._queue.get()
            if kind == "error":
                raise payload
            if got != index:  # pragma: no cover - windows are consumed in order
                raise RuntimeError("Windows consumed out of order")
            if kind == "end":
                return
            yield payload

    def close(self) -> None:
        self._stop.set()
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._thread.join(timeout=5)


def _finish(run: IngestionRun, stats: PageStats, *, status: str, error: str = "") -> None:
    run.pages = stats.pages
    run.records_read = stats.records
    run.status = status
    run.error = error
    run.finished_at = timezone.now()
    run.save()
