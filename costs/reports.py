"""Cost reports in the database: group by registered dimensions, bin dates, sum per currency.

``ReportQuery`` turns a (workspace-scoped, filtered) ``CostLineItem`` queryset into aggregated rows
with ONE grouped query::

    SELECT trunc(date) AS bin, <dimension expressions> AS g0.., currency[, unit],
           SUM(cost), [SUM(usage),] SUM(SUM(measure)) OVER (PARTITION BY g0.., currency[, unit])
    ... GROUP BY bin, g0.., currency[, unit] ORDER BY currency, group total, g0.., bin

The window total orders the groups in SQL, so rows of one group arrive together and can be pivoted
(groups x bins) while streaming, for the page and the CSV export alike. The previous period's
totals come from one more query. Python only ever loops over these aggregated rows.

Given ``summary`` (the same filters over ``CostMonthlySummary``: line items already added up per
integration, account, month and every other column), a query reads it instead of the line items
whenever the answer cannot differ: monthly or quarterly bins, a range of whole months, and filters
and groupings that only read columns the summary keeps (a condition on ``date`` only at month
boundaries, as a virtual tag's date range may be). The previous period's totals use it on the same
terms, whatever the bins. Anything else reads the line items; both give the same rows.

Money in different currencies is never added: every group row, column total and headline figure is
per currency (and, in usage mode, per normalised usage unit).

For the API engineers::

    fs = CostLineItemFilterSet(params, queryset=scoped_qs, request=request)
    if fs.is_valid():
        start, end = fs.date_bounds
        query = ReportQuery(fs.filter_dimensions(), start=start, end=end, group_by=["service"],
                            bin="month", mode="spend", workspace=request.workspace,
                            summary=scoping.filtered_cost_summary(fs))  # optional, same rows, faster
        for row in query.rows(): ...          # ReportRow(bin, groups, currency, unit, cost, usage)
        report = build_report(query, compare=True)   # pivoted groups, column and headline totals
"""

from __future__ import annotations

import copy
import functools
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import DateField, F, Func, QuerySet, Window
from django.db.models import functions as db_functions
from django.db.models.expressions import Col, OuterRef, ResolvedOuterRef
from django.db.models.lookups import Lookup
from django.db.models.sql.query import Query
from django.db.models.sql.where import WhereNode

from vantage.lib.db import planner_settings
from vantage.lib.money import ExactSum

from .choices import DateBin, Mode, Sort
from vantage.lib.dates import month_end
from .dates import bins, previous_period
from .dimensions import Dimension, dimensions, unit_expression


# --- split shares --------------------------------------------------------------------------------------

SHARE_ALIAS = "_tag_share"


def shared(field: str, rows: QuerySet):
    """``field`` weighted by the share of each row that a filter on split virtual-tag labels keeps.

    Filtering on "Team A" where a value splits costs 60/40 between Team A and Team B keeps those rows
    at 60% (the filter sets ``SHARE_ALIAS``, see costs.filtersets.TagFilter); without such a filter
    it is the plain column."""
    return F(field) * F(SHARE_ALIAS) if SHARE_ALIAS in rows.query.annotations else F(field)


# --- date truncation --------------------------------------------------------------------------------
# Django's Trunc* on SQLite call a Python function for every row; on a DateField these compile to
# SQLite's own date() arithmetic instead (same results, much faster). PostgreSQL keeps date_trunc()
# (except for days: a date truncated to its day is itself).


class _NativeSQLiteTrunc:
    sqlite_modifiers = ""

    def as_sqlite(self, compiler, connection, **extra_context):
        if type(self.lhs.output_field) is not DateField:
            return self.as_sql(compiler, connection, **extra_context)
        sql, params = compiler.compile(self.lhs)
        return self.sqlite_template.format(sql=sql), params


class TruncDay(_NativeSQLiteTrunc, db_functions.TruncDay):
    sqlite_template = "date({sql})"

    def as_postgresql(self, compiler, connection, **extra_context):
        if type(self.lhs.output_field) is DateField:  # a day is already a day
            return compiler.compile(self.lhs)
        return self.as_sql(compiler, connection, **extra_context)


