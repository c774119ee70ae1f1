"""A person opens All Resources at 1440x900: the chart is on the first screen; they filter it through the
"+ Filter" picker and remove the chip again, drill down and climb back with the breadcrumb, and download
the CSV."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.conftest import PASSWORD
from tests.costs.factories import add_costs, item, make_integration
from tests.e2e.conftest import sign_in
from vantage.lib.dates import utc_today

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1440, "height": 900}


@pytest.fixture
def costs(ws):
    today = utc_today()
    integration = make_integration(ws, "Acme Twilio")
    add_costs(integration, [
        item(today - timedelta(days=2), "SMS & MMS", "sms-outbound", "12.50", usage=100, unit="segments"),
        item(today, "SMS & MMS", "sms-inbound", "2.25", usage=20, unit="segments"),
        item(today, "SMS & MMS", "mms-outbound", "4.00", usage=5, unit="messages"),
        item(today, "Programmable Voice", "calls-outbound", "30.00", usage=60, unit="minutes"),
    ])  # fmt: skip
    return integration


def open_all_resources(page, owner):
    page.set_viewport_size(DESKTOP)
    sign_in(page, owner.username, PASSWORD)
    page.wait_for_selector("h1")
    page.click("nav.sidenav >> text=Cost Reports")
    page.click("text=All Resources")
    page.wait_for_selector("#report-table")


def test_the_chart_is_on_the_first_screen(page, ws, owner, costs):
    open_all_resources(page, owner)
    assert "48.75 USD" in page.inner_text(".headline")
    chart = page.locator("svg.report-chart[role=img]").bounding_box()
    assert chart["y"] + chart["height"] <= DESKTOP["height"], chart
    assert page.evaluate("window.scrollY") == 0
    # the legend sits outside the plot with full names
    assert page.locator(".chart-legend li").all_inner_texts()[0].startswith("Programmable Voice")


def test_add_a_filter_with_the_picker_then_remove_its_chip(page, ws, owner, costs):
    open_all_resources(page, owner)
    assert page.locator(".chip").count() == 0
    page.click("#filter-picker > summary")
    page.click("details[data-picker=service] > summary")
    search = page.locator("details[data-picker=service] input[data-picker-search]")
    search.fill("sms")  # the list narrows as you type
    values = page.locator("details[data-picker=service] .picker-values li")
    assert values.filter(has_text="Programmable Voice").is_hidden()
    page.check("details[data-picker=service] input[value='SMS & MMS']")
    page.click("text=Apply filters")
    page.wait_for_selector(".chip")
    assert page.locator(".chip").inner_text().startswith("Service is SMS & MMS")
    assert "18.75 USD" in page.inner_text(".headline")
    page.click(".chip .chip-remove")
    page.wait_for_selector(".no-filters")
    assert page.locator(".chip").count() == 0
    assert "48.75 USD" in page.inner_text(".headline")


def test_drill_down_then_back_with_the_breadcrumb(page, ws, owner, costs):
    open_all_resources(page, owner)
    page.click("#report-table a.drill:has-text('SMS & MMS')")
    page.wait_for_selector("#breadcrumb")
    crumbs = page.locator("#breadcrumb li").all_inner_texts()
    assert crumbs == ["All services", "SMS & MMS"]
    assert page.locator("#breadcrumb a").all_inner_texts() == ["All services"]  # where we are is no link
    categories = page.locator("#report-table tbody tr td:first-child").all_inner_texts()
    assert categories == ["sms-outbound", "mms-outbound", "sms-inbound"]
    assert page.locator(".chip").inner_text().startswith("Service is SMS & MMS")
    page.click("#breadcrumb >> text=All services")
    page.wait_for_selector(".no-filters")
    services = page.locator("#report-table tbody tr td:first-child").all_inner_texts()
    assert services == ["Programmable Voice", "SMS & MMS"]
    assert page.locator("#breadcrumb").count() == 0


def test_group_by_category_and_download_the_csv(page, ws, owner, costs):
    open_all_resources(page, owner)
    page.select_option("#id_group_by_1", "category")
    page.click(".tool.actions button[type=submit]")
    page.wait_for_selector("#report-table >> text=sms-outbound")
    with page.expect_download() as download_info:
        page.click("#export-wide")
    download = download_info.value
    assert download.suggested_filename == "all-resources-wide.csv"
    rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    assert rows[0][0] == "Category" and rows[0][-1] == "Total"
    total_row = next(r for r in rows if r[0] == "Total")
    assert Decimal(total_row[-1]) == Decimal("48.75")


def test_per_bin_sticky_columns_have_a_divider_and_a_scroll_cue(page, ws, owner, costs):
    open_all_resources(page, owner)
    page.goto(page.url.split("?")[0] + "?applied=1&date_range=last_3_months&bin=day&columns=bins&group_by=service")
    page.wait_for_selector("#report-table.pivot")
    total = page.locator("#report-table thead th.sticky-total")
    label = page.locator("#report-table thead th.sticky-label")
    for cell in (total, label):
        assert cell.evaluate("c => getComputedStyle(c).position") == "sticky"
        assert "rgba" in cell.evaluate("c => getComputedStyle(c).boxShadow")  # a shadow, not only a hairline
    assert page.locator("[data-scroll-hint]").is_visible()
    # a short table that fits shows no cue
    page.goto(page.url.split("?")[0] + "?applied=1&date_range=last_7_days&bin=week&columns=bins")
    page.wait_for_selector("#report-table.pivot")
    assert not page.locator("[data-scroll-hint]").is_visible()


def test_choosing_a_preset_sends_no_custom_dates(page, ws, owner, costs):
    open_all_resources(page, owner)
    page.goto(page.url.split("?")[0] + "?applied=1&date_range=custom&start_date=2025-01-01&end_date=2025-03-31")
    page.wait_for_selector("#report-table")
    page.select_option("select[name=date_range]", "last_3_months")
    page.click("#report-form button:text-is('Apply')")
    page.wait_for_url("**date_range=last_3_months**")
    assert "start_date" not in page.url and "end_date" not in page.url


def test_sidebar_column_runs_the_whole_page(page, ws, owner, costs):
    open_all_resources(page, owner)
    # the white column is the page's own background, so it reaches the bottom of any long page
    page.evaluate("document.querySelector('main').style.minHeight = '4000px'")
    colour = page.evaluate("""() => {
        const bg = getComputedStyle(document.body).backgroundImage;
        return [bg, document.body.getBoundingClientRect().height];
    }""")
    assert "linear-gradient" in colour[0] and colour[1] >= 4000
