"""Which months an integration holds, and the rules for importing earlier ones (one home for the page and the API).

Connecting imports the current month and the ``HISTORY_FULL_MONTHS`` full months before it, so every
"Last N months" report preset up to 12 is complete. Earlier months are imported on request, back to a
month the person chooses: not after the earliest month already imported (later months are there, or
are refreshed daily), and not more than ``MAX_MONTHS_BACK`` months before the current one.

A month counts as imported when one successful run covered all of its days. The plan of an earlier
import is every full month from the chosen one up to the previous month that is not imported yet,
newest first: asking again after a failure continues where it stopped, and asking twice imports
nothing twice.
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError

from costs.dates import MAX_RANGE_MONTHS
from vantage.lib.dates import add_months, month_end, month_start, utc_today

from .models import IngestionRun, Integration, RunStatus

HISTORY_FULL_MONTHS = 12
# A report spans at most three years (costs.dates.MAX_RANGE_MONTHS): months further back could never be
# compared with today's, and each month is a full download from Twilio.
MAX_MONTHS_BACK = MAX_RANGE_MONTHS

Window = tuple[date, date]
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def history_range(today: date | None = None) -> Window:
    """What connecting imports: the current month so far and the twelve full months before it."""
    today = today or utc_today()
    return add_months(month_start(today), -HISTORY_FULL_MONTHS), today


def parse_month(value) -> date:
    """``"2024-06"`` (what ``<input type=month>`` sends) or a date -> the month's first day."""
    if isinstance(value, date):
        return month_start(value)
    match = _MONTH.match(str(value or "").strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1900:
        raise ValidationError("Enter a month as YYYY-MM, e.g. 2024-06.", code="invalid")
    return date(int(match[1]), int(match[2]), 1)


def imported_months(integration: Integration, low: date, high: date) -> set[date]:
    """First days of the months in ``low``..``high`` that one successful run covered entirely (one query)."""
    runs = IngestionRun.objects.filter(
        integration=integration, status=RunStatus.SUCCEEDED, start_date__lte=high, end_date__gte=low
    ).values_list("start_date", "end_date")
    months = set()
    for start, end in runs:
        month = month_start(start) if start.day == 1 else add_months(month_start(start), 1)
        while month_end(month) <= end:
            months.add(month)
            month = add_months(month, 1)
    return months


def earliest_imported_month(integration: Integration) -> date | None:
    """The first day of the earliest month any successful run touched (None before any import)."""
    first = (
        IngestionRun.objects.filter(integration=integration, status=RunStatus.SUCCEEDED)
        .order_by("start_date")
        .values_list("start_date", flat=True)
        .first()
    )
    return month_start(first) if first else None


UNKNOWN = object()  # ``earliest`` not read yet (``None`` is an answer: nothing imported)


def month_bounds(integration: Integration, today: date | None = None, *, earliest=UNKNOWN) -> Window:
    """The earliest and the latest month an earlier import may go back to (first days of months).
    ``earliest``: ``earliest_imported_month(integration)`` when the caller has it already."""
    this_month = month_start(today or utc_today())
    if earliest is UNKNOWN:
        earliest = earliest_imported_month(integration)
    latest = earliest or add_months(this_month, -1)
    return add_months(this_month, -MAX_MONTHS_BACK), min(latest, add_months(this_month, -1))


def check_start_month(integration: Integration, month: date, today: date | None = None, *, earliest=UNKNOWN) -> date:
    """``month`` if an earlier import may go back to it; else a ValidationError saying which months may."""
    lowest, highest = month_bounds(integration, today, earliest=earliest)
    if month < lowest:
        raise ValidationError(
            f"Choose {lowest:%b %Y} or later: history goes back at most {MAX_MONTHS_BACK} months, "
            "the longest period a report can show.",
            code="too_early",
        )
    if month > highest:
        raise ValidationError(
            f"Choose {highest:%b %Y} or earlier: months from {highest:%b %Y} on are already imported "
            "(or refreshed daily).",
            code="too_late",
        )
    return month


def earlier_plan(integration: Integration, back_to: date, today: date | None = None) -> list[Window]:
    """The month windows still to import, newest first: every full month from ``back_to`` up to the previous
    month that no successful run covered yet."""
    last = add_months(month_start(today or utc_today()), -1)
    first = month_start(back_to)
    if last < first:
        return []
    done = imported_months(integration, first, month_end(last))
    plan = []
    month = last
    while month >= first:
        if month not in done:
            plan.append((month, month_end(month)))
        month = add_months(month, -1)
    return plan
