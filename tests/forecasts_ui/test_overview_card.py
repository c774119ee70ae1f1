"""The Overview's forecast card: All Resources' forecast of this month against last month, or why none."""

import re
from datetime import date
from decimal import Decimal
from html import unescape

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from costs.forecasts.models import ForecastStatus
from costs.overview import build_overview
from tests.costs.factories import add_costs, item, make_integration
from tests.queries import data_queries

from .conftest import TODAY, client_of, write_forecast


def card(html: str) -> str:
    block = unescape(html)[html.index('id="forecast-card"'):]
    return " ".join(re.sub(r"<[^>]+>", " ", block[:block.index("</div>")]).split())


def test_the_card_has_the_months_forecast_against_last_month(ws, november, report):
    add_costs(november, [item(date(2026, 10, 1), "SMS", "sms", 400)])
    write_forecast(report)
    (figure,) = build_overview(ws, today=TODAY).forecast.figures
    assert (figure.currency, figure.amount, figure.low, figure.high) == ("USD", 450, 430, 470)
    assert figure.last_month == 400 and figure.change == 50 and figure.change_percent == Decimal("12.5")


def test_the_card_on_the_page(owner, november, report):
    add_costs(november, [item(date(2026, 10, 1), "SMS", "sms", 400)])
    write_forecast(report)
    text = card(client_of(owner).get(reverse("home")).content.decode())
    assert "Forecast for November 2026" in text and "450.00 USD" in text
    assert "80% band: 430.00–470.00 USD" in text
    assert "+50.00 USD" in text and "vs last month’s 400.00 USD" in text
    assert "Accuracy, last 6 months: within 4.1% on day 10" in text


def test_too_short_says_why(owner, november, report):
    write_forecast(report, status=ForecastStatus.TOO_SHORT, reason="Only 9 days of history: a forecast needs 14.")
    text = card(client_of(owner).get(reverse("home")).content.decode())
    assert "Only 9 days of history: a forecast needs 14." in text and "USD" not in text


def test_no_forecast_yet_says_so(owner, november):
    text = card(client_of(owner).get(reverse("home")).content.decode())
    assert "No forecast yet" in text


def test_an_outsider_never_sees_this_workspaces_forecast(outsider, other_ws, november, report):
    write_forecast(report)
    globex = make_integration(other_ws, "Globex Twilio")
    add_costs(globex, [item(date(2026, 11, 2), "SMS", "sms", 7)])
    text = card(client_of(outsider).get(reverse("home")).content.decode())
    assert "No forecast yet" in text and "450.00" not in text


def test_the_card_takes_two_small_queries(ws, november, report):
    build_overview(ws, today=TODAY)
    with CaptureQueriesContext(connection) as without:
        build_overview(ws, today=TODAY)
    write_forecast(report)
    with CaptureQueriesContext(connection) as with_one:
        overview = build_overview(ws, today=TODAY)
    assert overview.forecast.figures
    # (one more each: the budgets, the active anomalies)
    assert len(data_queries(with_one)) == len(data_queries(without)) + 1 == 11
