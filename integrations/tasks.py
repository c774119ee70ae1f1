"""django-q2 tasks. Arguments are primary keys only: a secret never lands in the task tables."""

import logging

from .models import Integration, IntegrationStatus, RunTrigger
from .twilio.client import TwilioError

log = logging.getLogger(__name__)


def import_history_task(integration_id: int, resume: bool = True) -> str:
    from . import services

    integration = Integration.objects.filter(pk=integration_id).first()
    if integration is None:
        return "integration no longer exists"
    try:
        result = services.import_history(integration, resume=resume)
    except TwilioError as exc:
        # Recorded on the integration (status "error" + message); do not let django-q retry a
        # permanent failure. The exception class only: messages are safe but stay on the integration.
        return f"failed: {exc.__class__.__name__}"
    return f"imported {result.records} records into {result.line_items} line items"


def sync_task(integration_id: int, trigger: str = RunTrigger.MANUAL) -> str:
    from . import services

    integration = Integration.objects.filter(pk=integration_id).first()
    if integration is None:
        return "integration no longer exists"
    try:
        result = services.refresh(integration, trigger=trigger)
    except TwilioError as exc:
        return f"failed: {exc.__class__.__name__}"
    return f"refreshed {result.records} records"


def refresh_all_integrations() -> str:
    """The daily schedule `vantage:twilio-refresh`: every integration not in error, one task each."""
    from django_q.tasks import async_task

    ids = list(Integration.objects.exclude(status=IntegrationStatus.ERROR).values_list("pk", flat=True))
    for pk in ids:
        async_task(sync_task, pk, RunTrigger.REFRESH, task_name=f"twilio-refresh-{pk}")
    return f"queued {len(ids)} refreshes"
