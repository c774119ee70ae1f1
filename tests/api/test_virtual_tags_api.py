"""/api/v2/virtual_tags: ordered values written whole and atomically, the pages' validation and limits."""

import pytest

from tagging.choices import MAX_KEYS, MAX_VALUES
from tagging.models import VirtualTag, VirtualTagValue
from tests.api.helpers import errors_of
from tests.costs.factories import add_costs, item, make_integration

# the recording API client and the check that no response carries a secret (conftest.py), as in test_costs_api
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_in_any_response")]

URL = "/api/v2/virtual_tags"


def cond(dimension="service", operator="is", *values):
    return {"dimension": dimension, "operator": operator, "values": list(values) or ["SMS & MMS"]}


def value(name, *conditions, **extra):
    return {"name": name, "filters": [{"conditions": list(conditions) or [cond()]}], **extra}


BODY = {
    "key": "Team",
    "description": "Who spends it",
    "values": [
        value("Messaging", cond("service", "is", "SMS & MMS")),
        value("Voice", cond("category", "starts_with", "calls"), date_from="2026-03-01", date_to="2026-12-31"),
        value("Shared", cond("service", "is_not", "Lookup"), cond("category", "contains", "number"),
              splits=[{"label": "Team A", "percent": "60"}, {"label": "Team B", "percent": 40}]),
    ],
}


def detail(tag):
    return f"{URL}/{tag.pk if hasattr(tag, 'pk') else tag}"


def stored(tag_id):
    tag = VirtualTag.objects.filter(pk=tag_id).first()
    if tag is None:
        return None
    values = [(v.position, v.name, v.filters, v.date_from and v.date_from.isoformat(), v.splits)
              for v in tag.values.order_by("position")]  # fmt: skip
    return tag.key, tag.description, values


@pytest.fixture(autouse=True)
def acme(ws):
    """An integration with a runtime-random secret, which no response may contain (see no_secret_in_any_response)."""
    return make_integration(ws, "Acme Twilio")


@pytest.fixture
def team(ws, owner):
    tag = VirtualTag.objects.create(workspace=ws, key="Team", created_by=owner)
    VirtualTagValue.objects.create(tag=tag, position=1, name="Messaging", filters=[{"conditions": [cond()]}])
    return tag


