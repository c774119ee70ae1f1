"""Exact money sums on every database.

PostgreSQL's ``numeric`` sums exactly. SQLite stores decimals as REAL (or TEXT when a value has
more than 15 significant digits) and its ``SUM`` adds binary floats, which drifts on large ranges.
``ExactSum`` uses a ``DECIMAL_SUM`` aggregate on SQLite that adds every value as a ``Decimal``
(from its shortest round-trip text) and rounds once at the end, so report totals equal Twilio's
totals to the cent on the embedded database too.
"""

from decimal import Decimal

from django.db.models import DecimalField, Sum

# Money and quantities: every DecimalField of an amount, usage or count (Twilio prices carry many decimals).
MONEY = {"max_digits": 28, "decimal_places": 10}


class _DecimalSum:
    def __init__(self):
        self.total = Decimal(0)
        self.seen = False

    def step(self, value):
        if value is None:
            return
        self.seen = True
        if isinstance(value, float):
            self.total += Decimal(repr(value))
        else:
            self.total += Decimal(str(value) if not isinstance(value, bytes) else value.decode())

    def finalize(self):
        return float(self.total) if self.seen else None


def register_sqlite_functions(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("DECIMAL_SUM", 1, _DecimalSum)


class ExactSum(Sum):
    """``Sum`` of a money/quantity column that is exact on PostgreSQL and SQLite alike."""

    def __init__(self, *expressions, **extra):
        extra.setdefault("output_field", DecimalField(max_digits=28, decimal_places=10))
        super().__init__(*expressions, **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="DECIMAL_SUM", **extra_context)


def percent_of(amount: Decimal | None, base: Decimal | None) -> Decimal | None:
    """``amount`` (a change, a share) as a percentage of the size of ``base`` (a change from a negative
    base keeps its sign); ``None`` when either is unknown or the base is zero (no percentage of nothing)."""
    if amount is None or not base:
        return None
    return amount * 100 / abs(base)
