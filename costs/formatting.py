"""How numbers look on report pages and charts (CSV exports keep exact values instead)."""

import functools
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
DASH = "—"  # no value (None), as opposed to zero


def _dash_for_none(fmt):
    @functools.wraps(fmt)
    def formatted(value) -> str:
        return DASH if value is None else fmt(value)

    return formatted


def _cents(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@_dash_for_none
def money(value) -> str:
    return f"{_cents(value):,}"


@_dash_for_none
def quantity(value) -> str:
    text = f"{_cents(value):,}"
    return text[:-3] if text.endswith(".00") else text


@_dash_for_none
def percent(value) -> str:
    return f"{Decimal(value).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):+}%"


@_dash_for_none
def signed_money(value) -> str:
    q = _cents(value)
    return f"+{q:,}" if q > 0 else f"{q:,}"


def plain(value) -> str:
    """Exact decimal without exponent or trailing zeros: what a spreadsheet should read."""
    if value is None:
        return ""
    d = Decimal(value)
    if d == 0:
        return "0"
    text = format(d.normalize(), "f")
    return text
