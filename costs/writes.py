"""Where costs are written: an integration's line items and billed totals, and what reports derive from them.

Costs owns its tables, so every write goes through here (a provider's importer hands over plain rows):

* ``replace_window``: atomically swap a window of an integration's line items and billed totals for new
  ones, and bring the monthly summaries and filter values in step in the same transaction;
* ``refresh_cost_summaries`` / ``rebuild_cost_summaries``: the summary upkeep itself (set-based SQL): monthly
  summaries (also converted), billed totals per month, filter values;
* ``delete_integration_costs``: everything costs stored for an integration.

Readers never see the line items and what is derived from them out of step.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from vantage.lib.dates import month_end, month_start
from vantage.models import Workspace

from .dimension_values import SCANNED_COLUMNS
from .fx import convert_sql
from .models import (
    BilledMonthlyTotal,
    BilledTotal,
    CostConversionState,
    CostConvertedSummary,
    CostDimensionValue,
    CostLineItem,
    CostMonthlySummary,
    CostSummaryState,
    ExchangeRate,
    integration_model,
)

BATCH = 1000

# CostLineItem columns whose distinct values are kept per integration (CostDimensionValue.dimension).
DIMENSION_VALUE_COLUMNS = tuple(SCANNED_COLUMNS)
# What a CostMonthlySummary row is keyed by, besides its month (all CostLineItem columns of the same name).
SUMMARY_KEY_COLUMNS = ("integration_id", "account_id", "service", "category", "charge_type", "currency", "usage_unit")
SUMMARY_SUM_COLUMNS = ("cost", "usage", "count")


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


def _pk(integration) -> int:
    """An integration's primary key, given the integration or its key."""
    return getattr(integration, "pk", integration)


# --- line items and billed totals ---------------------------------------------------------------------


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


def replace_window(
    integration, start: date, end: date, line_items: list[LineItemRow], billed: Iterable[BilledTotal] = ()
) -> None:
    """Atomically swap the integration's line items and billed totals dated ``start..end`` (inclusive) for
    the given ones, and refresh what reports derive from the line items in the same transaction.

    Called inside a caller's transaction (an importer that writes its own rows of the window too), this
    joins it: everything commits or nothing does."""
    iid = _pk(integration)
    with transaction.atomic():
        for model in (CostLineItem, BilledTotal):
            model.objects.filter(integration_id=iid, date__gte=start, date__lte=end).delete()
        insert_line_items(line_items)
        BilledTotal.objects.bulk_create(billed, batch_size=BATCH)
        # monthly summaries and filter values, in this same transaction: never out of step
        refresh_cost_summaries(iid, start, end)


def delete_integration_costs(integration) -> None:
    """Delete every cost row stored for ``integration``: line items, billed totals, summaries, values."""
    iid = _pk(integration)
    with transaction.atomic():
        for model in (
            CostLineItem,
            BilledTotal,
            BilledMonthlyTotal,
            CostMonthlySummary,
            CostConvertedSummary,
            CostConversionState,
            CostDimensionValue,
            CostSummaryState,
        ):
            model.objects.filter(integration_id=iid).delete()


# --- maintained read models: monthly summaries and dimension values ----------------------------------


def _month_and_sum(vendor: str, qn) -> tuple[str, str]:
    """SQL for a line item's month, and the exact SUM function (as reports use: vantage.lib.money)."""
    if vendor == "postgresql":
        return f"date_trunc('month', li.{qn('date')})::date", "SUM"
    return f"date(li.{qn('date')}, 'start of month')", "DECIMAL_SUM"


def _rollup_sql(vendor: str, qn, target, source, keys, sums, count: str, *, window: bool, everything: bool) -> str:
    """``INSERT INTO <target> SELECT <keys>, <month>, SUM(<sums>), COUNT(*) FROM <source> GROUP BY``: one
    integration's rows (in a date window), or ``everything``, added up per month (exactly: vantage.lib.money)."""
    month, total = _month_and_sum(vendor, qn)
    key_sql = ", ".join(f"li.{qn(c)}" for c in keys)
    sum_sql = ", ".join(f"{total}(li.{qn(c)})" for c in sums)
    columns = ", ".join(qn(c) for c in (*keys, "date", *sums, count))
    where = "" if everything else f" WHERE li.{qn('integration_id')} = %s"
    if window:
        where += f" AND li.{qn('date')} >= %s AND li.{qn('date')} <= %s"
    return (
        f"INSERT INTO {qn(target._meta.db_table)} ({columns}) "
        f"SELECT {key_sql}, {month}, {sum_sql}, COUNT(*) FROM {qn(source._meta.db_table)} li"
        f"{where} GROUP BY {key_sql}, {month}"
    )


def _summary_insert_sql(vendor: str, qn, *, window: bool, everything: bool = False) -> str:
    """The monthly summary of line items (every key column kept, cost, usage and count added up)."""
    return _rollup_sql(vendor, qn, CostMonthlySummary, CostLineItem, SUMMARY_KEY_COLUMNS, SUMMARY_SUM_COLUMNS,
                       "line_items", window=window, everything=everything)  # fmt: skip


