"""Aggregated rows (one per group and bin) pivoted to table rows (one per group, a cell per bin)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from .rows import GroupRow, ReportRow, sum_or_none


def _group_key(row: ReportRow) -> tuple:
    return row.groups, row.currency, row.unit, row.billing_currency


def pivot(rows: Iterable[ReportRow], *, usage_mode: bool) -> Iterator[GroupRow]:
    """One ``GroupRow`` per group; ``rows`` must keep each group's rows together (``ReportQuery`` does)."""
    for (groups, currency, unit, billing_currency), group_rows in itertools.groupby(rows, key=_group_key):
        group_rows = list(group_rows)  # the bins of one group
        cells = {r.bin: (r.usage if usage_mode else r.cost) for r in group_rows}
        costs = {r.bin: r.cost for r in group_rows}
        yield GroupRow(
            groups=groups,
            currency=currency,
            unit=unit,
            cells=cells,
            costs=costs,
            total=sum_or_none(cells.values()),
            cost_total=sum_or_none(costs.values()),
            billing_currency=billing_currency,
            billing_total=sum_or_none(r.billing_cost for r in group_rows),
        )
