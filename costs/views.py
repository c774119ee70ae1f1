"""Cost report pages: list, report (chart, table, headline), save / save as new / rename / delete, CSV."""

from __future__ import annotations

import functools
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from html import escape  # what Django's escape() does, without its lazy-string wrapper: hundreds of calls

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from vantage.audit.choices import AuditAction
from vantage.audit.services import record
from vantage.lib.dates import add_months, month_start, utc_today
from vantage.lib.money import percent_of
from vantage.models import EDIT_ROLES
from vantage.workspaces import require_editor, require_workspace

from . import formatting, scoping, services
from .budget_chart import add_budgets
from .budgets.performance import report_budget_months
from .charts import chart_data, legend, mark_not_imported, render_svg
from .choices import Columns, DateBin, DateRange, ExportLayout, Operator, Sort
from .coverage import MAX_GAPS_LISTED, import_gaps_of
from .dates import bin_title
from .dimensions import DRILL_PATH, NONE_LABEL, dimensions, drill_next
from .exports import export_report
from .filtersets import DIMENSION_PARAMS, TAG_PARAM, CostLineItemFilterSet
from .forecast_chart import add_forecast, chart_window_end
from .forecasts import read as forecast_read
from .forecasts.models import ForecastStatus
from .forms import ReportSettingsForm, ReportTitleForm
from .groupings import MAX_GROUPINGS
from .models import CostReport
from .reconciliation import reconcile, unclassified_amounts
from .reports import ReportQuery, build_report

MAX_TABLE_ROWS = 500
APPLIED = "applied"  # set by the report form: the query string then holds the complete settings
# Where operators classify the usage categories the catalog does not know (the integrations app's admin).
UNKNOWN_CATEGORIES_ADMIN = ("admin:integrations_twiliousagecategory_changelist", "role__exact=unknown")


def report_params(request, report: CostReport) -> QueryDict:
    """The settings asked for: the query string when the form sent it, else the saved ones (plus overrides).
    A preset range drops any custom dates, so the links the page builds (sort, chips, CSV) never carry them."""
    if request.GET.get(APPLIED):
        params = request.GET.copy()
    else:
        params = report.as_params()
        for key in request.GET:
            params.setlist(key, request.GET.getlist(key))
        params[APPLIED] = "1"
    if params.get("date_range") and params.get("date_range") != DateRange.CUSTOM:
        params.pop("start_date", None)
        params.pop("end_date", None)
    return params


class BoundReport:
    """A report's FilterSet and settings form bound to ``params``; ``query()`` once both are valid."""

    def __init__(self, request, params: QueryDict):
        self.workspace = request.workspace
        self.params = params
        self.filterset = CostLineItemFilterSet(
            params, queryset=scoping.workspace_line_items(self.workspace), request=request, require_dates=True
        )
        # the dimensions with the values their pickers offer (virtual tags' labels): one query
        self.catalog = dimensions.catalog(self.workspace)
        self.settings = ReportSettingsForm(
            params, workspace=self.workspace, group_choices=[(key, label) for key, label, _ in self.catalog]
        )

    def is_valid(self) -> bool:
        filters_ok = self.filterset.is_valid()
        return self.settings.is_valid() and filters_ok

    def query(self) -> ReportQuery:
        start, end = self.filterset.date_bounds
        s = self.settings.cleaned_data
        return ReportQuery(
            self.filterset.filter_dimensions(),
            start=start,
            end=end,
            group_by=s["group_by"],
            bin=s["bin"],
            mode=s["mode"],
            sort=s["sort"],
            workspace=self.workspace,
            summary=scoping.filtered_cost_summary(self.filterset),  # read where it gives the same answer
            currency=None if self.params.get("currency") == "billing" else self.workspace.reporting_currency,
        )

    def url(self, name: str, report: CostReport, **changes) -> str:
        """The URL of view ``name`` with these settings changed (a list sets a parameter's values, ``None``
        removes it)."""
        params = QueryDict(mutable=True)  # a shallow copy: QueryDict.copy() deep-copies, per link, per row
        for key, values in self.params.lists():
            params.setlist(key, list(values))
        for key, value in changes.items():
            if value is None:
                params.pop(key, None)
            elif isinstance(value, list):
                params.setlist(key, value)
            else:
                params[key] = value
        return f"{_path(name, report.pk)}?{params.urlencode()}"


