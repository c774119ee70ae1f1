"""The shapes a report query yields: aggregated rows, and rows pivoted to one per group."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

# The bin of a previous-period row (``ReportQuery.grouped(previous=True)``): no real bin is ever this day.
PREVIOUS_BIN = date.min


@dataclass(frozen=True, slots=True)
class ReportRow:
    bin: date
    groups: tuple
    currency: str
    unit: str | None
    cost: Decimal | None
    usage: Decimal | None
    # what Twilio billed (a ``ReportQuery(by_billing=True)`` row has one billing currency)
    billing_currency: str | None = None
    billing_cost: Decimal | None = None
    # a row of the previous period (``ReportQuery.rows(previous=True)``): the whole period in one bin
    previous: bool = False


@dataclass(slots=True)
class GroupRow:
    """One row of the report table: a group (per currency and, in usage mode, unit) across bins."""

    groups: tuple
    currency: str
    unit: str | None
    cells: dict  # bin start -> measure (cost, or usage in usage mode)
    costs: dict  # bin start -> cost
    total: Decimal | None
    cost_total: Decimal | None
    table_cells: list = field(default_factory=list)
    billing_currency: str | None = None  # by billing currency (``ReportQuery(by_billing=True)``) only
    billing_total: Decimal | None = None
    billing_totals: dict = field(default_factory=dict)  # billing currency -> what it billed in this group
    # the previous period of the same length (a report compared with it): the measure and the cost
    previous: Decimal | None = None
    previous_cost: Decimal | None = None

    @property
    def current(self) -> bool:
        """Whether the group has costs in the report's own period (not only in the previous one)."""
        return bool(self.cells)


def sum_or_none(values) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None
