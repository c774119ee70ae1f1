from datetime import date, timedelta

import pytest

from costs.models import CostReport
from costs.services import ensure_default_report
from tests.api.conftest import api, no_secret_in_any_response, responses_seen  # noqa: F401 - the API tests' clients
from tests.costs.factories import add_costs, item, make_integration

TODAY = date(2026, 7, 15)
SHAPE = (1.0, 1.04, 1.06, 1.03, 0.95, 0.42, 0.33)


def history_specs(days: int, *, end: date = TODAY - timedelta(days=1), services=(("Programmable SMS", 100),
                                                                                  ("Voice", 40))):
    """Daily costs of each (service, level) for ``days`` days up to ``end``, with a business week."""
    specs = []
    for i in range(days):
        day = end - timedelta(days=i)
        for n, (service, level) in enumerate(services):
            wobble = 1 + 0.03 * ((i * 7 + n * 3) % 5 - 2) / 2
            specs.append(item(day, service, f"{service.lower()}-cat", round(level * SHAPE[day.weekday()] * wobble, 4)))
    return specs


@pytest.fixture
def integration(ws):
    return make_integration(ws, "Acme Twilio")


@pytest.fixture
def report(ws, integration):
    add_costs(integration, history_specs(200))
    return ensure_default_report(ws)


@pytest.fixture
def voice_report(ws, report, owner):
    return CostReport.objects.create(workspace=ws, title="Voice only", created_by=owner,
                                     filters={"service": {"values": ["Voice"], "op": "is"}})