@functools.lru_cache(maxsize=256)
def _path(name: str, pk: int) -> str:
    """``reverse(name, args=[pk])``, once per report and view: a page builds dozens of links to the same one."""
    return reverse(name, args=[pk])


def _role(request) -> str | None:
    return request.workspace.role_of(request.user) if request.workspace else None


def _get_report(request, pk) -> CostReport:
    return get_object_or_404(CostReport, pk=pk, workspace=require_workspace(request))


@require_GET
def report_list(request):
    """Every report with its cost this month to date and last month, per currency (one query for all)."""
    workspace = require_workspace(request)
    services.ensure_default_report(workspace)
    reports = list(CostReport.objects.filter(workspace=workspace).select_related("created_by"))
    today = utc_today()
    costs = services.month_to_date_costs(workspace, reports, today)
    periods = ("month_to_date", "last_month")
    rows = [
        (r, None if costs[r.pk] is None else [sorted(costs[r.pk][p].items()) for p in periods]) for r in reports
    ]
    context = {"rows": rows, "today": today, "this_month": month_start(today), "last_month": add_months(today, -1)}
    return render(request, "costs/report_list.html", context)


# --- the report page: filter pickers and chips, breadcrumb, table, headline -----------------------------


def _filter_pickers(bound: BoundReport) -> list[dict]:
    """The "+ Filter" popover: per dimension its operator and every value present in the workspace, ticked
    when the report filters on it; virtual tags share one operator (``tag_op``) and offer their labels."""
    values = bound.filterset.dimension_values()
    pickers = []
    for name in DIMENSION_PARAMS:
        chosen = bound.params.getlist(name)
        offered = list(values.get(name, []))
        offered += [v for v in chosen if v not in offered]  # a saved value no longer present: untick it here
        items = [{"value": v, "label": NONE_LABEL if v == "" else v, "checked": v in chosen} for v in offered]
        pickers.append(_picker(bound, name, dimensions.get(name).label, items))
    chosen_tags = {_tag_key(raw) for raw in bound.params.getlist(TAG_PARAM) if raw.strip()}
    items = [
        {"value": f"{key[4:]}:{v}", "label": v, "group": key[4:], "checked": _tag_key(f"{key[4:]}:{v}") in chosen_tags}
        for key, _, labels in bound.catalog
        if key.startswith("tag:") and labels is not None
        for v in labels
    ]
    if items or bound.filterset.form.errors.get(TAG_PARAM):  # a bad tag filter says why, next to the picker
        pickers.append(_picker(bound, TAG_PARAM, "Tag", items))
    return pickers


def _picker(bound: BoundReport, name: str, label: str, items: list[dict]) -> dict:
    form = bound.filterset.form
    return {
        "name": name,
        "label": label,
        "op": bound.params.get(f"{name}_op") or Operator.IS,
        "items": items,
        "values_html": _picker_values_html(name, items),
        "active": sum(1 for i in items if i["checked"]),
        "errors": [*form.errors.get(name, []), *form.errors.get(f"{name}_op", [])],
    }


