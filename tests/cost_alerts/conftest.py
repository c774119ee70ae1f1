"""Cost alert test data: Acme's SMS and Voice costs on 9 and 10 November 2026 (evaluated on the 11th)."""

from datetime import date
from decimal import Decimal

import pytest

from costs.alerting import services
from costs.alerting.validation import AlertInput
from costs.models import CostReport
from tests.costs.factories import make_integration

TODAY = date(2026, 11, 11)  # a Wednesday: the last complete day is the 10th, the one before the 9th


@pytest.fixture
def report(ws, owner):
    """Ungrouped: evaluated per service."""
    return CostReport.objects.create(workspace=ws, title="Everything", created_by=owner, groupings=[])


@pytest.fixture
def integration(ws):
    return make_integration(ws)


@pytest.fixture
def api():
    """api(user) -> an APIClient with a fresh Bearer token of that user."""
    from rest_framework.test import APIClient

    from vantage.models import ApiToken

    def make(user):
        client = APIClient()
        _, raw = ApiToken.issue(user, "test")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make


def make_alert(ws, reports, *, percent=None, amount=None, direction="up", period="day", recipients=(), webhooks=(),
               name="Spend jumps"):
    data = AlertInput(name=name, reports=list(reports), percent=None if percent is None else Decimal(str(percent)),
                      amount=None if amount is None else Decimal(str(amount)), direction=direction, period=period,
                      recipients=list(recipients), webhooks=list(webhooks))
    return services.save_alert(ws, None, data)
