"""Aggregated rows (one per group and bin) pivoted to table rows (one per group, a cell per bin)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from .rows import GroupRow, ReportRow, sum_or_none


def pivot(rows: Iterable[ReportRow], *, usage_mode: bool, by_billing: bool = False) -> Iterator[GroupRow]:
    """One ``GroupRow`` per group; ``rows`` must keep each group's rows together (``ReportQuery`` does).

    A group is its values, currency and unit, and with ``by_billing`` its billing currency; otherwise
    rows of several billing currencies (a converted report) add up into the group's cells, and the
    group keeps what each billing currency billed (``billing_totals``). Rows of the previous period
    (``ReportRow.previous``) add up into ``previous`` / ``previous_cost``, not into the cells."""

    def key(row: ReportRow) -> tuple:
        return row.groups, row.currency, row.unit, row.billing_currency if by_billing else None

    for (groups, currency, unit, billing_currency), group_rows in itertools.groupby(rows, key=key):
        cells: dict = {}
        costs: dict = {}
        billed: dict = {}
        before = before_cost = None
        for r in group_rows:  # the bins of one group (a bin once per billing currency, when converted)
            if r.previous:
                before = sum_or_none([before, r.usage if usage_mode else r.cost])
                before_cost = sum_or_none([before_cost, r.cost])
                continue
            cells[r.bin] = sum_or_none([cells.get(r.bin), r.usage if usage_mode else r.cost])
            costs[r.bin] = sum_or_none([costs.get(r.bin), r.cost])
            if r.billing_currency is not None:
                billed[r.billing_currency] = sum_or_none([billed.get(r.billing_currency), r.billing_cost])
        yield GroupRow(
            groups=groups,
            currency=currency,
            unit=unit,
            cells=cells,
            costs=costs,
            total=sum_or_none(cells.values()),
            cost_total=sum_or_none(costs.values()),
            billing_currency=billing_currency,
            billing_total=billed.get(billing_currency) if by_billing else None,
            billing_totals=billed,
            previous=before,
            previous_cost=before_cost,
        )
