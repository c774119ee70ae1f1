"""A person sets a monthly budget for a report in the browser and sees this month's % used and forecast."""

import pytest

from costs.models import CostReport
from tests.budgets.conftest import set_forecast
from tests.conftest import PASSWORD
from tests.costs.factories import add_costs, item, make_integration
from tests.e2e.conftest import sign_in
from vantage.lib.dates import month_start, utc_today

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_create_budget_and_read_its_performance(page, ws, owner):
    today = utc_today()
    add_costs(make_integration(ws), [item(today, "SMS & MMS", "sms-outbound", "60.00")])
    report = CostReport.objects.create(workspace=ws, title="SMS only", created_by=owner,
                                       filters={"service": {"op": "is", "values": ["SMS & MMS"]}})
    set_forecast(report, "130.00", month=month_start(today))

    sign_in(page, owner.username, PASSWORD)
    page.wait_for_selector("h1")
    page.click("nav.sidenav >> text=Budgets")
    page.click("text=New budget")
    page.fill("#id_name", "SMS")
    page.select_option("#id_cost_report", str(report.pk))
    page.fill("#id_periods-0-start_month", "2026-01")
    page.fill("#id_periods-0-amount", "-100")
    page.click("button:has-text('Save budget')")
    assert "cannot be negative" in page.inner_text("#periods")
    page.fill("#id_periods-0-start_month", f"{today:%Y-%m}")
    page.fill("#id_periods-0-amount", "100")
    page.click("button:has-text('Save budget')")
    summary = page.inner_text("#this-month")
    assert "60% used" in summary and "forecast over budget by 30.00" in summary
    assert page.locator("svg[aria-label='Actual spend per month against the budget']").count() == 1