def _picker_values_html(name: str, items: list[dict]) -> str:
    """A picker's checkboxes, one ``<li>`` per value, escaped here in one pass: hundreds of values (billing
    accounts, accounts) rendered through the template language cost more than the report's own query."""
    if not items:
        return mark_safe('<li class="muted">No values in this workspace yet.</li>')
    field = escape(name)
    lines = []
    for item in items:
        group = escape(item["group"]) if item.get("group") else ""
        lines.append(
            (f'<li data-group="{group}">' if group else "<li>")
            + f'<label><input type="checkbox" name="{field}" value="{escape(item["value"])}"'
            + (" checked" if item["checked"] else "")
            + "> "
            + (f'<span class="muted">{group}:</span> ' if group else "")
            + f"{escape(item['label'])}</label></li>"
        )
    return mark_safe("\n".join(lines))  # noqa: S308 -- every value above is escaped


def _tag_key(raw: str) -> tuple[str, str]:
    """A tag filter value compared as the FilterSet reads it: key case-insensitive, both parts trimmed."""
    key, _, value = raw.partition(":")
    return key.strip().lower(), value.strip()


def _op_label(params: QueryDict, name: str) -> str:
    op = params.get(f"{name}_op") or Operator.IS
    return Operator(op).label if op in Operator.values else Operator.IS.label


def _chips(bound: BoundReport, report: CostReport) -> list[dict]:
    """Every active filter value as a chip ("Service is SMS & MMS") with the URL of the report without it."""
    chips = []
    for name in [*DIMENSION_PARAMS, TAG_PARAM]:
        raw = [v for v in bound.params.getlist(name) if name != TAG_PARAM or v.strip()]
        for value in raw:
            rest = [v for v in raw if v != value]
            changes = {name: rest} if rest else {name: None, f"{name}_op": None}
            if name == TAG_PARAM:
                key, _, tag_value = value.partition(":")
                text = f"Tag {key.strip()} {_op_label(bound.params, name)} {tag_value.strip()}"
            else:
                text = f"{dimensions.get(name).label} {_op_label(bound.params, name)} {value or NONE_LABEL}"
            chips.append({"text": text, "url": bound.url("costs:report_detail", report, **changes)})
    return chips


def _plural(noun: str) -> str:
    return noun[:-1] + "ies" if noun.endswith("y") else noun + "s"


def _single_value(spec: dict | None) -> bool:
    return bool(spec) and spec.get("op") == Operator.IS and len(spec.get("values") or []) == 1


def _breadcrumb(bound: BoundReport, report: CostReport, group_by: list[str], active: dict) -> list[dict]:
    """After drilling down (a one-value filter on each level above the grouping, along the drill path), a
    way back up: "All services › SMS & MMS", each earlier level a link (the last one is where we are)."""
    if len(group_by) != 1 or group_by[0] not in DRILL_PATH:
        return []
    levels = []
    for key in reversed(DRILL_PATH[: DRILL_PATH.index(group_by[0])]):
        if not _single_value(active.get(key)):
            break
        levels.insert(0, key)
    if not levels:
        return []

    def up_to(i):  # the report at level i: the filters above it kept, those from it on removed
        changes = {"group_by": [levels[i]], "sort": None}
        for key in levels[i:]:
            changes.update({key: None, f"{key}_op": None})
        return bound.url("costs:report_detail", report, **changes)

    crumbs = [{"label": f"All {_plural(dimensions.get(levels[0]).label.lower())}", "url": up_to(0)}]
    for i, key in enumerate(levels):
        value = dimensions.get(key).display(active[key]["values"][0])
        last = i == len(levels) - 1
        crumbs.append({"label": value, "url": None if last else up_to(i + 1)})
    return crumbs


def _change(total, previous):
    if previous is None:
        return None, None
    change = (total or Decimal(0)) - previous
    return change, percent_of(change, previous)


def _last_if_none(name: str, descending: bool):
    """A sort key on ``row[name]`` (or the group's total) that puts missing figures last, as SQL's NULLS LAST."""
    missing = Decimal("-Infinity") if descending else Decimal("Infinity")

    def key(r):
        value = r["row"].total if name == "total" else r[name]
        return missing if value is None else value

    return key, descending


def _by_name(r) -> list[str]:
    return [label.lower() for label in r["labels"]]


