"""``GET /api/v2/costs``: query parameters -> a ``ReportQuery``, aggregated rows -> JSON/CSV rows.

The parameters go through the SAME ``CostLineItemFilterSet`` as the report pages (dates, dimension
filters, ``tag=key:value``, ``<name>_op``), on the workspace's line items. ``cost_report=<id>``
starts from a saved report's settings (its ``as_params()``, as the report page does); explicit
parameters override them one by one.

Everything is aggregated in the database by ``ReportQuery`` (always in usage mode, so each row
carries its usage and normalised unit next to its cost); the totals are two more grouped queries.
``currency`` (default: the workspace's reporting currency; ``billing``: not converted) converts every
cost in SQL at the day's ECB rate; each row keeps its billing currency and amount beside it.
Python only loops over aggregated rows: a page of them, or (for split virtual tags and the
cumulative bin) the aggregated rows of the whole range.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.http import QueryDict
from rest_framework import exceptions

from vantage.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE, MAX_PAGE_SIZE
from vantage.lib.db import planner_settings
from vantage.lib.money import ExactSum
from vantage.models import ECB_CURRENCIES

from ..choices import DateBin, DateRange, Mode, Sort
from ..coverage import import_gaps
from ..dimensions import unit_expression
from ..filtersets import DATE_PARAMS, DIMENSION_PARAMS, TAG_PARAM, CostLineItemFilterSet
from ..fx import SOURCE, rate_date, unconverted_message
from ..groupings import grouping_messages
from ..models import CostReport
from ..reports import ReportQuery, ReportRow, shared
from ..scoping import filtered_cost_summary, workspace_line_items

FILTER_PARAMS = [*DIMENSION_PARAMS, TAG_PARAM]
OVERRIDABLE = [*DATE_PARAMS, *FILTER_PARAMS, *(f"{name}_op" for name in FILTER_PARAMS)]
DEFAULT_GROUPINGS = ["service"]
DEFAULT_BIN = DateBin.DAY
BILLING = "billing"  # ``currency=billing``: costs in their billing currencies, not converted


def decimal_string(value, places: int = 2) -> str | None:
    """An exact decimal as text, without exponent, with at least ``places`` decimals (``None`` stays)."""
    if value is None:
        return None
    d = Decimal(value).normalize()
    if d == 0:
        d = Decimal(0)
    if d.as_tuple().exponent > -places:
        d = d.quantize(Decimal(1).scaleb(-places))
    return format(d, "f")


def usage_string(value) -> str | None:
    return decimal_string(value, places=0)


def _int_param(params, name: str, *, default: int, minimum: int = 1, maximum: int | None = None):
    raw = params.get(name)
    if raw in (None, ""):
        return default, None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return default, f"Give a whole number, not “{raw}”."
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        return default, f"Must be {bounds}."
    return value, None


def find_report(raw: str, workspace) -> CostReport:
    """The saved report ``raw`` names in ``workspace``; 400 if there is none, 404 if it is another workspace's."""
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        raise exceptions.ValidationError({"cost_report": f"Give a cost report id (an integer), not “{raw}”."}) from None
    report = CostReport.objects.filter(pk=pk).first()
    if report is None:
        raise exceptions.ValidationError({"cost_report": f"No cost report {pk}."})
    if report.workspace_id != workspace.pk:
        raise exceptions.NotFound("No such cost report in this workspace.")
    return report


