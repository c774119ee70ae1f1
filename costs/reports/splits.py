"""Virtual tag values that split costs between labels (60% Team A, 40% Team B).

Two places: a filter on split labels weighs each row by the share the chosen labels get (``shared``,
reading the ``SHARE_ALIAS`` annotation costs.filtersets.TagFilter sets); a grouping by such a tag
shares each aggregated row out to its labels after the query, then adds the parts up and orders the
rows as the SQL would have (``share_out``). Both only ever see aggregated rows, never line items.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db.models import F, QuerySet

from ..choices import Sort
from ..dimensions import Dimension
from .rows import ReportRow, sum_or_none

SHARE_ALIAS = "_tag_share"


def shared(field: str, rows: QuerySet):
    """``field`` weighted by the share of each row that a filter on split virtual-tag labels keeps.

    Filtering on "Team A" where a value splits costs 60/40 between Team A and Team B keeps those rows
    at 60% (the filter sets ``SHARE_ALIAS``, see costs.filtersets.TagFilter); without such a filter
    it is the plain column."""
    return F(field) * F(SHARE_ALIAS) if SHARE_ALIAS in rows.query.annotations else F(field)


def _variants(row: ReportRow, dimensions: Sequence[Dimension]) -> list[tuple]:
    """``(groups, (cost, usage, billing cost))`` for each combination of labels the row's split values
    share out to."""
    variants = [(row.groups, (row.cost, row.usage, row.billing_cost))]
    for i, dim in enumerate(dimensions):
        if not dim.has_splits:
            continue
        expanded = []
        for groups, amounts in variants:
            parts = [dim.split(groups[i], amount) for amount in amounts]
            if parts[0] is None:
                expanded.append((groups, amounts))
                continue
            for shares in zip(*parts, strict=True):
                label = shares[0][0]
                expanded.append((groups[:i] + (label,) + groups[i + 1 :], tuple(part for _, part in shares)))
        variants = expanded
    return variants


def _names(row: ReportRow) -> tuple:
    return tuple((v is None, str(v)) for v in row.groups)


def _ordered(rows: list[ReportRow], *, usage_mode: bool, sort: str, by_bin: bool, by_billing: bool) -> list:
    """The order ``ReportQuery`` asks SQL for (see its ``_ordering``), on rows already shared out."""
    if by_bin:
        return sorted(rows, key=lambda r: (r.bin, _names(r), r.currency, r.billing_currency or "", r.unit or ""))

    def group(r: ReportRow) -> tuple:
        return r.groups, r.currency, r.unit, r.billing_currency if by_billing else None

    totals: dict[tuple, Decimal] = {}
    for r in rows:  # a group's total is its own period's (a previous-period row adds nothing)
        added = Decimal(0) if r.previous else (r.usage if usage_mode else r.cost) or 0
        totals[group(r)] = totals.get(group(r), Decimal(0)) + added
    sign = {Sort.TOTAL_DESC: -1, Sort.TOTAL_ASC: 1}.get(sort, 0)
    return sorted(
        rows,
        key=lambda r: (
            r.unit or "" if usage_mode else "",
            r.currency,
            sign * totals[group(r)],
            _names(r),
            r.billing_currency or "" if by_billing else "",
            r.bin,
            r.billing_currency or "",
        ),
    )


def share_out(
    rows: Iterable[ReportRow],
    dimensions: Sequence[Dimension],
    *,
    usage_mode: bool,
    sort: str,
    by_bin: bool,
    by_billing: bool = False,
) -> list[ReportRow]:
    """Aggregated rows with split values shared out to their labels, added up and re-ordered."""
    merged: dict[tuple, list] = {}
    for row in rows:
        for groups, amounts in _variants(row, dimensions):
            key = (row.bin, groups, row.currency, row.unit, row.billing_currency, row.previous)
            acc = merged.setdefault(key, [None] * 3)
            acc[:] = [sum_or_none([a, b]) for a, b in zip(acc, amounts, strict=True)]
    out = [
        ReportRow(b, g, c, u, cost, usage, bc, bcost, previous)
        for (b, g, c, u, bc, previous), (cost, usage, bcost) in merged.items()
    ]
    return _ordered(out, usage_mode=usage_mode, sort=sort, by_bin=by_bin, by_billing=by_billing)