class TruncWeek(_NativeSQLiteTrunc, db_functions.TruncWeek):
    # 'weekday 0' moves to the next Sunday (or stays on one); six days back is that week's Monday.
    sqlite_template = "date({sql}, 'weekday 0', '-6 days')"


class TruncMonth(_NativeSQLiteTrunc, db_functions.TruncMonth):
    sqlite_template = "date({sql}, 'start of month')"


class TruncQuarter(_NativeSQLiteTrunc, db_functions.TruncQuarter):
    # '%%': the SQL is %-formatted with its parameters (and by DEBUG's query log)
    sqlite_template = (
        "date({sql}, 'start of month', '-' || ((CAST(strftime('%%m', {sql}) AS INTEGER) - 1) %% 3) || ' months')"
    )


TRUNC = {
    DateBin.DAY: TruncDay,
    DateBin.WEEK: TruncWeek,
    DateBin.MONTH: TruncMonth,
    DateBin.QUARTER: TruncQuarter,
    DateBin.CUMULATIVE: TruncDay,  # cumulative: one column, but daily points for the running line
}


class SumOver(Func):
    """``SUM(<aggregate>)`` usable in an OVER clause: the total of a group across its bins."""

    function = "SUM"
    window_compatible = True


# --- when the monthly summary gives the same answer ------------------------------------------------

SUMMARY_BINS = (DateBin.MONTH, DateBin.QUARTER)
# CostMonthlySummary columns holding the line items' own values (one per summary row). ``date`` is
# the month's first day, so it may only be compared with a month boundary. Columns of tables joined
# through ``integration`` hold one value per integration, so they are safe too.
SUMMARY_KEY_FIELDS = frozenset(
    {"integration", "account_id", "service", "category", "charge_type", "currency", "usage_unit"}
)


def _month_aligned(lookup: Lookup) -> bool:
    """``date <op> value`` keeps or drops whole months only, so it reads a month's first day the same."""

    def day(value):
        return value if isinstance(value, date) and not isinstance(value, datetime) else None

    name, rhs = lookup.lookup_name, lookup.rhs
    if name == "range" and isinstance(rhs, (list, tuple)) and len(rhs) == 2:
        low, high = day(rhs[0]), day(rhs[1])
        return low is not None and high is not None and low.day == 1 and high == month_end(high)
    value = day(rhs)
    if value is None:
        return False
    if name in ("gte", "lt"):
        return value.day == 1
    if name in ("lte", "gt"):
        return value == month_end(value)
    return False  # exact, in, year, ...: days inside a month


def _has_outer_refs(node) -> bool:
    if isinstance(node, (ResolvedOuterRef, OuterRef)):
        return True
    if isinstance(node, Query):
        return _has_outer_refs(node.where) or any(_has_outer_refs(a) for a in node.annotations.values())
    if isinstance(node, WhereNode):
        return any(_has_outer_refs(c) for c in node.children)
    if isinstance(node, Lookup):
        return _has_outer_refs(node.lhs) or _has_outer_refs(node.rhs)
    if isinstance(node, (list, tuple)):
        return any(_has_outer_refs(n) for n in node)
    if hasattr(node, "get_source_expressions"):
        return any(_has_outer_refs(e) for e in node.get_source_expressions())
    return False


def summary_safe(node, model) -> bool:
    """Does this (resolved) condition or expression over ``model`` (CostMonthlySummary) evaluate, for every
    summary row, to what it evaluates to for each line item the row adds up? Conservative: anything
    not known to be safe is not."""
    if node is None:
        return True
    if isinstance(node, WhereNode):
        return all(summary_safe(c, model) for c in node.children)
    if isinstance(node, Lookup):
        lhs = node.lhs
        if isinstance(lhs, Col) and lhs.target.model is model and lhs.target.name == "date":
            return _month_aligned(node)
        return summary_safe(lhs, model) and summary_safe(node.rhs, model)
    if isinstance(node, Col):
        return node.target.model is not model or node.target.name in SUMMARY_KEY_FIELDS
    if isinstance(node, Query):  # a subquery (e.g. the workspace's integrations): fine unless correlated
        return not _has_outer_refs(node)
    if isinstance(node, (ResolvedOuterRef, OuterRef)):
        return False
    if isinstance(node, (list, tuple)):
        return all(summary_safe(n, model) for n in node)
    if hasattr(node, "get_source_expressions"):
        return all(summary_safe(e, model) for e in node.get_source_expressions())
    return True  # a plain value


