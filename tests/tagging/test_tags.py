"""Virtual tags: rule semantics in SQL, splits, validation, pages, access."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.urls import reverse

from costs.models import CostLineItem
from integrations.models import Integration
from tagging.choices import MAX_KEYS, MAX_VALUES, NOT_TAGGED
from tagging.expressions import compile_tag, split_amounts
from tagging.forms import VirtualTagForm
from tagging.models import VirtualTag, VirtualTagValue
from tagging.services import preview
from tagging.validation import clean_filters, clean_splits
from vantage.lib.money import ExactSum

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 27)


def cond(dimension, operator, *values):
    return {"dimension": dimension, "operator": operator, "values": list(values)}


@pytest.fixture
def costs(ws):
    import secrets

    main = Integration.objects.create(account_name="Acme Main", account_sid="AC" + "1" * 32,
                                      api_key_sid="SK" + "1" * 32, api_secret=secrets.token_hex(8))
    eu = Integration.objects.create(account_name="Acme EU", account_sid="AC" + "2" * 32, api_key_sid="SK" + "2" * 32,
                                    api_secret=secrets.token_hex(8))
    main.workspaces.add(ws)
    eu.workspaces.add(ws)
    rows = [
        (main, "SMS & MMS", "sms-outbound", "10.00"),
        (main, "SMS & MMS", "sms-inbound", "2.00"),
        (main, "Programmable Voice", "calls-outbound", "7.00"),
        (main, "Phone Numbers", "phonenumbers-local", "3.00"),
        (eu, "SMS & MMS", "sms-outbound", "5.00"),
        (eu, "Lookup", "lookups", "0.33"),
    ]
    items = []
    for offset in (0, 10, 40):
        for integ, service, category, cost in rows:
            items.append(CostLineItem(integration=integ, account_id=integ.account_sid,
                                      date=TODAY - timedelta(days=offset), service=service, category=category,
                                      cost=Decimal(cost), currency="USD"))
    CostLineItem.objects.bulk_create(items)
    return main, eu


def make_tag(ws, key, values):
    tag = VirtualTag.objects.create(workspace=ws, key=key)
    for pos, (name, filters, extra) in enumerate(values, 1):
        v = VirtualTagValue(tag=tag, position=pos, name=name, filters=filters, **extra)
        v.full_clean()
        v.save()
    return tag


def grouped(ws, tag):
    compiled = compile_tag(tag)
    rows = (CostLineItem.objects.filter(integration__workspaces=ws).annotate(t=compiled.expression)
            .values("t").annotate(cost=ExactSum("cost"), n=Count("pk")).order_by())
    return {r["t"]: (r["cost"], r["n"]) for r in rows}, compiled


def test_first_match_wins_and_each_item_counts_once(ws, costs):
    tag = make_tag(ws, "Team", [
        ("Messaging", [{"conditions": [cond("service", "is", "SMS & MMS")]}], {}),
        ("Outbound", [{"conditions": [cond("category", "contains", "outbound")]}], {}),  # overlaps Messaging
        ("Voice", [{"conditions": [cond("service", "is", "Programmable Voice")]}], {}),
    ])
    out, _ = grouped(ws, tag)
    assert out["Messaging"] == (Decimal("51.00"), 9)  # sms-outbound x2 accounts + sms-inbound, 3 days
    assert out["Outbound"] == (Decimal("21.00"), 3)  # only calls-outbound: sms-outbound went to Messaging
    assert "Voice" not in out  # every voice item was already labelled Outbound
    assert out[NOT_TAGGED] == (Decimal("9.99"), 6)
    assert sum(c for c, _ in out.values()) == CostLineItem.objects.aggregate(s=ExactSum("cost"))["s"]
    assert sum(n for _, n in out.values()) == CostLineItem.objects.count()


def test_is_not_and_starts_with_and_billing_account_and_or_sets(ws, costs):
    tag = make_tag(ws, "Product", [
        ("EU non-SMS",
         [{"conditions": [cond("billing_account", "is", "Acme EU"), cond("service", "is_not", "SMS & MMS")]}], {}),
        ("Numbers or calls", [{"conditions": [cond("category", "starts_with", "PHONENUMBERS")]},
                              {"conditions": [cond("category", "starts_with", "calls-")]}], {}),
    ])
    out, _ = grouped(ws, tag)
    assert out["EU non-SMS"] == (Decimal("0.99"), 3)
    assert out["Numbers or calls"] == (Decimal("30.00"), 6)


def test_date_range_values(ws, costs):
    tag = make_tag(ws, "Era", [
        ("Recent", [{"conditions": [cond("service", "contains", "")]}] if False else
         [{"conditions": [cond("charge_type", "is", "Usage")]}], {"date_from": TODAY - timedelta(days=15)}),
        ("Old", [{"conditions": [cond("charge_type", "is", "Usage")]}], {"date_to": TODAY - timedelta(days=16)}),
    ])
    out, _ = grouped(ws, tag)
    assert out["Recent"][1] == 12 and out["Old"][1] == 6 and NOT_TAGGED not in out


def test_split_shares_add_back_exactly(ws, costs):
    tag = make_tag(ws, "Team", [
        ("Shared short code", [{"conditions": [cond("category", "is", "sms-outbound")]}],
         {"splits": [{"label": "Team A", "percent": "33.3333"}, {"label": "Team B", "percent": "66.6667"}]}),
    ])
    out, compiled = grouped(ws, tag)
    marker = next(iter(compiled.splits))
    total = out[marker][0]
    parts = split_amounts(total, compiled.splits[marker])
    assert sum(a for _, a in parts) == total
    assert compiled.labels == ["Team A", "Team B", NOT_TAGGED]
    for amount in (Decimal("0.01"), Decimal("-7.77"), Decimal("1234567.8912345678")):
        assert sum(a for _, a in split_amounts(amount, compiled.splits[marker])) == amount


def test_preview_counts_last_30_days_with_splits(ws, costs):
    tag = make_tag(ws, "Team", [
        ("Messaging", [{"conditions": [cond("service", "is", "SMS & MMS")]}],
         {"splits": [{"label": "Team A", "percent": "60"}, {"label": "Team B", "percent": "40"}]}),
        ("Voice", [{"conditions": [cond("service", "is", "Programmable Voice")]}], {}),
    ])
    p = preview(ws, tag, today=TODAY)
    rows = {r["label"]: r for r in p["rows"]}
    assert rows["Team A"]["costs"]["USD"] == Decimal("20.40") and rows["Team B"]["costs"]["USD"] == Decimal("13.60")
    assert rows["Voice"]["costs"]["USD"] == Decimal("14.00") and rows["Voice"]["items"] == 2
    assert rows[NOT_TAGGED]["costs"]["USD"] == Decimal("6.66")
    assert p["rows"][-1]["label"] == NOT_TAGGED


@pytest.mark.parametrize(
    "filters,message",
    [
        ([], "at least one filter set"),
        ([{"conditions": []}], "no conditions"),
        ([{"conditions": [cond("region", "is", "x")]}], "unknown dimension"),
        ([{"conditions": [cond("service", "matches", "x")]}], "unknown operator"),
        ([{"conditions": [cond("service", "is")]}], "at least one value"),
        ([{"conditions": [cond("service", "is", "  ")]}], "at least one value"),
    ],
)
def test_bad_filters_are_rejected_clearly(filters, message):
    with pytest.raises(ValidationError, match=message):
        clean_filters(filters)


@pytest.mark.parametrize(
    "splits,message",
    [
        ([{"label": "A", "percent": "60"}, {"label": "B", "percent": "30"}], "add up to 90"),
        ([{"label": "A", "percent": "100"}], "at least two"),
        ([{"label": "A", "percent": "x"}, {"label": "B", "percent": "50"}], "must be a number"),
        ([{"label": "A", "percent": "50"}, {"label": "a", "percent": "50"}], "twice"),
        ([{"label": "A<script>", "percent": "50"}, {"label": "B", "percent": "50"}], "not allowed"),
    ],
)
def test_bad_splits_are_rejected(splits, message):
    with pytest.raises(ValidationError, match=message):
        clean_splits(splits)


def test_value_name_characters_and_limits(ws):
    tag = VirtualTag.objects.create(workspace=ws, key="Team")
    ok = VirtualTagValue(tag=tag, name="R&D / EU: web, api.v2 @ 50+ \\ x_y-z",
                         filters=[{"conditions": [cond("service", "is", "x")]}])
    ok.full_clean()
    bad = VirtualTagValue(tag=tag, name="Team <b>", filters=[{"conditions": [cond("service", "is", "x")]}])
    with pytest.raises(ValidationError):
        bad.full_clean()
    VirtualTagValue.objects.bulk_create(
        VirtualTagValue(tag=tag, position=i, name=f"v{i}", filters=[{"conditions": [cond("service", "is", "x")]}])
        for i in range(MAX_VALUES)
    )
    with pytest.raises(ValidationError, match="at most 100 values"):
        ok.full_clean()


def test_key_unique_ignoring_case_per_workspace(ws, other_ws):
    VirtualTag.objects.create(workspace=ws, key="Team")
    dup = VirtualTag(workspace=ws, key="TEAM")
    with pytest.raises(ValidationError):
        dup.full_clean()
    VirtualTag(workspace=other_ws, key="team").full_clean()  # another workspace may use it


def test_model_form_and_api_share_the_key_rules(ws):
    """tagging/validation.py's messages, next to the key, from the model (the admin) as from the form."""
    VirtualTag.objects.create(workspace=ws, key="Team")
    with pytest.raises(ValidationError) as exc:
        VirtualTag(workspace=ws, key="TEAM").full_clean()
    assert exc.value.message_dict["key"] == ["This workspace already has a tag “TEAM”."]
    form = VirtualTagForm({"key": " team "}, workspace=ws)
    assert form.errors["key"] == ["This workspace already has a tag “team”."]
    VirtualTag.objects.bulk_create([VirtualTag(workspace=ws, key=f"k{i}") for i in range(MAX_KEYS - 1)])
    with pytest.raises(ValidationError, match=f"at most {MAX_KEYS} virtual tags"):
        VirtualTag(workspace=ws, key="One more").full_clean()
    assert f"at most {MAX_KEYS} virtual tags" in VirtualTagForm({"key": "One more"}, workspace=ws).errors["key"][0]


