"""Anomalies test data: 60 days of SMS costs with a weekly pattern up to yesterday, optionally a spike."""

from datetime import timedelta
from decimal import Decimal

import pytest

from costs.anomalies.models import AnomalyNotification
from costs.models import CostReport
from tests.costs.factories import add_costs, item, make_integration
from vantage.lib.dates import utc_today

PATTERN = ["100.00", "104.00", "98.00", "103.00", "96.00", "61.00", "55.00"]
WOBBLE = ["0.00", "1.50", "-2.00", "0.70", "-1.10", "2.20", "-0.40", "1.10", "-1.60"]


def sms_days(days=60, spike_factor=None, end=None):
    """Daily SMS costs over ``days`` days up to ``end`` (yesterday), the last one multiplied by ``spike_factor``."""
    end = end or utc_today() - timedelta(days=1)
    specs = []
    for n in range(days):
        day = end - timedelta(days=n)
        cost = Decimal(PATTERN[day.weekday()]) + Decimal(WOBBLE[n % len(WOBBLE)])
        if n == 0 and spike_factor is not None:
            cost = (cost * Decimal(str(spike_factor))).quantize(Decimal("0.01"))
        specs.append(item(day, "SMS & MMS", "sms-outbound", cost))
    return specs


@pytest.fixture
def integration(ws):
    return make_integration(ws)


@pytest.fixture
def report(ws, owner):
    return CostReport.objects.create(workspace=ws, title="SMS", created_by=owner,
                                     filters={"service": {"op": "is", "values": ["SMS & MMS"]}})


@pytest.fixture
def spiked(integration):
    add_costs(integration, sms_days(spike_factor=3))
    return integration


def notify_report(ws, report, users=(), hooks=(), min_amount="0"):
    setting = AnomalyNotification.objects.create(workspace=ws, cost_report=report, min_amount=Decimal(min_amount))
    setting.recipients.set(users)
    setting.webhooks.set(hooks)
    return setting


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    from vantage.models import ApiToken

    def make(user):
        client = APIClient()
        _, raw = ApiToken.issue(user, "test")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make
