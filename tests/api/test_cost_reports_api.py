"""/api/v2/cost_reports: the report pages' rules (validation, who may change what, the default report)."""

from datetime import date
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from costs.groupings import grouping_messages
from costs.models import CostReport
from costs.services import ensure_default_report
from tests.api.helpers import errors_of
from tests.costs.factories import add_costs, item, make_integration
from tests.costs.pages import report_table

# the recording API client and the check that no response carries a secret (conftest.py), as in test_costs_api
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_in_any_response")]

URL = "/api/v2/cost_reports"
BODY = {
    "title": "Voice in March",
    "filters": {"service": {"op": "is", "values": ["Programmable Voice"]}},
    "groupings": ["category"],
    "date_range": "custom",
    "start_date": "2026-03-01",
    "end_date": "2026-03-31",
    "date_bin": "month",
    "chart_type": "line",
    "mode": "usage",
    "compare_previous": False,
}
SETTINGS = ["filters", "groupings", "date_range", "start_date", "end_date", "date_bin", "chart_type", "mode",
            "compare_previous"]  # fmt: skip


@pytest.fixture
def acme(ws):
    integration = make_integration(ws, "Acme Twilio")
    add_costs(integration, [
        item("2026-03-02", "SMS & MMS", "sms-outbound", "10.00", usage=100, unit="segments"),
        item("2026-03-03", "Programmable Voice", "calls-outbound", "20.00", usage=30, unit="minutes"),
        item("2026-03-04", "Lookup", "lookups", "3.00", currency="EUR"),
    ])  # fmt: skip
    return integration


def detail(report):
    return f"{URL}/{report.pk if hasattr(report, 'pk') else report}"


def snapshot(report_id):
    return CostReport.objects.filter(pk=report_id).values(*SETTINGS, "title").first()


