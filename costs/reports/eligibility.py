"""When the monthly summary gives the same answer as the line items.

A report may read ``CostMonthlySummary`` (line items already added up per integration, account, month
and every other column) instead of ``CostLineItem`` whenever no condition or grouping can tell the
difference: the range is whole months, and every filter and grouping expression reads only columns the
summary keeps (``date`` only compared with month boundaries, as a virtual tag's date range may be).

This is THE ONLY module that reads Django's private query classes (``sql.Query``, ``WhereNode``,
``Col``, ``ResolvedOuterRef``, ``Lookup`` internals). tests/costs/test_eligibility.py pins the parts
of them read here, so a Django upgrade that changes them fails loudly there, not silently in a report.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db.models import QuerySet
from django.db.models.expressions import Col, OuterRef, ResolvedOuterRef
from django.db.models.lookups import Lookup
from django.db.models.sql.query import Query
from django.db.models.sql.where import WhereNode

from vantage.lib.dates import month_end

from ..choices import DateBin

SUMMARY_BINS = (DateBin.MONTH, DateBin.QUARTER)
# CostMonthlySummary columns holding the line items' own values (one per summary row). ``date`` is
# the month's first day, so it may only be compared with a month boundary. Columns of tables joined
# through ``integration`` hold one value per integration, so they are safe too.
SUMMARY_KEY_FIELDS = frozenset(
    {"integration", "account_id", "service", "category", "charge_type", "currency", "usage_unit"}
    | {"target", "reported_currency"}  # the converted summary's (costs.models.CostConvertedSummary)
)


def whole_months(start: date, end: date) -> bool:
    return start.day == 1 and end == month_end(end)


def _month_aligned(lookup: Lookup) -> bool:
    """``date <op> value`` keeps or drops whole months only, so it reads a month's first day the same."""

    def day(value):
        return value if isinstance(value, date) and not isinstance(value, datetime) else None

    name, rhs = lookup.lookup_name, lookup.rhs
    if name == "range" and isinstance(rhs, (list, tuple)) and len(rhs) == 2:
        low, high = day(rhs[0]), day(rhs[1])
        return low is not None and high is not None and whole_months(low, high)
    value = day(rhs)
    if value is None:
        return False
    if name in ("gte", "lt"):
        return value.day == 1
    if name in ("lte", "gt"):
        return value == month_end(value)
    return False  # exact, in, year, ...: days inside a month


def _parts(node) -> list:
    """The nodes directly inside a resolved condition, expression or subquery (none for a plain value)."""
    if isinstance(node, Query):
        return [node.where, *node.annotations.values()]
    if isinstance(node, WhereNode):
        return node.children
    if isinstance(node, Lookup):
        return [node.lhs, node.rhs]
    if isinstance(node, (list, tuple)):
        return list(node)
    if hasattr(node, "get_source_expressions"):
        return node.get_source_expressions()
    return []


def _outer_safe(node, model) -> bool:
    """Inside a subquery: no correlation with a column of ``model`` the summary does not keep.

    Once the outer query resolves a subquery, Django turns its ``OuterRef``s into plain ``Col``s of the
    outer model (a ``ResolvedOuterRef`` remains only in a subquery not yet resolved), so every ``Col`` of
    ``model`` in it must be a kept column. Conservative: the subquery's own columns of ``model`` (a
    subquery over the summary itself) count too."""
    if isinstance(node, (ResolvedOuterRef, OuterRef)):
        return False
    if isinstance(node, Col):
        return node.target.model is not model or node.target.name in SUMMARY_KEY_FIELDS
    return all(_outer_safe(part, model) for part in _parts(node))


def summary_safe(node, model) -> bool:
    """Does this (resolved) condition or expression over ``model`` (CostMonthlySummary) evaluate, for every
    summary row, to what it evaluates to for each line item the row adds up? Conservative: anything
    not known to be safe is not."""
    if node is None:
        return True
    if isinstance(node, Lookup):
        lhs = node.lhs
        if isinstance(lhs, Col) and lhs.target.model is model and lhs.target.name == "date":
            return _month_aligned(node)
    if isinstance(node, Col):
        return node.target.model is not model or node.target.name in SUMMARY_KEY_FIELDS
    if isinstance(node, Query):  # a subquery (e.g. the workspace's integrations): fine unless correlated
        return _outer_safe(node, model)
    if isinstance(node, (ResolvedOuterRef, OuterRef)):
        return False
    return all(summary_safe(part, model) for part in _parts(node))  # a plain value has no parts: safe


def filters_safe(rows: QuerySet) -> bool:
    """Every condition of the summary queryset ``rows`` reads only what the summary keeps."""
    return summary_safe(rows.query.where, rows.model)


def annotations_safe(rows: QuerySet, names: Iterable[str]) -> bool:
    """The expressions ``rows`` annotates as ``names`` (the groupings) read only what the summary keeps."""
    annotations = rows.query.annotations
    return all(summary_safe(annotations[name], rows.model) for name in names)
