"""Anomaly pages: the list with filters and charts, actions with feedback, floors and notification settings."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from vantage.workspaces import require_editor, require_workspace

from ..models import CostReport
from . import services
from .choices import Feedback
from .filtersets import AnomalyFilterSet
from .forms import AnomalyActionForm, AnomalyNotificationForm, AnomalySettingsForm
from .models import Anomaly, AnomalyNotification, AnomalySettings

PAGE_SIZE = 20  # each anomaly's chart is one small grouped query


def report_url(anomaly: Anomaly, report: CostReport | None) -> str:
    """The workspace's default report filtered to the anomaly's series, over the 30 days up to it."""
    if report is None:
        return ""
    query = urlencode({
        "billing_account": anomaly.integration.account_name, "account_id": anomaly.account_id,
        "service": anomaly.service, "category": anomaly.category, "date_range": "custom",
        "start_date": (anomaly.date - timedelta(days=29)).isoformat(), "end_date": anomaly.date.isoformat(),
        "bin": "day",
    })  # fmt: skip
    return reverse("costs:report_detail", args=[report.pk]) + "?" + query


@require_GET
def anomaly_list(request):
    ws = require_workspace(request)
    rows = Anomaly.objects.filter(workspace=ws).select_related("integration")
    filterset = AnomalyFilterSet(request.GET or None, queryset=rows, request=request)
    page = Paginator(filterset.qs if filterset.is_bound else rows, PAGE_SIZE).get_page(request.GET.get("page"))
    default = CostReport.objects.filter(workspace=ws, is_default=True).first()
    items = [(a, report_url(a, default)) for a in page]
    charts = {str(a.pk): services.chart_data(a) for a in page}
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "anomalies/list.html", {
        "filterset": filterset, "page": page, "items": items, "charts": charts, "params": params.urlencode(),
        "can_edit": ws.can_edit(request.user), "feedback_choices": Feedback.choices,
    }, status=400 if filterset.is_bound and not filterset.is_valid() else 200)


@require_POST
def anomaly_action(request, pk):
    ws = require_editor(request)
    anomaly = get_object_or_404(Anomaly.objects.filter(workspace=ws), pk=pk)
    form = AnomalyActionForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(f"{name}: {' '.join(e)}" for name, e in form.errors.items())
        messages.error(request, f"Not saved: {errors}")
        return redirect("anomalies:anomaly_list")
    data = form.cleaned_data
    services.set_status(anomaly, status=data["status"], feedback=data["feedback"], note=data["note"],
                        suppress_days=data["suppress_days"], user=request.user)
    messages.success(request, f"Anomaly of {anomaly.date} on {anomaly.category}: {anomaly.get_status_display()}.")
    return redirect(request.POST.get("next") if str(request.POST.get("next", "")).startswith("/anomalies/")
                    else "anomalies:anomaly_list")


def anomaly_settings(request):
    """The workspace's floors (editors change them) and the notification setting of each report."""
    ws = require_workspace(request)
    can_edit = ws.can_edit(request.user)
    instance = AnomalySettings.objects.filter(workspace=ws).first() or AnomalySettings(workspace=ws)
    form = AnomalySettingsForm(request.POST if request.method == "POST" else None, instance=instance)
    if request.method == "POST":
        require_editor(request)
        if form.is_valid():
            form.save()
            messages.success(request, "Saved the anomaly thresholds.")
            return redirect("anomalies:anomaly_settings")
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    reports = CostReport.objects.filter(workspace=ws)
    settings = {n.cost_report_id: n for n in AnomalyNotification.objects.filter(workspace=ws)
                .prefetch_related("recipients", "webhooks")}  # fmt: skip
    return render(request, "anomalies/settings.html", {
        "form": form, "can_edit": can_edit, "rows": [(r, settings.get(r.pk)) for r in reports],
    }, status=400 if request.method == "POST" else 200)


def notification_edit(request, report_pk):
    """Create or change the anomaly notifications of one cost report (editors)."""
    ws = require_editor(request)
    report = get_object_or_404(CostReport.objects.filter(workspace=ws), pk=report_pk)
    instance = AnomalyNotification.objects.filter(cost_report=report).first()
    post = request.POST if request.method == "POST" else None
    form = AnomalyNotificationForm(post, workspace=ws, instance=instance)
    if post is not None and form.is_valid():
        setting = form.save(commit=False)
        setting.workspace, setting.cost_report = ws, report
        setting.created_by = setting.created_by or request.user
        setting.save()
        form.save_m2m()
        messages.success(request, f"Saved the anomaly notifications of “{report.title}”.")
        return redirect("anomalies:anomaly_settings")
    return render(request, "anomalies/notification_form.html", {"form": form, "report": report, "setting": instance},
                  status=400 if post is not None else 200)


@require_POST
def notification_delete(request, report_pk):
    ws = require_editor(request)
    setting = get_object_or_404(AnomalyNotification.objects.filter(workspace=ws), cost_report_id=report_pk)
    setting.delete()
    messages.success(request, "Deleted the anomaly notifications.")
    return redirect("anomalies:anomaly_settings")
