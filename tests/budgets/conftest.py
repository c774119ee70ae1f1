"""Budgets test data: a report of the SMS costs of Acme, with costs in November 2026."""

from datetime import date
from decimal import Decimal

import pytest

from costs.budgets.models import Budget, BudgetPeriod
from costs.forecasts.models import ForecastMonth, ForecastStatus, ReportForecast
from costs.models import CostReport
from tests.costs.factories import add_costs, item, make_integration

TODAY = date(2026, 11, 11)
NOV = date(2026, 11, 1)


@pytest.fixture
def report(ws, owner):
    return CostReport.objects.create(workspace=ws, title="SMS", created_by=owner,
                                     filters={"service": {"op": "is", "values": ["SMS & MMS"]}})


@pytest.fixture
def integration(ws):
    return make_integration(ws)


@pytest.fixture
def costs(integration):
    """60.00 of SMS this month to date (and 5.00 of Voice the report leaves out), 80.00 in October."""
    add_costs(integration, [
        item("2026-11-02", "SMS & MMS", "sms-outbound", "25.00"),
        item("2026-11-10", "SMS & MMS", "sms-outbound", "35.00"),
        item("2026-11-10", "Voice", "calls-outbound", "5.00"),
        item("2026-10-15", "SMS & MMS", "sms-outbound", "80.00"),
    ])


def make_budget(ws, report, name="SMS", amount="100.00", start=date(2026, 1, 1), end=None, parent=None):
    budget = Budget.objects.create(workspace=ws, cost_report=report, name=name, currency="USD", parent=parent)
    if amount is not None:
        BudgetPeriod.objects.create(budget=budget, start_month=start, end_month=end, amount=Decimal(amount))
    return budget


def set_forecast(report, amount, month=NOV, currency="USD"):
    from django.utils import timezone

    forecast, _ = ReportForecast.objects.update_or_create(
        report=report, defaults={"status": ForecastStatus.OK, "computed_at": timezone.now()})
    ForecastMonth.objects.update_or_create(
        forecast=forecast, month=month, currency=currency,
        defaults={"actual": Decimal("60"), "amount": Decimal(amount), "low": Decimal(amount), "high": Decimal(amount)},
    )


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
