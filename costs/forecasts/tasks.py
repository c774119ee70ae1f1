"""Forecasting after imports: one django-q2 task per workspace whose costs changed (primary keys only)."""

from __future__ import annotations

from django_q.tasks import async_task

from vantage.models import Workspace

from ..scoping import integration_workspace_ids
from ..signals import forecasts_refreshed
from . import services

TASK = "costs.forecasts.tasks.refresh_workspace_task"


def refresh_workspace_task(workspace_id: int) -> str:
    """Refresh the forecast of every report of one workspace (gone meanwhile: nothing to do)."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return "workspace gone"
    forecasts = services.refresh_workspace_forecasts(workspace)
    forecasts_refreshed.send(sender=Workspace, workspace_id=workspace_id)  # budget alerts on the forecast follow
    by_status: dict[str, int] = {}
    for forecast in forecasts:
        by_status[forecast.status] = by_status.get(forecast.status, 0) + 1
    return ", ".join(f"{n} {status}" for status, n in sorted(by_status.items())) or "no reports"


def queue_forecasts(sender=None, integration_id: int | None = None, **kwargs) -> list[int]:
    """``costs_imported`` receiver: queue ONE forecast task per workspace that sees the integration's costs."""
    if integration_id is None:
        return []
    ids = integration_workspace_ids(integration_id)
    for workspace_id in ids:
        queue_workspace(workspace_id)
    return ids


def queue_workspace(workspace_id: int) -> None:
    async_task(TASK, workspace_id, task_name=f"forecasts-workspace-{workspace_id}")