def test_create_returns_values_in_order_normalised(api, owner, ws):
    r = api(owner).post(URL, BODY, format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["key"] == "Team" and body["workspace"] == ws.pk and body["created_by"] == "olivia"
    assert [v["name"] for v in body["values"]] == ["Messaging", "Voice", "Shared"]
    assert body["values"][1] | {"id": None} == {
        "id": None, "name": "Voice", "date_from": "2026-03-01", "date_to": "2026-12-31", "splits": None,
        "filters": [{"conditions": [{"dimension": "category", "operator": "starts_with", "values": ["calls"]}]}],
    }  # fmt: skip
    assert body["values"][2]["splits"] == [{"label": "Team A", "percent": "60"}, {"label": "Team B", "percent": "40"}]
    tag = VirtualTag.objects.get(pk=body["id"])
    assert [(v.position, v.name) for v in tag.values.all()] == [(1, "Messaging"), (2, "Voice"), (3, "Shared")]
    assert api(owner).get(detail(tag)).json() == body


def test_put_replaces_the_values_in_the_new_order(api, owner, ws):
    tag_id = api(owner).post(URL, BODY, format="json").json()["id"]
    new = {
        "key": "team",
        "values": [BODY["values"][2], value("Lookups", cond("service", "is", "Lookup")), BODY["values"][0]],
    }
    r = api(owner).put(detail(tag_id), new, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["key"] == "team" and r.json()["description"] == ""
    assert [v["name"] for v in r.json()["values"]] == ["Shared", "Lookups", "Messaging"]
    assert [v[:2] for v in stored(tag_id)[2]] == [(1, "Shared"), (2, "Lookups"), (3, "Messaging")]
    assert api(owner).put(detail(tag_id), {"key": "team", "values": []}, format="json").json()["values"] == []
    assert VirtualTagValue.objects.filter(tag_id=tag_id).count() == 0


def test_a_bad_value_in_a_put_changes_nothing(api, owner, ws, team):
    before = stored(team.pk)
    bad = {"key": "Renamed", "values": [value("Fine"), {"name": "Broken", "filters": []}, value("Also fine")]}
    errors = errors_of(api(owner).put(detail(team), bad, format="json"))
    assert list(errors) == ["values[1].filters"]
    assert "at least one filter set" in errors["values[1].filters"]
    assert stored(team.pk) == before


def test_model_full_clean_runs_too(api, owner, ws, team, monkeypatch):
    """A rule only the model knows (here: a patched clean) still gives a 400 naming the value, and rolls back."""
    from django.core.exceptions import ValidationError

    before = stored(team.pk)

    def clean(self):
        if self.name == "Second":
            raise ValidationError({"date_from": ["Not on Tuesdays."]})

    monkeypatch.setattr(VirtualTagValue, "clean", clean)
    r = api(owner).put(detail(team), {"key": "Team", "values": [value("First"), value("Second")]}, format="json")
    assert errors_of(r) == {"values[1].date_from": "Not on Tuesdays."}
    assert stored(team.pk) == before


@pytest.mark.parametrize(
    "values, field, message",
    [
        ([value("Ok"), {"name": "x", "filters": [{"conditions": [cond("colour")]}]}], "values[1].filters",
         "unknown dimension 'colour'"),
        ([{"name": "x", "filters": [{"conditions": [cond("service", "like")]}]}], "values[0].filters",
         "unknown operator"),
        ([{"name": "x", "filters": [{"conditions": []}]}], "values[0].filters", "has no conditions"),
        ([{"name": "x", "filters": "service=SMS"}], "values[0].filters", "at least one filter set"),
        ([{"name": "x", "filters": [{"conditions": [{"dimension": "service", "operator": "is", "values": []}]}]}],
         "values[0].filters", "at least one value"),
        ([{"name": "x", "filters": [{"conditions": [cond()] * 21}]}], "values[0].filters", "more than 20"),
        ([value("Bad <name>")], "values[0].name", "not allowed"),
        ([value("")], "values[0].name", "blank"),
        ([value("x", splits=[{"label": "A", "percent": "60"}, {"label": "B", "percent": "30"}])],
         "values[0].splits", "add up to 90"),
        ([value("x", splits=[{"label": "A", "percent": "100"}])], "values[0].splits", "at least two"),
        ([value("x", date_from="2026-03-02", date_to="2026-03-01")], "values[0].date_to", "before its start"),
        ([value("x", date_from="yesterday")], "values[0].date_from", "wrong format"),
        ([value("x")] * (MAX_VALUES + 1), "values", f"no more than {MAX_VALUES}"),
        ("not a list", "values", "list"),
    ],
)
def test_invalid_values_are_400_naming_the_field(api, owner, ws, team, values, field, message):
    before = stored(team.pk)
    for r in (api(owner).post(URL, {"key": "Product", "values": values}, format="json"),
              api(owner).put(detail(team), {"key": "Team", "values": values}, format="json")):  # fmt: skip
        errors = errors_of(r)
        assert field in errors and message in errors[field], errors
    assert VirtualTag.objects.filter(workspace=ws).count() == 1 and stored(team.pk) == before


@pytest.mark.parametrize(
    "key, message",
    [("team", "already has a tag"), ("TEAM", "already has a tag"), ("", "blank"), ("Bad|key", "not allowed")],
)
def test_keys_are_unique_ignoring_case_and_checked(api, owner, ws, team, key, message):
    errors = errors_of(api(owner).post(URL, {"key": key, "values": []}, format="json"))
    assert message in errors["key"]
    assert VirtualTag.objects.filter(workspace=ws).count() == 1


def test_same_key_in_another_workspace_and_renaming_to_itself(api, owner, outsider, ws, other_ws, team):
    assert api(outsider).post(URL, {"key": "team"}, format="json").status_code == 201
    assert api(owner).put(detail(team), {"key": "TEAM", "values": []}, format="json").status_code == 200
    second = api(owner).post(URL, {"key": "Product"}, format="json").json()["id"]
    errors = errors_of(api(owner).put(detail(second), {"key": "team"}, format="json"))
    assert "already has a tag" in errors["key"]


def test_at_most_max_keys_tags(api, owner, ws):
    VirtualTag.objects.bulk_create([VirtualTag(workspace=ws, key=f"k{i}") for i in range(MAX_KEYS)])
    errors = errors_of(api(owner).post(URL, {"key": "one too many"}, format="json"))
    assert f"at most {MAX_KEYS}" in errors["key"]
    assert VirtualTag.objects.filter(workspace=ws).count() == MAX_KEYS
    tag = VirtualTag.objects.filter(workspace=ws).first()
    assert api(owner).put(detail(tag), {"key": tag.key, "values": [value("x")]}, format="json").status_code == 200


def test_exactly_max_values_is_fine(api, owner, ws, team):
    values = [value(f"v{i}") for i in range(MAX_VALUES)]
    r = api(owner).put(detail(team), {"key": "Team", "values": values}, format="json")
    assert r.status_code == 200 and len(r.json()["values"]) == MAX_VALUES


def test_from_every_side(api, owner, editor, viewer, outsider, ws, other_ws, team):
    before = stored(team.pk)
    for person in (owner, editor, viewer):
        listing = api(person).get(URL).json()
        assert [t["key"] for t in listing["results"]] == ["Team"] and listing["count"] == 1
        assert api(person).get(detail(team)).json()["values"][0]["name"] == "Messaging"
    v = api(viewer)
    assert v.post(URL, BODY | {"key": "Other"}, format="json").status_code == 403
    assert v.put(detail(team), BODY, format="json").status_code == 403
    assert v.delete(detail(team)).status_code == 403
    out = api(outsider)
    assert out.get(URL).json()["results"] == []
    assert out.get(URL, {"workspace": ws.pk}).status_code == 404
    for method in ("get", "put", "delete"):
        assert getattr(out, method)(detail(team), BODY, format="json").status_code == 404
    assert stored(team.pk) == before and VirtualTag.objects.count() == 1
    for method in ("get", "post"):
        assert getattr(api(), method)(URL).status_code == 401
    for method in ("get", "put", "delete"):
        assert getattr(api(), method)(detail(team)).status_code == 401
    assert api(owner).patch(detail(team), {"key": "x"}, format="json").status_code == 405


def test_editor_creates_and_deletes(api, editor, ws, team):
    created = api(editor).post(URL, BODY | {"key": "Product"}, format="json")
    assert created.status_code == 201 and created.json()["created_by"] == "ed"
    assert api(editor).delete(detail(team)).status_code == 204
    assert (
        not VirtualTag.objects.filter(pk=team.pk).exists()
        and not VirtualTagValue.objects.filter(tag_id=team.pk).exists()
    )


def test_a_tag_written_through_the_api_groups_costs(api, owner, ws, acme):
    """The values' order decides: the first match labels a cost (with the tagging provider registered)."""
    from costs.dimensions import UnknownDimension, dimensions

    add_costs(acme, [
        item("2026-03-02", "SMS & MMS", "sms-outbound", "10.00"),
        item("2026-03-03", "Programmable Voice", "calls-outbound", "20.00"),
    ])  # fmt: skip
    body = {"key": "team", "values": [value("Everything", cond("service", "is_not", "Nothing")),
                                      value("Voice", cond("service", "is", "Programmable Voice"))]}  # fmt: skip
    tag_id = api(owner).post(URL, body, format="json").json()["id"]
    try:
        dimensions.get("tag:team", ws)
    except UnknownDimension:
        pytest.skip("tagging provider not registered: tag:<key> does not resolve yet")
    params = {"start_date": "2026-03-01", "end_date": "2026-03-31", "date_bin": "cumulative", "groupings": "tag:team"}
    rows = api(owner).get("/api/v2/costs", params).json()["costs"]
    assert [(r["tag:team"], r["amount"]) for r in rows] == [("Everything", "30.00")]
    body["values"].reverse()
    api(owner).put(detail(tag_id), body, format="json")
    rows = api(owner).get("/api/v2/costs", params).json()["costs"]
    assert sorted((r["tag:team"], r["amount"]) for r in rows) == [("Everything", "10.00"), ("Voice", "20.00")]
