"""Issue 13's "done when" for cost alerts, end to end: the import's signal queues the evaluation (tasks run
inline in tests), the alert is delivered through a real SMTP server and a signed webhook to a local HTTP
receiver, exactly once across two imports."""

from datetime import timedelta

import pytest

from costs.alerting.models import CostAlertEvent
from costs.signals import costs_imported
from tests.costs.factories import add_costs, item
from tests.notifications.conftest import receiver, smtp_server  # noqa: F401  (the real servers)
from vantage.lib.dates import utc_today
from vantage.notifications import services as notifications
from vantage.notifications.models import DeliveryStatus, Notification
from vantage.notifications.signing import verify_signature

from .conftest import make_alert

pytestmark = pytest.mark.django_db


def test_a_cost_alert_reaches_an_inbox_and_a_signed_webhook_once_across_two_imports(
    ws, owner, report, integration, receiver, smtp_server, django_capture_on_commit_callbacks  # noqa: F811
):
    yesterday = utc_today() - timedelta(days=1)
    owner.email = "olivia@example.com"
    owner.save()
    add_costs(integration, [item(yesterday - timedelta(days=1), "SMS & MMS", "sms-outbound", "100.00"),
                            item(yesterday, "SMS & MMS", "sms-outbound", "250.00"),
                            item(yesterday, "Voice", "calls-outbound", "3.00")])  # fmt: skip
    hook, secret = notifications.create_webhook(ws, name="ops", url=receiver.url)
    make_alert(ws, [report], percent=50, amount=100, recipients=[owner], webhooks=[hook])
    with django_capture_on_commit_callbacks(execute=True):
        costs_imported.send(sender=None, integration_id=integration.pk)
    with django_capture_on_commit_callbacks(execute=True):
        costs_imported.send(sender=None, integration_id=integration.pk)  # a second import: nothing new
    [event] = CostAlertEvent.objects.all()  # Voice is new but +3.00 is under the amount
    assert (event.group, event.change) == ("SMS & MMS", 150)
    sent = Notification.objects.filter(kind="cost_alert")
    assert sorted(sent.values_list("channel", flat=True)) == ["email", "webhook"]
    assert set(sent.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    (mail,) = smtp_server.messages
    assert mail.rcpt_tos == ["olivia@example.com"] and b"SMS & MMS" in mail.content and b"+150.0%" in mail.content
    (request,) = receiver.requests
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert verify_signature(secret, headers["x-vantage-timestamp"], request.body, headers["x-vantage-signature"])
    assert b'"kind":"cost_alert"' in request.body and b'"change":"150.00"' in request.body
