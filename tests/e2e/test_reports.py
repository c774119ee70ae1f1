"""A person opens All Resources, filters it, groups it by Category and downloads the CSV."""

import csv
import io
from decimal import Decimal

import pytest

from tests.conftest import PASSWORD
from tests.costs.factories import add_costs, item, make_integration
from tests.e2e.conftest import sign_in
from vantage.lib.dates import month_start, utc_today

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_filter_group_and_download_the_report(page, ws, owner):
    today = utc_today()
    first = month_start(today)
    integration = make_integration(ws, "Acme Twilio")
    add_costs(integration, [
        item(first, "SMS & MMS", "sms-outbound", "12.50", usage=100, unit="segments"),
        item(today, "SMS & MMS", "sms-inbound", "2.25", usage=20, unit="segments"),
        item(today, "SMS & MMS", "mms-outbound", "4.00", usage=5, unit="messages"),
        item(today, "Programmable Voice", "calls-outbound", "30.00", usage=60, unit="minutes"),
    ])  # fmt: skip

    sign_in(page, owner.username, PASSWORD)
    page.wait_for_selector("h1")
    page.click("nav.sidenav >> text=Cost Reports")
    page.click("text=All Resources")
    page.wait_for_selector("#report-table")
    assert "48.75 USD" in page.inner_text(".headline")
    assert page.locator("#reconciliation").inner_text().endswith("Matches Twilio's billed total")

    page.select_option("#id_service", ["SMS & MMS"])
    page.select_option("#id_group_by_1", "category")
    page.click("button:has-text('Apply')")
    page.wait_for_selector("#report-table >> text=sms-outbound")
    categories = page.locator("#report-table tbody tr td:first-child").all_inner_texts()
    assert categories == ["sms-outbound", "mms-outbound", "sms-inbound"]
    assert page.locator("svg.report-chart[role=img]").count() == 1

    with page.expect_download() as download_info:
        page.click("#export-wide")
    download = download_info.value
    assert download.suggested_filename == "all-resources-wide.csv"
    rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    assert rows[0][0] == "Category" and rows[0][-1] == "Total"
    total_row = next(r for r in rows if r[0] == "Total")
    assert Decimal(total_row[-1]) == Decimal("18.75")
    assert sum(Decimal(r[-1]) for r in rows[1:] if r[0] != "Total") == Decimal("18.75")
