"""A person signs in and sees, on the first screen of the Overview at 1440x900, what they spend."""

import os
from datetime import timedelta
from decimal import Decimal

import pytest

from costs.overview import Periods
from integrations.models import IntegrationStatus
from tests.conftest import PASSWORD
from tests.costs.factories import add_costs, item, make_integration
from tests.costs.test_fx import expected
from tests.e2e.conftest import sign_in
from vantage.lib.dates import add_months, month_start, utc_today

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 1440, 900


def on_first_screen(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= HEIGHT and box["x"] + box["width"] <= WIDTH


def test_overview_shows_month_to_date_change_and_top_services_on_the_first_screen(page, ws, owner):
    today = utc_today()
    first, last_month = month_start(today), add_months(month_start(today), -1)
    usd = make_integration(ws, "Acme Twilio")
    add_costs(usd, [
        item(last_month, "SMS & MMS", "sms-outbound", "100.00"),
        item(last_month + timedelta(days=1), "Programmable Voice", "calls-outbound", "2500.00"),
        item(first, "SMS & MMS", "sms-outbound", "1250.50"),
        item(today, "Programmable Voice", "calls-outbound", "30.00"),
        item(today, "Lookup", "lookups", "4.00"),
    ])  # fmt: skip
    gbp = make_integration(ws, "Acme UK")
    add_costs(gbp, [
        item(last_month, "SMS & MMS", "sms-outbound", "5.00", currency="GBP"),
        item(today, "SMS & MMS", "sms-outbound", "7.00", currency="GBP"),
    ])  # fmt: skip
    for integration in (usd, gbp):
        integration.status = IntegrationStatus.IMPORTED
        integration.save()

    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    sign_in(page, owner.username, PASSWORD)
    page.wait_for_selector("#overview-headline")
    assert page.inner_text("h1") == "Overview" and page.inner_text("#workspace-name") == "Acme"

    # ONE total in the workspace's currency (USD): the GBP costs converted at their day's ECB rate
    usd_amount = page.locator(".ov-amount[data-currency=USD]")
    month_to_date = Decimal("1284.50") + expected("7.00", "GBP", "USD", today)
    assert usd_amount.inner_text() == f"{month_to_date:,.2f} USD"
    assert page.locator(".ov-amount[data-currency=GBP]").count() == 0
    periods = Periods.of(today)
    voice_day = last_month + timedelta(days=1)
    same_days = Decimal("100") + (Decimal("2500") if voice_day <= periods.same_days_end else 0)
    same_days += expected("5.00", "GBP", "USD", last_month)
    change = (month_to_date - same_days).quantize(Decimal("0.01"))
    assert f"{change:+,.2f} USD (" in page.inner_text("#overview-headline")
    assert on_first_screen(page, ".ov-amount[data-currency=USD]")
    assert on_first_screen(page, ".ov-amount[data-currency=USD] ~ .ov-change")

    top = page.locator("#top-services tbody tr td:first-child").all_inner_texts()
    assert set(top[:2]) == {"SMS & MMS", "Programmable Voice"}  # GBP and USD together, biggest first
    assert "Programmable Voice" in top
    assert on_first_screen(page, "#top-services tbody tr:last-child")
    if os.environ.get("VANTAGE_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["VANTAGE_SCREENSHOTS"], "overview-1440.png"))

    page.click("#top-services >> text=Programmable Voice")  # a figure opens the report showing it
    page.wait_for_selector("#report-table")
    assert "service=Programmable+Voice" in page.url
