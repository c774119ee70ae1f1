"""The assembled report: table rows, a total row per currency (and unit), headline figures per currency."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

from ..fx import unconverted_message
from .query import ReportQuery
from .rows import GroupRow, sum_or_none


@dataclass
class Headline:
    currency: str
    current: Decimal
    previous: Decimal | None = None

    @property
    def change(self) -> Decimal | None:
        return None if self.previous is None else self.current - self.previous

    @property
    def percent(self) -> Decimal | None:
        if self.previous is None or self.previous == 0:
            return None
        return (self.current - self.previous) * 100 / abs(self.previous)


@dataclass
class ColumnTotal:
    """The total row of one currency (and, in usage mode, unit): a cell per column, the total, the cost."""

    currency: str
    unit: str | None
    cells: list
    total: Decimal | None = None
    cost_total: Decimal | None = None

    def add(self, cells: list, row: GroupRow) -> None:
        """Add a table row (its ``cells`` as shown, one per column) to the totals."""
        self.cells = [sum_or_none([a, b]) for a, b in zip(self.cells, cells, strict=True)]
        self.total = sum_or_none([self.total, row.total])
        self.cost_total = sum_or_none([self.cost_total, row.cost_total])


def column_total(footers: dict[tuple, ColumnTotal], row: GroupRow, width: int) -> ColumnTotal:
    """The total row ``row`` adds to, created (empty, ``width`` columns) on first use."""
    return footers.setdefault((row.unit, row.currency), ColumnTotal(row.currency, row.unit, [None] * width))


@dataclass
class Report:
    query: ReportQuery
    columns: list
    rows: list[GroupRow]
    column_totals: list[ColumnTotal]
    headlines: list[Headline]
    compare: bool

    @functools.cached_property
    def cost_totals(self) -> dict[str, Decimal]:
        """The total per BILLING currency, as Twilio billed it (costs.reconciliation compares it with
        Twilio's totalprice): the headlines when not converting, else added up from the rows (no query)."""
        if self.currency is None:
            return {h.currency: h.current for h in self.headlines}
        billed: dict[str, Decimal] = {}
        for row in self.rows:  # a converted query's rows keep what each billing currency billed
            for currency, amount in row.billing_totals.items():
                if amount is not None:
                    billed[currency] = billed.get(currency, Decimal(0)) + amount
        return billed

    @property
    def currency(self) -> str | None:
        """The reporting currency (``None``: billing currencies, not converted)."""
        return self.query.currency

    @property
    def rate_note(self) -> str | None:
        """E.g. "Converted to USD at ECB reference rates of each day, latest 30 Oct 2026"; ``None`` unconverted."""
        return self.query.rate_note

    @property
    def unconverted(self) -> list[str]:
        """One message per billing currency shown as it is for lack of an ECB rate ("No ECB rate for XYZ: ...")."""
        if self.currency is None:
            return []
        return [unconverted_message(c) for c in sorted({h.currency for h in self.headlines} - {self.currency})]


def table_cells(query: ReportQuery, row: GroupRow, columns: list) -> list:
    """A group's cells as the table shows them: one per bin, or its total when cumulative."""
    return [row.total] if query.cumulative else [row.cells.get(c) for c in columns]


def build_report(query: ReportQuery, *, compare: bool = True) -> Report:
    """Run the grouped query (and the previous-period totals when comparing) and assemble the table."""
    columns = query.columns()
    rows: list[GroupRow] = []
    footers: dict[tuple, ColumnTotal] = {}
    spend: dict[str, Decimal] = {}
    for row in query.groups():
        row.table_cells = table_cells(query, row, columns)
        rows.append(row)
        column_total(footers, row, len(columns)).add(row.table_cells, row)
        if row.cost_total is not None:
            spend[row.currency] = spend.get(row.currency, Decimal(0)) + row.cost_total
    previous = query.previous_totals() if compare else {}
    headlines = [
        Headline(
            currency=c,
            current=spend.get(c, Decimal(0)),
            previous=(previous.get(c) or Decimal(0)) if compare else None,
        )
        for c in sorted(set(spend) | set(previous))
    ]
    return Report(
        query=query,
        columns=columns,
        rows=rows,
        column_totals=list(footers.values()),
        headlines=headlines,
        compare=compare,
    )
