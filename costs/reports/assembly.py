"""The assembled report: table rows, a total row per currency (and unit), headline figures per currency."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from vantage.lib.money import percent_of

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
        return percent_of(self.change, self.previous)


@dataclass
class ColumnTotal:
    """The total row of one currency (and, in usage mode, unit): a cell per column, the total, the cost,
    and (compared) the previous period's total of every group of the block, those gone since included."""

    currency: str
    unit: str | None
    cells: list
    total: Decimal | None = None
    cost_total: Decimal | None = None
    previous: Decimal | None = None

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
    """Run the grouped query and assemble the table; comparing, each row, total row and headline also gets
    the previous period's figures, from the same statement where that reads no more (else one more)."""
    columns = query.columns()
    one_statement = compare and query.previous_in_one_statement()
    groups = list(query.groups(previous=one_statement))
    if compare and not one_statement:
        _attach_previous(groups, query.previous_groups())
    rows = [row for row in groups if row.current]
    footers: dict[tuple, ColumnTotal] = {}
    spend: dict[str, Decimal] = {}
    for row in rows:
        row.table_cells = table_cells(query, row, columns)
        column_total(footers, row, len(columns)).add(row.table_cells, row)
        if row.cost_total is not None:
            spend[row.currency] = spend.get(row.currency, Decimal(0)) + row.cost_total
    previous: dict[str, Decimal] = {}
    if compare:  # every group of the previous period, those not in this one too
        for row in groups:
            previous[row.currency] = previous.get(row.currency, Decimal(0)) + (row.previous_cost or Decimal(0))
            footer = footers.get((row.unit, row.currency))
            if footer is not None:
                footer.previous = (footer.previous or Decimal(0)) + (row.previous or Decimal(0))
    headlines = [
        Headline(currency=c, current=spend.get(c, Decimal(0)), previous=previous.get(c) if compare else None)
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


def _attach_previous(groups: list[GroupRow], previous: Iterable[GroupRow]) -> None:
    """The previous period, read on its own, onto the groups; a group found only there is appended."""
    by_key = {(g.groups, g.currency, g.unit, g.billing_currency): g for g in groups}
    for before in previous:
        key = (before.groups, before.currency, before.unit, before.billing_currency)
        row = by_key.get(key)
        if row is None:
            row = GroupRow(before.groups, before.currency, before.unit, {}, {}, None, None,
                           billing_currency=before.billing_currency)  # fmt: skip
            groups.append(row)
        row.previous, row.previous_cost = before.total, before.cost_total