# --- rows -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportRow:
    bin: date
    groups: tuple
    currency: str
    unit: str | None
    cost: Decimal | None
    usage: Decimal | None


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


def sum_or_none(values) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None


class ReportQuery:
    """Aggregates ``queryset`` (filtered on dimensions, NOT on dates) over ``start..end``.

    ``summary``: optionally the same filters applied to the workspace's ``CostMonthlySummary`` rows
    (a queryset, or a callable returning one or ``None``, called only if the query could use it).
    """

    def __init__(
        self,
        queryset: QuerySet,
        *,
        start: date,
        end: date,
        group_by: Sequence[str] = (),
        bin: str = DateBin.MONTH,
        mode: str = Mode.SPEND,
        sort: str = Sort.TOTAL_DESC,
        workspace=None,
        registry=dimensions,
        summary: QuerySet | Callable[[], QuerySet | None] | None = None,
    ):
        if end < start:
            raise ValueError("The end date is before the start date.")
        if bin not in TRUNC:
            raise ValueError(f"Unknown date bin: {bin!r}")
        self.queryset = queryset
        self.start, self.end = start, end
        self.bin, self.mode, self.sort = bin, mode, sort
        self.group_by = list(group_by)
        self.dimensions: list[Dimension] = [registry.get(key, workspace) for key in self.group_by]
        self.aliases = [f"g{i}" for i in range(len(self.dimensions))]
        # built on first use only, and shared by copies of the query (``replace``)
        self._summary = functools.cache(summary) if callable(summary) else (lambda: summary)

    def replace(self, **changes) -> ReportQuery:
        """A copy with other ``start``, ``end``, ``bin``, ``mode`` or ``sort`` (same groups and filters)."""
        clone = copy.copy(self)
        for name, value in changes.items():
            if name not in ("start", "end", "bin", "mode", "sort"):
                raise TypeError(f"ReportQuery.replace() cannot change {name!r}")
            setattr(clone, name, value)
        return clone

    @property
    def usage_mode(self) -> bool:
        return self.mode == Mode.USAGE

    @property
    def cumulative(self) -> bool:
        return self.bin == DateBin.CUMULATIVE

    @property
    def partition(self) -> list[str]:
        """What identifies one group row: the group values, the currency and (usage) the unit."""
        return [*self.aliases, "currency", *(["unit"] if self.usage_mode else [])]

    def columns(self) -> list[date | None]:
        """The table's columns: bin starts, or a single total column when cumulative."""
        return [None] if self.cumulative else bins(self.start, self.end, self.bin)

    def in_range(self, start: date | None = None, end: date | None = None) -> QuerySet:
        """The line items of ``start..end`` (default: the report's range)."""
        return self.queryset.filter(date__gte=start or self.start, date__lte=end or self.end).order_by()

    def summary_range(self, start: date | None = None, end: date | None = None) -> QuerySet | None:
        """The summary rows of ``start..end``, or ``None`` unless they add up exactly as the line items do:
        a summary was given, the range is whole months, and every condition reads only what it keeps."""
        start, end = start or self.start, end or self.end
        if start.day != 1 or end != month_end(end):
            return None
        summary = self._summary()
        if summary is None:
            return None
        rows = summary.filter(date__gte=start, date__lte=end).order_by()
        return rows if summary_safe(rows.query.where, rows.model) else None

    def grouped(self, *, by_bin: bool = False) -> QuerySet:
        """The ONE grouped query: dicts with bin, g0.., currency, [unit], cost_sum, [usage_sum], group_total.

        Over the monthly summary when that gives the same rows (see ``summary_range``), else the line items.
        """
        summary = self.summary_range() if self.bin in SUMMARY_BINS else None
        if summary is not None:
            grouped = self._grouped(summary, by_bin=by_bin, monthly=True)
            expressions = [grouped.query.annotations[k] for k in self.partition if k != "currency"]
            if all(summary_safe(e, grouped.model) for e in expressions):
                return grouped
        return self._grouped(self.in_range(), by_bin=by_bin)

    @property
    def opaque_groups(self) -> bool:
        """Grouped by an expression (a virtual tag's CASE) rather than columns: the database cannot
        estimate how many groups it yields (see ``vantage.lib.db.planner_settings``)."""
        return any(not isinstance(d.expression, str) for d in self.dimensions)

    @property
    def uses_summary(self) -> bool:
        """Whether ``grouped()`` reads the monthly summary (for tests and benchmarks)."""
        return self.grouped().model is not self.queryset.model

    def _grouped(self, rows: QuerySet, *, by_bin: bool, monthly: bool = False) -> QuerySet:
        # a summary row's date is its month's first day already
        annotations = {"bin": F("date") if monthly and self.bin == DateBin.MONTH else TRUNC[self.bin]("date")}
        annotations.update({alias: dim.resolve() for alias, dim in zip(self.aliases, self.dimensions)})
        if self.usage_mode:
            annotations["unit"] = unit_expression()
        sums = {"cost_sum": ExactSum(shared("cost", rows))}
        if self.usage_mode:
            sums["usage_sum"] = ExactSum(shared("usage", rows))
        measure = ExactSum(shared("usage" if self.usage_mode else "cost", rows))
        return (
            rows.annotate(**annotations)
            .values("bin", *self.partition)
            .annotate(**sums)
            .annotate(group_total=Window(SumOver(measure), partition_by=[F(k) for k in self.partition]))
            .order_by(*self._ordering(by_bin))
        )

    def _ordering(self, by_bin: bool = False):
        if by_bin:  # the long CSV: chronological, then by group
            return [F("bin").asc(), *(F(a).asc(nulls_last=True) for a in self.aliases), F("currency").asc()] + (
                [F("unit").asc(nulls_last=True)] if self.usage_mode else []
            )
        keys = [F("unit").asc(nulls_last=True)] if self.usage_mode else []
        keys.append(F("currency").asc())
        if self.sort == Sort.TOTAL_DESC:
            keys.append(F("group_total").desc(nulls_last=True))
        elif self.sort == Sort.TOTAL_ASC:
            keys.append(F("group_total").asc(nulls_last=True))
        keys.extend(F(alias).asc(nulls_last=True) for alias in self.aliases)
        keys.append(F("bin").asc())
        return keys

    def rows(self, *, stream: bool = False, by_bin: bool = False) -> Iterator[ReportRow]:
        """The aggregated rows, grouped together (or ``by_bin``); ``stream`` uses a server-side cursor."""
        grouped = self.grouped(by_bin=by_bin)
        if stream:  # the server-side cursor lives in the planner settings' transaction (PostgreSQL)
            with planner_settings(grouped.db, opaque_groups=self.opaque_groups):
                yield from self._report_rows(grouped.iterator(chunk_size=2000), by_bin=by_bin)
        else:
            with planner_settings(grouped.db, opaque_groups=self.opaque_groups):
                fetched = list(grouped)
            yield from self._report_rows(fetched, by_bin=by_bin)

    def _report_rows(self, fetched, *, by_bin: bool) -> Iterator[ReportRow]:
        rows = (
            ReportRow(
                bin=r["bin"],
                groups=tuple(r[a] for a in self.aliases),
                currency=r["currency"],
                unit=r.get("unit"),
                cost=r["cost_sum"],
                usage=r.get("usage_sum"),
            )
            for r in fetched
        )
        if any(d.has_splits for d in self.dimensions):
            yield from self._shared_out(rows, by_bin=by_bin)
        else:
            yield from rows

    def _shared_out(self, rows, *, by_bin: bool) -> list[ReportRow]:
        """Aggregated rows with split values shared out to their labels, added up and re-ordered."""
        merged: dict[tuple, list] = {}
        for row in rows:
            variants = [(row.groups, row.cost, row.usage)]
            for i, dim in enumerate(self.dimensions):
                if not dim.has_splits:
                    continue
                expanded = []
                for groups, cost, usage in variants:
                    costs, usages = dim.split(groups[i], cost), dim.split(groups[i], usage)
                    if costs is None:
                        expanded.append((groups, cost, usage))
                        continue
                    for (label, part_cost), (_, part_usage) in zip(costs, usages):
                        expanded.append((groups[:i] + (label,) + groups[i + 1 :], part_cost, part_usage))
                variants = expanded
            for groups, cost, usage in variants:
                acc = merged.setdefault((row.bin, groups, row.currency, row.unit), [None, None])
                acc[0], acc[1] = sum_or_none([acc[0], cost]), sum_or_none([acc[1], usage])
        out = [ReportRow(b, g, c, u, cost, usage) for (b, g, c, u), (cost, usage) in merged.items()]
        totals: dict[tuple, Decimal] = {}
        for r in out:
            key = (r.groups, r.currency, r.unit)
            totals[key] = totals.get(key, Decimal(0)) + ((r.usage if self.usage_mode else r.cost) or 0)

        def names(r):
            return tuple((v is None, str(v)) for v in r.groups)

        if by_bin:
            out.sort(key=lambda r: (r.bin, names(r), r.currency, r.unit or ""))
        else:
            sign = {Sort.TOTAL_DESC: -1, Sort.TOTAL_ASC: 1}.get(self.sort, 0)
            out.sort(
                key=lambda r: (
                    r.unit or "" if self.usage_mode else "",
                    r.currency,
                    sign * totals[(r.groups, r.currency, r.unit)],
                    names(r),
                    r.bin,
                )
            )
        return out

    def groups(self, *, stream: bool = False) -> Iterator[GroupRow]:
        """Rows pivoted to one ``GroupRow`` per group (the query keeps a group's rows together)."""

        def key(row: ReportRow):
            return row.groups, row.currency, row.unit

        for (groups, currency, unit), rows in itertools.groupby(self.rows(stream=stream), key=key):
            rows = list(rows)  # the bins of one group
            cells = {r.bin: (r.usage if self.usage_mode else r.cost) for r in rows}
            costs = {r.bin: r.cost for r in rows}
            yield GroupRow(
                groups=groups,
                currency=currency,
                unit=unit,
                cells=cells,
                costs=costs,
                total=sum_or_none(cells.values()),
                cost_total=sum_or_none(costs.values()),
            )

    def previous_period(self) -> tuple[date, date]:
        return previous_period(self.start, self.end)

    def previous_totals(self) -> dict[str, Decimal]:
        """Cost per currency over the previous period of the same length (one query)."""
        start, end = self.previous_period()
        source = self.summary_range(start, end)
        source = self.in_range(start, end) if source is None else source
        rows = source.values("currency").annotate(cost_sum=ExactSum(shared("cost", source)))
        return {r["currency"]: r["cost_sum"] for r in rows}


