"""django-q2 tasks: budget alerts after every import and daily (arguments are primary keys only)."""

from __future__ import annotations

from django_q.tasks import async_task

from vantage.models import Workspace

from ..scoping import integration_workspace_ids
from . import alerts
from .models import BudgetAlert

EVALUATE_TASK = "costs.budgets.tasks.evaluate_workspace"


def evaluate_workspace(workspace_id: int) -> int:
    """Evaluate one workspace's budget alerts; returns how many thresholds were newly sent."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return 0
    return sum(1 for fired in alerts.evaluate(workspace) if fired.notified)


def workspaces_with_alerts(workspace_ids=None):
    rows = BudgetAlert.objects.filter(is_active=True)
    if workspace_ids is not None:
        rows = rows.filter(budget__workspace_id__in=workspace_ids)
    return sorted(set(rows.values_list("budget__workspace_id", flat=True)))


def queue_for_integration(integration_id: int) -> list[int]:
    """One queued evaluation per workspace the integration's costs belong to (with active alerts)."""
    queued = workspaces_with_alerts(integration_workspace_ids(integration_id))
    for workspace_id in queued:
        async_task(EVALUATE_TASK, workspace_id)
    return queued


def evaluate_all() -> int:
    """The daily run: one queued evaluation per workspace with active alerts."""
    queued = workspaces_with_alerts()
    for workspace_id in queued:
        async_task(EVALUATE_TASK, workspace_id)
    return len(queued)


def on_costs_imported(sender, integration_id=None, **kwargs) -> None:
    """Receiver of ``costs.signals.costs_imported``: queue, never evaluate in the importer's process."""
    if integration_id is not None:
        queue_for_integration(integration_id)


def on_forecasts_refreshed(sender, workspace_id=None, **kwargs) -> None:
    """Receiver of ``costs.signals.forecasts_refreshed``: evaluate the workspace's alerts (if any) again."""
    if workspace_id is not None:
        for queued in workspaces_with_alerts([workspace_id]):
            async_task(EVALUATE_TASK, queued)
