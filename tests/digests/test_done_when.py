"""Issue 13's "done when" for digests: a weekly digest reaches a real SMTP server and a signed webhook once,
sent by the task the import's signal queues (inline in tests), however many imports follow."""

from datetime import timedelta

import pytest

from costs.alerting.periods import complete_period
from costs.signals import costs_imported
from tests.costs.factories import add_costs, item
from tests.notifications.conftest import receiver, smtp_server  # noqa: F401  (the real servers)
from vantage.lib.dates import utc_today
from vantage.notifications import services as notifications
from vantage.notifications.models import DeliveryStatus, Notification
from vantage.notifications.signing import verify_signature

from .conftest import make_digest

pytestmark = pytest.mark.django_db


def test_a_weekly_digest_is_delivered_once_by_email_and_signed_webhook(
    ws, owner, report, integration, receiver, smtp_server, django_capture_on_commit_callbacks  # noqa: F811
):
    start, end = complete_period("week", utc_today())
    owner.email = "olivia@example.com"
    owner.save()
    add_costs(integration, [item(start - timedelta(days=7), "SMS & MMS", "sms-outbound", "40.00"),
                            item(start, "SMS & MMS", "sms-outbound", "60.00"),
                            item(end, "Voice", "calls-outbound", "12.50")])  # fmt: skip
    hook, secret = notifications.create_webhook(ws, name="ops", url=receiver.url)
    make_digest(ws, report, "weekly", recipients=[owner], webhooks=[hook])
    for _ in range(2):  # a second import sends nothing more
        with django_capture_on_commit_callbacks(execute=True):
            costs_imported.send(sender=None, integration_id=integration.pk)
    sent = Notification.objects.filter(kind="report_digest")
    assert sorted(sent.values_list("channel", flat=True)) == ["email", "webhook"]
    assert set(sent.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    (mail,) = smtp_server.messages
    assert mail.rcpt_tos == ["olivia@example.com"]
    assert b"Total: 72.50 USD (+32.50 USD, +81.2% against the period before)" in mail.content
    (request,) = receiver.requests
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert verify_signature(secret, headers["x-vantage-timestamp"], request.body, headers["x-vantage-signature"])
    assert b'"kind":"report_digest"' in request.body and b'"amount":"72.50"' in request.body
