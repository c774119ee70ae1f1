"""Settings › Integrations: one integration's page, progress, sync, workspaces and removal, whatever its provider.

Each provider's own pages (connect, credentials) live in its package, e.g. ``integrations/twilio/views.py``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_POST

from vantage.workspaces import require_editor, require_workspace

from . import auditing, history, services
from .api.serializers import ImportStatusSerializer
from .forms import EarlierHistoryForm, WorkspaceAssignmentForm
from .models import Integration
from .summaries import costs_by_integration, recent_runs


def visible(request):
    """The integrations of the request's workspace."""
    return Integration.objects.in_workspace(require_workspace(request))


def get_visible(request, pk) -> Integration:
    return get_object_or_404(visible(request), pk=pk)


def get_managed(request, pk) -> Integration:
    """The integration, if the person edits every workspace it belongs to (``services.can_manage``): deleting,
    syncing, importing history and changing credentials reach every workspace's costs. 404 outside the
    workspace, 403 for a viewer or for an editor of only some of its workspaces."""
    integration = get_visible(request, pk)
    require_editor(request)
    if not services.can_manage(integration, request.user):
        raise PermissionDenied(services.MSG_NOT_MANAGER)
    return integration


def manage_url(integration: Integration) -> str:
    """The Manage tab of the integration's provider page (named after the provider in integrations/urls.py)."""
    return reverse(f"integrations:{integration.provider}") + "?tab=manage"


def status_payload(integration: Integration) -> dict:
    """The JSON the page polls; its progress fields are the API's ``import_progress``."""
    return ImportStatusSerializer(integration).data


def detail(request, pk):
    return _render_detail(request, get_visible(request, pk))


def _render_detail(request, integration: Integration, history_form: EarlierHistoryForm | None = None, status=200):
    can_edit = request.workspace.can_edit(request.user)
    can_manage = can_edit and services.can_manage(integration, request.user)
    if can_manage and history_form is None:
        history_form = EarlierHistoryForm(integration=integration)
    costs = costs_by_integration([integration.pk]).get(integration.pk, [])
    return render(
        request,
        "integrations/detail.html",
        {
            "integration": integration,
            "can_edit": can_edit,
            "can_manage": can_manage,
            "costs": costs,
            # a Twilio account bills in one currency: the runs' totals are in it (none shown if it is unclear)
            "currency": costs[0][0] if len(costs) == 1 else "",
            "runs": recent_runs(integration),
            "workspace_form": WorkspaceAssignmentForm(user=request.user, integration=integration) if can_edit else None,
            "history_form": history_form if can_manage else None,
            "history_from": history_form.earliest if history_form else history.earliest_imported_month(integration),
            "busy": services.is_busy(integration),
            "status": status_payload(integration),
        },
        status=status,
    )


def status_json(request, pk):
    return JsonResponse(status_payload(get_visible(request, pk)))


def _queue(request, pk, queue, started_message):
    integration = get_managed(request, pk)
    if queue(integration):
        (auditing.synced if queue is services.queue_sync else auditing.retried)(request, integration)
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
def import_earlier(request, pk):
    """Import earlier history back to the chosen month; a bad month is shown by the field (400)."""
    integration = get_managed(request, pk)
    form = EarlierHistoryForm(request.POST, integration=integration)
    if not form.is_valid():
        return _render_detail(request, integration, form, status=400)
    month = form.cleaned_data["start_month"]
    try:
        queued = services.queue_earlier_history(integration, month)
    except services.Busy as exc:
        messages.warning(request, str(exc))
        return redirect("integrations:detail", pk=pk)
    if queued:
        auditing.reimported(request, integration, f"Importing {queued} earlier month(s) back to {month:%b %Y}.")
        messages.success(request, f"Importing {queued} earlier month{pluralize(queued)} back to {month:%b %Y}, "
                                  "newest first.")
    else:
        messages.info(request, f"Every month from {month:%b %Y} on is already imported.")
    return redirect("integrations:detail", pk=pk)


@require_POST
def workspaces(request, pk):
    integration = get_visible(request, pk)
    require_editor(request)
    form = WorkspaceAssignmentForm(request.POST, user=request.user, integration=integration)
    if form.is_valid():
        was = auditing.before(integration)
        services.set_workspaces(integration, form.cleaned_data["workspaces"], form.editable)
        auditing.workspaces_changed(request, integration, was)
        messages.success(request, "Workspaces updated.")
        if not integration.workspaces.filter(pk=request.workspace.pk).exists():
            return redirect(manage_url(integration))
        return redirect("integrations:detail", pk=pk)
    for err in form.non_field_errors() + form.errors.get("workspaces", []):
        messages.error(request, err)
    return redirect("integrations:detail", pk=pk)


DELETE, REMOVE = "delete", "remove"


def delete(request, pk):
    """Delete the integration (whoever edits all its workspaces) or remove it from this workspace (whoever edits
    this one, while it stays in another). The confirmation says which; POST ``action`` picks one when both are
    possible (without it: delete if allowed, else remove)."""
    integration = get_visible(request, pk)
    ws = require_editor(request)
    can_manage = services.can_manage(integration, request.user)
    others = integration.workspaces.exclude(pk=ws.pk).count()
    if request.method == "POST":
        action = request.POST.get("action") or (DELETE if can_manage else REMOVE)
        if action == DELETE and can_manage:
            return _delete(request, integration)
        if action == REMOVE and others:
            return _remove(request, integration, ws)
        raise PermissionDenied(services.MSG_NOT_MANAGER if action == DELETE else services.MSG_LAST_WORKSPACE)
    return render(
        request,
        "integrations/confirm_delete.html",
        {"integration": integration, "can_manage": can_manage, "others": others, "workspace": ws,
         "summary": services.deletion_summary(integration) if can_manage else None},
    )


def _delete(request, integration: Integration):
    name, back = integration.account_name, manage_url(integration)
    was = auditing.before(integration)
    summary = services.delete_integration(integration)
    auditing.deleted(request, was, summary["line_items"])
    messages.success(request, f"Deleted “{name}” and its {summary['line_items']} cost line items.")
    return redirect(back)


def _remove(request, integration: Integration, ws):
    try:
        left = services.remove_from_workspace(integration, ws)
    except services.LastWorkspace as exc:
        messages.error(request, str(exc))
        return redirect("integrations:detail", pk=integration.pk)
    auditing.removed(request, integration, ws)
    messages.success(request, f"Removed “{integration.account_name}” from {ws.name}; it stays in {left} other "
                              f"workspace{pluralize(left)} with its costs.")
    return redirect(manage_url(integration))
