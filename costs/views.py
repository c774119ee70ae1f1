"""Cost report pages: list, report (chart, table, headline), save / save as new / rename / delete, CSV."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from vantage.lib.dates import add_months, month_start, utc_today
from vantage.models import EDIT_ROLES
from vantage.workspaces import require_editor, require_workspace

from . import scoping, services
from .charts import chart_data, render_svg
from .choices import ExportLayout, Sort
from .coverage import MAX_GAPS_LISTED, import_gaps_of
from .dates import bin_label
from .dimensions import drill_next
from .exports import export_report
from .filtersets import DIMENSION_PARAMS, CostLineItemFilterSet
from .forms import ReportSettingsForm, ReportTitleForm
from .groupings import MAX_GROUPINGS
from .models import CostReport
from .reconciliation import reconcile
from .reports import ReportQuery, build_report

MAX_TABLE_ROWS = 500
APPLIED = "applied"  # set by the report form: the query string then holds the complete settings


def report_params(request, report: CostReport) -> QueryDict:
    """The settings asked for: the query string when the form sent it, else the saved ones (plus overrides)."""
    if request.GET.get(APPLIED):
        return request.GET.copy()
    params = report.as_params()
    for key in request.GET:
        params.setlist(key, request.GET.getlist(key))
    params[APPLIED] = "1"
    return params


class BoundReport:
    """A report's FilterSet and settings form bound to ``params``; ``query()`` once both are valid."""

    def __init__(self, request, params: QueryDict):
        self.workspace = request.workspace
        self.params = params
        self.filterset = CostLineItemFilterSet(
            params, queryset=scoping.workspace_line_items(self.workspace), request=request, require_dates=True
        )
        self.settings = ReportSettingsForm(params, workspace=self.workspace)

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
        )

    def url(self, name: str, report: CostReport, **changes) -> str:
        params = self.params.copy()
        for key, value in changes.items():
            if isinstance(value, list):
                params.setlist(key, value)
            else:
                params[key] = value
        return f"{reverse(name, args=[report.pk])}?{params.urlencode()}"


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


def _table_rows(bound: BoundReport, report: CostReport, result) -> list[dict]:
    """Presentation of the aggregated rows: labels and the drill-down link of each."""
    query = result.query
    keys = query.group_by
    next_key = drill_next(keys[-1]) if keys else None
    drillable = next_key is not None and all(k in DIMENSION_PARAMS for k in keys)
    rows = []
    for row in result.rows[:MAX_TABLE_ROWS]:
        drill_url = None
        if drillable and None not in row.groups:
            changes = {"group_by": [next_key]}
            for key, value in zip(keys, row.groups, strict=True):
                changes[key] = [str(value)]
                changes[f"{key}_op"] = "is"
            drill_url = bound.url("costs:report_detail", report, **changes)
        rows.append(
            {
                "labels": query.labels(row.groups),
                "row": row,
                "drill_url": drill_url,
            }
        )
    return rows


def _row_label(query):
    def label(row) -> str:
        return " / ".join(query.labels(row.groups)) or "All costs"

    return label


@require_GET
def report_detail(request, pk):
    report = _get_report(request, pk)
    bound = BoundReport(request, report_params(request, report))
    valid = bound.is_valid()
    form = bound.filterset.form
    role = _role(request)
    start, end = bound.filterset.date_bounds
    context = {
        "report": report,
        "filterset": bound.filterset,
        "settings_form": bound.settings,
        "group_slots": _group_slots(bound),
        "dimension_fields": [(form[name], form[f"{name}_op"]) for name in DIMENSION_PARAMS],
        "tag_values": [v for v in bound.params.getlist("tag") if v],
        "can_create": role in EDIT_ROLES,
        "can_change": services.can_change(report, request.user, role),
        "params": bound.params.urlencode(),
        "max_rows": MAX_TABLE_ROWS,
        "start_value": start.isoformat() if start else bound.params.get("start_date", ""),
        "end_value": end.isoformat() if end else bound.params.get("end_date", ""),
    }
    if not valid:
        return render(request, "costs/report_detail.html", context, status=400)
    query = bound.query()
    result = build_report(query, compare=bound.settings.cleaned_data["compare"])
    data = chart_data(result, chart_type=bound.settings.cleaned_data["chart"], row_label=_row_label(query))
    active = bound.filterset.active_filters()
    previous = query.previous_period()
    periods = [(query.start, query.end)] + ([previous] if result.compare else [])
    gaps, *previous_gaps = import_gaps_of(request.workspace, periods, active)
    sort = bound.settings.cleaned_data["sort"]
    context.update(
        {
            "result": result,
            "query": query,
            "usage_mode": query.usage_mode,
            "column_labels": [bin_label(c, query.bin) for c in result.columns],
            "table_rows": _table_rows(bound, report, result),
            "chart": data,
            "chart_svg": render_svg(data) if data else None,
            "previous": previous,
            "reconciliation": reconcile(result, active, request.workspace),
            "gaps": gaps[:MAX_GAPS_LISTED],
            "more_gaps": max(len(gaps) - MAX_GAPS_LISTED, 0),
            "importing": any(g.importing for g in gaps),
            "previous_gaps": bool(previous_gaps and previous_gaps[0]),
            "sort": sort,
            "sort_total_url": bound.url(
                "costs:report_detail", report, sort=Sort.TOTAL_ASC if sort == Sort.TOTAL_DESC else Sort.TOTAL_DESC
            ),
            "sort_name_url": bound.url("costs:report_detail", report, sort=Sort.NAME),
            "export_wide_url": bound.url("costs:report_export", report, layout=ExportLayout.WIDE),
            "export_long_url": bound.url("costs:report_export", report, layout=ExportLayout.LONG),
        }
    )
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
        messages.success(request, f"Report renamed to “{report.title}”.")
    return redirect("costs:report_detail", pk=report.pk)


@require_POST
@changes_report("deleted")
def report_delete(request, report):
    title = report.title
    services.delete_report(report)
    messages.success(request, f"Report “{title}” deleted.")
    return redirect("costs:report_list")