TABLE_ORDER = {
    Sort.TOTAL_DESC: _last_if_none("total", True),
    Sort.TOTAL_ASC: _last_if_none("total", False),
    Sort.NAME: (_by_name, False),
    Sort.NAME_DESC: (_by_name, True),
    Sort.PREVIOUS_DESC: _last_if_none("previous", True),
    Sort.PREVIOUS_ASC: _last_if_none("previous", False),
    Sort.CHANGE_DESC: _last_if_none("change", True),
    Sort.CHANGE_ASC: _last_if_none("change", False),
}


def _table_rows(bound: BoundReport, report: CostReport, result) -> list[dict]:
    """Presentation of the aggregated rows (never line items): labels, drill-down link, previous period
    and change (when compared: not when not comparing or not fully imported), in the chosen order."""
    query = result.query
    keys = query.group_by
    next_key = drill_next(keys[-1]) if keys else None
    drillable = next_key is not None and all(k in DIMENSION_PARAMS for k in keys)
    rows = []
    for row in result.rows:
        drill_url = None
        if drillable and None not in row.groups:
            changes = {"group_by": [next_key], "sort": None}
            for key, value in zip(keys, row.groups, strict=True):
                changes[key] = [str(value)]
                changes[f"{key}_op"] = "is"
            drill_url = bound.url("costs:report_detail", report, **changes)
        before = row.previous if result.compare else None
        if result.compare and before is None and row.total is not None:
            before = Decimal(0)  # imported, and nothing: a real zero (an unknown total compares with nothing)
        change, percent = _change(row.total, before)
        rows.append({"labels": query.labels(row.groups), "row": row, "drill_url": drill_url,
                     "unit_label": unit_label(row.unit), "previous": before, "change": change,
                     "percent": percent})  # fmt: skip
    key, reverse_order = TABLE_ORDER.get(bound.settings.cleaned_data["sort"], TABLE_ORDER[Sort.TOTAL_DESC])
    rows.sort(key=key, reverse=reverse_order)
    # amounts in different currencies (or units) are never compared: their blocks stay apart, as in the CSV;
    # rows without a unit (nothing to count) come last
    rows.sort(key=lambda r: (not r["row"].unit, r["row"].unit or "", r["row"].currency))
    return rows[:MAX_TABLE_ROWS]


def unit_label(unit: str | None) -> str:
    """A usage unit as people read it: ``phone-numbers`` -> ``phone numbers``; none: ``(none)``."""
    return unit.replace("-", " ").replace("_", " ") if unit else "(none)"


def _footers(result) -> list[dict]:
    """The total row of each currency (and unit), with its previous period and change when known. In usage
    mode a unit's total is shown only where it adds rows up: a unit with one row (or none) repeats it."""
    rows_per_block = Counter((row.currency, row.unit) for row in result.rows)
    footers = []
    for footer in result.column_totals:
        mine = (footer.currency, footer.unit)
        if result.query.usage_mode and (not footer.unit or rows_per_block[mine] < 2):
            continue
        before = None
        if result.compare and footer.total is not None:
            before = footer.previous or Decimal(0)
        change, percent = _change(footer.total, before)
        footers.append({"footer": footer, "unit_label": unit_label(footer.unit), "previous": before,
                        "change": change, "percent": percent})  # fmt: skip
    return footers


def _gaps_in_currency(workspace, gaps, currency: str | None, *, converted: bool = False) -> list:
    """The gaps that matter to a chart drawn in ``currency``: an account known (from its billed totals) to
    bill only in other currencies has nothing missing there. One query, and only when there are gaps and
    the chart is in billing currencies: converted (``converted``), every account's costs are in the chart's
    currency, so every gap matters, and no query is needed."""
    if not gaps or not currency:
        return []
    if converted:
        return list(gaps)
    accounts = {g.billing_account for g in gaps}
    billed = (
        scoping.workspace_billed_totals(workspace)
        .filter(integration__account_name__in=accounts)
        .values_list("integration__account_name", "currency")
        .distinct()
        .order_by()
    )
    currencies: dict[str, set[str]] = {}
    for account, cur in billed:
        currencies.setdefault(account, set()).add(cur)
    return [g for g in gaps if currency in currencies.get(g.billing_account, {currency})]