def split_groupings(values: list[str]) -> list[str]:
    """``groupings=service,category`` (the parameter may also be repeated); blanks dropped."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@dataclass
class CostsQuery:
    """A validated costs request."""

    query: ReportQuery
    groupings: list[str]
    page: int
    page_size: int
    report: CostReport | None
    filters: dict = field(default_factory=dict)  # the active dimension filters (FilterSet.active_filters)
    workspace: object = None

    def not_imported(self) -> list[dict]:
        """Days of the range no import covered, per billing account (``costs.coverage``)."""
        return [
            {"billing_account": g.billing_account, "start_date": g.start.isoformat(), "end_date": g.end.isoformat(),
             "importing": g.importing}
            for g in import_gaps(self.workspace, self.query.start, self.query.end, self.filters)
        ]

    # --- totals (two grouped queries) --------------------------------------------------------------

    def total_cost(self) -> list[dict]:
        """One entry per currency shown (the reporting currency, and any the ECB has no rate for)."""
        totals = self.query.totals()
        return [{"amount": decimal_string(v), "currency": c} for c, v in totals.items() if v is not None]

    def exchange_rates(self, total_cost: list[dict]) -> dict | None:
        """Where the rates come from, the newest ECB day used, and what stayed unconverted."""
        q = self.query
        if q.currency is None:
            return None
        on = rate_date(q.end)
        unconverted = sorted({t["currency"] for t in total_cost} - {q.currency})
        return {"source": SOURCE, "latest": on.isoformat() if on else None,
                "unconverted": [{"currency": c, "message": unconverted_message(c)} for c in unconverted]}

    def total_usage(self) -> list[dict]:
        rows = (
            self.query.in_range()
            .annotate(unit=unit_expression())
            .values("unit")
            .annotate(amount=ExactSum(shared("usage", self.query.in_range())))
            .order_by("unit")
        )
        return [{"amount": usage_string(r["amount"]), "unit": r["unit"] or ""} for r in rows if r["amount"] is not None]

    # --- rows ----------------------------------------------------------------------------------------

    @property
    def _needs_python_pass(self) -> bool:
        """Split virtual tags and the cumulative bin reshape the aggregated rows after the query."""
        return self.query.cumulative or any(d.has_splits for d in self.query.dimensions)

    def all_rows(self, *, stream: bool = False):
        """Every aggregated row (chronological, then by group, currency and unit)."""
        q = self.query
        if q.cumulative:
            for g in q.groups(stream=stream):
                yield ReportRow(bin=q.start, groups=g.groups, currency=g.currency, unit=g.unit,
                                cost=g.cost_total, usage=g.total, billing_currency=g.billing_currency,
                                billing_cost=g.billing_total)
            return
        yield from q.rows(stream=stream, by_bin=True)

    def page_rows(self) -> tuple[int, list[ReportRow]]:
        """``(count, rows of the requested page)``; without splits the page is cut in SQL (LIMIT/OFFSET)."""
        offset = (self.page - 1) * self.page_size
        if self._needs_python_pass:
            rows = list(self.all_rows())
            return len(rows), rows[offset : offset + self.page_size]
        q = self.query
        grouped = q.grouped(by_bin=True)
        with planner_settings(grouped.db, opaque_groups=q.opaque_groups):
            count = grouped.count()
            page = list(grouped[offset : offset + self.page_size])
        return count, list(q.report_rows(page))

    def as_dict(self, row: ReportRow) -> dict:
        accrued = row.bin.isoformat() if isinstance(row.bin, date) else str(row.bin)
        out = {
            "accrued_at": accrued,
            "amount": decimal_string(row.cost),
            "currency": row.currency,
            "billing_amount": decimal_string(row.billing_cost),
            "billing_currency": row.billing_currency,
            "usage": {"amount": usage_string(row.usage), "unit": row.unit or ""},
        }
        for key, value in zip(self.groupings, row.groups, strict=True):
            out[key] = None if value is None else str(value)
        return out

    # --- CSV -------------------------------------------------------------------------------------------

    def csv_header(self) -> list[str]:
        return ["accrued_at", *self.groupings, "amount", "currency", "billing_amount", "billing_currency",
                "usage_amount", "usage_unit"]  # fmt: skip

    def csv_rows(self):
        yield self.csv_header()
        for row in self.all_rows(stream=True):
            d = self.as_dict(row)
            yield [
                d["accrued_at"],
                *(d[k] if d[k] is not None else "" for k in self.groupings),
                d["amount"] or "",
                d["currency"],
                d["billing_amount"] or "",
                d["billing_currency"],
                d["usage"]["amount"] or "",
                d["usage"]["unit"],
            ]


def _saved_then_given(given: QueryDict, report: CostReport | None) -> tuple[QueryDict, list[str], str]:
    """The saved report's settings (if any), then each explicit parameter on top: ``(params, groupings, bin)``."""
    params = QueryDict(mutable=True)
    groupings, date_bin = list(DEFAULT_GROUPINGS), DEFAULT_BIN
    if report is not None:
        saved = report.as_params()
        for key in OVERRIDABLE:
            if key in saved:
                params.setlist(key, saved.getlist(key))
        groupings, date_bin = list(report.groupings or []), report.date_bin
    for key in OVERRIDABLE:
        if key in given:
            params.setlist(key, given.getlist(key))
    explicit_dates = {"start_date", "end_date"} & set(given)
    if explicit_dates and "date_range" not in given:
        params["date_range"] = DateRange.CUSTOM
    elif given.get("date_range") not in (None, "", DateRange.CUSTOM):
        params.pop("start_date", None)
        params.pop("end_date", None)
    if not any(params.get(k) for k in DATE_PARAMS):
        params["date_range"] = DateRange.THIS_MONTH
    return params, groupings, date_bin


