"""Issue 13's "done when" for anomalies, end to end: the sandbox injects a spike, the next real import (over
loopback HTTP) creates exactly one active anomaly for that series and day, a real SMTP server receives one
alert and a webhook receiver one signed POST, and the Anomalies page shows its chart."""

from datetime import timedelta

import pytest

from costs.anomalies.models import Anomaly
from costs.models import CostReport
from costs.signals import costs_imported
from integrations.models import Integration
from integrations.twilio import client as tw
from integrations.twilio import importer
from integrations.twilio.sandbox import serve_in_thread
from integrations.twilio.sandbox.anomalies import Injection
from tests.notifications.conftest import receiver, smtp_server  # noqa: F401  (the real servers)
from vantage.lib.dates import utc_today
from vantage.notifications import services as notifications
from vantage.notifications.signing import verify_signature

from .conftest import notify_report

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox]
CATEGORY = "sms-outbound-longcode"


@pytest.fixture
def sandbox(settings, monkeypatch):
    monkeypatch.setattr(tw.time, "sleep", lambda s: None)
    yesterday = utc_today() - timedelta(days=1)
    spike = Injection("main", CATEGORY, yesterday, 3.0, "spike")
    server, base_url = serve_in_thread(seed=7, today=utc_today(), anomalies=[spike])
    settings.TWILIO_API_BASE_URL = base_url
    yield server.sandbox
    server.shutdown()


def import_and_signal(integration, start, end, capture):
    with capture(execute=True):
        importer.ingest_window(integration, start, end)
        costs_imported.send(sender=Integration, integration_id=integration.pk)


def test_an_injected_spike_is_one_anomaly_one_email_one_signed_webhook(
    sandbox, ws, owner, client, receiver, smtp_server, django_capture_on_commit_callbacks  # noqa: F811
):
    creds = next(c for c in sandbox.credentials() if c["kind"] == "main")
    integration = Integration.objects.create(account_name=creds["name"], account_sid=creds["account_sid"],
                                             api_key_sid=creds["api_key_sid"], api_secret=creds["api_secret"])
    integration.workspaces.add(ws)
    owner.email = "olivia@example.com"
    owner.save()
    report = CostReport.objects.create(workspace=ws, title="Long-code SMS",
                                       filters={"category": {"op": "is", "values": [CATEGORY]}})
    hook, secret = notifications.create_webhook(ws, name="ops", url=receiver.url)
    notify_report(ws, report, [owner], [hook])
    today = utc_today()
    yesterday = today - timedelta(days=1)
    assert sandbox.injected_anomalies()[0]["day"] == yesterday.isoformat()

    import_and_signal(integration, today - timedelta(days=70), yesterday - timedelta(days=1),
                      django_capture_on_commit_callbacks)  # history: the spike is not imported yet
    assert not Anomaly.objects.filter(category=CATEGORY).exists()
    import_and_signal(integration, yesterday - timedelta(days=3), today, django_capture_on_commit_callbacks)
    import_and_signal(integration, yesterday - timedelta(days=3), today, django_capture_on_commit_callbacks)

    (anomaly,) = Anomaly.objects.filter(category=CATEGORY)
    assert (anomaly.date, anomaly.account_id, anomaly.status, anomaly.direction) == (
        yesterday, creds["account_sid"], "active", "spike")
    assert not Anomaly.objects.filter(date=today).exists()  # today is partial: never scored
    (mail,) = smtp_server.messages
    assert mail.rcpt_tos == ["olivia@example.com"] and CATEGORY.encode() in mail.content
    (request,) = receiver.requests
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert verify_signature(secret, headers["x-vantage-timestamp"], request.body, headers["x-vantage-signature"])
    assert b'"anomaly_alert"' in request.body and CATEGORY.encode() in request.body

    client.force_login(owner)
    html = client.get(f"/anomalies/?category={CATEGORY}").content.decode()
    assert f'data-anomaly-chart="{anomaly.pk}"' in html and "anomaly-charts" in html