def gap_summary(gaps) -> str:
    """What was not imported, per billing account: whole months as months ("Acme UK: Jan 2025 – Mar 2025"),
    other spans as days."""
    spans: dict[str, list[str]] = {}
    for g in gaps:
        whole = g.start.day == 1 and (g.end + timedelta(days=1)).day == 1
        if whole:
            last = formatting.month(g.end)
            text = last if month_start(g.end) == g.start else f"{formatting.month(g.start)} – {last}"
        else:
            text = formatting.day_span(g.start, g.end) if g.end != g.start else formatting.day(g.start)
        spans.setdefault(g.billing_account, []).append(text)
    return "; ".join(f"{account}: {', '.join(texts)}" for account, texts in spans.items())


def _sort_urls(bound: BoundReport, report: CostReport, sort: str) -> dict[str, str]:
    """A link per sortable column: the column's natural order first, reversed when it is the current one."""
    pairs = {
        "name": (Sort.NAME, Sort.NAME_DESC),
        "total": (Sort.TOTAL_DESC, Sort.TOTAL_ASC),
        "previous": (Sort.PREVIOUS_DESC, Sort.PREVIOUS_ASC),
        "change": (Sort.CHANGE_DESC, Sort.CHANGE_ASC),
    }
    return {
        column: bound.url("costs:report_detail", report, sort=second if sort == first else first)
        for column, (first, second) in pairs.items()
    }


def _row_label(query):
    def label(row) -> str:
        return " / ".join(query.labels(row.groups)) or "All costs"

    return label


def _unclassified_admin_url(request) -> str | None:
    if not request.user.is_staff:
        return None
    name, query_string = UNKNOWN_CATEGORIES_ADMIN
    try:
        return f"{reverse(name)}?{query_string}"
    except NoReverseMatch:
        return None


def _base_context(request, report: CostReport, bound: BoundReport) -> dict:
    """What the page shows whether or not the settings are valid: the toolbar and the filter picker."""
    role = _role(request)
    start, end = bound.filterset.date_bounds
    settings = bound.settings
    return {
        "report": report,
        "filterset": bound.filterset,
        "settings_form": settings,
        "group_slots": _group_slots(bound),
        "pickers": _filter_pickers(bound),
        "chips": _chips(bound, report),
        "can_create": role in EDIT_ROLES,
        "can_change": services.can_change(report, request.user, role),
        "params": bound.params.urlencode(),
        "max_rows": MAX_TABLE_ROWS,
        "start_value": start.isoformat() if start else bound.params.get("start_date", ""),
        "end_value": end.isoformat() if end else bound.params.get("end_date", ""),
        "columns_value": bound.params.get("columns") or Columns.SUMMARY,
        "reporting_currency": bound.workspace.reporting_currency if bound.workspace else "",
        "billing_view": bound.params.get("currency") == "billing",
        "sort_value": bound.params.get("sort") or "",
    }


