"""*Download FOCUS* on a report page: the report's filters and date range, every line item as FOCUS."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from vantage.workspaces import require_workspace

from ..models import CostReport
from ..views import BoundReport, report_params
from .services import FORMAT_ERROR, FocusFormat, export_focus, focus_response


def _text(body: str, status: int = 400) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


@require_GET
def report_focus_export(request, pk):
    report = get_object_or_404(CostReport, pk=pk, workspace=require_workspace(request))
    fmt = request.GET.get("format", FocusFormat.CSV)
    if fmt not in FocusFormat.values:
        return _text(f"format: {FORMAT_ERROR % fmt}")
    bound = BoundReport(request, report_params(request, report))
    if not bound.filterset.is_valid():
        lines = [f"{field}: {' '.join(msgs)}" for field, msgs in bound.filterset.errors.items()]
        return _text("\n".join(["Cannot export: fix these report settings first.", *lines]))
    start, end = bound.filterset.date_bounds
    line_items = bound.filterset.filter_dimensions()
    return focus_response(export_focus(line_items, request.workspace, start, end, fmt, name=f"report-{report.pk}"))
