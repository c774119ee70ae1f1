"""django-q2 tasks: cost alerts and report digests after every import and daily (arguments are primary keys only)."""

from __future__ import annotations

from django.db.models import Q
from django_q.tasks import async_task

from vantage.models import Workspace

from ..scoping import integration_workspace_ids
from . import alerts, digests

EVALUATE_TASK = "costs.alerting.tasks.evaluate_workspace"


def evaluate_workspace(workspace_id: int) -> str:
    """Evaluate one workspace's cost alerts and send its due report digests."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return "workspace no longer exists"
    events = alerts.evaluate(workspace)
    sent = digests.send_due(workspace)
    return f"{len(events)} cost alert events, {sent} report digests"


def workspaces_with_work(workspace_ids=None) -> list[int]:
    """Workspaces with an active cost alert or report digest (of ``workspace_ids``, when given)."""
    rows = Workspace.objects.filter(Q(cost_alerts__is_active=True) | Q(report_digests__is_active=True))
    if workspace_ids is not None:
        rows = rows.filter(pk__in=workspace_ids)
    return sorted(set(rows.values_list("pk", flat=True)))


def queue_for_integration(integration_id: int) -> list[int]:
    queued = workspaces_with_work(integration_workspace_ids(integration_id))
    for workspace_id in queued:
        async_task(EVALUATE_TASK, workspace_id)
    return queued


def evaluate_all() -> int:
    """The daily run (schedule ``vantage:cost-alerts-digests``): one queued evaluation per workspace with work."""
    queued = workspaces_with_work()
    for workspace_id in queued:
        async_task(EVALUATE_TASK, workspace_id)
    return len(queued)


def on_costs_imported(sender, integration_id=None, **kwargs) -> None:
    """Receiver of ``costs.signals.costs_imported``: queue, never evaluate in the importer's process."""
    if integration_id is not None:
        queue_for_integration(integration_id)