def _check_settings(given, groupings: list[str], date_bin: str, workspace, errors: dict) -> tuple[list[str], str]:
    """The groupings (the same rules as the report page, costs.groupings) and the date bin."""
    if "groupings" in given:
        groupings = split_groupings(given.getlist("groupings"))
    messages = grouping_messages(groupings, workspace)
    if messages:
        errors["groupings"] = messages
    if "date_bin" in given:
        date_bin = given["date_bin"]
    if date_bin not in DateBin.values:
        errors["date_bin"] = [f"Unknown date bin “{date_bin}”; use one of {', '.join(DateBin.values)}."]
    return groupings, date_bin


def _check_currency(given, workspace, errors: dict) -> str | None:
    """``currency``: an ECB currency, ``billing`` (not converted), or the workspace's reporting currency."""
    raw = (given.get("currency") or "").strip()
    if not raw:
        return workspace.reporting_currency or None
    if raw.lower() == BILLING:
        return None
    if raw.upper() not in ECB_CURRENCIES:
        errors["currency"] = [f"Unknown currency “{raw}”; use billing or one of {', '.join(ECB_CURRENCIES)}."]
        return None
    return raw.upper()


def _check_pages(given, errors: dict, *, paginate: bool) -> tuple[int, int]:
    page, page_error = _int_param(given, "page", default=1, maximum=MAX_PAGE)
    page_size, size_error = _int_param(given, "page_size", default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE)
    if paginate and page_error:
        errors["page"] = [page_error]
    if paginate and size_error:
        errors["page_size"] = [size_error]
    return page, page_size


def _check_filters(params: QueryDict, request, workspace, errors: dict) -> CostLineItemFilterSet:
    """Dates and dimension filters: the report pages' FilterSet, on the workspace's line items."""
    filterset = CostLineItemFilterSet(
        params, queryset=workspace_line_items(workspace), request=request, workspace=workspace
    )
    if not filterset.is_valid():
        for name, messages in filterset.errors.items():
            errors.setdefault("non_field_errors" if name == "__all__" else name, []).extend(messages)
    return filterset


def parse_costs_request(request, workspace, *, paginate: bool = True) -> CostsQuery:
    """Validate every parameter at once; a 400 names each one at fault."""
    given = request.query_params
    report = None
    if given.get("cost_report") not in (None, ""):
        report = find_report(given["cost_report"], workspace)  # 400 / 404 on its own: nothing else makes sense
    params, groupings, date_bin = _saved_then_given(given, report)
    errors: dict[str, list[str]] = {}
    groupings, date_bin = _check_settings(given, groupings, date_bin, workspace, errors)
    page, page_size = _check_pages(given, errors, paginate=paginate)
    currency = _check_currency(given, workspace, errors)
    filterset = _check_filters(params, request, workspace, errors)
    if errors:
        raise exceptions.ValidationError(errors)
    start, end = filterset.date_bounds
    query = ReportQuery(
        filterset.filter_dimensions(), start=start, end=end, group_by=groupings, bin=date_bin,
        mode=Mode.USAGE, sort=Sort.NAME, workspace=workspace,
        summary=filtered_cost_summary(filterset),  # the monthly summary when the answer is provably the same
        currency=currency, by_billing=True,
    )
    return CostsQuery(query=query, groupings=groupings, page=page, page_size=page_size, report=report,
                      filters=filterset.active_filters(), workspace=workspace)
