"""Date ranges and date bins for reports: pure functions over UTC calendar days (no database, no clock).

* ``resolve_preset(name, today)`` -> ``(start, end)``, both inclusive;
* ``bins(start, end, bin)`` -> the first day of every bin that touches the range (what the SQL
  ``Trunc*`` functions return), ``[]`` for ``cumulative``;
* ``previous_period(start, end)`` -> the period of the same length just before.

"Last N months" means the N complete calendar months before the current one; "last N days" ends
today and includes it. Weeks start on Monday (ISO, as PostgreSQL's ``date_trunc('week')``).
"""

from __future__ import annotations

from datetime import date, timedelta

from vantage.lib.dates import add_months, month_end, month_start
from vantage.lib.formatting import day

from .choices import DateBin, DateRange

MAX_RANGE_MONTHS = 36  # a report covers at most three years
# The days a report may name. Twilio bills from 2008 on; the bounds keep every derived date (three years
# on, the previous period, a bin's first day) far inside what ``datetime.date`` can represent.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2100, 12, 31)

_LAST_DAYS = {DateRange.LAST_7_DAYS: 7, DateRange.LAST_30_DAYS: 30, DateRange.LAST_90_DAYS: 90}
_LAST_MONTHS = {DateRange.LAST_3_MONTHS: 3, DateRange.LAST_6_MONTHS: 6, DateRange.LAST_12_MONTHS: 12}


def out_of_bounds(value: date | None) -> str | None:
    """The message for a day outside ``EARLIEST_DAY``..``LATEST_DAY`` (None: in bounds, or no day)."""
    if value is None or EARLIEST_DAY <= value <= LATEST_DAY:
        return None
    return f"Choose a day from {EARLIEST_DAY.isoformat()} to {LATEST_DAY.isoformat()}."


def latest_end(start: date) -> date:
    """The last day a range starting on ``start`` may end on (three years, inclusive)."""
    return add_months(start, MAX_RANGE_MONTHS) - timedelta(days=1)


def resolve_preset(name: str, today: date) -> tuple[date, date]:
    """The inclusive ``(start, end)`` of a preset relative to ``today`` (a UTC day)."""
    if name == DateRange.THIS_MONTH:
        return month_start(today), today
    if name == DateRange.LAST_MONTH:
        last = month_start(today) - timedelta(days=1)
        return month_start(last), last
    if name in _LAST_DAYS:
        return today - timedelta(days=_LAST_DAYS[name] - 1), today
    if name in _LAST_MONTHS:
        first_of_this_month = month_start(today)
        return add_months(first_of_this_month, -_LAST_MONTHS[name]), first_of_this_month - timedelta(days=1)
    if name == DateRange.YEAR_TO_DATE:
        return date(today.year, 1, 1), today
    raise ValueError(f"Unknown date range preset: {name!r}")


def bin_start(d: date, bin: str) -> date | None:
    """The first day of the bin ``d`` falls in (``None`` for cumulative: one bin for everything)."""
    if bin == DateBin.DAY:
        return d
    if bin == DateBin.WEEK:
        return d - timedelta(days=d.weekday())
    if bin == DateBin.MONTH:
        return month_start(d)
    if bin == DateBin.QUARTER:
        return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
    if bin == DateBin.CUMULATIVE:
        return None
    raise ValueError(f"Unknown date bin: {bin!r}")


def _next_bin(d: date, bin: str) -> date:
    if bin == DateBin.DAY:
        return d + timedelta(days=1)
    if bin == DateBin.WEEK:
        return d + timedelta(days=7)
    if bin == DateBin.MONTH:
        return add_months(d, 1)
    return add_months(d, 3)


def bins(start: date, end: date, bin: str) -> list[date]:
    """First days of the bins covering ``start..end``; the first may begin before ``start``."""
    if end < start:
        raise ValueError("The end date is before the start date.")
    first = bin_start(start, bin)
    if first is None:
        return []
    out = []
    while first <= end:
        out.append(first)
        first = _next_bin(first, bin)
    return out


def bin_title(d: date | None, bin: str, *, short: bool = False) -> str:
    """A column heading on the page, in the one date format ("Week of 2 Nov 2026", "2 Nov 2026"; ``short``
    for chart axes: "2 Nov"). The CSV keeps ISO days (``bin_label``): spreadsheets read them as dates."""
    if d is not None and bin in (DateBin.DAY, DateBin.WEEK) and not short:
        return f"Week of {day(d)}" if bin == DateBin.WEEK else day(d)
    return bin_label(d, bin, short=short)


def bin_label(d: date | None, bin: str, *, short: bool = False) -> str:
    """A CSV column heading (``short`` for chart axes: "3 Nov" rather than "Week of 2026-11-03")."""
    if d is None or bin == DateBin.CUMULATIVE:
        return "Total"
    if bin == DateBin.MONTH:
        return d.strftime("%b %Y")
    if bin == DateBin.QUARTER:
        return f"{d.year} Q{(d.month - 1) // 3 + 1}"
    if short:
        return f"{d.day} {d.strftime('%b')}"
    if bin == DateBin.WEEK:
        return f"Week of {d.isoformat()}"
    return d.isoformat()


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length that ends the day before ``start``.

    A range that starts on the 1st of a month is measured in months, so months compare with
    months: March -> February, Q2 -> Q1, Nov 1..27 -> Oct 1..27 (days clamped to the month's
    length). Any other range moves back by its number of days: Mar 10..16 -> Mar 3..9.
    """
    if end < start:
        raise ValueError("The end date is before the start date.")
    if start.day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        prev_start = add_months(start, -months)
        if end == month_end(end):
            prev_end = start - timedelta(days=1)
        else:
            prev_end = min(add_months(end, -months), start - timedelta(days=1))
        return prev_start, prev_end
    days = (end - start).days + 1
    return start - timedelta(days=days), start - timedelta(days=1)
