"""A person defines "Team" with two ordered values and sees All Resources grouped by it."""

from decimal import Decimal

import pytest

from tagging.models import VirtualTag
from tests.conftest import PASSWORD
from tests.costs.factories import add_costs, item, make_integration
from tests.e2e.conftest import sign_in
from vantage.lib.dates import utc_today

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def add_value(page, name, dimension, values):
    page.click("text=Add value")
    page.fill("#id_name", name)
    page.select_option("#id_c0_dimension", dimension)
    page.fill("#id_c0_values", values)
    page.click("button:has-text('Preview')")
    assert name in page.inner_text("#tag-preview")
    page.click("button:has-text('Save value')")
    page.wait_for_selector(f"#tag-values >> text={name}")


def test_create_tag_and_group_the_report_by_it(page, ws, owner):
    today = utc_today()
    integration = make_integration(ws, "Acme Twilio")
    add_costs(integration, [
        item(today, "SMS & MMS", "sms-outbound", "12.50"),
        item(today, "Programmable Voice", "calls-outbound", "30.00"),
        item(today, "Lookup", "lookups", "1.25"),
    ])  # fmt: skip

    sign_in(page, owner.username, PASSWORD)
    page.wait_for_selector("h1")
    page.click("nav.sidenav >> text=Virtual Tags")
    page.click("text=New virtual tag")
    page.fill("#id_key", "Team")
    page.click("button:has-text('Create tag')")
    add_value(page, "Messaging", "service", "SMS & MMS")
    add_value(page, "Voice", "category", "calls-outbound")
    preview = page.inner_text("#tag-preview")
    assert "Messaging" in preview and "12.50" in preview and "Not tagged" in preview

    page.click("nav.sidenav >> text=Cost Reports")
    page.click("text=All Resources")
    page.wait_for_selector("#report-table")
    page.select_option("#id_group_by_1", "tag:Team")
    page.click("button:has-text('Apply')")
    page.wait_for_selector("#report-table >> text=Messaging")
    labels = page.locator("#report-table tbody tr td:first-child").all_inner_texts()
    assert labels == ["Voice", "Messaging", "Not tagged"]
    assert "43.75 USD" in page.inner_text(".headline")
    totals = page.locator("#report-table tbody tr td.total").all_inner_texts()
    assert sum(Decimal(t.replace(",", "").split()[0]) for t in totals) == Decimal("43.75")


def test_value_editor_labels_picks_counts_and_warns(page, ws, owner):
    today = utc_today()
    integration = make_integration(ws, "Acme Twilio")
    add_costs(integration, [
        item(today, "SMS & MMS", "sms-outbound", "12.50"),
        item(today, "SMS & MMS", "sms-inbound", "1.50"),
        item(today, "Programmable Voice", "calls-outbound", "30.00"),
    ])  # fmt: skip
    tag = VirtualTag.objects.create(workspace=ws, key="Team")

    sign_in(page, owner.username, PASSWORD)
    page.wait_for_selector("h1")
    page.goto(f"/virtual-tags/{tag.pk}/values/new/")
    unlabelled = page.evaluate("""() => [...document.querySelectorAll(
        '#value-form input, #value-form select, #value-form textarea')].filter(el => el.type !== 'hidden'
        && !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(el => el.name)""")
    assert unlabelled == []
    assert page.get_by_label("Condition 1: dimension").count() == 1
    # only the first condition row shows until more are asked for
    assert page.locator("tr[data-condition]:visible").count() == 1
    page.click("#add-condition")
    assert page.locator("tr[data-condition]:visible").count() == 2

    page.fill("#id_name", "Messaging")
    page.get_by_label("Condition 1: dimension").select_option("service")
    assert page.get_attribute("#id_c0_pick", "list") == "tag-values-service"
    page.get_by_label("Condition 1: add a value").fill("SMS & MMS")
    page.get_by_label("Condition 1: add a value").press("Enter")  # adds it, does not submit
    assert page.input_value("#id_c0_values") == "SMS & MMS"
    page.wait_for_selector("#match-count:has-text('matches 2 line items')")
    assert "msg-warning" not in (page.get_attribute("#match-count", "class") or "")

    # a second value keeps the first in view: the box shows several lines
    page.get_by_label("Condition 1: add a value").fill("Programmable Voice")
    page.get_by_label("Condition 1: add a value").press("Enter")
    assert page.input_value("#id_c0_values") == "SMS & MMS\nProgrammable Voice"
    box = "document.querySelector('#id_c0_values')"
    assert page.evaluate(f"() => {box}.scrollHeight <= {box}.clientHeight")  # both values in view
    assert not page.locator("#value-warnings").is_visible()

    page.fill("#id_c0_values", "SMS and MMS")  # a typo
    page.wait_for_selector("#match-count.msg-warning:has-text('matches no line items')")
    # warned while editing, before any save
    assert "“SMS and MMS” is not in this workspace's costs" in page.inner_text("#value-warnings")

    page.fill("#id_splits", "Team A = 60\nTeam B = 30")
    assert "must add up to 100" in page.inner_text("#split-total")
    page.fill("#id_splits", "")
    page.click("button:has-text('Save value')")
    page.wait_for_selector("#tag-values >> text=Messaging")
    warnings = " ".join(page.locator(".messages .msg-warning").all_inner_texts())
    assert "matches no line items" in warnings and "“SMS and MMS” is not in this workspace's costs" in warnings
