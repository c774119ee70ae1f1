"""The django-q2 tasks: a Twilio failure is recorded on the integration and not raised (a permanent
failure must not be retried), and a task for a removed integration does nothing."""

import pytest
import responses

from integrations import tasks
from integrations.models import IngestionRun, Integration, IntegrationStatus, RunStatus
from tests.fakes.twilio import BASE, DAILY_PATH, error

pytestmark = pytest.mark.django_db


def test_task_for_a_removed_integration_does_nothing(integration):
    pk = integration.pk
    integration.delete()
    assert tasks.sync_task(pk) == "integration no longer exists"
    assert tasks.import_history_task(pk) == "integration no longer exists"
    assert not IngestionRun.objects.exists()


@responses.activate
def test_rejected_credentials_are_recorded_not_raised(catalog, integration, twilio_secret):
    responses.get(BASE + DAILY_PATH, status=401, json=error(20003, 401, "Authenticate"))
    assert tasks.sync_task(integration.pk) == "failed: CredentialsRejected"
    integration.refresh_from_db()
    assert integration.status == IntegrationStatus.ERROR
    assert "20003" in integration.status_message and twilio_secret not in integration.status_message
    assert IngestionRun.objects.filter(integration=integration, status=RunStatus.FAILED).exists()
    assert Integration.objects.filter(pk=integration.pk).exists()  # kept, for the person to fix the key


@responses.activate
def test_every_import_run_tells_costs_it_ended_even_a_failed_one(catalog, integration, twilio_secret):
    from costs.signals import costs_imported

    heard = []

    def receiver(sender, integration_id, **kwargs):
        heard.append(integration_id)

    costs_imported.connect(receiver, dispatch_uid="test-heard")
    try:
        responses.get(BASE + DAILY_PATH, status=401, json=error(20003, 401, "Authenticate"))
        tasks.sync_task(integration.pk)
        pk = integration.pk
        integration.delete()
        tasks.sync_task(pk)  # nothing ran: nothing to tell
    finally:
        costs_imported.disconnect(dispatch_uid="test-heard")
    assert heard == [pk]
