"""Settings › Integrations: one integration's page, progress, sync, workspaces and removal, whatever its provider.

Each provider's own pages (connect, credentials) live in its package, e.g. ``integrations/twilio/views.py``.
"""

from __future__ import annotations

from django.contrib import messages
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
    if can_edit and history_form is None:
        history_form = EarlierHistoryForm(integration=integration)
    costs = costs_by_integration([integration.pk]).get(integration.pk, [])
    return render(
        request,
        "integrations/detail.html",
        {
            "integration": integration,
            "can_edit": can_edit,
            "costs": costs,
            # a Twilio account bills in one currency: the runs' totals are in it (none shown if it is unclear)
            "currency": costs[0][0] if len(costs) == 1 else "",
            "runs": recent_runs(integration),
            "workspace_form": WorkspaceAssignmentForm(user=request.user, integration=integration) if can_edit else None,
            "history_form": history_form if can_edit else None,
            "history_from": history_form.earliest if history_form else history.earliest_imported_month(integration),
            "busy": services.is_busy(integration),
            "status": status_payload(integration),
        },
        status=status,
    )


def status_json(request, pk):
    return JsonResponse(status_payload(get_visible(request, pk)))


def _queue(request, pk, queue, started_message):
    integration = get_visible(request, pk)
    require_editor(request)
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
    integration = get_visible(request, pk)
    require_editor(request)
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


def delete(request, pk):
    integration = get_visible(request, pk)
    require_editor(request)
    if request.method == "POST":
        name = integration.account_name
        back = manage_url(integration)
        was = auditing.before(integration)
        summary = services.delete_integration(integration)
        auditing.deleted(request, was, summary["line_items"])
        messages.success(request, f"Removed “{name}” and its {summary['line_items']} cost line items.")
        return redirect(back)
    return render(
        request,
        "integrations/confirm_delete.html",
        {"integration": integration, "summary": services.deletion_summary(integration)},
    )
