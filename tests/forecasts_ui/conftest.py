"""A workspace with 19 days of November costs (SMS 10 USD a day, Voice 5) and a stored forecast of the rest
of the month, "today" being 20 Nov 2026: the forecast rows are written directly (the engine is elsewhere)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from costs.forecasts.models import ForecastMonth, ForecastPoint, ForecastStatus, ReportForecast
from costs.services import ensure_default_report
from tests.costs.factories import add_costs, item, make_integration

TODAY = date(2026, 11, 20)
HISTORY_END = date(2026, 11, 19)
MONTH_END = date(2026, 11, 30)
SERVICES = {"SMS": (10, 8, 12), "Voice": (5, 4, 6)}  # per forecast day: amount, low, high
ACCURACY = {"months": 6, "day": 10, "error_percent": 4.1}


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    """Every module that reads the clock for a report sees 20 Nov 2026."""
    for module in ("costs.views", "costs.filtersets", "costs.coverage", "costs.overview", "costs.services"):
        monkeypatch.setattr(f"{module}.utc_today", lambda: TODAY)


def client_of(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def report(ws):
    return ensure_default_report(ws)


@pytest.fixture
def november(ws):
    integration = make_integration(ws, "Acme Twilio")
    days = [date(2026, 11, d) for d in range(1, 20)]
    add_costs(integration, [item(d, s, s.lower(), SERVICES[s][0]) for d in days for s in SERVICES])
    return integration


def write_forecast(report, *, currency="USD", status=ForecastStatus.OK, reason="", accuracy=None, month=True):
    """The rows the engine would store: a point per service and day after history_end, and the month."""
    forecast = ReportForecast.objects.create(
        report=report, status=status, reason=reason, method="Seasonal (weekly) exponential smoothing",
        history_start=date(2026, 11, 1), history_end=HISTORY_END, horizon_end=MONTH_END,
        accuracy=ACCURACY if accuracy is None else accuracy, computed_at=timezone.now(),
    )
    if status != ForecastStatus.OK:
        return forecast
    day, points = HISTORY_END + timedelta(days=1), []
    while day <= MONTH_END:
        points += [ForecastPoint(forecast=forecast, date=day, service=s, currency=currency, amount=a, low=lo, high=hi)
                   for s, (a, lo, hi) in SERVICES.items()]  # fmt: skip
        day += timedelta(days=1)
    ForecastPoint.objects.bulk_create(points)
    if month:
        ForecastMonth.objects.create(forecast=forecast, month=date(2026, 11, 1), currency=currency,
                                     actual=Decimal(285), amount=Decimal(450), low=Decimal(430), high=Decimal(470))
    return forecast
