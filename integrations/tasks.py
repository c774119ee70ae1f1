"""django-q2 tasks. Arguments are primary keys only: a secret never lands in the task tables."""

import logging

import django_q.tasks

from costs.signals import costs_imported

from .models import Integration, IntegrationStatus, RunTrigger
from .twilio import importer
from .twilio.client import TwilioError

log = logging.getLogger(__name__)


def _run_on(integration_id: int, work) -> str:
    """Run ``work(integration)``; a TwilioError is already recorded on the integration (status "error"
    and message), so it is not raised again: django-q must not retry a permanent failure."""
    integration = Integration.objects.filter(pk=integration_id).first()
    if integration is None:
        return "integration no longer exists"
    try:
        return work(integration)
    except TwilioError as exc:
        return f"failed: {exc.__class__.__name__}"
    finally:  # costs may have changed either way (a failed run keeps what it imported)
        costs_imported.send(sender=Integration, integration_id=integration_id)


def import_history_task(integration_id: int, resume: bool = True) -> str:
    def work(integration):
        result = importer.import_history(integration, resume=resume)
        return f"imported {result.records} records into {result.line_items} line items"

    return _run_on(integration_id, work)


def earlier_history_task(integration_id: int) -> str:
    """Import earlier months back to the integration's ``history_back_to`` (set by the service that queued
    this); months already imported are skipped, so a retried or repeated task resumes."""

    def work(integration):
        if integration.history_back_to is None:
            return "nothing to import: no earlier month requested"
        result = importer.import_earlier(integration, integration.history_back_to)
        return f"imported {result.windows} earlier months: {result.records} records into {result.line_items} line items"

    return _run_on(integration_id, work)


def sync_task(integration_id: int, trigger: str = RunTrigger.MANUAL) -> str:
    def work(integration):
        return f"refreshed {importer.refresh(integration, trigger=trigger).records} records"

    return _run_on(integration_id, work)


def refresh_all_integrations() -> str:
    """The daily schedule `vantage:twilio-refresh`: every integration not in error, one task each."""
    ids = list(Integration.objects.exclude(status=IntegrationStatus.ERROR).values_list("pk", flat=True))
    for pk in ids:
        django_q.tasks.async_task(sync_task, pk, RunTrigger.REFRESH, task_name=f"twilio-refresh-{pk}")
    return f"queued {len(ids)} refreshes"
