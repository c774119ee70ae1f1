"""The phone layout (390x844): no page scrolls sideways, the header wraps, the menu collapses behind a
toggle that works without JavaScript, the user menu is on screen, chart text stays readable."""

import pytest

from tagging.models import VirtualTag, VirtualTagValue
from tests.conftest import PASSWORD
from tests.costs.factories import add_costs, item, make_integration
from tests.e2e.conftest import sign_in
from vantage.lib.dates import month_start, utc_today

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


@pytest.fixture
def data(ws):
    today = utc_today()
    integration = make_integration(ws, "Acme Twilio Production Main Account")
    add_costs(integration, [
        item(month_start(today), "SMS & MMS", "sms-outbound", "1234567.50", usage=100000, unit="segments"),
        item(today, "Programmable Voice", "calls-outbound-long-category-name", "30.00", usage=60, unit="minutes"),
    ])  # fmt: skip
    tag = VirtualTag.objects.create(workspace=ws, key="Team")
    VirtualTagValue.objects.create(tag=tag, position=1, name="Messaging", filters=[
        {"conditions": [{"dimension": "service", "operator": "is", "values": ["SMS & MMS"]}]}])
    return integration, tag


def overflow(page) -> int:
    """How many CSS pixels the page is wider than the phone's screen (0: no sideways scrolling). Measured
    against 390, not innerWidth: a mobile browser widens its layout viewport to fit content that is too wide."""
    return page.evaluate("() => Math.max(document.documentElement.scrollWidth, window.innerWidth)") - PHONE["width"]


def test_no_page_scrolls_sideways_on_a_phone(phone, ws, owner, data):
    integration, tag = data
    phone.goto("/accounts/login/")
    assert overflow(phone) == 0
    sign_in(phone, owner.username, PASSWORD)
    phone.wait_for_selector("h1")
    pages = ["/", "/reports/", "/virtual-tags/", f"/virtual-tags/{tag.pk}/", f"/virtual-tags/{tag.pk}/values/new/",
             "/settings/integrations/twilio/", f"/settings/integrations/twilio/{integration.pk}/",
             "/settings/api-tokens/"]
    phone.goto("/reports/")
    phone.click("text=All Resources")
    phone.wait_for_selector("#report-table")
    pages.append(phone.url)
    for url in pages:
        phone.goto(url)
        phone.wait_for_selector("h1")
        assert overflow(phone) == 0, f"{url} scrolls sideways by {overflow(phone)} px"


def test_header_wraps_and_menus_are_reachable(phone, ws, owner, data):
    sign_in(phone, owner.username, PASSWORD)
    phone.wait_for_selector("h1")
    header = phone.locator("header.topbar").bounding_box()
    assert header["width"] <= PHONE["width"]
    # the main menu is folded away behind "Menu" and opens without JavaScript (a checkbox toggle)
    assert not phone.locator("nav.sidenav").is_visible()
    phone.click("label.nav-toggle-button")
    link = phone.locator("nav.sidenav >> text=Virtual Tags")
    assert link.is_visible()
    link.click()
    phone.wait_for_selector("h1:has-text('Virtual Tags')")
    # the user menu is on screen and opens to a visible Sign out
    summary = phone.locator(".user-menu summary")
    box = summary.bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"]
    summary.click()
    sign_out = phone.locator(".user-menu >> text=Sign out")
    out = sign_out.bounding_box()
    assert sign_out.is_visible() and 0 <= out["x"] and out["x"] + out["width"] <= PHONE["width"]


def test_menu_toggle_works_without_javascript(browser, live_server, ws, owner, data):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, java_script_enabled=False)
    pg = context.new_page()
    try:
        sign_in(pg, owner.username, PASSWORD)
        pg.wait_for_selector("h1")
        assert not pg.locator("nav.sidenav").is_visible()
        pg.click("label.nav-toggle-button")
        assert pg.locator("nav.sidenav >> text=Cost Reports").is_visible()
    finally:
        context.close()


def test_chart_text_is_readable_on_a_phone(phone, ws, owner, data):
    sign_in(phone, owner.username, PASSWORD)
    phone.wait_for_selector("h1")
    phone.goto("/reports/")
    phone.click("text=All Resources")
    phone.wait_for_selector("svg.report-chart text")
    heights = phone.evaluate(
        "() => [...document.querySelectorAll('svg.report-chart text')].map(t => t.getBoundingClientRect().height)")
    assert heights and min(h for h in heights if h > 0) >= 10  # CSS px; a 760-wide chart squeezed to 360 gives ~5
    assert overflow(phone) == 0  # the chart scrolls inside its panel, not the page


def test_tag_editor_conditions_stack_on_a_phone(phone, ws, owner, data):
    _, tag = data
    sign_in(phone, owner.username, PASSWORD)
    phone.wait_for_selector("h1")
    phone.goto(f"/virtual-tags/{tag.pk}/values/new/")
    assert phone.locator("tr[data-condition]:visible").count() == 1  # unused rows stay folded
    assert phone.locator("label[for=id_c0_dimension]").bounding_box()["width"] > 40  # shown above the control
    box = phone.locator("#id_c0_values").bounding_box()
    assert box["width"] >= 250 and box["x"] + box["width"] <= PHONE["width"]