def test_owner_creates_a_report_the_pages_and_costs_use(api, owner, owner_client, ws, acme):
    r = api(owner).post(URL, BODY, format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert {k: body[k] for k in SETTINGS} == {k: BODY[k] for k in SETTINGS}
    assert body["title"] == "Voice in March" and body["created_by"] == "olivia" and body["can_change"] is True
    assert body["workspace"] == ws.pk and body["is_default"] is False
    report = CostReport.objects.get(pk=body["id"])
    assert report.created_by == owner and report.start_date == date(2026, 3, 1)
    # the report page opens it with these settings
    page = owner_client.get(reverse("costs:report_detail", args=[report.pk]) + "?columns=bins")  # per-bin table
    table = report_table(page.content.decode())
    assert table["tbody"] == [["calls-outbound", "USD", "minutes", "30", "30", "20.00"]]
    # and /costs applies it
    costs = api(owner).get("/api/v2/costs", {"cost_report": report.pk}).json()
    assert costs["total_cost"] == [{"amount": "20.00", "currency": "USD"}] and costs["groupings"] == ["category"]


def test_api_saves_exactly_what_the_pages_save_as_new(api, owner, owner_client, ws, acme):
    default = ensure_default_report(ws)
    params = {"applied": "1", "date_range": "custom", "start_date": "2026-03-01", "end_date": "2026-03-31",
              "service": "Programmable Voice", "service_op": "is", "group_by": "category", "bin": "month",
              "chart": "line", "mode": "usage"}  # fmt: skip
    owner_client.post(reverse("costs:report_create"),
                      {"title": "From the page", "source": default.pk, "params": urlencode(params)})  # fmt: skip
    from_page = CostReport.objects.get(title="From the page")
    from_api = CostReport.objects.get(pk=api(owner).post(URL, BODY, format="json").json()["id"])
    assert snapshot(from_page.pk) | {"title": None} == snapshot(from_api.pk) | {"title": None}


def test_presets_store_no_dates_and_defaults_fill_in(api, owner, ws, acme):
    r = api(owner).post(URL, {"title": "Minimal"}, format="json")
    assert r.status_code == 201, r.content
    assert {k: r.json()[k] for k in SETTINGS} == {
        "filters": {}, "groupings": ["service"], "date_range": "this_month", "start_date": None, "end_date": None,
        "date_bin": "day", "chart_type": "bar", "mode": "spend", "compare_previous": True,
    }  # fmt: skip
    r = api(owner).post(URL, {"title": "Last month", "date_range": "last_month", "start_date": "2026-03-01",
                              "end_date": "2026-03-31"}, format="json")  # fmt: skip
    assert (r.json()["date_range"], r.json()["start_date"]) == ("last_month", None)
    dates_only = {"title": "Dates only", "start_date": "2026-03-01", "end_date": "2026-03-31"}
    r = api(owner).post(URL, dates_only, format="json")
    assert (r.json()["date_range"], r.json()["start_date"]) == ("custom", "2026-03-01")


def test_list_and_retrieve_from_every_side(api, owner, viewer, outsider, ws, other_ws, acme):
    mine = CostReport.objects.create(workspace=ws, title="Mine", created_by=owner)
    theirs = CostReport.objects.create(workspace=other_ws, title="Theirs", created_by=outsider)
    for person in (owner, viewer):
        listing = api(person).get(URL).json()
        assert [r["title"] for r in listing["results"]] == ["All Resources", "Mine"]  # the default, made lazily
        assert listing["count"] == 2
        assert api(person).get(detail(mine)).json()["title"] == "Mine"
    assert api(viewer).get(detail(mine)).json()["can_change"] is False
    out = api(outsider)
    assert [r["title"] for r in out.get(URL).json()["results"]] == ["All Resources", "Theirs"]
    assert out.get(URL, {"workspace": ws.pk}).status_code == 404
    assert out.get(detail(mine)).status_code == 404
    assert out.get(detail(mine), {"workspace": ws.pk}).status_code == 404
    assert api(owner).get(detail(theirs)).status_code == 404
    assert api(owner).get(detail(999999)).status_code == 404
    for method in ("get", "post"):
        assert getattr(api(), method)(URL).status_code == 401
    for method in ("get", "put", "delete"):
        assert getattr(api(), method)(detail(mine)).status_code == 401


def test_viewer_reads_only_and_nothing_changes(api, viewer, owner, ws, acme):
    report = CostReport.objects.create(workspace=ws, title="Mine", created_by=owner)
    before = snapshot(report.pk)
    c = api(viewer)
    assert c.post(URL, BODY, format="json").status_code == 403
    assert c.put(detail(report), BODY, format="json").status_code == 403
    assert c.delete(detail(report)).status_code == 403
    assert snapshot(report.pk) == before and CostReport.objects.filter(workspace=ws).count() == 1


def test_outsider_cannot_change_or_delete(api, outsider, owner, ws, acme):
    report = CostReport.objects.create(workspace=ws, title="Mine", created_by=owner)
    before = snapshot(report.pk)
    c = api(outsider)
    assert c.put(detail(report), BODY, format="json").status_code == 404
    assert c.delete(detail(report)).status_code == 404
    assert c.post(URL, BODY, format="json", QUERY_STRING=f"workspace={ws.pk}").status_code == 404
    assert snapshot(report.pk) == before and CostReport.objects.filter(workspace=ws).count() == 1


def test_editors_change_their_own_owners_any(api, owner, editor, ws, acme):
    owners = CostReport.objects.create(workspace=ws, title="Owner's", created_by=owner)
    r = api(editor).post(URL, {**BODY, "title": "Editor's"}, format="json")
    editors = r.json()["id"]
    assert api(editor).put(detail(editors), {**BODY, "title": "Renamed"}, format="json").json()["title"] == "Renamed"
    assert api(editor).get(detail(owners)).json()["can_change"] is False
    assert api(editor).put(detail(owners), BODY, format="json").status_code == 403
    assert api(editor).delete(detail(owners)).status_code == 403
    assert CostReport.objects.get(pk=owners.pk).title == "Owner's"
    r = api(owner).put(detail(editors), {**BODY, "title": "Owner renamed it", "groupings": ["service"]}, format="json")
    assert r.status_code == 200 and r.json()["groupings"] == ["service"]
    assert api(owner).delete(detail(editors)).status_code == 204
    assert not CostReport.objects.filter(pk=editors).exists()


def test_put_replaces_every_setting(api, owner, ws, acme):
    report = api(owner).post(URL, BODY, format="json").json()
    r = api(owner).put(detail(report["id"]), {"title": "Plain"}, format="json")
    assert r.status_code == 200
    assert (r.json()["filters"], r.json()["date_range"], r.json()["groupings"]) == ({}, "this_month", ["service"])
    assert api(owner).patch(detail(report["id"]), {"title": "x"}, format="json").status_code == 405


def test_default_report_cannot_be_changed_or_deleted(api, owner, ws, acme):
    default = ensure_default_report(ws)
    before = snapshot(default.pk)
    c = api(owner)
    for r in (c.put(detail(default), BODY, format="json"), c.delete(detail(default))):
        assert r.status_code == 400 and "default report" in r.json()["errors"][0]["message"]
    assert snapshot(default.pk) == before
    assert api(owner).get(detail(default)).json()["can_change"] is False


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"title": ""}, "title", "blank"),
        ({"title": "All Resources"}, "title", "name of the default report"),
        ({"title": "x" * 101}, "title", "100"),
        ({"filters": "service=Lookup"}, "filters", "dictionary"),
        ({"filters": {"colour": {"values": ["red"]}}}, "filters", "Unknown filter colour"),
        ({"filters": {"service": {"op": "maybe", "values": ["Lookup"]}}}, "filters.service.op", "valid choice"),
        ({"filters": {"service": {"values": []}}}, "filters.service.values", "empty"),
        ({"filters": {"service": {"values": ["Carrier pigeons"]}}}, "filters.service", "not one of the available"),
        ({"filters": {"tag": {"values": ["nope:x"]}}}, "filters.tag", "Unknown tag key"),
        ({"groupings": ["colour"]}, "groupings", "colour is not one of the available choices"),
        ({"groupings": ["service", "service"]}, "groupings", "only once"),
        ({"groupings": ["service", "category", "charge_type", "account_id"]}, "groupings", "more than 3"),
        ({"date_range": "custom", "start_date": None, "end_date": None}, "start_date", "start date"),
        ({"start_date": "2026-03-31", "end_date": "2026-03-01"}, "end_date", "before the start date"),
        ({"start_date": "2026-02-30"}, "start_date", "Date has wrong format"),
        ({"date_range": "forever"}, "date_range", "valid choice"),
        ({"date_bin": "fortnight"}, "date_bin", "valid choice"),
        ({"chart_type": "pie"}, "chart_type", "valid choice"),
        ({"mode": "vibes"}, "mode", "valid choice"),
    ],
)
def test_invalid_reports_are_400_naming_the_field_and_nothing_is_saved(api, owner, ws, acme, changes, field, message):
    report = CostReport.objects.create(workspace=ws, title="Existing", created_by=owner)
    before = snapshot(report.pk)
    for r in (api(owner).post(URL, {**BODY, **changes}, format="json"),
              api(owner).put(detail(report), {**BODY, **changes}, format="json")):  # fmt: skip
        errors = errors_of(r)
        assert field in errors and message in errors[field], errors
    assert CostReport.objects.filter(workspace=ws).count() == 1 and snapshot(report.pk) == before