# --- pages -----------------------------------------------------------------------------------------


def value_post(name, dimension="service", operator="is", values="SMS & MMS", **extra):
    data = {"name": name, "c0_set": "1", "c0_dimension": dimension, "c0_operator": operator, "c0_values": values}
    data.update(extra)
    return data


def test_create_tag_add_values_reorder_and_preview_in_the_browserless_flow(owner_client, ws, costs):
    r = owner_client.post(reverse("tagging:virtualtag_create"), {"key": "Team", "description": "who pays"})
    tag = VirtualTag.objects.get(workspace=ws)
    assert r.status_code == 302
    url = reverse("tagging:value_create", args=[tag.pk])
    owner_client.post(url, value_post("Voice", values="Programmable Voice"))
    owner_client.post(url, value_post("Messaging", values="SMS & MMS", c1_set="2", c1_dimension="category",
                                      c1_operator="starts_with", c1_values="lookup"))
    assert list(tag.values.values_list("name", "position")) == [("Voice", 1), ("Messaging", 2)]
    msg = tag.values.get(name="Messaging")
    assert len(msg.filters) == 2  # two OR-ed sets
    owner_client.post(reverse("tagging:value_move", args=[tag.pk, msg.pk]), {"direction": "up"})
    assert list(tag.values.values_list("name", flat=True)) == ["Messaging", "Voice"]
    page = owner_client.get(reverse("tagging:virtualtag_edit", args=[tag.pk]))
    rows = {r["label"]: r for r in page.context["preview"]["rows"]}
    assert rows["Messaging"]["items"] == 8 and rows["Voice"]["items"] == 2  # SMS (6) OR lookup* (2)


