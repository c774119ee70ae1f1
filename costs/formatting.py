"""How numbers and dates look on report pages and charts (CSV exports keep exact values instead).

The formats live in ``vantage.lib.formatting`` (the admin of ``vantage`` needs them too, and vantage
imports no app); they are re-exported here for the apps.
"""

from decimal import Decimal

from vantage.lib.formatting import (  # noqa: F401 (re-exported)
    DASH,
    day,
    day_span,
    integer,
    moment,
    money,
    month,
    percent,
    quantity,
    signed_money,
)


def plain(value) -> str:
    """Exact decimal without exponent or trailing zeros: what a spreadsheet should read."""
    if value is None:
        return ""
    d = Decimal(value)
    if d == 0:
        return "0"
    text = format(d.normalize(), "f")
    return text