def _billed_months_insert_sql(vendor: str, qn, *, window: bool, everything: bool = False) -> str:
    """Twilio's billed totals added up per account, month and currency."""
    return _rollup_sql(vendor, qn, BilledMonthlyTotal, BilledTotal, ("integration_id", "account_id", "currency"),
                       ("amount", "attributed"), "days", window=window, everything=everything)  # fmt: skip


def _converted_insert_sql(vendor: str, qn, *, window: bool, everything: bool = False) -> str:
    """``INSERT INTO <converted summary> SELECT ... GROUP BY``: line items joined to the day's rates of their
    currency (b) and of the target (t), each converted (costs.fx.convert_sql), added up per month and
    reported currency. Parameters: target, target, [integration, [first, last]]."""
    month, total = _month_and_sum(vendor, qn)
    keys = ", ".join(f"li.{qn(c)}" for c in SUMMARY_KEY_COLUMNS)
    rates = qn(ExchangeRate._meta.db_table)
    rate, cost, cur = f"{qn('per_eur')}", f"li.{qn('cost')}", f"li.{qn('currency')}"
    reported = f"CASE WHEN t.{rate} IS NULL OR b.{rate} IS NULL THEN {cur} ELSE t.{qn('currency')} END"
    converted = f"COALESCE({convert_sql(cost, f't.{rate}', f'b.{rate}')}, {cost})"
    sums = ", ".join(f"{total}(li.{qn(c)})" for c in SUMMARY_SUM_COLUMNS)
    columns = ", ".join(
        qn(c)
        for c in ("target", *SUMMARY_KEY_COLUMNS, "date", "reported_currency", "converted_cost", *SUMMARY_SUM_COLUMNS)
    )
    where = " WHERE 1 = 1" if everything else f" WHERE li.{qn('integration_id')} = %s"
    if window:
        where += f" AND li.{qn('date')} >= %s AND li.{qn('date')} <= %s"
    return (
        f"INSERT INTO {qn(CostConvertedSummary._meta.db_table)} ({columns}, {qn('line_items')}) "
        f"SELECT %s, {keys}, {month}, {reported}, {total}({converted}), {sums}, COUNT(*) "
        f"FROM {qn(CostLineItem._meta.db_table)} li "
        f"LEFT JOIN {rates} b ON b.{qn('date')} = li.{qn('date')} AND b.{qn('currency')} = {cur} "
        f"LEFT JOIN {rates} t ON t.{qn('date')} = li.{qn('date')} AND t.{qn('currency')} = %s"
        f"{where} GROUP BY {keys}, {month}, {reported}"
    )


def reporting_targets() -> list[str]:
    """The reporting currencies in use (some workspace's): converted summaries are kept for each."""
    return sorted(set(Workspace.objects.exclude(reporting_currency="").values_list("reporting_currency", flat=True)))


def refresh_converted_summaries(iid: int, start: date | None, end: date | None, targets=None) -> None:
    """Bring the integration's converted summaries in line with its line items, for every target in use
    (inside the caller's transaction; months ``start..end``, or all, or all for a target new to it)."""
    qn = connection.ops.quote_name
    done = set(CostConversionState.objects.filter(integration_id=iid).values_list("target", flat=True))
    for target in reporting_targets() if targets is None else targets:
        rows = CostConvertedSummary.objects.filter(integration_id=iid, target=target)
        with connection.cursor() as cursor:
            if start is None or end is None or target not in done:
                rows.delete()
                cursor.execute(_converted_insert_sql(connection.vendor, qn, window=False), [target, target, iid])
            else:
                first, last = month_start(min(start, end)), month_end(max(start, end))
                rows.filter(date__gte=first, date__lte=last).delete()
                sql = _converted_insert_sql(connection.vendor, qn, window=True)
                cursor.execute(sql, [target, target, iid, first, last])
        CostConversionState.objects.update_or_create(integration_id=iid, target=target)


def rebuild_converted_summaries(target: str, integrations=None) -> None:
    """Every integration's summaries converted to ``target``, from scratch (a workspace took it up, or the
    rates changed): one transaction per integration, so reports read the finished ones meanwhile."""
    ids = CostSummaryState.objects.values_list("integration_id", flat=True) if integrations is None else integrations
    for iid in list(ids):
        with transaction.atomic():
            list(integration_model().objects.select_for_update(no_key=True).filter(pk=_pk(iid)).values_list("pk"))
            refresh_converted_summaries(_pk(iid), None, None, targets=[target])


def _dimension_values_sql(qn, *, everything: bool = False) -> str:
    """The distinct ``(integration, dimension, value)`` of one integration's (or every) summary rows."""
    where = "" if everything else f" WHERE {qn('integration_id')} = %s"
    return " UNION ".join(
        f"SELECT DISTINCT {qn('integration_id')}, '{column}', {qn(column)} "
        f"FROM {qn(CostMonthlySummary._meta.db_table)}{where}"
        for column in DIMENSION_VALUE_COLUMNS
    )


