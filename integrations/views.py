"""Settings › Integrations › Twilio: connect, manage, progress, sync, workspaces, credentials, removal."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from vantage.lib.money import ExactSum
from costs.models import CostLineItem
from vantage.workspaces import require_editor, require_workspace

from . import services
from .forms import TwilioConnectForm, TwilioCredentialsForm, WorkspaceAssignmentForm
from .models import Integration, IntegrationStatus, Provider



def _visible(request):
    ws = require_workspace(request)
    return Integration.objects.in_workspace(ws).filter(provider=Provider.TWILIO)


def _get(request, pk):
    return get_object_or_404(_visible(request), pk=pk)


def _costs_by_integration(ids):
    """{integration id: [(currency, cost, items)]} in one grouped query."""
    out = defaultdict(list)
    rows = (
        CostLineItem.objects.filter(integration_id__in=ids)
        .values("integration_id", "currency")
        .annotate(cost=ExactSum("cost"), items=Count("pk"))
        .order_by("integration_id", "currency")
    )
    for r in rows:
        out[r["integration_id"]].append((r["currency"], r["cost"], r["items"]))
    return out


def status_payload(integration: Integration) -> dict:
    return {
        "id": integration.pk,
        "status": integration.status,
        "status_display": integration.get_status_display(),
        "message": integration.status_message,
        "windows_total": integration.import_windows_total,
        "windows_done": integration.import_windows_done,
        "records_read": integration.import_records_read,
        "percent": integration.progress_percent,
        "last_refreshed_at": integration.last_refreshed_at.isoformat() if integration.last_refreshed_at else None,
    }


@sensitive_post_parameters("api_secret")
def twilio(request):
    """The Twilio page: Connect tab (the form) and Manage tab (this workspace's integrations)."""
    ws = require_workspace(request)
    can_edit = ws.can_edit(request.user)
    tab = request.GET.get("tab") or ("connect" if request.method == "POST" else "manage")
    form = TwilioConnectForm()
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Viewers cannot connect integrations.")
        tab = "connect"
        form = TwilioConnectForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                integration = services.connect_twilio(
                    user=request.user,
                    workspace=ws,
                    api_key_sid=data["api_key_sid"],
                    api_secret=data["api_secret"],
                    account_sid=data["account_sid"],
                    account_name=data["account_name"],
                    description=data["description"],
                )
            except services.DuplicateIntegration:
                form.add_error("account_name", "This Account Name or Account SID was connected a moment ago.")
            else:
                messages.success(
                    request, f"Connected “{integration.account_name}”. Importing six months of costs, newest first."
                )
                return redirect("integrations:detail", pk=integration.pk)
    integrations = list(_visible(request).prefetch_related("workspaces"))
    costs = _costs_by_integration([i.pk for i in integrations])
    for i in integrations:
        i.costs = costs.get(i.pk, [])
    if not integrations and request.method == "GET" and "tab" not in request.GET:
        tab = "connect"
    return render(
        request,
        "integrations/twilio.html",
        {"form": form, "tab": tab, "integrations": integrations, "can_edit": can_edit},
        status=400 if request.method == "POST" else 200,
    )


def detail(request, pk):
    integration = _get(request, pk)
    ws = request.workspace
    can_edit = ws.can_edit(request.user)
    runs = integration.runs.all()[:12]
    return render(
        request,
        "integrations/detail.html",
        {
            "integration": integration,
            "can_edit": can_edit,
            "costs": _costs_by_integration([integration.pk]).get(integration.pk, []),
            "runs": runs,
            "workspace_form": WorkspaceAssignmentForm(user=request.user, integration=integration) if can_edit else None,
            "busy": services.is_busy(integration),
            "status": status_payload(integration),
        },
    )


def status_json(request, pk):
    return JsonResponse(status_payload(_get(request, pk)))


def _queue(request, pk, queue, started_message):
    integration = _get(request, pk)
    require_editor(request)
    if queue(integration):
        messages.success(request, started_message)
    else:
        messages.warning(request, "An import is already running for this integration.")
    return redirect("integrations:detail", pk=pk)


@require_POST
def sync(request, pk):
    return _queue(request, pk, services.queue_sync, "Sync started: re-importing the current and previous month.")


@require_POST
def retry(request, pk):
    return _queue(request, pk, services.queue_retry, "Import resumed: months already imported are kept.")


@require_POST
def workspaces(request, pk):
    integration = _get(request, pk)
    require_editor(request)
    form = WorkspaceAssignmentForm(request.POST, user=request.user, integration=integration)
    if form.is_valid():
        services.set_workspaces(integration, form.cleaned_data["workspaces"], form.editable)
        messages.success(request, "Workspaces updated.")
        if not integration.workspaces.filter(pk=request.workspace.pk).exists():
            return redirect(reverse("integrations:twilio") + "?tab=manage")
        return redirect("integrations:detail", pk=pk)
    for err in form.non_field_errors() + form.errors.get("workspaces", []):
        messages.error(request, err)
    return redirect("integrations:detail", pk=pk)


@sensitive_post_parameters("api_secret")
def edit(request, pk):
    integration = _get(request, pk)
    require_editor(request)
    form = TwilioCredentialsForm(request.POST or None, integration=integration)
    if request.method == "POST" and form.is_valid():
        changed = services.update_credentials(
            integration,
            api_key_sid=form.cleaned_data["api_key_sid"],
            api_secret=form.cleaned_data["api_secret"],
            description=form.cleaned_data["description"],
        )
        messages.success(request, "Credentials checked with Twilio and saved." if changed else "Saved.")
        return redirect("integrations:detail", pk=pk)
    return render(
        request,
        "integrations/edit.html",
        {"integration": integration, "form": form},
        status=400 if request.method == "POST" else 200,
    )


def delete(request, pk):
    integration = _get(request, pk)
    require_editor(request)
    if request.method == "POST":
        name = integration.account_name
        summary = services.delete_integration(integration)
        messages.success(request, f"Removed “{name}” and its {summary['line_items']} cost line items.")
        return redirect(reverse("integrations:twilio") + "?tab=manage")
    return render(
        request,
        "integrations/confirm_delete.html",
        {"integration": integration, "summary": services.deletion_summary(integration)},
    )


__all__ = ["twilio", "detail", "status_json", "sync", "retry", "workspaces", "edit", "delete", "IntegrationStatus"]
