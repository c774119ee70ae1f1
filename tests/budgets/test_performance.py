from datetime import date
from decimal import Decimal

import pytest

from costs.budgets.performance import budget_performance, hierarchy, prorated, report_budget_months
from costs.models import CostReport
from tests.budgets.conftest import NOV, TODAY, make_budget, set_forecast

pytestmark = pytest.mark.django_db


def test_done_when_numbers(ws, report, costs):
    budget = make_budget(ws, report)
    set_forecast(report, "130.00")
    month = budget_performance(budget, TODAY).month(NOV)
    assert month.actual == Decimal("60.00")
    assert month.percent_used == Decimal(60)
    assert month.forecast == Decimal("130.00")
    assert month.forecast_text == "forecast over budget by 30.00"
    assert month.mtd_budget == Decimal("36.67")  # 100 x 11 / 30
    assert month.over_under == Decimal("23.33")


def test_no_forecast_says_so(ws, report, costs):
    month = budget_performance(make_budget(ws, report), TODAY).month(NOV)
    assert month.forecast is None and month.forecast_text == "no forecast"


def test_proration_by_day():
    assert prorated(Decimal(40000), date(2026, 2, 1), date(2026, 2, 11)) == Decimal("15714.29")
    assert prorated(Decimal(40000), date(2026, 1, 1), date(2026, 2, 11)) == Decimal(40000)
    assert prorated(Decimal(40000), date(2026, 3, 1), date(2026, 2, 11)) == 0


def test_past_month_and_year_to_date(ws, report, costs):
    perf = budget_performance(make_budget(ws, report), TODAY)
    october = perf.month(date(2026, 10, 1))
    assert october.actual == Decimal("80.00") and october.forecast == Decimal("80.00")
    assert october.over_under == Decimal("-20.00")
    ytd = perf.year_to_date
    assert ytd["budget"] == Decimal("1100.00")  # Jan..Nov
    assert ytd["actual"] == Decimal("140.00")
    assert ytd["mtd_budget"] == Decimal("1036.67")
    assert perf.month(date(2026, 12, 1)).is_future


def test_parent_adds_up_children(ws, report, costs):
    parent = make_budget(ws, report, name="All", amount=None)
    make_budget(ws, report, name="A", amount="100.00", parent=parent)
    middle = make_budget(ws, report, name="B", amount=None, parent=parent)
    make_budget(ws, report, name="C", amount="50.00", parent=middle)
    month = budget_performance(parent, TODAY).month(NOV)
    assert month.budget == Decimal("150.00")
    assert month.actual == Decimal("120.00")  # both leaves read the same report


def test_budget_months_for_the_report_chart(ws, report):
    budget = make_budget(ws, report, start=date(2026, 10, 1), end=date(2026, 11, 1))
    [(found, months)] = report_budget_months(report, date(2026, 9, 1), date(2026, 12, 31))
    assert found == budget and months == {date(2026, 10, 1): Decimal("100.00"), date(2026, 11, 1): Decimal("100.00")}


def test_actuals_of_every_month_and_child_in_one_query(ws, report, costs, django_assert_num_queries):
    voice_only = {"service": {"op": "is", "values": ["Voice"]}}
    other = CostReport.objects.create(workspace=ws, title="Voice", filters=voice_only)
    parent = make_budget(ws, report, name="All", amount=None)
    make_budget(ws, report, name="SMS", parent=parent)
    make_budget(ws, other, name="Voice", amount="10.00", parent=parent)
    tree = hierarchy(ws)
    # one grouped query for the actuals of both reports and all months, then one forecast read per leaf
    with django_assert_num_queries(3):
        perf = budget_performance(parent, TODAY, tree=tree)
    assert perf.month(NOV).actual == Decimal("65.00") and perf.month(NOV).budget == Decimal("110.00")
