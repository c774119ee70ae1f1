"""Cost alert pages (list, create/edit/delete, events) and report digest pages (list, create/edit/delete)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from vantage.workspaces import require_editor, require_workspace

from . import services
from .forms import CostAlertForm, ReportDigestForm
from .models import CostAlert, CostAlertEvent, ReportDigest


def _alert(request, pk) -> CostAlert:
    return get_object_or_404(CostAlert.objects.filter(workspace=require_workspace(request)), pk=pk)


def _digest(request, pk) -> ReportDigest:
    return get_object_or_404(ReportDigest.objects.filter(workspace=require_workspace(request)), pk=pk)


@require_GET
def costalert_list(request):
    ws = require_workspace(request)
    alerts = CostAlert.objects.filter(workspace=ws).prefetch_related("reports", "recipients", "webhooks")
    events = CostAlertEvent.objects.filter(alert__workspace=ws).select_related("alert", "report")[:20]
    return render(request, "alerting/alert_list.html",
                  {"alerts": alerts, "events": events, "can_edit": ws.can_edit(request.user)})


def _alert_page(request, alert: CostAlert | None):
    ws = require_editor(request)
    post = request.POST if request.method == "POST" else None
    form = CostAlertForm(post, workspace=ws, instance=alert)
    if post is not None and form.is_valid():
        saved = services.save_alert(ws, request.user, form.alert_input, alert)
        messages.success(request, f"Saved cost alert “{saved.name}”.")
        return redirect("alerting:costalert_list")
    return render(request, "alerting/alert_form.html", {"form": form, "alert": alert},
                  status=400 if post is not None else 200)


def costalert_create(request):
    return _alert_page(request, None)


def costalert_edit(request, pk):
    return _alert_page(request, _alert(request, pk))


@require_POST
def costalert_delete(request, pk):
    require_editor(request)
    alert = _alert(request, pk)
    alert.delete()
    messages.success(request, f"Deleted cost alert “{alert.name}”.")
    return redirect("alerting:costalert_list")


@require_GET
def costalert_events(request, pk):
    alert = _alert(request, pk)
    page = Paginator(alert.events.select_related("report"), 50).get_page(request.GET.get("page"))
    return render(request, "alerting/alert_events.html", {"alert": alert, "page": page})


@require_GET
def reportdigest_list(request):
    ws = require_workspace(request)
    digests = ReportDigest.objects.filter(workspace=ws).select_related("report").prefetch_related(
        "recipients", "webhooks", "sends")
    return render(request, "alerting/digest_list.html", {"digests": digests, "can_edit": ws.can_edit(request.user)})


def _digest_page(request, digest: ReportDigest | None):
    ws = require_editor(request)
    post = request.POST if request.method == "POST" else None
    initial = {"report": request.GET.get("report")} if digest is None and request.GET.get("report") else None
    form = ReportDigestForm(post, workspace=ws, instance=digest, **({"initial": initial} if initial else {}))
    if post is not None and form.is_valid():
        saved = services.save_digest(ws, request.user, form.digest_input, digest)
        messages.success(request, f"Saved the {saved.frequency} digest of “{saved.report.title}”.")
        return redirect("alerting:reportdigest_list")
    return render(request, "alerting/digest_form.html", {"form": form, "digest": digest},
                  status=400 if post is not None else 200)


def reportdigest_create(request):
    return _digest_page(request, None)


def reportdigest_edit(request, pk):
    return _digest_page(request, _digest(request, pk))


@require_POST
def reportdigest_delete(request, pk):
    require_editor(request)
    digest = _digest(request, pk)
    digest.delete()
    messages.success(request, "Deleted the report digest.")
    return redirect("alerting:reportdigest_list")
