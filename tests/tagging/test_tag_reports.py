"""Virtual tags in reports: group by a tag, filter by its values (and "Not tagged"), CSV, splits."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from costs.models import CostReport
from tagging.models import VirtualTag, VirtualTagValue
from tests.costs.factories import add_costs, item, make_integration
from tests.costs.pages import report_query, report_table

pytestmark = pytest.mark.django_db
MARCH = {"start_date": "2026-03-01", "end_date": "2026-03-31"}


def cond(dimension, operator, *values):
    return {"filters": [{"conditions": [{"dimension": dimension, "operator": operator, "values": list(values)}]}]}


@pytest.fixture
def data(ws):
    integration = make_integration(ws)
    add_costs(integration, [
        item("2026-03-02", "SMS & MMS", "sms-outbound", "10.00"),
        item("2026-03-03", "SMS & MMS", "sms-inbound", "5.00"),
        item("2026-03-03", "Programmable Voice", "calls-outbound", "20.00"),
        item("2026-03-20", "Phone Numbers", "phonenumbers-local", "1.15"),
        item("2026-03-04", "Lookup", "lookups", "3.00", currency="EUR"),
    ])  # fmt: skip
    return integration


@pytest.fixture
def team(ws):
    tag = VirtualTag.objects.create(workspace=ws, key="Team")
    VirtualTagValue.objects.create(tag=tag, position=1, name="Messaging", **cond("service", "is", "SMS & MMS"))
    VirtualTagValue.objects.create(tag=tag, position=2, name="Voice", **cond("category", "starts_with", "calls"))
    VirtualTagValue.objects.create(
        tag=tag, position=3, name="Everything outbound", **cond("category", "contains", "outbound")
    )
    return tag


@pytest.fixture
def report(ws):
    return CostReport.objects.get_or_create(workspace=ws, is_default=True, defaults={"title": "All Resources"})[0]


def page(client, report, **params):
    r = client.get(f"{reverse('costs:report_detail', args=[report.pk])}?{report_query(**MARCH, **params)}")
    assert r.status_code == 200, r.content.decode()[:500]
    return r


def body(r):
    return {row[0]: row for row in report_table(r.content.decode())["tbody"]}


def test_group_by_tag_totals_equal_the_ungrouped_total(owner_client, data, team, report):
    grouped = page(owner_client, report, group_by="tag:Team", bin="cumulative")
    rows = body(grouped)
    assert set(rows) >= {"Messaging", "Voice", "Not tagged"}
    assert "Everything outbound" not in rows  # every outbound item matched an earlier value first
    html = grouped.content.decode()
    assert "Tag: Team" in html  # offered in Group by
    ungrouped = page(owner_client, report, bin="cumulative")
    assert grouped.context["result"].cost_totals == ungrouped.context["result"].cost_totals == {
        "EUR": Decimal("3.00"), "USD": Decimal("36.15")}


def test_filter_by_not_tagged_and_is_not(owner_client, data, team, report):
    r = page(owner_client, report, tag="Team:Not tagged", group_by="category", bin="cumulative")
    assert set(body(r)) == {"phonenumbers-local", "lookups"}
    r = page(owner_client, report, tag="team:Messaging", tag_op="not", group_by="service", bin="cumulative")
    assert "SMS & MMS" not in body(r)


def test_a_tag_change_is_visible_on_the_next_load(owner_client, data, team, report):
    assert "Voice" in body(page(owner_client, report, group_by="tag:Team", bin="cumulative"))
    voice = team.values.get(name="Voice")
    voice.name = "Calls"
    voice.save()
    assert "Calls" in body(page(owner_client, report, group_by="tag:Team", bin="cumulative"))


def test_splits_share_costs_out_exactly_in_reports(owner_client, data, ws, report):
    tag = VirtualTag.objects.create(workspace=ws, key="Owner")
    VirtualTagValue.objects.create(
        tag=tag, position=1, name="Shared", **cond("service", "is", "SMS & MMS"),
        splits=[{"label": "Team A", "percent": "33.3333"}, {"label": "Team B", "percent": "66.6667"}],
    )
    r = page(owner_client, report, group_by="tag:Owner", bin="cumulative", currency="billing")  # EUR apart
    result = r.context["result"]
    table = body(r)
    assert {"Team A", "Team B", "Not tagged"} <= set(table)
    assert result.cost_totals["USD"] == Decimal("36.15")
    usd = {row.groups[0]: row.total for row in result.rows if row.currency == "USD"}
    assert usd["Team A"] + usd["Team B"] == Decimal("15.00")  # the SMS & MMS cost, shared out exactly
    assert usd["Team A"] == Decimal("4.999995") and sum(usd.values()) == Decimal("36.15")


def test_unknown_tag_key_is_a_message_not_a_500(owner_client, data, report):
    url = reverse("costs:report_detail", args=[report.pk])
    r = owner_client.get(f"{url}?{report_query(**MARCH, tag='Nope:x')}")
    assert r.status_code == 400 and "Unknown tag key" in r.content.decode()
    r = owner_client.get(f"{url}?{report_query(**MARCH, group_by='tag:Nope')}")
    assert r.status_code == 400


def test_csv_has_a_column_per_chosen_tag_key(owner_client, data, team, report):
    url = reverse("costs:report_export", args=[report.pk])
    query = report_query(**MARCH, group_by=["tag:Team", "service"], bin="cumulative", currency="billing")
    r = owner_client.get(f"{url}?{query}&layout=long")
    text = b"".join(r.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    tag_col = next(c for c in rows[0] if "Team" in c)
    assert {row[tag_col] for row in rows} == {"Messaging", "Voice", "Not tagged"}
    usd = sum(
        Decimal(row.get("cost") or row.get("Cost"))
        for row in rows
        if (row.get("currency") or row.get("Currency")) == "USD"
    )
    assert usd == Decimal("36.15")


def test_outsider_cannot_use_another_workspaces_tag(client, outsider, data, team, other_ws):
    report = CostReport.objects.get_or_create(
        workspace=other_ws, is_default=True, defaults={"title": "All Resources"}
    )[0]
    client.force_login(outsider)
    r = client.get(f"{reverse('costs:report_detail', args=[report.pk])}?{report_query(**MARCH, group_by='tag:Team')}")
    assert r.status_code == 400


def test_filtering_on_a_split_label_counts_only_its_share(owner_client, api_share_data, report):
    """60/40 split of SMS (15.00): Team A filtered = 9.00, Team B = 6.00, together the whole, never 2x."""
    totals = {}
    for label in ("Team A", "Team B", "Not tagged"):
        r = page(owner_client, report, tag=f"Owner:{label}", bin="cumulative")
        totals[label] = r.context["result"].cost_totals.get("USD", Decimal(0))
    assert totals["Team A"] == Decimal("9.00") and totals["Team B"] == Decimal("6.00")
    assert sum(totals.values()) == Decimal("36.15")
    r = page(owner_client, report, tag="Owner:Team A", tag_op="not", bin="cumulative")
    assert r.context["result"].cost_totals["USD"] == Decimal("36.15") - Decimal("9.00")
    r = page(owner_client, report, tag="Owner:Team A", bin="month", group_by="service")
    assert {row.groups[0]: row.total for row in r.context["result"].rows} == {"SMS & MMS": Decimal("9.00")}


@pytest.fixture
def api_share_data(data, ws):
    tag = VirtualTag.objects.create(workspace=ws, key="Owner")
    VirtualTagValue.objects.create(
        tag=tag, position=1, name="Shared", **cond("service", "is", "SMS & MMS"),
        splits=[{"label": "Team A", "percent": "60"}, {"label": "Team B", "percent": "40"}],
    )
    return data


def test_a_plain_value_named_like_a_split_label_counts_in_filters(owner_client, api_share_data, report):
    """Voice (20.00) is plain "Team A" and SMS (15.00) splits 60/40 into Team A and B: filtering on
    Team A gives what the Team A group shows, 20.00 + 9.00, and "not Team A" the rest."""
    tag = VirtualTag.objects.get(key="Owner")
    VirtualTagValue.objects.create(tag=tag, position=2, name="Team A", **cond("service", "is", "Programmable Voice"))
    grouped = page(owner_client, report, group_by="tag:Owner", bin="cumulative").context["result"]
    usd = {row.groups[0]: row.total for row in grouped.rows if row.currency == "USD"}
    assert usd["Team A"] == Decimal("29.00")
    only = page(owner_client, report, tag="Owner:Team A", bin="cumulative").context["result"]
    assert only.cost_totals["USD"] == Decimal("29.00")
    others = page(owner_client, report, tag="Owner:Team A", tag_op="not", bin="cumulative").context["result"]
    assert others.cost_totals["USD"] == Decimal("36.15") - Decimal("29.00")