def test_a_tag_filter_and_grouping_can_be_saved(api, owner, ws, acme):
    from tagging.models import VirtualTag, VirtualTagValue

    tag = VirtualTag.objects.create(workspace=ws, key="team")
    VirtualTagValue.objects.create(tag=tag, position=1, name="Voice", filters=[
        {"conditions": [{"dimension": "service", "operator": "is", "values": ["Programmable Voice"]}]}])  # fmt: skip
    from costs.dimensions import UnknownDimension, dimensions

    try:
        dimensions.get("tag:team", ws)
    except UnknownDimension:
        pytest.skip("tagging provider not registered: tag:<key> does not resolve yet")
    body = {**BODY, "filters": {"tag": {"op": "is", "values": ["team:Voice"]}}, "groupings": ["tag:team"]}
    r = api(owner).post(URL, body, format="json")
    assert r.status_code == 201, r.content
    costs = api(owner).get("/api/v2/costs", {"cost_report": r.json()["id"]}).json()
    assert costs["total_cost"] == [{"amount": "20.00", "currency": "USD"}]
    assert {row["tag:team"] for row in costs["costs"]} == {"Voice"}


BAD_GROUPINGS = [["colour"], ["tag:nope"], ["service", "service"], ["service", "category", "charge_type", "account_id"]]


@pytest.mark.parametrize("groupings", BAD_GROUPINGS)
def test_the_grouping_rules_say_the_same_on_the_page_and_both_endpoints(api, owner, owner_client, ws, acme, groupings):
    expected = grouping_messages(groupings, ws)
    saved = api(owner).post(URL, {**BODY, "groupings": groupings}, format="json")
    queried = api(owner).get("/api/v2/costs", {"start_date": "2026-03-01", "end_date": "2026-03-31",
                                               "groupings": ",".join(groupings)})  # fmt: skip
    for r in (saved, queried):
        assert r.status_code == 400
        assert [e["message"] for e in r.json()["errors"] if e["field"] == "groupings"] == expected
    default = ensure_default_report(ws)
    page = owner_client.get(reverse("costs:report_detail", args=[default.pk]),
                            {"date_range": "last_month", "group_by": groupings})  # fmt: skip
    assert page.status_code == 400 and page.context["settings_form"].errors["group_by"] == expected