def _figures(request, bound: BoundReport, report: CostReport) -> dict:
    """The report itself: headline, chart and table, from the grouped query (and, comparing, ONE more for
    the previous period), the reconciliation and what the imports covered."""
    query = bound.query()
    s = bound.settings.cleaned_data
    active = bound.filterset.active_filters()
    previous_period = query.previous_period()
    periods = [(query.start, query.end)] + ([previous_period] if s["compare"] else [])
    gaps, *previous_gaps = import_gaps_of(request.workspace, periods, active)
    previous_missing = bool(previous_gaps and previous_gaps[0])
    result = build_report(query, compare=s["compare"] and not previous_missing)
    data = chart_data(result, chart_type=s["chart"], row_label=_row_label(query))
    chart_currency = data.currency if data else None
    converted = chart_currency is not None and chart_currency == result.currency
    chart_gaps = _gaps_in_currency(request.workspace, gaps, chart_currency, converted=converted)
    mark_not_imported(data, result, chart_gaps)
    if _billing_view_of_converted(bound, result):  # forecasts and budgets are of the converted costs
        note = BILLING_VIEW_NOTE.format(currency=bound.workspace.reporting_currency)
        forecast = {"forecast_shown": True, "forecast_reason": note,
                    "forecast_month_start": month_start(utc_today())} if query.end >= utc_today() else {}  # fmt: skip
    else:
        forecast = _forecast_context(bound, report, result, data)
        _draw_budgets(report, query, data)
    reconciliation = reconcile(result, active, request.workspace, maintained=bound.filterset.summaries_maintained())
    return {
        "result": result,
        "query": query,
        "usage_mode": query.usage_mode,
        "compare": s["compare"],
        "headlines": result.headlines,  # previous: None unless compared
        "pivot": s["columns"] == Columns.BINS,
        "column_labels": [bin_title(c, query.bin) for c in result.columns],
        "table_rows": _table_rows(bound, report, result),
        "footers": _footers(result),
        "breadcrumb": _breadcrumb(bound, report, query.group_by, active),
        "chart": data,
        "chart_svg": render_svg(data) if data else None,
        "legend": legend(data) if data else [],
        "previous": previous_period,
        "previous_missing": previous_missing,
        "reconciliation": reconciliation,
        "filtered": bool(active),
        "unclassified": unclassified_amounts(result, reconciliation),
        "unclassified_admin_url": _unclassified_admin_url(request),
        "gaps": gaps[:MAX_GAPS_LISTED],
        "gap_summary": gap_summary(gaps[:MAX_GAPS_LISTED]),
        "more_gaps": max(len(gaps) - MAX_GAPS_LISTED, 0),
        "importing": any(g.importing for g in gaps),
        "sort": s["sort"],
        "sort_urls": _sort_urls(bound, report, s["sort"]),
        "columns_url": bound.url(
            "costs:report_detail", report, columns=Columns.SUMMARY if s["columns"] == Columns.BINS else Columns.BINS
        ),
        "export_wide_url": bound.url("costs:report_export", report, layout=ExportLayout.WIDE),
        "export_long_url": bound.url("costs:report_export", report, layout=ExportLayout.LONG),
        "focus_csv_url": bound.url("costs:report_focus_export", report, format="csv"),
        "focus_parquet_url": bound.url("costs:report_focus_export", report, format="parquet"),
        **_currency_context(bound, report, result),
        **forecast,
    }


def _service_filter(active: dict) -> tuple[list[str] | None, bool]:
    """The services the page shows: ``(None, False)`` all, ``(values, False)`` those, ``(values, True)`` all but."""
    spec = active.get("service")
    if not spec:
        return None, False
    return list(spec.get("values") or []), spec.get("op") == Operator.NOT


BILLING_VIEW_NOTE = "Forecasts and budgets are of the costs converted to {currency}: see them in the {currency} view."


def _billing_view_of_converted(bound: BoundReport, result) -> bool:
    """Billing currencies shown in a workspace that converts: its forecasts and budgets (converted figures,
    e.g. USD of USD and GBP accounts) would not match a chart of the USD-billed costs alone."""
    return result.currency is None and bool(bound.workspace.reporting_currency)


def _draw_budgets(report: CostReport, query, data) -> None:
    """The report's budgets as lines on a monthly spend chart (two small queries, only then)."""
    if data is None or query.bin != DateBin.MONTH or query.usage_mode or data.cumulative:
        return
    last = add_months(month_start(query.start), len(data.x_labels) - 1)  # the forecast may extend the axis
    budgets = [(b.name, b.currency, months) for b, months in report_budget_months(report, query.start, last)]
    other = add_budgets(data, query, budgets, utc_today())
    if other:
        data.notes.append(f"Budgets in another currency than the chart's are not drawn: {', '.join(other)}.")


