"""The value editor: labelled controls, values picked from the workspace, the live count of matching
line items (DB-aggregated, workspace-checked), warnings for filters that match nothing."""

import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tagging.models import VirtualTag, VirtualTagValue
from tests.costs.factories import add_costs, item, make_integration
from tests.tagging.test_tags import costs, value_post  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


class Controls(HTMLParser):
    """Form controls (id, name, tag) and the ``for`` of every label, from a page."""

    def __init__(self):
        super().__init__()
        self.controls, self.labelled = [], set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label" and a.get("for"):
            self.labelled.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.controls.append((a.get("id"), a.get("name"), a.get("aria-label")))


@pytest.fixture
def tag(ws):
    return VirtualTag.objects.create(workspace=ws, key="Team")


def count_url(tag):
    return reverse("tagging:value_match_count", args=[tag.pk])


def test_every_control_of_the_value_form_is_labelled(owner_client, tag, costs):  # noqa: F811
    html = owner_client.get(reverse("tagging:value_create", args=[tag.pk])).content.decode()
    parser = Controls()
    parser.feed(html)
    assert len(parser.controls) >= 30  # name, dates, splits, six rows of set/dimension/operator/values/pick
    unlabelled = [c for c in parser.controls if not (c[0] in parser.labelled or c[2])]
    assert unlabelled == []
    assert "(optional) (optional)" not in re.sub(r"<[^>]+>", "", html)
    assert 'for="id_c3_dimension"><span class="visually-hidden">Condition 4: </span>dimension<' in html
    assert "add up to exactly 100" in html  # splits are explained


def test_values_are_offered_from_the_workspace_only(owner_client, tag, costs, other_ws):  # noqa: F811
    stranger = make_integration(other_ws, "Stranger Co")
    add_costs(stranger, [item("2026-11-01", "Secret Service", "secret-category", "1.00")])
    html = owner_client.get(reverse("tagging:value_create", args=[tag.pk])).content.decode()
    service_list = html.split('<datalist id="tag-values-service">')[1].split("</datalist>")[0]
    assert '<option value="SMS &amp; MMS">' in service_list and "Lookup" in service_list
    assert "Secret Service" not in html and "secret-category" not in html and "Stranger Co" not in html
    assert '<datalist id="tag-values-billing_account">' in html and "Acme EU" in html


def test_the_pick_box_chooses_a_datalist_and_is_merged_without_javascript(owner_client, tag, costs):  # noqa: F811
    url = reverse("tagging:value_create", args=[tag.pk])
    r = owner_client.post(url, value_post("Messaging", values="", c0_pick="SMS & MMS", preview="1"))
    assert r.status_code == 200
    assert 'list="tag-values-service"' in r.content.decode()
    owner_client.post(url, value_post("Messaging", values="Lookup", c0_pick="SMS & MMS"))
    assert tag.values.get().filters[0]["conditions"][0]["values"] == ["Lookup", "SMS & MMS"]


def test_live_count_of_matching_line_items(owner_client, tag, costs):  # noqa: F811
    url = count_url(tag)
    with CaptureQueriesContext(connection) as queries:
        r = owner_client.get(url, value_post("", values="SMS & MMS"))
    assert r.status_code == 200 and r.json()["count"] == 9  # 3 SMS rows x 3 days
    on_items = [q["sql"] for q in queries.captured_queries if "costs_costlineitem" in q["sql"]]
    assert len(on_items) == 1 and on_items[0].startswith("SELECT COUNT(*)")  # aggregated in the database
    assert len(queries.captured_queries) <= 10
    assert "9 line items" in r.json()["message"]
    both = value_post("", values="SMS & MMS", c1_set="1", c1_dimension="billing_account", c1_operator="is",
                      c1_values="Acme EU")
    assert owner_client.get(url, both).json()["count"] == 3
    either = {**both, "c1_set": "2"}
    assert owner_client.get(url, either).json()["count"] == 9 + 3  # OR: SMS anywhere, or any EU row (3 more)
    assert owner_client.get(url, value_post("", dimension="category", operator="starts_with",
                                            values="SMS")).json()["count"] == 9  # case ignored
    dated = value_post("", values="SMS & MMS", date_from="2026-11-15")
    assert owner_client.get(url, dated).json()["count"] == 6  # the row 40 days ago falls outside
    zero = owner_client.get(url, value_post("", values="SMS and MMS")).json()
    assert zero["count"] == 0 and "matches no line items" in zero["message"]
    assert owner_client.get(url, value_post("", dimension="billing_account", values="Nobody")).json()["count"] == 0


