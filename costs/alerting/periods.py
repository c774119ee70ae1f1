"""UTC periods: the last complete day, week (Monday to Sunday), month or quarter, and the one before it.

Pure functions (no database, no clock): ``complete_period(period, today)`` -> ``(start, end)`` of the last
period that ended before ``today``; ``previous(period, start)`` -> the period just before it.
"""

from __future__ import annotations

from datetime import date, timedelta

from vantage.lib.dates import add_months

from .choices import Frequency, Period

FREQUENCY_PERIOD = {Frequency.DAILY: Period.DAY, Frequency.WEEKLY: Period.WEEK, Frequency.MONTHLY: Period.MONTH}


def period_start(day: date, period: str) -> date:
    if period == Period.DAY:
        return day
    if period == Period.WEEK:
        return day - timedelta(days=day.weekday())
    if period == Period.MONTH:
        return day.replace(day=1)
    if period == Period.QUARTER:
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    raise ValueError(f"Unknown period: {period!r}")


def period_end(start: date, period: str) -> date:
    """The last day of the period starting on ``start``."""
    if period == Period.DAY:
        return start
    if period == Period.WEEK:
        return start + timedelta(days=6)
    return add_months(start, 3 if period == Period.QUARTER else 1) - timedelta(days=1)


def complete_period(period: str, today: date) -> tuple[date, date]:
    """The last period that ended before ``today`` (yesterday; last Monday..Sunday; last month; last quarter)."""
    start = period_start(period_start(today, period) - timedelta(days=1), period)
    return start, period_end(start, period)


def previous(period: str, start: date) -> tuple[date, date]:
    """The period just before the one starting on ``start``."""
    before = period_start(start - timedelta(days=1), period)
    return before, period_end(before, period)


def send_day(frequency: str, end: date) -> date:
    """The first day a digest of a period ending on ``end`` goes out: the next day, a Monday, or the 2nd."""
    return end + timedelta(days=2 if frequency == Frequency.MONTHLY else 1)
