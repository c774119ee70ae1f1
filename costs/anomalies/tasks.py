"""django-q2 tasks: score after every import, archive and digest daily (arguments are primary keys only)."""

from __future__ import annotations

from django_q.tasks import async_task

from vantage.models import Workspace

from . import services
from .models import AnomalyNotification

SCORE_TASK = "costs.anomalies.tasks.score_integration"
DIGEST_TASK = "costs.anomalies.tasks.send_digest"


def score_integration(integration_id: int) -> int:
    """Score the integration's new complete days; archive what expired. Returns the anomalies created."""
    created = services.score_integration(integration_id)
    services.archive_expired()
    return len(created)


def send_digest(workspace_id: int) -> int:
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    return 0 if workspace is None else services.send_digest(workspace)


def daily() -> int:
    """The daily run: archive anomalies past their 7 days, then one digest task per workspace with settings."""
    services.archive_expired()
    ids = sorted(set(AnomalyNotification.objects.filter(is_active=True).values_list("workspace_id", flat=True)))
    for workspace_id in ids:
        async_task(DIGEST_TASK, workspace_id)
    return len(ids)


def on_costs_imported(sender, integration_id=None, **kwargs) -> None:
    """Receiver of ``costs.signals.costs_imported``: queue, never score in the importer's process."""
    if integration_id is not None:
        async_task(SCORE_TASK, integration_id)