def test_value_preview_does_not_save(owner_client, ws, costs):
    tag = VirtualTag.objects.create(workspace=ws, key="Team")
    r = owner_client.post(reverse("tagging:value_create", args=[tag.pk]), value_post("Messaging", preview="1"))
    assert r.status_code == 200 and not tag.values.exists()
    assert "Messaging" in [row["label"] for row in r.context["preview"]["rows"]]


def test_value_form_errors_are_shown_next_to_fields(owner_client, ws):
    tag = VirtualTag.objects.create(workspace=ws, key="Team")
    url = reverse("tagging:value_create", args=[tag.pk])
    r = owner_client.post(url, value_post("Bad<name>"))
    assert r.status_code == 400 and "not allowed" in str(r.context["form"].errors["name"])
    r = owner_client.post(url, {"name": "X", "c0_values": "SMS"})
    assert "Choose a dimension" in str(r.context["form"].errors["c0_dimension"])
    r = owner_client.post(url, {"name": "X"})
    assert "at least one filter set" in str(r.context["form"].non_field_errors())
    r = owner_client.post(url, value_post("X", splits="A = 70\nB = 20"))
    assert "add up to 90" in str(r.context["form"].errors["splits"])
    assert not tag.values.exists()


def test_outsider_gets_404_and_viewer_reads_only(client, outsider, viewer, ws, costs):
    tag = make_tag(ws, "Team", [("Voice", [{"conditions": [cond("service", "is", "Programmable Voice")]}], {})])
    value = tag.values.get()
    client.force_login(outsider)
    for url in (reverse("tagging:virtualtag_edit", args=[tag.pk]), reverse("tagging:virtualtag_delete", args=[tag.pk]),
                reverse("tagging:value_edit", args=[tag.pk, value.pk])):
        assert client.get(url).status_code == 404
        assert client.post(url, {}).status_code == 404
    listing = client.get(reverse("tagging:virtualtag_list")).content.decode()
    assert reverse("tagging:virtualtag_edit", args=[tag.pk]) not in listing
    client.force_login(viewer)
    assert client.get(reverse("tagging:virtualtag_edit", args=[tag.pk])).status_code == 200
    assert client.post(reverse("tagging:virtualtag_create"), {"key": "X"}).status_code == 403
    assert client.post(reverse("tagging:virtualtag_delete", args=[tag.pk])).status_code == 403
    assert client.post(reverse("tagging:value_move", args=[tag.pk, value.pk]), {"direction": "up"}).status_code == 403
    assert client.post(reverse("tagging:virtualtag_edit", args=[tag.pk]), {"key": "Renamed"}).status_code == 403
    assert VirtualTag.objects.get(pk=tag.pk).key == "Team"