def _sync_dimension_values(iid: int, present: set[tuple[str, str]]) -> None:
    """Make the integration's stored dimension values ``present``, writing only what changed."""
    stored = {
        (dimension, value): pk
        for dimension, value, pk in CostDimensionValue.objects.filter(integration_id=iid).values_list(
            "dimension", "value", "pk"
        )
    }
    stale = [pk for key, pk in stored.items() if key not in present]
    if stale:
        CostDimensionValue.objects.filter(pk__in=stale).delete()
    CostDimensionValue.objects.bulk_create(
        [CostDimensionValue(integration_id=iid, dimension=d, value=v) for d, v in sorted(present - set(stored))]
    )


def refresh_cost_summaries(integration, start: date | None = None, end: date | None = None) -> None:
    """Bring ``integration``'s monthly summaries and dimension values in line with its line items.

    Call it INSIDE the transaction that changed the line items dated ``start..end`` (inclusive), after
    the change: ``replace_window`` does. Readers then see the line items and what is derived from them
    change together, never one without the other. The months that ``start..end`` touches are added up
    again from the line items (whole months, so a window that covers part of a month is fine); without
    dates, or the first time for an integration, all of them. The integration's dimension values are
    then re-read from its (small) summary, and only what changed is written. Concurrent calls for one
    integration queue on its row lock.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("refresh_cost_summaries() belongs inside the transaction that changed the line items.")
    iid = _pk(integration)
    list(integration_model().objects.select_for_update(no_key=True).filter(pk=iid).values_list("pk"))  # PG: queue
    whole = start is None or end is None or not CostSummaryState.objects.filter(integration_id=iid).exists()
    summaries = CostMonthlySummary.objects.filter(integration_id=iid)
    billed_months = BilledMonthlyTotal.objects.filter(integration_id=iid)
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if whole:
            summaries.delete()
            billed_months.delete()
            cursor.execute(_summary_insert_sql(connection.vendor, qn, window=False), [iid])
            cursor.execute(_billed_months_insert_sql(connection.vendor, qn, window=False), [iid])
        else:
            first, last = month_start(min(start, end)), month_end(max(start, end))
            summaries.filter(date__gte=first, date__lte=last).delete()
            billed_months.filter(date__gte=first, date__lte=last).delete()
            cursor.execute(_summary_insert_sql(connection.vendor, qn, window=True), [iid, first, last])
            cursor.execute(_billed_months_insert_sql(connection.vendor, qn, window=True), [iid, first, last])
        cursor.execute(_dimension_values_sql(qn), [iid] * len(DIMENSION_VALUE_COLUMNS))
        present = {(dimension, value) for _, dimension, value in cursor.fetchall()}
    _sync_dimension_values(iid, present)
    refresh_converted_summaries(iid, None if whole else start, None if whole else end)
    line_items = summaries.aggregate(n=Sum("line_items"))["n"] or 0
    CostSummaryState.objects.update_or_create(integration_id=iid, defaults={"line_items": line_items})


def rebuild_cost_summaries(integrations=None) -> None:
    """Rebuild the given integrations' summaries from scratch, one transaction each; without
    ``integrations``, everyone's in ONE transaction of a few set-based statements (after a bulk load)."""
    if integrations is not None:
        for integration in integrations:
            with transaction.atomic():
                refresh_cost_summaries(integration)
        return
    qn = connection.ops.quote_name
    state = qn(CostSummaryState._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        derived = (CostDimensionValue, CostMonthlySummary, BilledMonthlyTotal, CostConvertedSummary,
                   CostConversionState, CostSummaryState)  # fmt: skip
        for model in derived:
            cursor.execute(f"DELETE FROM {qn(model._meta.db_table)}")
        cursor.execute(_summary_insert_sql(connection.vendor, qn, window=False, everything=True))
        cursor.execute(_billed_months_insert_sql(connection.vendor, qn, window=False, everything=True))
        targets = reporting_targets()
        for target in targets:
            sql = _converted_insert_sql(connection.vendor, qn, window=False, everything=True)
            cursor.execute(sql, [target, target])
        cursor.execute(
            f"INSERT INTO {qn(CostDimensionValue._meta.db_table)} ({qn('integration_id')}, {qn('dimension')}, "
            f"{qn('value')}) " + _dimension_values_sql(qn, everything=True)
        )
        cursor.execute(
            f"INSERT INTO {state} ({qn('integration_id')}, {qn('line_items')}, {qn('updated_at')}) "
            f"SELECT i.{qn('id')}, COALESCE((SELECT SUM(s.{qn('line_items')}) FROM "
            f"{qn(CostMonthlySummary._meta.db_table)} s WHERE s.{qn('integration_id')} = i.{qn('id')}), 0), %s "
            f"FROM {qn(integration_model()._meta.db_table)} i",
            [timezone.now()],
        )
        for target in targets:
            cursor.execute(
                f"INSERT INTO {qn(CostConversionState._meta.db_table)} ({qn('integration_id')}, {qn('target')}, "
                f"{qn('updated_at')}) SELECT {qn('integration_id')}, %s, {qn('updated_at')} FROM {state}",
                [target],
            )