def test_live_count_names_what_is_wrong(owner_client, tag, costs):  # noqa: F811
    url = count_url(tag)
    r = owner_client.get(url, {"c0_values": "SMS & MMS"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "c0_dimension"
    r = owner_client.get(url, {})
    assert r.status_code == 400 and "at least one filter set" in r.json()["errors"][0]["message"]
    r = owner_client.get(url, value_post("", date_from="yesterday"))
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "date_from"


def test_live_count_is_workspace_checked(client, outsider, viewer, tag, costs, other_ws):  # noqa: F811
    client.force_login(outsider)
    assert client.get(count_url(tag), value_post("")).status_code == 404
    client.logout()
    assert client.get(count_url(tag), value_post("")).status_code == 302  # sign in first
    client.force_login(viewer)
    assert client.get(count_url(tag), value_post("")).json()["count"] == 9  # reading is allowed
    # an outsider's own tag counts only their workspace's costs (none of ours)
    theirs = VirtualTag.objects.create(workspace=other_ws, key="Team")
    client.force_login(outsider)
    assert client.get(count_url(theirs), value_post("")).json()["count"] == 0


def test_saving_a_value_that_matches_nothing_warns(owner_client, tag, costs):  # noqa: F811
    url = reverse("tagging:value_create", args=[tag.pk])
    r = owner_client.post(url, value_post("Typo", values="SMS and MMS"), follow=True)
    page = r.content.decode()
    assert VirtualTagValue.objects.filter(tag=tag, name="Typo").exists()  # saved: costs may arrive later
    assert "matches no line items" in page and "“SMS and MMS” is not in this workspace" in page
    preview = owner_client.post(url, value_post("Typo", values="SMS and MMS", preview="1")).content.decode()
    assert 'id="match-count" class="match-count msg msg-warning"' in preview
    assert "is not in this workspace" in preview
    fine = owner_client.post(url, value_post("Messaging"), follow=True).content.decode()
    assert "Saved value “Messaging”" in fine and "matches no line items" not in fine


def test_editing_shows_the_current_count(owner_client, tag, costs):  # noqa: F811
    value = VirtualTagValue.objects.create(tag=tag, position=1, name="Voice", filters=[
        {"conditions": [{"dimension": "service", "operator": "is", "values": ["Programmable Voice"]}]}])
    html = owner_client.get(reverse("tagging:value_edit", args=[tag.pk, value.pk])).content.decode()
    assert "This filter matches 3 line items" in html


def test_the_tag_page_describes_filters_in_words(owner_client, tag):
    VirtualTagValue.objects.create(tag=tag, position=1, name="Messaging", filters=[
        {"conditions": [{"dimension": "service", "operator": "is", "values": ["SMS & MMS", "Lookup"]},
                        {"dimension": "account_id", "operator": "is_not", "values": ["AC1"]}]},
        {"conditions": [{"dimension": "category", "operator": "starts_with", "values": ["sms"]}]}])
    html = owner_client.get(reverse("tagging:virtualtag_edit", args=[tag.pk])).content.decode()
    assert ("(Service is “SMS &amp; MMS” or “Lookup” AND Account is not “AC1”) OR (Category starts with “sms”)"
            in html)