def _forecast_context(bound: BoundReport, report: CostReport, result, data) -> dict:
    """The stored forecast where the range reaches today: the headline's month figure with its accuracy (or
    why there is none) and, on the chart ``data``, the dashed line over the services shown in the chart's
    currency. Read only (at most three small queries), never fitted here; a past range reads nothing."""
    query, today = result.query, utc_today()
    if query.end < today or query.usage_mode:
        return {}
    forecast = forecast_read.forecast_of(report)
    context = {"forecast_shown": True, "forecast": forecast, "forecast_month_start": month_start(today),
               "forecast_reason": forecast_read.reason_text(forecast),
               "forecast_accuracy": forecast_read.accuracy_text(forecast)}  # fmt: skip
    if forecast is None or forecast.status != ForecastStatus.OK or forecast.history_end is None or data is None:
        return context
    month = forecast_read.month_forecast(report, month_start(today), data.currency)
    if month is None:
        context["forecast_reason"] = f"None in {data.currency}: this report's forecast is in other currencies."
    active = bound.filterset.active_filters()
    services, exclude = _service_filter(active)
    window_end = chart_window_end(query, today, forecast.horizon_end)
    points = forecast_read.daily_points(report, query.start, window_end, services, exclude=exclude,
                                        currency=data.currency, after=forecast.history_end)  # fmt: skip
    imported_to = scoping.workspace_line_items(bound.workspace).filter(
        date__gt=forecast.history_end
    ).aggregate(last=Max("date"))["last"]  # today, partly imported: its actual cost is not forecast again
    drawn = add_forecast(data, result, points, history_end=forecast.history_end, window_end=window_end,
                         month_band=month if services is None else None, imported_to=imported_to)  # fmt: skip
    others = {k: v for k, v in active.items() if k != "service"}
    if drawn and others != {k: v for k, v in (report.filters or {}).items() if k != "service"}:
        data.notes.append("The forecast follows the saved report's filters (other than the service filter).")
    context.update(forecast_month=month, forecast_filtered=services is not None)
    return context


def _currency_context(bound: BoundReport, report: CostReport, result) -> dict:
    """The currency switch: the workspace's reporting currency (converted) or the billing currencies."""
    return {
        "billing_currencies": sorted(result.cost_totals),
        "billing_url": bound.url("costs:report_detail", report, currency="billing"),
        "converted_url": bound.url("costs:report_detail", report, currency=None),
    }


@require_GET
def report_detail(request, pk):
    report = _get_report(request, pk)
    bound = BoundReport(request, report_params(request, report))
    valid = bound.is_valid()
    context = _base_context(request, report, bound)
    if not valid:
        return render(request, "costs/report_detail.html", context, status=400)
    context.update(_figures(request, bound, report))
    return render(request, "costs/report_detail.html", context)


def _group_slots(bound: BoundReport) -> list[str]:
    chosen = [v for v in bound.params.getlist("group_by") if v]
    return (chosen + [""] * MAX_GROUPINGS)[:MAX_GROUPINGS]


@require_GET
def report_export(request, pk):
    report = _get_report(request, pk)
    bound = BoundReport(request, report_params(request, report))
    if not bound.is_valid():
        errors = {**bound.filterset.errors, **bound.settings.errors}
        lines = [f"{field}: {' '.join(msgs)}" for field, msgs in errors.items()]
        text = "\n".join(["Cannot export: fix these report settings first.", *lines])
        return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
    layout = request.GET.get("layout", ExportLayout.WIDE)
    if layout not in ExportLayout.values:
        return HttpResponse("layout must be wide or long.", status=400, content_type="text/plain; charset=utf-8")
    return export_report(bound.query(), layout, report.title)


