"""The shapes a report query yields: aggregated rows, and rows pivoted to one per group."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


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


def sum_or_none(values) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None
