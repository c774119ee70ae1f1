"""``ReportQuery``: the ONE grouped query behind a report, built with the ORM.

::

    SELECT trunc(date) AS bin, <dimension expressions> AS g0.., currency[, unit],
           SUM(cost), [SUM(usage),] SUM(SUM(measure)) OVER (PARTITION BY g0.., currency[, unit])
    ... GROUP BY bin, g0.., currency[, unit] ORDER BY currency, group total, g0.., bin

The window total orders the groups in SQL, so rows of one group arrive together and can be pivoted
while streaming. Over the monthly summary when that gives the same rows (``eligibility``), else over
the line items.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Case, DateField, F, QuerySet, Value, When, Window
from django.db.models.functions import Cast

from vantage.lib.db import planner_settings
from vantage.lib.money import ExactSum
from vantage.models import ECB_CURRENCIES

from ..choices import DateBin, Mode, Sort
from ..dates import bins, previous_period
from ..dimensions import Dimension, dimensions, unit_expression
from .conversion import BILLING_COST, BILLING_CURRENCY, COST, CURRENCY, MONEY_COLUMNS, money, rate_note
from .eligibility import SUMMARY_BINS, annotations_safe, filters_safe, whole_months
from .pivot import pivot
from .rows import PREVIOUS_BIN, GroupRow, ReportRow
from .splits import share_out, shared
from .truncation import TRUNC, SumOver

REPLACEABLE = ("start", "end", "bin", "mode", "sort", "by_billing")


class ReportQuery:
    """Aggregates ``queryset`` (filtered on dimensions, NOT on dates) over ``start..end``.

    ``summary``: optionally the same filters applied to the workspace's ``CostMonthlySummary`` rows
    (a queryset, or a callable returning one or ``None``, called only if the query could use it; given
    ``currency``, it is called as ``summary(currency=...)`` for the summary converted to it).

    ``currency``: the reporting currency (e.g. ``"USD"``) every cost is converted to, each day at that
    day's ECB rate (``conversion``); ``None`` keeps billing currencies. ``by_billing`` adds the billing
    currency to what identifies a row (``ReportRow.billing_currency`` / ``billing_cost``).
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
        summary: QuerySet | Callable[..., QuerySet | None] | None = None,
        currency: str | None = None,
        by_billing: bool = False,
    ):
        if end < start:
            raise ValueError("The end date is before the start date.")
        if bin not in TRUNC:
            raise ValueError(f"Unknown date bin: {bin!r}")
        if currency and currency not in ECB_CURRENCIES:
            raise ValueError(f"No ECB rates for a reporting currency {currency!r}")
        self.queryset = queryset
        self.start, self.end = start, end
        self.bin, self.mode, self.sort = bin, mode, sort
        self.currency, self.by_billing = currency or None, by_billing
        self.group_by = list(group_by)
        self.dimensions: list[Dimension] = [registry.get(key, workspace) for key in self.group_by]
        self.aliases = [f"g{i}" for i in range(len(self.dimensions))]
        # built on first use only, and shared by copies of the query (``replace``)
        self._summary = functools.cache(summary) if callable(summary) else (lambda **kw: None if kw else summary)
        self._built: dict[tuple, QuerySet] = {}  # grouped() per (by_bin, previous): built once, not shared

    def replace(self, **changes) -> ReportQuery:
        """A copy with other ``start``, ``end``, ``bin``, ``mode`` or ``sort`` (same groups and filters)."""
        clone = copy.copy(self)
        clone._built = {}
        for name, value in changes.items():
            if name not in REPLACEABLE:
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
    def split_by_billing(self) -> bool:
        """The SQL rows carry one billing currency each: asked for (``by_billing``), or converting (so the
        report also knows its totals as billed, for the reconciliation with Twilio, with no extra query)."""
        return self.by_billing or self.currency is not None

    @property
    def partition(self) -> list[str]:
        """What identifies one group row: the group values, the currency and (usage) the unit."""
        return [*self.aliases, CURRENCY, *([BILLING_CURRENCY] if self.by_billing else []),
                *(["unit"] if self.usage_mode else [])]  # fmt: skip

    def labels(self, groups: tuple) -> list[str]:
        """A group's values as the page and the CSV show them, one per grouping."""
        return [dim.display(value) for dim, value in zip(self.dimensions, groups, strict=True)]

    def columns(self) -> list[date | None]:
        """The table's columns: bin starts, or a single total column when cumulative."""
        return [None] if self.cumulative else bins(self.start, self.end, self.bin)

    # --- sources: the line items, or the monthly summary where it gives the same answer ----------------

    def in_range(self, start: date | None = None, end: date | None = None) -> QuerySet:
        """The line items of ``start..end`` (default: the report's range)."""
        return self.queryset.filter(date__gte=start or self.start, date__lte=end or self.end).order_by()

    def summary_range(self, start: date | None = None, end: date | None = None) -> QuerySet | None:
        """The summary rows of ``start..end``, or ``None`` unless they add up exactly as the line items do:
        a summary was given, the range is whole months, and every condition reads only what it keeps."""
        start, end = start or self.start, end or self.end
        if not whole_months(start, end):
            return None
        summary = self._summary(currency=self.currency) if self.currency else self._summary()
        if summary is None:
            return None
        rows = summary.filter(date__gte=start, date__lte=end).order_by()
        return rows if filters_safe(rows) else None

    @property
    def opaque_groups(self) -> bool:
        """Grouped by an expression (a virtual tag's CASE) rather than columns: the database cannot
        estimate how many groups it yields (see ``vantage.lib.db.planner_settings``)."""
        return any(not isinstance(d.expression, str) for d in self.dimensions)

    @property
    def uses_summary(self) -> bool:
        """Whether ``grouped()`` reads the monthly summary (for tests and benchmarks)."""
        return self.grouped().model is not self.queryset.model

    # --- the grouped query ---------------------------------------------------------------------------

    def grouped(self, *, by_bin: bool = False, previous: bool = False) -> QuerySet:
        """The ONE grouped query: dicts with bin, g0.., currency, [unit], cost_sum, [usage_sum], group_total.

        Over the monthly summary when that gives the same rows (see ``summary_range``), else the line items.
        ``previous``: the same statement reads the previous period too, all of it in one bin
        (``PREVIOUS_BIN``), ordered to keep each group's rows together but with no ``group_total``
        (``groups`` orders the groups by their own period's total once pivoted).
        """
        key = (by_bin, previous)
        if key not in self._built:
            self._built[key] = self._build(by_bin=by_bin, previous=previous)
        return self._built[key].all()  # a fresh QuerySet each time (no shared result cache)

    def _build(self, *, by_bin: bool, previous: bool) -> QuerySet:
        start, gap = self.start, None
        if previous:  # Nov 1..10 compares with Oct 1..10: the days between (Oct 11..31) are in neither
            start, previous_end = self.previous_period()
            gap = (previous_end, self.start) if previous_end + timedelta(days=1) < self.start else None
        summary = self.summary_range(start, self.end) if self.bin in SUMMARY_BINS and gap is None else None
        if summary is not None:
            grouped = self._grouped(summary, by_bin=by_bin, monthly=True, previous=previous)
            if annotations_safe(grouped, [k for k in self.partition if k not in MONEY_COLUMNS]):
                return grouped
        rows = self.in_range(start)
        if gap is not None:
            rows = rows.exclude(date__gt=gap[0], date__lt=gap[1])
        return self._grouped(rows, by_bin=by_bin, previous=previous)

    def previous_in_one_statement(self) -> bool:
        """Whether one statement over both periods (``grouped(previous=True)``) reads no more than two
        would: the summary for both, or the line items for both. Not when the report's bins need the
        line items but the previous period, added up whole, could read the summary."""
        if self.grouped(previous=True).model is not self.queryset.model:
            return True
        return self.summary_range(*self.previous_period()) is None

    def _bin(self, *, monthly: bool, previous: bool):
        # a summary row's date is its month's first day already
        trunc = F("date") if monthly and self.bin == DateBin.MONTH else TRUNC[self.bin]("date")
        if not previous:
            return trunc
        # a date either way (PostgreSQL's date_trunc() gives a timestamp, which Trunc* convert only on their own)
        return Case(When(date__lt=self.start, then=Value(PREVIOUS_BIN)), default=Cast(trunc, DateField()),
                    output_field=DateField())  # fmt: skip

    def _grouped(self, rows: QuerySet, *, by_bin: bool, monthly: bool = False, previous: bool = False) -> QuerySet:
        annotations = {"bin": self._bin(monthly=monthly, previous=previous)}
        annotations.update({alias: dim.resolve() for alias, dim in zip(self.aliases, self.dimensions, strict=True)})
        if self.usage_mode:
            annotations["unit"] = unit_expression()
        sums = {"cost_sum": ExactSum(shared(COST, rows))}
        if self.split_by_billing:
            sums["billing_cost_sum"] = ExactSum(shared(BILLING_COST, rows))
        billing = [BILLING_CURRENCY] if self.split_by_billing and not self.by_billing else []
        if self.usage_mode:
            sums["usage_sum"] = ExactSum(shared("usage", rows))
        grouped = money(rows, self.currency).annotate(**annotations).values("bin", *self.partition, *billing)
        grouped = grouped.annotate(**sums)
        if previous:  # no total per group in SQL: it would add up the previous period too (``groups`` sorts)
            return grouped.order_by(*self._ordering(by_bin, by_total=False))
        measure = ExactSum(shared("usage" if self.usage_mode else COST, rows))
        return grouped.annotate(
            group_total=Window(SumOver(measure), partition_by=[F(k) for k in self.partition])
        ).order_by(*self._ordering(by_bin))

    def _ordering(self, by_bin: bool = False, *, by_total: bool = True):
        unit = [F("unit").asc(nulls_last=True)] if self.usage_mode else []
        if by_bin:  # the long CSV: chronological, then by group
            billing = [F(BILLING_CURRENCY).asc()] if self.split_by_billing else []
            return [F("bin").asc(), *(F(a).asc(nulls_last=True) for a in self.aliases), F(CURRENCY).asc(), *billing,
                    *unit]  # fmt: skip
        keys = [*unit, F(CURRENCY).asc()]
        if self.sort == Sort.TOTAL_DESC and by_total:
            keys.append(F("group_total").desc(nulls_last=True))
        elif self.sort == Sort.TOTAL_ASC and by_total:
            keys.append(F("group_total").asc(nulls_last=True))
        keys.extend(F(alias).asc(nulls_last=True) for alias in self.aliases)
        if self.by_billing:
            keys.append(F(BILLING_CURRENCY).asc())
        keys.append(F("bin").asc())
        if self.split_by_billing and not self.by_billing:  # a group's bins, each split by billing currency
            keys.append(F(BILLING_CURRENCY).asc())
        return keys

    # --- rows ----------------------------------------------------------------------------------------

    def rows(self, *, stream: bool = False, by_bin: bool = False, previous: bool = False) -> Iterator[ReportRow]:
        """The aggregated rows, grouped together (or ``by_bin``); ``stream`` uses a server-side cursor;
        ``previous``: with the previous period's rows (``ReportRow.previous``, first in their group)."""
        grouped = self.grouped(by_bin=by_bin, previous=previous)
        if stream:  # the server-side cursor lives in the planner settings' transaction (PostgreSQL)
            with planner_settings(grouped.db, opaque_groups=self.opaque_groups):
                yield from self._report_rows(grouped.iterator(chunk_size=2000), by_bin=by_bin)
        else:
            with planner_settings(grouped.db, opaque_groups=self.opaque_groups):
                fetched = list(grouped)
            yield from self._report_rows(fetched, by_bin=by_bin)

    def report_rows(self, fetched: Iterable[dict]) -> Iterator[ReportRow]:
        """Rows of ``grouped()`` as ``ReportRow`` (split values not shared out)."""
        for r in fetched:
            yield ReportRow(
                bin=r["bin"],
                groups=tuple(r[a] for a in self.aliases),
                currency=r[CURRENCY],
                unit=r.get("unit"),
                cost=r["cost_sum"],
                usage=r.get("usage_sum"),
                billing_currency=r.get(BILLING_CURRENCY, r[CURRENCY]),
                billing_cost=r.get("billing_cost_sum", r["cost_sum"]),
                previous=r["bin"] == PREVIOUS_BIN,
            )

    def _report_rows(self, fetched, *, by_bin: bool) -> Iterator[ReportRow]:
        rows = self.report_rows(fetched)
        if any(d.has_splits for d in self.dimensions):
            yield from share_out(rows, self.dimensions, usage_mode=self.usage_mode, sort=self.sort, by_bin=by_bin,
                                 by_billing=self.by_billing)  # fmt: skip
        else:
            yield from rows

    def groups(self, *, stream: bool = False, previous: bool = False) -> Iterator[GroupRow]:
        """Rows pivoted to one ``GroupRow`` per group (the query keeps a group's rows together); with
        ``previous``, each with its previous period, and groups found only there (``GroupRow.current``)."""
        rows = self.rows(stream=stream, previous=previous)
        groups = pivot(rows, usage_mode=self.usage_mode, by_billing=self.by_billing)
        return iter(sorted(groups, key=self._group_order)) if previous else groups

    def _group_order(self, row: GroupRow) -> tuple:
        """The order ``_ordering`` asks SQL for, on pivoted groups (their ``total`` is the report period's)."""
        sign = {Sort.TOTAL_DESC: -1, Sort.TOTAL_ASC: 1}.get(self.sort, 0)
        unit = (row.unit is None, row.unit or "") if self.usage_mode else ()
        total = (row.total is None, sign * row.total if sign and row.total is not None else 0)
        names = tuple((v is None, str(v)) for v in row.groups)
        return unit, row.currency, total, names, row.billing_currency or "" if self.by_billing else ""

    # --- the previous period -------------------------------------------------------------------------

    def previous_period(self) -> tuple[date, date]:
        return previous_period(self.start, self.end)

    def previous_groups(self) -> Iterator[GroupRow]:
        """The previous period per group, on its own (a second statement): whole, in one bin."""
        start, end = self.previous_period()
        return self.replace(start=start, end=end, bin=DateBin.MONTH, sort=Sort.NAME).groups()

    def totals(self, start: date | None = None, end: date | None = None, *, billing=False) -> dict[str, Decimal]:
        """Cost per (reporting) currency over ``start..end`` (default: the report's range), one query;
        ``billing``: per billing currency, as Twilio billed it (what reconciles with Twilio)."""
        start, end = start or self.start, end or self.end
        source = self.summary_range(start, end)
        source = self.in_range(start, end) if source is None else source
        source = money(source, None if billing else self.currency)
        currency, cost = (BILLING_CURRENCY, BILLING_COST) if billing else (CURRENCY, COST)
        rows = source.values(currency).annotate(cost_sum=ExactSum(shared(cost, source))).order_by(currency)
        return {r[currency]: r["cost_sum"] for r in rows}

    # --- what the page says about currencies ---------------------------------------------------------

    @functools.cached_property
    def rate_note(self) -> str | None:
        """Where the rates come from and the newest one used (``None`` when not converting); one query."""
        return rate_note(self.currency, self.end) if self.currency else None