def test_delete_tag(owner_client, ws):
    tag = VirtualTag.objects.create(workspace=ws, key="Team")
    assert "Delete the tag" in owner_client.get(reverse("tagging:virtualtag_delete", args=[tag.pk])).content.decode()
    owner_client.post(reverse("tagging:virtualtag_delete", args=[tag.pk]))
    assert not VirtualTag.objects.exists()


def test_admin_applies_the_same_validation(admin_client, ws):
    tag = VirtualTag.objects.create(workspace=ws, key="Team")
    url = reverse("admin:tagging_virtualtag_change", args=[tag.pk])
    data = {"workspace": ws.pk, "key": "Team", "description": "",
            "values-TOTAL_FORMS": "1", "values-INITIAL_FORMS": "0", "values-MIN_NUM_FORMS": "0",
            "values-MAX_NUM_FORMS": "1000", "values-0-position": "1", "values-0-name": "Web",
            "values-0-filters": '[{"conditions": [{"dimension": "region", "operator": "is", "values": ["x"]}]}]',
            "values-0-splits": "null"}
    r = admin_client.post(url, data)
    assert r.status_code == 200 and "unknown dimension" in r.content.decode()
    data["values-0-filters"] = '[{"conditions": [{"dimension": "service", "operator": "is", "values": ["x"]}]}]'
    r = admin_client.post(url, data)
    assert r.status_code == 302 and tag.values.get().name == "Web"
