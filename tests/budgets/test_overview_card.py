"""The Overview's Budgets card: this month's budgets, the most used first, with their forecast."""

import re
from datetime import date

import pytest

from costs.overview import build_overview
from vantage.lib.dates import month_start

from .conftest import NOV, make_budget, set_forecast

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 11)


def test_the_card_lists_this_months_budgets_most_used_first(ws, report, costs):
    make_budget(ws, report, name="Roomy", amount="1000.00")
    make_budget(ws, report, name="Tight", amount="100.00")
    set_forecast(report, "130.00", month=NOV)
    overview = build_overview(ws, today=TODAY)
    assert [(b.name, b.month.percent_used) for b in overview.budgets] == [("Tight", 60), ("Roomy", 6)]
    assert overview.budgets[0].month.forecast_text == "forecast over budget by 30.00"


def test_the_overview_page_shows_it_and_hides_it_without_budgets(owner_client, ws, report, costs, settings):
    html = owner_client.get("/").content.decode()
    assert 'id="budgets-card"' not in html
    make_budget(ws, report, name="Tight", amount="100.00", start=month_start(date.today()))
    html = owner_client.get("/").content.decode()
    card = re.search(r'<div class="panel ov-figure ov-budgets" id="budgets-card">.*?</div>', html, re.S).group(0)
    assert "Tight" in card and "/ 100.00 USD" in card


def test_another_workspaces_budgets_are_not_on_my_overview(client_for_user, outsider, ws, report, costs):
    make_budget(ws, report, name="Secret plan", amount="100.00", start=month_start(date.today()))
    assert "Secret plan" not in client_for_user(outsider).get("/").content.decode()
