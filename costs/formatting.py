"""How numbers look on report pages and charts (CSV exports keep exact values instead)."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def money(value) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP):,}"


def quantity(value) -> str:
    if value is None:
        return "—"
    text = f"{Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP):,}"
    return text[:-3] if text.endswith(".00") else text


def percent(value) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):+}%"


def signed_money(value) -> str:
    if value is None:
        return "—"
    q = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
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