def _bound_from_post(request, report) -> BoundReport:
    params = QueryDict(request.POST.get("params", ""), mutable=True)
    if not params:
        params = report.as_params()
    return BoundReport(request, params)


def _title_error(request, title_form) -> None:
    messages.error(request, " ".join(title_form.errors["title"]))


def _settings_error(request, report, bound):
    messages.error(request, "The report settings are not valid; nothing was saved. Fix the highlighted fields.")
    return redirect(bound.url("costs:report_detail", report))


@require_POST
def report_create(request):
    """"Save as new" from a report (its current settings), or "New report" from the list (defaults)."""
    workspace = require_editor(request)
    title_form = ReportTitleForm(request.POST)
    source = None
    if request.POST.get("source"):
        if not request.POST["source"].isdigit():
            raise Http404("No such report")
        source = get_object_or_404(CostReport, pk=request.POST["source"], workspace=workspace)
    if not title_form.is_valid():
        _title_error(request, title_form)
        return redirect(reverse("costs:report_detail", args=[source.pk]) if source else reverse("costs:report_list"))
    if source is not None:
        bound = _bound_from_post(request, source)
        if not bound.is_valid():
            return _settings_error(request, source, bound)
        settings = services.report_settings(bound.filterset, bound.settings)
    else:
        settings = {}
    report = services.create_report(workspace, request.user, title_form.cleaned_data["title"], settings)
    record(request, workspace, AuditAction.REPORT_CREATED, report, f"Created the report “{report.title}”.")
    messages.success(request, f"Report “{report.title}” created.")
    return redirect("costs:report_detail", pk=report.pk)


def _default_refused(request, report, action):
    message = f"“{report.title}” is the default report: it cannot be {action}. Use “Save as new” to keep your changes."
    messages.error(request, message)
    return render(request, "costs/report_refused.html", {"report": report, "message": message}, status=400)


def changes_report(action: str):
    """For a view that changes report ``pk``: editors only, and only its author or an owner; the default
    report is refused (400, with a page saying it cannot be ``action``). The view gets the report."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, pk):
            workspace = require_editor(request)
            report = get_object_or_404(CostReport, pk=pk, workspace=workspace)
            if report.is_default:
                return _default_refused(request, report, action)
            if not services.can_change(report, request.user, _role(request)):
                raise PermissionDenied("Only the report's author or a workspace owner can change it.")
            return view(request, report)

        return wrapped

    return decorator


@require_POST
@changes_report("changed")
def report_save(request, report):
    bound = _bound_from_post(request, report)
    title_form = ReportTitleForm(request.POST, instance=report)
    if not title_form.is_valid():
        _title_error(request, title_form)
        return redirect(bound.url("costs:report_detail", report))
    if not bound.is_valid():
        return _settings_error(request, report, bound)
    settings = services.report_settings(bound.filterset, bound.settings)
    services.save_report(report, title=title_form.cleaned_data["title"], settings=settings)
    record(request, report.workspace, AuditAction.REPORT_CHANGED, report, f"Saved the report “{report.title}”.")
    messages.success(request, f"Report “{report.title}” saved.")
    return redirect("costs:report_detail", pk=report.pk)


@require_POST
@changes_report("renamed")
def report_rename(request, report):
    form = ReportTitleForm(request.POST, instance=report)
    if not form.is_valid():
        _title_error(request, form)
    else:
        services.save_report(report, title=form.cleaned_data["title"])
        record(request, report.workspace, AuditAction.REPORT_CHANGED, report, f"Renamed the report “{report.title}”.")
        messages.success(request, f"Report renamed to “{report.title}”.")
    return redirect("costs:report_detail", pk=report.pk)


@require_POST
@changes_report("deleted")
def report_delete(request, report):
    title = report.title
    record(request, report.workspace, AuditAction.REPORT_DELETED, report, f"Deleted the report “{title}”.")
    services.delete_report(report)
    messages.success(request, f"Report “{title}” deleted.")
    return redirect("costs:report_list")
