"""How numbers and dates look to a person, everywhere: pages, charts, the admin.

One home for the display formats (CSV exports and the API keep exact values instead):

* money: thousands separators, to the cent; an amount under one cent keeps two significant digits
  (``0.0079``), so a per-message price never reads ``0.00``; an optional currency code after it;
* quantities: thousands separators, at most four decimals, no trailing zeros (``1,234.5``);
* percentages: signed, one decimal (``+12.5%``);
* dates: ``1 Dec 2026``; months: ``Dec 2026``; moments: ``1 Dec 2026, 14:05 UTC`` (display time zone).

``None`` (no value, as opposed to zero) is ``—`` in every helper. ``costs.formatting`` re-exports
these for the apps; the admin of ``vantage`` uses them from here (vantage imports no app).
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone

DASH = "—"  # no value (None), as opposed to zero
CENT = Decimal("0.01")
QUANTITY_PLACES = Decimal("0.0001")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _decimal(value) -> Decimal | None:
    """``value`` as a finite Decimal (floats through their shortest text), or None if it is not a number."""
    if isinstance(value, float):
        value = repr(value)
    try:
        d = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return d if d.is_finite() else None


def _dash_for_none(fmt):
    """``None`` and anything that is not a finite number read ``—``."""

    @functools.wraps(fmt)
    def formatted(value, *args, **kwargs) -> str:
        if value is None or value == "":
            return DASH
        d = _decimal(value)
        return DASH if d is None else fmt(d, *args, **kwargs)

    return formatted


def _grouped(d: Decimal) -> str:
    text = f"{d:,f}"
    return "0" + text[2:] if text.startswith("-0") and d == 0 else text  # never "-0.00"


def _with_unit(text: str, unit) -> str:
    return f"{text} {unit}" if unit else text


@_dash_for_none
def money(value: Decimal, currency: str | None = None) -> str:
    """``1,234.50``; under a cent, two significant digits (``0.0079``); ``currency`` follows the amount."""
    if value != 0 and abs(value) < CENT:
        rounded = value.quantize(Decimal(1).scaleb(value.adjusted() - 1), rounding=ROUND_HALF_UP)
        # 0.00999 rounds up to a cent; otherwise no trailing zero (0.005, not 0.0050)
        rounded = rounded.quantize(CENT) if abs(rounded) >= CENT else rounded.normalize()
    else:
        rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return _with_unit(_grouped(rounded), currency)


@_dash_for_none
def signed_money(value: Decimal, currency: str | None = None) -> str:
    """A difference: ``+1,234.50`` / ``-0.25`` / ``0.00``."""
    text = money(value, currency)
    return f"+{text}" if value > 0 else text


@_dash_for_none
def quantity(value: Decimal, unit: str | None = None) -> str:
    """``1,234.5`` (at most four decimals, no trailing zeros); ``unit`` follows the number."""
    rounded = value.quantize(QUANTITY_PLACES, rounding=ROUND_HALF_UP)
    text = _grouped(rounded)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return _with_unit("0" if text in ("-0", "") else text, unit)


@_dash_for_none
def integer(value: Decimal) -> str:
    """A count: ``1,234,567``."""
    return _grouped(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@_dash_for_none
def percent(value: Decimal) -> str:
    """A change: ``+12.5%`` / ``-3.0%`` / ``0.0%``."""
    rounded = value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{rounded:+,f}%" if rounded != 0 else "0.0%"


def _calendar(value) -> date | None:
    """The calendar day ``value`` names (a datetime: in the display time zone), ``None`` if not a date."""
    if not isinstance(value, date):
        return None
    return _local(value) if isinstance(value, datetime) else value


def day(value) -> str:
    """``1 Dec 2026`` (a datetime shows its day in the display time zone)."""
    d = _calendar(value)
    return DASH if d is None else f"{d.day} {month(d)}"


def month(value) -> str:
    """``Dec 2026``."""
    d = _calendar(value)
    return DASH if d is None else f"{MONTHS[d.month - 1]} {d.year}"


def moment(value) -> str:
    """``1 Dec 2026, 14:05 UTC``: a point in time, in the display time zone (its name after it)."""
    if not isinstance(value, datetime):
        return day(value)
    local = _local(value)
    zone = local.tzname() or ""
    return f"{day(local)}, {local:%H:%M}{' ' + zone if zone else ''}"


def day_span(start, end) -> str:
    """``1 Dec 2026 – 31 Dec 2026`` (one day: just that day)."""
    if start == end:
        return day(start)
    return f"{day(start)} – {day(end)}"


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value