# --- the assembled report -----------------------------------------------------------------------------


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
    currency: str
    unit: str | None
    cells: list
    total: Decimal | None
    cost_total: Decimal | None


@dataclass
class Report:
    query: ReportQuery
    columns: list
    rows: list[GroupRow]
    column_totals: list[ColumnTotal]
    headlines: list[Headline]
    compare: bool

    @property
    def cost_totals(self) -> dict[str, Decimal]:
        return {h.currency: h.current for h in self.headlines}


def build_report(query: ReportQuery, *, compare: bool = True) -> Report:
    """Run the grouped query (and the previous-period totals when comparing) and assemble the table."""
    columns = query.columns()
    rows: list[GroupRow] = []
    footers: dict[tuple, ColumnTotal] = {}
    spend: dict[str, Decimal] = {}
    for row in query.groups():
        row.table_cells = [row.total] if query.cumulative else [row.cells.get(c) for c in columns]
        rows.append(row)
        footer = footers.setdefault(
            (row.unit, row.currency), ColumnTotal(row.currency, row.unit, [None] * len(columns), None, None)
        )
        footer.cells = [sum_or_none([a, b]) for a, b in zip(footer.cells, row.table_cells)]
        footer.total = sum_or_none([footer.total, row.total])
        footer.cost_total = sum_or_none([footer.cost_total, row.cost_total])
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