@pytest.fixture
def two_currencies(ws, data):
    """A USD and a GBP account, shown in their billing currencies side by side (no reporting currency)."""
    ws.reporting_currency = ""
    ws.save()
    integration, _ = data
    gbp = make_integration(ws, "Acme UK")
    today = utc_today()
    add_costs(gbp, [item(today, "SMS & MMS", "sms-outbound", "1118.16", currency="GBP", usage=10, unit="segments")])
    return integration, gbp


def cells_on_one_line(page, selector: str) -> list[str]:
    """The texts in the cells matched by ``selector`` that break over more than one line (none: nothing
    broke). Measures each text's own line boxes, not the cell: a neighbour's wrapped name makes rows tall,
    and a cell may list two currencies on purpose, one per line."""
    return page.evaluate("""(sel) => {
        const broken = [];
        document.querySelectorAll(sel).forEach(c => {
            const walker = document.createTreeWalker(c, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                if (!node.textContent.trim()) { continue; }
                const range = document.createRange();
                range.selectNodeContents(node);
                const rects = [...range.getClientRects()].filter(r => r.width > 0).sort((a, b) => a.top - b.top);
                const wraps = rects.some((r, i) => i > 0 && r.top >= rects[i - 1].bottom - 1);
                if (wraps) { broken.push(node.textContent.trim()); }
            }
        });
        return broken;
    }""", selector)


def report_url(phone, query=""):
    phone.goto("/reports/")
    phone.click("text=All Resources")
    phone.wait_for_selector("#report-table")
    return phone.url.split("?")[0] + query


def test_numbers_and_currencies_never_break_on_a_phone(phone, ws, owner, two_currencies):
    integration, _ = two_currencies
    sign_in(phone, owner.username, PASSWORD)
    phone.wait_for_selector("h1")
    base = report_url(phone)
    pages = {
        "/": "main table td.num, main .ov-amount",
        "/reports/": "main table td.num, main table td:nth-child(2)",
        base: "#report-table td.num, #report-table td:nth-child(2)",
        base + "?applied=1&date_range=last_30_days&bin=day&columns=bins&group_by=service":
            "#report-table td.num, #report-table td:nth-child(2)",
        "/settings/integrations/twilio/": "main table td.num, main table th.num",
        f"/settings/integrations/twilio/{integration.pk}/": "main table td.num",
    }
    for url, selector in pages.items():
        phone.goto(url)
        phone.wait_for_selector("h1")
        assert phone.locator(selector).count() > 0, url
        assert cells_on_one_line(phone, selector) == [], f"{url}: cells broke over several lines"
        assert overflow(phone) == 0, f"{url} scrolls sideways by {overflow(phone)} px"


def test_per_bin_table_on_a_phone_keeps_only_a_narrow_label_in_place(phone, ws, owner, data):
    sign_in(phone, owner.username, PASSWORD)
    phone.wait_for_selector("h1")
    phone.goto(report_url(phone, "?applied=1&date_range=last_30_days&bin=day&columns=bins&group_by=service"))
    phone.wait_for_selector("#report-table.pivot")
    label = phone.locator("#report-table tbody td.sticky-label").first
    assert label.evaluate("c => getComputedStyle(c).position") == "sticky"
    assert label.bounding_box()["width"] <= 130  # leaves most of the 390 px to the dates
    assert label.get_attribute("title")  # the full name, cut with an ellipsis on screen
    total = phone.locator("#report-table tbody td.sticky-total").first
    assert total.evaluate("c => getComputedStyle(c).position") != "sticky"
    assert phone.locator("[data-scroll-hint]").is_visible()
    assert overflow(phone) == 0


def test_filter_popover_stays_on_a_phone_screen(phone, ws, owner, data):
    sign_in(phone, owner.username, PASSWORD)
    phone.wait_for_selector("h1")
    phone.goto(report_url(phone))
    phone.click("#filter-picker > summary")
    box = phone.locator(".picker-popover").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert box["width"] >= 300


def test_headline_keeps_two_currencies_apart_on_a_phone(phone, ws, owner, two_currencies):
    sign_in(phone, owner.username, PASSWORD)
    phone.wait_for_selector("h1")
    phone.goto(report_url(phone))
    blocks = phone.locator(".headline-currency")
    assert blocks.count() == 2
    first, second = blocks.nth(0).bounding_box(), blocks.nth(1).bounding_box()
    assert second["y"] >= first["y"] + first["height"]  # one below the other, never interleaved
    assert blocks.nth(1).evaluate("b => parseFloat(getComputedStyle(b).borderTopWidth)") >= 1
    assert blocks.nth(0).locator(".currency-name").inner_text() in {"USD", "GBP"}
