"""Issue 12's "done when", end to end: real imports' signal, the real forecast engine, the budget alert,
delivery through a real SMTP server and a signed webhook to a local HTTP receiver, exactly once."""

from datetime import timedelta
from decimal import Decimal

import pytest

from costs.budgets.choices import Basis
from costs.budgets.models import BudgetAlertFiring
from costs.forecasts.models import ForecastStatus
from costs.signals import costs_imported
from tests.costs.factories import add_costs, item
from tests.notifications.conftest import receiver, smtp_server  # noqa: F401  (the real servers)
from vantage.lib.dates import month_start, utc_today
from vantage.notifications import services as notifications
from vantage.notifications.models import DeliveryStatus, Notification
from vantage.notifications.signing import verify_signature

from .conftest import make_budget
from .test_alerts import make_alert

pytestmark = pytest.mark.django_db


def test_a_forecast_alert_reaches_an_inbox_and_a_signed_webhook_once_across_two_imports(
    ws, owner, report, integration, receiver, smtp_server, django_capture_on_commit_callbacks  # noqa: F811
):
    today = utc_today()
    owner.email = "olivia@example.com"
    owner.save()
    # 45 days of SMS at 10.00 a day up to yesterday: this month is expected near 10.00 x its days
    add_costs(integration, [item(today - timedelta(days=n), "SMS & MMS", "sms-outbound", "10.00")
                            for n in range(1, 46)])  # fmt: skip
    hook, secret = notifications.create_webhook(ws, name="ops", url=receiver.url)
    budget = make_budget(ws, report, amount="100.00", start=month_start(today))
    make_alert(budget, [50, 100], Basis.FORECAST, [owner], [hook])
    with django_capture_on_commit_callbacks(execute=True):
        costs_imported.send(sender=None, integration_id=integration.pk)  # tasks run inline in tests
    with django_capture_on_commit_callbacks(execute=True):
        costs_imported.send(sender=None, integration_id=integration.pk)  # a second import: nothing new
    assert report.forecast.status == ForecastStatus.OK  # fitted by the engine, not written by the test
    month = report.forecast.months.get(month=month_start(today))
    assert month.amount > Decimal("100.00")
    # both thresholds crossed at once: one firing each, only the highest sent, once
    assert sorted(BudgetAlertFiring.objects.values_list("threshold", flat=True)) == [50, 100]
    sent = Notification.objects.filter(kind="budget_alert")
    assert sorted(sent.values_list("channel", flat=True)) == ["email", "webhook"]
    assert set(sent.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    (mail,) = smtp_server.messages
    assert mail.rcpt_tos == ["olivia@example.com"] and b"(forecast)" in mail.content
    (request,) = receiver.requests
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert verify_signature(secret, headers["x-vantage-timestamp"], request.body, headers["x-vantage-signature"])
    assert b"(forecast)" in request.body and b'"text"' in request.body
