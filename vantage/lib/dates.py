"""UTC calendar days and months: the date arithmetic every app shares (pure functions, no database).

Costs are dated by UTC calendar day, as Twilio's Usage Records API reports them.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime


def utc_today() -> date:
    return datetime.now(UTC).date()


def month_start(d: date) -> date:
    return d.replace(day=1)


def month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def add_months(d: date, months: int) -> date:
    """``d`` moved by whole months; the day is clamped to the target month (Mar 31 - 1 month = Feb 28)."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))
