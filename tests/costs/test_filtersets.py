"""CostLineItemFilterSet: one test per filter and per "is not", choices and invalid input.

Every line item costs a different power of two, so the sum of what a filter keeps says exactly
which rows it kept.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Case, Sum, Value, When
from django.test import RequestFactory

from costs.dimension_values import workspace_dimension_values
from costs.dimensions import Dimension, dimensions, normalise_unit, unit_expression
from costs.filtersets import CostLineItemFilterSet, saved_filters_q
from costs.models import CostLineItem
from costs.scoping import workspace_line_items

from .factories import add_costs, item, make_integration

SUB_ACCOUNT = "AC" + "c3" * 16


@pytest.fixture
def data(ws, other_ws):
    acme = make_integration(ws, "Acme Twilio")
    beta = make_integration(ws, "Beta Twilio")
    globex = make_integration(other_ws, "Globex Twilio")
    add_costs(
        acme,
        [
            item("2026-03-01", "SMS & MMS", "sms-outbound", 1, usage=100, unit="segments"),
            item("2026-03-02", "SMS & MMS", "sms-inbound", 2, usage=50, unit=" Segment"),
            item(
                "2026-03-02", "Programmable Voice", "calls-outbound", 4, usage=10, unit="minutes", account=SUB_ACCOUNT
            ),
            item("2026-03-03", "Phone Numbers", "phonenumbers-local", 8, usage=2, unit="phonenumbers"),
            item("2026-03-03", "Lookup", "lookups", -16),
        ],
    )
    add_costs(
        beta,
        [
            item("2026-03-04", "SMS & MMS", "sms-outbound", 32, usage=5, unit="SEGMENTS", currency="EUR"),
            item("2026-03-05", "Unattributed", "unattributed", 64),
        ],
    )
    add_costs(globex, [item("2026-03-01", "Video", "group-rooms", 128, unit="minutes")])
    return {"acme": acme, "beta": beta, "globex": globex}


def build(ws, **params):
    request = RequestFactory().get("/reports/", params)
    request.workspace = ws
    return CostLineItemFilterSet(
        request.GET, queryset=workspace_line_items(ws), request=request, today=date(2026, 3, 20)
    )


def kept(ws, **params) -> int:
    fs = build(ws, **params)
    assert fs.is_valid(), fs.errors
    return int(fs.qs.aggregate(s=Sum("cost"))["s"] or 0)


ALL = 1 + 2 + 4 + 8 - 16 + 32 + 64


def test_no_filter_keeps_only_the_workspace(ws, data):
    assert kept(ws) == ALL


def test_billing_account(ws, data):
    assert kept(ws, billing_account="Beta Twilio") == 32 + 64


def test_billing_account_not(ws, data):
    assert kept(ws, billing_account="Beta Twilio", billing_account_op="not") == 1 + 2 + 4 + 8 - 16


def test_account(ws, data):
    assert kept(ws, account_id=SUB_ACCOUNT) == 4


def test_account_not(ws, data):
    assert kept(ws, account_id=SUB_ACCOUNT, account_id_op="not") == ALL - 4


def test_service(ws, data):
    assert kept(ws, service="SMS & MMS") == 1 + 2 + 32


def test_service_not(ws, data):
    assert kept(ws, service="SMS & MMS", service_op="not") == ALL - (1 + 2 + 32)


def test_several_values_are_or_ed(ws, data):
    assert kept(ws, service=["SMS & MMS", "Lookup"]) == 1 + 2 + 32 - 16
    assert kept(ws, service=["SMS & MMS", "Lookup"], service_op="not") == 4 + 8 + 64


def test_charge_type(ws, data):
    assert kept(ws, charge_type="Credit") == -16


def test_charge_type_not(ws, data):
    assert kept(ws, charge_type="Credit", charge_type_op="not") == ALL + 16


def test_category(ws, data):
    assert kept(ws, category="sms-outbound") == 1 + 32


def test_category_not(ws, data):
    assert kept(ws, category="sms-outbound", category_op="not") == ALL - 33


def test_usage_unit_is_normalised(ws, data):
    # "segments", " Segment" and "SEGMENTS" are one unit
    assert kept(ws, usage_unit="segments") == 1 + 2 + 32
    assert kept(ws, usage_unit="phone-numbers") == 8


def test_usage_unit_not(ws, data):
    assert kept(ws, usage_unit="segments", usage_unit_op="not") == 4 + 8 - 16 + 64


def test_filters_combine_with_and(ws, data):
    assert kept(ws, service="SMS & MMS", billing_account="Acme Twilio") == 3
    assert kept(ws, service="SMS & MMS", category="sms-inbound", category_op="not") == 33


def test_date_filters(ws, data):
    assert kept(ws, date_range="custom", start_date="2026-03-02", end_date="2026-03-03") == 2 + 4 + 8 - 16


def test_date_preset_resolves_against_today(ws, data):
    fs = build(ws, date_range="this_month")
    assert fs.is_valid()
    assert fs.date_bounds == (date(2026, 3, 1), date(2026, 3, 20))
    assert kept(ws, date_range="last_month") == 0


def test_tag_with_unknown_key_is_rejected_next_to_the_field(ws, data):
    fs = build(ws, tag="team:web")
    assert not fs.is_valid()
    assert "Unknown tag key “team”" in fs.errors["tag"][0]


def test_tag_needs_key_colon_value(ws, data):
    fs = build(ws, tag="team")
    assert not fs.is_valid()
    assert "key:value" in fs.errors["tag"][0]


class TeamTags:
    """What the tagging app will register: tag:team as a CASE over line items (NULL = untagged)."""

    def dimension(self, name, workspace):
        if name != "team":
            return None
        expression = Case(
            When(service="SMS & MMS", then=Value("web")),
            When(service="Programmable Voice", then=Value("support")),
            default=None,
        )
        return Dimension(key="tag:team", label="team", expression=expression, nullable=True)

    def choices(self, workspace):
        return [("tag:team", "Tag: team")]


@pytest.fixture
def team_tags():
    with dimensions.provider_override("tag", TeamTags()):
        yield


def test_tag_from_a_registered_provider(ws, data, team_tags):
    assert kept(ws, tag="team:web") == 1 + 2 + 32
    assert kept(ws, tag=["team:web", "team:support"]) == 1 + 2 + 32 + 4


def test_tag_not_keeps_untagged_rows(ws, data, team_tags):
    assert kept(ws, tag="team:web", tag_op="not") == 4 + 8 - 16 + 64
    fs = build(ws, tag="colour:red")
    assert not fs.is_valid() and "colour" in fs.errors["tag"][0]


def test_choices_are_the_workspace_values(ws, data):
    fs = build(ws)
    values = fs.dimension_values()
    assert values["billing_account"] == ["Acme Twilio", "Beta Twilio"]  # not Globex's
    assert "Video" not in values["service"] and "SMS & MMS" in values["service"]
    assert values["usage_unit"] == ["", "minutes", "phone-numbers", "segments"]
    assert values["charge_type"] == ["Credit", "Usage"]
    assert sorted(values["account_id"]) == sorted(
        {data["acme"].account_sid, data["beta"].account_sid, SUB_ACCOUNT}
    )
    assert [v for v, _ in fs.form.fields["service"].choices] == values["service"]


def test_index_scan_values_equal_plain_distinct(ws, data):
    fs = build(ws)
    assert workspace_dimension_values(ws) == fs._distinct_values(workspace_line_items(ws))


def test_python_unit_normalisation_matches_sql(ws, data):
    spellings = ["Segment", " segments ", "MINUTE", "mins", "phone-numbers", "PhoneNumbers", "calls", "Widgets", ""]
    integration = data["acme"]
    add_costs(integration, [item("2026-02-01", "X", f"unit-{i}", 1, unit=u) for i, u in enumerate(spellings)])
    rows = (
        CostLineItem.objects.filter(date="2026-02-01")
        .annotate(norm=unit_expression())
        .values_list("usage_unit", "norm")
    )
    assert {raw: norm for raw, norm in rows} == {raw: normalise_unit(raw) for raw in spellings}


def test_choices_take_one_query(ws, data, django_assert_num_queries):
    fs = build(ws, service="SMS & MMS", category="sms-outbound", usage_unit="segments")
    with django_assert_num_queries(2):  # the workspace's integrations, then their values (cached)
        assert fs.is_valid()
        list(fs.form["service"])  # rendering the choices does not query again
    fs = build(ws, service="SMS & MMS", category="sms-outbound", usage_unit="segments")
    with django_assert_num_queries(1):  # the integrations: nothing was imported since
        assert fs.is_valid()
        list(fs.form["service"])


@pytest.mark.parametrize(
    "params, field, message",
    [
        ({"date_range": "custom", "start_date": "2026-02-30", "end_date": "2026-03-31"}, "start_date", "valid date"),
        (
            {"date_range": "custom", "start_date": "2026-03-31", "end_date": "2026-03-01"},
            "end_date",
            "before the start",
        ),
        ({"date_range": "custom", "start_date": "2023-01-01", "end_date": "2026-01-01"}, "end_date", "three years"),
        ({"date_range": "custom"}, "start_date", "start date"),
        ({"date_range": "custom", "start_date": "2026-03-01"}, "end_date", "end date"),
        ({"date_range": "next_century"}, "date_range", "valid choice"),
        ({"service": "Carrier pigeons"}, "service", "valid choice"),
        ({"billing_account": "Globex Twilio"}, "billing_account", "valid choice"),  # another workspace's
        ({"service": "SMS & MMS", "service_op": "maybe"}, "service_op", "valid choice"),
    ],
)
def test_invalid_input_names_the_field(ws, data, params, field, message):
    fs = build(ws, **params)
    assert not fs.is_valid()
    assert message in " ".join(fs.errors[field])


def test_exactly_three_years_is_allowed(ws, data):
    assert build(ws, date_range="custom", start_date="2023-01-01", end_date="2025-12-31").is_valid()


def test_reports_require_a_date_range(ws, data):
    request = RequestFactory().get("/reports/", {"service": "Lookup"})
    request.workspace = ws
    fs = CostLineItemFilterSet(request.GET, queryset=workspace_line_items(ws), request=request, require_dates=True)
    assert not fs.is_valid() and "date range" in fs.errors["date_range"][0]


def test_saved_filters_q_matches_the_filterset(ws, data):
    fs = build(ws, service="SMS & MMS", service_op="not", billing_account="Acme Twilio")
    assert fs.is_valid()
    q = saved_filters_q(fs.active_filters(), ws)
    assert workspace_line_items(ws).filter(q).aggregate(s=Sum("cost"))["s"] == Decimal(4 + 8 - 16)
    assert saved_filters_q({"tag": {"op": "is", "values": ["team:web"]}}, ws) is None  # no such dimension (yet)


def test_cached_values_follow_imports_integrations_and_renames(ws, data, other_ws):
    """The values are cached under a key that every import, new or removed integration changes; the
    billing accounts' names are read each time."""
    before = workspace_dimension_values(ws)
    assert "fax-outbound" not in before["category"]
    add_costs(data["acme"], [item("2026-03-06", "Fax", "fax-outbound", 3, unit="pages")])  # an import
    assert "fax-outbound" in workspace_dimension_values(ws)["category"]
    data["globex"].workspaces.add(ws)  # another workspace's integration, shared with this one
    assert "group-rooms" in workspace_dimension_values(ws)["category"]
    data["globex"].workspaces.remove(ws)
    assert "group-rooms" not in workspace_dimension_values(ws)["category"]
    data["beta"].account_name = "Beta Renamed"
    data["beta"].save()
    assert workspace_dimension_values(ws)["billing_account"] == ["Acme Twilio", "Beta Renamed"]
    for key in before:  # what the cache answers equals what the line items hold
        assert workspace_dimension_values(ws)[key] == build(ws)._distinct_values(workspace_line_items(ws))[key]


def test_an_integration_not_kept_up_is_read_from_its_line_items(ws, data):
    loose = make_integration(ws, "Loose Twilio")
    add_costs(loose, [item("2026-03-07", "Studio", "studio-engagements", 1)], maintained=False)
    fs = build(ws)
    assert fs.dimension_values()["category"].count("studio-engagements") == 1
    assert "Loose Twilio" in fs.dimension_values()["billing_account"] and fs.summaries_maintained() is False
