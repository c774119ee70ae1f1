"""Budgets as lines on the report chart: monthly spend charts in the budget's currency, future months dotted."""

import re
from datetime import date

import pytest

from costs.budgets.models import Budget, BudgetPeriod
from tests.costs.pages import report_query
from vantage.lib.dates import add_months, month_start, utc_today

from .conftest import make_budget

pytestmark = pytest.mark.django_db


def page(client, report, **settings):
    response = client.get(f"/reports/{report.pk}/?{report_query(**settings)}")
    assert response.status_code == 200
    return response.content.decode()


def lines(html):
    return re.findall(r'<line class="budget-line"[^>]*?( stroke-dasharray="2 3")?><title>([^<]*)</title>', html)


def test_a_budget_is_a_line_per_month_dotted_after_this_month(owner_client, ws, report, costs):
    this_month = month_start(utc_today())
    first = add_months(this_month, -2)
    make_budget(ws, report, name="SMS", amount="70.00", start=date(2026, 1, 1))
    html = page(owner_client, report, start_date=first.isoformat(),
                end_date=(add_months(this_month, 2) - date.resolution).isoformat())  # fmt: skip
    drawn = lines(html)
    assert len(drawn) == 4  # two months before this one, this one, the next one
    assert [bool(dotted) for dotted, _ in drawn] == [False, False, False, True]
    assert all("Budget: SMS" in title and "70.00 USD" in title for _, title in drawn)
    assert "Budget: SMS" in re.search(r'<ul class="chart-legend".*?</ul>', html, re.S).group(0)


def test_no_budget_line_on_daily_charts_or_in_another_currency(owner_client, ws, report, costs):
    make_budget(ws, report, name="SMS", amount="70.00")
    assert lines(page(owner_client, report, start_date="2026-11-01", end_date="2026-11-30", bin="day")) == []
    euro = Budget.objects.create(workspace=ws, cost_report=report, name="Euro plan", currency="EUR")
    BudgetPeriod.objects.create(budget=euro, start_month=date(2026, 1, 1), amount=5)
    html = page(owner_client, report, start_date="2026-10-01", end_date="2026-11-30")
    assert all("Euro plan" not in title for _, title in lines(html)) and len(lines(html)) == 2
    assert "Budgets in another currency than the chart&#x27;s are not drawn: Euro plan." in html


def test_another_workspace_never_sees_the_budget_line(client_for_user, outsider, ws, report, costs):
    make_budget(ws, report, name="SMS", amount="70.00")
    response = client_for_user(outsider).get(f"/reports/{report.pk}/?{report_query()}")
    assert response.status_code == 404
