"""An owner switches the workspace's reporting currency; the report follows, and still reconciles."""

import pytest

from tests.conftest import PASSWORD
from tests.costs.factories import add_costs, item, make_integration
from tests.e2e.conftest import sign_in
from vantage.lib.dates import utc_today

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def headline(page) -> str:
    page.click("nav.sidenav >> text=Cost Reports")
    page.click("text=All Resources")
    page.wait_for_selector("#report-table")
    return " ".join(page.locator(".headline-currency").all_inner_texts())  # the figures, not the rates' note


def test_switching_the_reporting_currency(page, ws, owner):
    today = utc_today()
    add_costs(make_integration(ws, "Acme US"), [item(today, "SMS & MMS", "sms-outbound", "10.00")])
    add_costs(make_integration(ws, "Acme UK"), [item(today, "Programmable Voice", "calls", "5.00", currency="GBP")])

    sign_in(page, owner.username, PASSWORD)
    page.wait_for_selector("h1")
    text = headline(page)
    assert "USD" in text and "GBP" not in text  # one total, in the workspace's currency (USD)
    assert "Matches Twilio's billed total" in page.locator("#reconciliation").inner_text()

    page.click("nav.sidenav >> text=Workspace")
    page.select_option("#id_reporting_currency", "GBP")
    page.click("button:has-text('Save')")
    page.wait_for_selector("text=reports now show costs converted to GBP")

    text = headline(page)
    assert "GBP" in text and "USD" not in text
    assert page.inner_text("#rate-note").startswith("Converted to GBP at ECB reference rates of each day")
    assert "Matches Twilio's billed total" in page.locator("#reconciliation").inner_text()
