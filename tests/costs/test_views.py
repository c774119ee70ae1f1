"""Report pages: list, report, save / save as new / rename / delete, access from every side."""

import importlib
import re
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from costs.models import UNATTRIBUTED_CATEGORY, UNATTRIBUTED_SERVICE, CostReport
from tagging.models import VirtualTag, VirtualTagValue
from tests.queries import data_queries
from vantage.lib.dates import month_start, utc_today
from vantage.models import Workspace

from .factories import add_costs, item, make_integration, update_billed
from .pages import report_query, report_table

MARCH = {"start_date": "2026-03-01", "end_date": "2026-03-31"}


def page_text(html: str) -> str:
    """The page's text as a reader sees it: tags dropped, white space collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&amp;", "&").split()).replace(" )", ")").replace("( ", "(")


def detail(report):
    return reverse("costs:report_detail", args=[report.pk])


@pytest.fixture
def march(integration, ws):
    ws.reporting_currency = ""  # these tests read billing currencies side by side (conversion: test_fx.py)
    ws.save()
    add_costs(integration, [
        item("2026-03-02", "SMS & MMS", "sms-outbound", "10.00", usage=100, unit="segments"),
        item("2026-03-03", "SMS & MMS", "sms-inbound", "5.00", usage=50, unit="Segment"),
        item("2026-03-03", "Programmable Voice", "calls-outbound", "20.00", usage=30, unit="minutes"),
        item("2026-03-04", "Lookup", "lookups", "3.00", currency="EUR"),
        item("2026-02-10", "SMS & MMS", "sms-outbound", "12.50", usage=90, unit="segments"),
    ])  # fmt: skip
    return integration


# --- the list --------------------------------------------------------------------------------------


def test_list_creates_the_default_report_lazily(owner_client, ws):
    assert not CostReport.objects.filter(workspace=ws).exists()
    response = owner_client.get(reverse("costs:report_list"))
    assert response.status_code == 200
    report = CostReport.objects.get(workspace=ws)
    assert report.is_default and report.title == "All Resources"
    assert reverse("costs:report_list") == "/reports/"
    owner_client.get(reverse("costs:report_list"))
    assert CostReport.objects.filter(workspace=ws).count() == 1


def test_data_migration_gives_existing_workspaces_their_default(db):
    migration = importlib.import_module("costs.migrations.0004_default_reports")
    ws = Workspace.objects.create(name="Pre-existing")
    migration.create_default_reports(django_apps, None)
    migration.create_default_reports(django_apps, None)  # idempotent
    assert CostReport.objects.filter(workspace=ws, is_default=True, title="All Resources").count() == 1


def test_list_shows_month_to_date_cost_per_currency_per_report(owner_client, ws, owner, integration, default_report):
    today = utc_today()
    add_costs(integration, [
        item(month_start(today), "SMS & MMS", "sms-outbound", "10.00"),
        item(today, "Lookup", "lookups", "2.50"),
        item(today, "Lookup", "lookups-eu", "7.00", currency="EUR"),
    ])  # fmt: skip
    CostReport.objects.create(workspace=ws, title="Only lookups", created_by=owner,
                              filters={"service": {"op": "is", "values": ["Lookup"]}})  # fmt: skip
    html = owner_client.get(reverse("costs:report_list")).content.decode()
    all_resources, lookups = html.split("Only lookups")[0], html.split("Only lookups")[1]
    assert "12.50 USD" in all_resources and "7.00 EUR" in all_resources
    assert "2.50 USD" in lookups and "7.00 EUR" in lookups and "12.50" not in lookups


def test_list_costs_take_one_query_whatever_the_number_of_reports(owner_client, ws, owner, integration,
                                                                  django_assert_max_num_queries):
    owner_client.get(reverse("costs:report_list"))
    with django_assert_max_num_queries(10) as few:
        owner_client.get(reverse("costs:report_list"))
    for n in range(25):
        CostReport.objects.create(workspace=ws, title=f"R{n}", created_by=owner,
                                  filters={"service": {"op": "not", "values": [f"S{n}"]}})  # fmt: skip
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = owner_client.get(reverse("costs:report_list"))
    assert response.content.decode().count("/reports/") >= 26


# --- the report -----------------------------------------------------------------------------------


def test_report_page_shows_headline_chart_and_table(owner_client, default_report, march):
    billing = report_query(**MARCH, group_by="service", currency="billing")  # as billed: EUR and USD apart
    response = owner_client.get(f"{detail(default_report)}?{billing}")
    assert response.status_code == 200
    html = response.content.decode()
    table = report_table(html)
    # by default one row per group: Total, Previous period (February) and Change, largest total first
    assert table["thead"][0] == ["Service", "Currency", "Total", "Previous period", "Change", "%"]
    assert table["tbody"] == [  # currencies are never compared: EUR's rows, then USD's
        ["Lookup", "EUR", "3.00", "0.00", "+3.00", "—"],
        ["Programmable Voice", "USD", "20.00", "0.00", "+20.00", "—"],
        ["SMS & MMS", "USD", "15.00", "12.50", "+2.50", "+20.0%"],
    ]
    assert table["tfoot"] == [
        ["Total", "EUR", "3.00", "0.00", "+3.00", "—"],
        ["Total", "USD", "35.00", "12.50", "+22.50", "+180.0%"],
    ]
    # headline per currency with the previous period (February) and the change
    assert "35.00 USD" in html and "12.50 USD" in html and "+22.50 USD (+180.0%)" in page_text(html)
    # chart: inline SVG, accessible, a <title> on every bar
    assert '<svg class="report-chart"' in html and 'role="img"' in html and "aria-label=" in html
    assert "<title>SMS &amp; MMS · Mar 2026: 15.00 USD</title>" in html


def test_comparison_can_be_switched_off(owner_client, default_report, march):
    query = report_query(**MARCH, compare=False, currency="billing")
    html = owner_client.get(f"{detail(default_report)}?{query}").content.decode()
    assert "Previous period" not in html and "35.00 USD" in html


def test_saved_settings_apply_without_query_string(owner_client, ws, owner, march):
    report = CostReport.objects.create(
        workspace=ws, title="Voice", created_by=owner,
        filters={"service": {"op": "is", "values": ["Programmable Voice"]}}, groupings=["category"],
        date_range="custom", start_date=date(2026, 3, 1), end_date=date(2026, 3, 31), date_bin="month",
    )  # fmt: skip
    table = report_table(owner_client.get(detail(report)).content.decode())
    assert table["tbody"] == [["calls-outbound", "USD", "20.00", "0.00", "+20.00", "—"]]


PV, SMS, VOICE = "Programmable Voice", "SMS & MMS", "Voice"


@pytest.mark.parametrize(
    "sort, expected",
    [  # PV: 20.00 (previous 0.00, +20.00); SMS: 15.00 (12.50, +2.50); Voice: 1.00 (0.00, +1.00)
        ("total_desc", [PV, SMS, VOICE]),
        ("total_asc", [VOICE, SMS, PV]),
        ("name", [PV, SMS, VOICE]),
        ("name_desc", [VOICE, SMS, PV]),
        ("previous_desc", [SMS, PV, VOICE]),  # ties keep the name order
        ("previous_asc", [PV, VOICE, SMS]),
        ("change_desc", [PV, SMS, VOICE]),
        ("change_asc", [VOICE, SMS, PV]),
    ],
)
def test_table_sorts_by_each_column(owner_client, default_report, march, sort, expected):
    add_costs(march, [item("2026-03-05", VOICE, "calls-inbound", "1.00")])
    url = f"{detail(default_report)}?{report_query(**MARCH, group_by='service', sort=sort)}"
    names = [r[0] for r in report_table(owner_client.get(url).content.decode())["tbody"]]
    # currencies are never compared with each other: EUR's block (Lookup), then USD's, each sorted
    assert names == ["Lookup", *expected]


def test_column_headers_link_to_their_sort_and_reverse_it(owner_client, default_report, march):
    url = f"{detail(default_report)}?{report_query(**MARCH, group_by='service', sort='change_desc')}"
    html = owner_client.get(url).content.decode().replace("&amp;", "&")
    links = dict(re.findall(r'href="([^"]+)" data-sort="(\w+)"', html))
    by_column = {column: href for href, column in links.items()}
    assert "sort=change_asc" in by_column["change"]  # the current column reverses
    assert "sort=previous_desc" in by_column["previous"] and "sort=name" in by_column["name"]
    assert "sort=total_desc" in by_column["total"]


def test_drill_down_filters_the_row_and_groups_by_the_next_dimension(owner_client, default_report, march):
    url = f"{detail(default_report)}?{report_query(**MARCH, group_by='service')}"
    links = report_table(owner_client.get(url).content.decode())["links"]
    sms = next(link for link in links if "SMS" in link and "service=SMS" in link)
    assert "group_by=category" in sms and "service_op=is" in sms
    table = report_table(owner_client.get(sms.replace("&amp;", "&")).content.decode())
    assert [r[0] for r in table["tbody"]] == ["sms-outbound", "sms-inbound"]
    assert table["tfoot"] == [["Total", "USD", "15.00", "12.50", "+2.50", "+20.0%"]]


def test_drill_down_path(owner_client, default_report, march):
    url = f"{detail(default_report)}?{report_query(**MARCH, group_by='billing_account')}"
    link = report_table(owner_client.get(url).content.decode())["links"][0]
    assert "group_by=account_id" in link and "billing_account=Acme+Twilio" in link


def test_usage_mode_page(owner_client, default_report, march):
    url = f"{detail(default_report)}?{report_query(**MARCH, group_by='service', mode='usage')}"
    html = owner_client.get(url).content.decode()
    table = report_table(html)
    assert table["thead"][0] == ["Service", "Currency", "Unit", "Total", "Previous period", "Change", "%", "Cost"]
    assert ["SMS & MMS", "USD", "segments", "150", "90", "60", "+66.7%", "15.00"] in table["tbody"]
    assert ["Programmable Voice", "USD", "minutes", "30", "0", "30", "—", "20.00"] in table["tbody"]
    # the chart draws one unit: the one with the largest share of the cost, and says so
    assert "Usage in minutes (the unit with the largest share of the cost; the table has 2 more) by Service" in html


def test_usage_table_reads_well(owner_client, default_report, integration):
    """Rows without a unit come last with "—" throughout; a unit's total shows only where it adds rows up;
    units read as words."""
    add_costs(integration, [
        item("2026-03-02", "Phone Numbers", "phonenumbers-local", "1.00", usage=3, unit="phone-numbers"),
        item("2026-03-02", "SMS & MMS", "sms-outbound", "10.00", usage=100, unit="segments"),
        item("2026-03-02", "WhatsApp", "whatsapp-out", "4.00", usage=40, unit="segments"),
        item("2026-03-02", UNATTRIBUTED_SERVICE, UNATTRIBUTED_CATEGORY, "2.00"),
        item("2026-02-02", "SMS & MMS", "sms-outbound", "8.00", usage=80, unit="segments"),
    ])  # fmt: skip
    url = f"{detail(default_report)}?{report_query(**MARCH, group_by='service', mode='usage')}"
    table = report_table(owner_client.get(url).content.decode())
    body = table["tbody"]
    assert body[-1][0] == UNATTRIBUTED_SERVICE and body[-1][3:7] == ["—", "—", "—", "—"]
    assert ["Phone Numbers", "USD", "phone numbers", "3", "0", "3", "—", "1.00"] in body
    assert [row[0] for row in table["tfoot"]] == ["Total segments"]  # two segment rows add up; nothing else does
    assert table["tfoot"][0][3:5] == ["140", "80"]


def test_cumulative_page_draws_a_running_line(owner_client, default_report, march):
    url = f"{detail(default_report)}?{report_query(**MARCH, bin='cumulative', group_by='service')}"
    html = owner_client.get(url).content.decode()
    assert "<polyline" in html and "running total" in html
    assert report_table(html)["thead"][0] == ["Service", "Currency", "Total", "Previous period", "Change", "%"]


def test_reconciliation_matches_twilio(owner_client, default_report, march):
    url = f"{detail(default_report)}?{report_query(**MARCH, billing_account='Acme Twilio')}"
    html = owner_client.get(url).content.decode()
    assert "Matches Twilio&#x27;s billed total" in html or "Matches Twilio's billed total" in html


def test_reconciliation_shows_the_difference_and_the_day(owner_client, default_report, march, integration):
    update_billed(integration, "2026-03-03", amount=Decimal("26.00"))
    html = owner_client.get(f"{detail(default_report)}?{report_query(**MARCH)}").content.decode()
    assert "Differs from Twilio" in html and "-1.00 USD" in html and "3 Mar 2026" in html


def test_no_reconciliation_when_filters_cut_through_accounts(owner_client, default_report, march):
    html = owner_client.get(f"{detail(default_report)}?{report_query(**MARCH, service='Lookup')}").content.decode()
    assert 'id="reconciliation"' not in html
    # ...and the page says why, in one line
    assert "Not compared with Twilio's billed total: it covers whole accounts, and this view is filtered." in (
        page_text(html).replace("&#x27;", "'")
    )


def test_unfiltered_view_has_no_filtered_note(owner_client, default_report, march):
    html = owner_client.get(f"{detail(default_report)}?{report_query(**MARCH)}").content.decode()
    assert 'id="reconciliation-note"' not in html and 'id="reconciliation"' in html


def test_a_preset_range_drops_stale_custom_dates(owner_client, default_report, march):
    """A link with a preset and an old custom range (even a malformed one) shows the preset and builds its
    links without the custom dates, so a shared link never names two ranges."""
    url = f"{detail(default_report)}?{report_query(date_range='last_month', start_date='2025-01-01', end_date='x')}"
    response = owner_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "report-invalid" not in html and "end date" not in page_text(html).lower()
    hrefs = re.findall(r'href="([^"]+)"', html)
    report_links = [h for h in hrefs if f"/reports/{default_report.pk}/" in h and "?" in h]
    assert len(report_links) >= 3 and all("date_range=last_month" in h for h in report_links)
    assert not any("start_date" in h or "end_date" in h for h in report_links)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"start_date": "2026-03-40", "end_date": "2026-03-31"}, "Enter a valid date."),
        ({"start_date": "2026-03-31", "end_date": "2026-03-01"}, "The end date is before the start date."),
        ({"start_date": "2020-01-01", "end_date": "2026-03-01"}, "at most three years"),
        ({**MARCH, "service": "Carrier pigeons"}, "Carrier pigeons is not one of the available choices"),
        ({**MARCH, "tag": "team:web"}, "Unknown tag key"),
        ({**MARCH, "group_by": ["service", "service"]}, "Group by each dimension only once."),
        ({**MARCH, "group_by": "colour"}, "colour is not one of the available choices"),
        ({**MARCH, "bin": "fortnight"}, "fortnight is not one of the available choices"),
    ],
)
def test_invalid_settings_show_a_message_and_no_report(owner_client, default_report, march, settings, message):
    response = owner_client.get(f"{detail(default_report)}?{report_query(**settings)}")
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html.replace("&quot;", '"')
    assert "No report for these settings" in html
    assert 'id="report-table"' not in html and "<svg" not in html and "Matches Twilio" not in html


def test_report_query_count_does_not_grow_with_groups(owner_client, ws, default_report, integration,
                                                      django_assert_max_num_queries):
    add_costs(integration, [item("2026-03-02", "S", f"cat-{n}", n + 1) for n in range(3)])
    url = f"{detail(default_report)}?{report_query(**MARCH, group_by=['category'], bin='day')}"
    owner_client.get(url)
    # 10: see test_report_page_runs_at_most_ten_queries (plain columns: no planner settings on PostgreSQL)
    with django_assert_max_num_queries(10) as few:
        assert owner_client.get(url).status_code == 200
    queries = len(few.captured_queries)  # (the next request starts a new query log)
    many = make_integration(ws, "Many Twilio")
    add_costs(many, [item(f"2026-03-{d:02d}", f"S{n % 7}", f"big-{n}", n) for n in range(120) for d in (1, 15, 28)])
    owner_client.get(url)  # the filter values, cached per import, are read again once
    with django_assert_max_num_queries(queries):
        html = owner_client.get(url).content.decode()
    assert len(report_table(html)["tbody"]) == 123


# --- access -----------------------------------------------------------------------------------------


def test_outsider_gets_404_everywhere(outsider_client, default_report, march):
    pk = default_report.pk
    assert outsider_client.get(detail(default_report)).status_code == 404
    assert outsider_client.get(reverse("costs:report_export", args=[pk])).status_code == 404
    for name in ("costs:report_save", "costs:report_rename", "costs:report_delete"):
        assert outsider_client.post(reverse(name, args=[pk]), {"title": "Mine"}).status_code == 404
    assert CostReport.objects.filter(pk=pk, title="All Resources").exists()


def test_outsider_sees_only_their_workspace_costs(outsider_client, march, outsider, other_ws):
    outsider_client.get(reverse("costs:report_list"))
    report = CostReport.objects.get(workspace=other_ws)
    table = report_table(outsider_client.get(f"{detail(report)}?{report_query(**MARCH)}").content.decode())
    assert table["tbody"] == []


def test_viewer_reads_but_cannot_change(viewer_client, ws, owner, default_report, march):
    report = CostReport.objects.create(workspace=ws, title="Team report", created_by=owner, groupings=["service"])
    assert viewer_client.get(f"{detail(report)}?{report_query(**MARCH)}").status_code == 200
    export = reverse("costs:report_export", args=[report.pk]) + "?" + report_query(**MARCH)
    assert viewer_client.get(export).status_code == 200
    params = report_query(**MARCH, group_by="category")
    responses = [
        viewer_client.post(reverse("costs:report_save", args=[report.pk]), {"title": "Hacked", "params": params}),
        viewer_client.post(reverse("costs:report_rename", args=[report.pk]), {"title": "Hacked"}),
        viewer_client.post(reverse("costs:report_delete", args=[report.pk])),
        viewer_client.post(reverse("costs:report_create"), {"title": "New", "source": report.pk, "params": params}),
    ]
    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    report.refresh_from_db()
    assert report.title == "Team report" and report.groupings == ["service"]
    assert CostReport.objects.filter(workspace=ws).count() == 2
    assert "Save as new" not in viewer_client.get(detail(report)).content.decode()


def test_editor_saves_as_new_then_saves_renames_and_deletes(editor_client, ws, editor, default_report, march):
    params = report_query(**MARCH, group_by=["service", "category"], bin="week", chart="line", mode="usage",
                          service="SMS & MMS", service_op="not")  # fmt: skip
    response = editor_client.post(reverse("costs:report_create"),
                                  {"title": "Not SMS", "source": default_report.pk, "params": params})  # fmt: skip
    report = CostReport.objects.get(title="Not SMS")
    assert response.status_code == 302 and response["Location"] == detail(report)
    assert (report.created_by, report.groupings, report.date_bin, report.chart_type, report.mode) == (
        editor, ["service", "category"], "week", "line", "usage"
    )  # fmt: skip
    assert report.filters == {"service": {"op": "not", "values": ["SMS & MMS"]}}
    assert (report.date_range, report.start_date, report.end_date) == ("custom", date(2026, 3, 1), date(2026, 3, 31))
    assert report.compare_previous is True

    params = report_query(date_range="last_month", group_by="billing_account", compare=False)
    editor_client.post(reverse("costs:report_save", args=[report.pk]), {"title": "Accounts", "params": params})
    report.refresh_from_db()
    assert (report.title, report.groupings, report.filters, report.date_range, report.start_date) == (
        "Accounts", ["billing_account"], {}, "last_month", None
    )  # fmt: skip
    assert report.compare_previous is False

    editor_client.post(reverse("costs:report_rename", args=[report.pk]), {"title": "Renamed"})
    report.refresh_from_db()
    assert report.title == "Renamed" and report.groupings == ["billing_account"]

    response = editor_client.post(reverse("costs:report_delete", args=[report.pk]))
    assert response.status_code == 302 and not CostReport.objects.filter(pk=report.pk).exists()


def test_new_report_from_the_list(editor_client, ws):
    editor_client.post(reverse("costs:report_create"), {"title": "Fresh"})
    report = CostReport.objects.get(title="Fresh")
    assert not report.is_default and report.groupings == ["service"] and report.date_range == "this_month"


def test_invalid_settings_are_not_saved(editor_client, ws, editor, march):
    report = CostReport.objects.create(workspace=ws, title="Mine", created_by=editor)
    params = report_query(start_date="2026-03-31", end_date="2026-03-01")
    editor_client.post(reverse("costs:report_save", args=[report.pk]), {"title": "Changed", "params": params})
    report.refresh_from_db()
    assert report.title == "Mine" and report.date_range == "this_month"
    untitled = {"title": "", "source": report.pk, "params": report_query(**MARCH)}
    editor_client.post(reverse("costs:report_create"), untitled)
    assert CostReport.objects.filter(workspace=ws).count() == 1


def test_default_report_cannot_be_deleted_or_changed(owner_client, default_report):
    response = owner_client.post(reverse("costs:report_delete", args=[default_report.pk]))
    assert response.status_code == 400
    assert "cannot be deleted" in response.content.decode()
    response = owner_client.post(reverse("costs:report_save", args=[default_report.pk]),
                                 {"title": "Mine now", "params": report_query(**MARCH)})  # fmt: skip
    assert response.status_code == 400
    rename = reverse("costs:report_rename", args=[default_report.pk])
    assert owner_client.post(rename, {"title": "X"}).status_code == 400
    default_report.refresh_from_db()
    assert default_report.title == "All Resources" and default_report.date_range == "last_30_days"


def test_editors_change_only_their_own_reports_owners_any(editor_client, owner_client, ws, owner, editor):
    owners = CostReport.objects.create(workspace=ws, title="Owner's", created_by=owner)
    assert editor_client.post(reverse("costs:report_delete", args=[owners.pk])).status_code == 403
    assert CostReport.objects.filter(pk=owners.pk).exists()
    editors = CostReport.objects.create(workspace=ws, title="Editor's", created_by=editor)
    assert owner_client.post(reverse("costs:report_rename", args=[editors.pk]), {"title": "Tidied"}).status_code == 302
    editors.refresh_from_db()
    assert editors.title == "Tidied"


def test_writes_need_post(owner_client, default_report):
    assert owner_client.get(reverse("costs:report_delete", args=[default_report.pk])).status_code == 405
    assert owner_client.get(reverse("costs:report_create")).status_code == 405


# --- the rebuilt page: filter picker and chips, breadcrumb, columns, previous period, unclassified ------


def chips(html: str) -> list[tuple[str, str]]:
    """``[(chip text, removal URL)]`` in page order."""
    found = re.findall(r'<li class="chip"><span>([^<]+)</span> <a href="([^"]+)" class="chip-remove"', html)
    return [(text.replace("&amp;", "&"), url.replace("&amp;", "&")) for text, url in found]


def test_each_active_filter_value_is_a_chip_whose_link_removes_it(owner_client, default_report, march):
    url = f"{detail(default_report)}?{report_query(**MARCH, service=['SMS & MMS', 'Lookup'], service_op='not')}"
    html = owner_client.get(url).content.decode()
    found = chips(html)
    assert [text for text, _ in found] == ["Service is not SMS & MMS", "Service is not Lookup"]
    without_sms = owner_client.get(found[0][1]).content.decode()
    assert [text for text, _ in chips(without_sms)] == ["Service is not Lookup"]
    assert report_table(without_sms)["tfoot"] == [["Total", "USD", "35.00", "12.50", "+22.50", "+180.0%"]]
    # removing the last value removes the filter (and its operator): every cost again
    last = chips(without_sms)[0][1]
    assert "service=" not in last and "service_op" not in last
    everything = owner_client.get(last).content.decode()
    assert chips(everything) == [] and "No filters: all costs of this workspace." in everything


def test_a_chip_keeps_every_other_setting(owner_client, default_report, march):
    url = f"{detail(default_report)}?{report_query(**MARCH, group_by='category', bin='week', service='SMS & MMS')}"
    (_, remove), = chips(owner_client.get(url).content.decode())
    assert all(part in remove for part in ("group_by=category", "bin=week", "start_date=2026-03-01", "applied=1"))


def test_filter_picker_offers_the_workspace_values_ticked_when_active(owner_client, default_report, march):
    url = f"{detail(default_report)}?{report_query(**MARCH, service='Lookup')}"
    html = owner_client.get(url).content.decode()
    services = re.findall(r'<input type="checkbox" name="service" value="([^"]+)"( checked)?>', html)
    assert [(v.replace("&amp;", "&"), bool(c)) for v, c in services] == [
        ("Lookup", True), ("Programmable Voice", False), ("SMS & MMS", False)
    ]
    assert 'data-picker="category"' in html and 'value="sms-outbound"' in html
    assert 'name="tag"' not in html  # no virtual tags: no tag picker, and never a free-text tag box


def test_picker_values_are_escaped_and_a_tag_label_shows_its_tag(owner_client, ws, default_report):
    """The pickers' checkboxes are built in Python, not by the template: markup in a value stays text."""
    acme = make_integration(ws, 'Acme <b>"UK"</b> & Co')
    add_costs(acme, [item("2026-03-02", "SMS & MMS", "<script>alert('x')</script>", "1.00")])
    tag = VirtualTag.objects.create(workspace=ws, key="Team")
    rule = [{"conditions": [{"dimension": "service", "operator": "is", "values": ["SMS & MMS"]}]}]
    VirtualTagValue.objects.create(tag=tag, position=1, name="R&D <ops>", filters=rule)
    html = owner_client.get(f"{detail(default_report)}?{report_query(**MARCH)}").content.decode()
    assert "<script>alert" not in html and "<b>" not in html
    assert ('<input type="checkbox" name="category" value="&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"> '
            "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;</label>") in html
    assert 'value="Acme &lt;b&gt;&quot;UK&quot;&lt;/b&gt; &amp; Co"> Acme &lt;b&gt;&quot;UK&quot;' in html
    assert ('<li data-group="Team"><label><input type="checkbox" name="tag" value="Team:R&amp;D &lt;ops&gt;"> '
            '<span class="muted">Team:</span> R&amp;D &lt;ops&gt;</label></li>') in html


def test_tag_picker_offers_the_tag_labels(owner_client, ws, default_report, march):
    tag = VirtualTag.objects.create(workspace=ws, key="Team")
    rule = [{"conditions": [{"dimension": "service", "operator": "is", "values": ["SMS & MMS"]}]}]
    VirtualTagValue.objects.create(tag=tag, position=1, name="Messaging", filters=rule)
    VirtualTagValue.objects.create(tag=tag, position=2, name="Shared", filters=rule,
                                   splits=[{"label": "Team A", "percent": "60"}, {"label": "Team B", "percent": "40"}])
    html = owner_client.get(f"{detail(default_report)}?{report_query(**MARCH, tag='Team:Messaging')}").content.decode()
    values = re.findall(r'<input type="checkbox" name="tag" value="([^"]+)"( checked)?>', html)
    assert values == [("Team:Messaging", " checked"), ("Team:Team A", ""), ("Team:Team B", ""),
                      ("Team:Not tagged", "")]  # fmt: skip
    assert [text for text, _ in chips(html)] == ["Tag Team is Messaging"]
    assert report_table(html)["tfoot"][0][:3] == ["Total", "USD", "15.00"]


def test_a_bad_tag_filter_says_why_and_its_chip_removes_it(owner_client, default_report, march):
    response = owner_client.get(f"{detail(default_report)}?{report_query(**MARCH, tag='team:web')}")
    html = response.content.decode()
    assert response.status_code == 400 and "Unknown tag key" in html
    (text, remove), = chips(html)
    assert text == "Tag team is web" and owner_client.get(remove).status_code == 200


def test_drill_down_shows_a_breadcrumb_back_to_each_level(owner_client, default_report, march):
    url = f"{detail(default_report)}?{report_query(**MARCH, group_by='billing_account')}"
    html = owner_client.get(url).content.decode()
    assert 'id="breadcrumb"' not in html
    accounts = owner_client.get(report_table(html)["links"][0].replace("&amp;", "&")).content.decode()
    services = owner_client.get(report_table(accounts)["links"][0].replace("&amp;", "&")).content.decode()
    sms = next(link for link in report_table(services)["links"] if "service=SMS" in link)
    categories = owner_client.get(sms.replace("&amp;", "&")).content.decode()
    nav = categories.split('id="breadcrumb"')[1].split("</nav>")[0]
    crumbs = re.findall(r"<li>(?:<a href=\"([^\"]+)\">)?(?:<span aria-current=\"page\">)?([^<]+)<", nav)
    assert [label.replace("&amp;", "&") for _, label in crumbs] == [
        "All billing accounts", "Acme Twilio", march.account_sid, "SMS & MMS"
    ]
    assert crumbs[-1][0] == ""  # where we are is not a link
    up = crumbs[1][1], crumbs[1][0].replace("&amp;", "&")  # back to Acme Twilio's accounts
    assert "group_by=account_id" in up[1] and "billing_account=Acme+Twilio" in up[1]
    assert "account_id=" not in up[1].replace("group_by=account_id", "") and "service=" not in up[1]
    back = owner_client.get(up[1]).content.decode()
    assert {r[0] for r in report_table(back)["tbody"]} == {march.account_sid}  # its EUR and USD rows
    assert [text for text, _ in chips(back)] == ["Billing Account is Acme Twilio"]


def test_per_bin_columns_are_an_option_with_sticky_label_and_total(owner_client, default_report, march):
    url = f"{detail(default_report)}?{report_query(**MARCH, group_by='service', bin='week', columns='bins')}"
    html = owner_client.get(url).content.decode()
    table = report_table(html)
    assert table["thead"][0] == ["Service", "Currency", "Week of 23 Feb 2026", "Week of 2 Mar 2026",
                                 "Week of 9 Mar 2026", "Week of 16 Mar 2026", "Week of 23 Mar 2026",
                                 "Week of 30 Mar 2026", "Total"]  # fmt: skip
    assert ["SMS & MMS", "USD", "—", "15.00", "—", "—", "—", "—", "15.00"] in table["tbody"]
    assert 'class="data report-table pivot"' in html
    assert html.count('class="sticky-label"') == 1 + 3 + 2  # header, rows, footers
    assert 'class="num total sticky-total"' in html and "Previous period</a>" not in html
    assert "position: sticky" in (settings_static("css/reports.css"))
    back = re.search(r'<a href="([^"]+)" id="columns-summary"', html).group(1).replace("&amp;", "&")
    assert "Previous period" in report_table(owner_client.get(back).content.decode())["thead"][0]


def settings_static(path: str) -> str:
    from django.contrib.staticfiles import finders

    return open(finders.find(path), encoding="utf-8").read()


def test_previous_period_not_imported_shows_a_dash_never_zero(owner_client, ws, default_report):
    add_costs(make_integration(ws, "New Twilio"), [item("2026-03-02", "SMS & MMS", "sms-outbound", "10.00")])
    html = owner_client.get(f"{detail(default_report)}?{report_query(**MARCH, group_by='service')}").content.decode()
    table = report_table(html)
    assert table["tbody"] == [["SMS & MMS", "USD", "10.00", "—", "—", "—"]]
    assert table["tfoot"] == [["Total", "USD", "10.00", "—", "—", "—"]]
    assert 'title="The previous period (1 Feb 2026 – 28 Feb 2026) was not fully imported"' in html
    headline = html.split('aria-label="Headline figures"')[1].split("</section>")[0]
    assert re.findall(r'<strong class="previous[^"]*"[^>]*>([^<]*)<', headline) == ["—"]
    assert re.findall(r'<strong class="change"[^>]*>([^<]*)<', headline) == ["—"]


def test_previous_period_imported_with_no_costs_is_a_real_zero(owner_client, ws, default_report, march):
    html = owner_client.get(f"{detail(default_report)}?{report_query(**MARCH, group_by='service')}").content.decode()
    assert ["Programmable Voice", "USD", "20.00", "0.00", "+20.00", "—"] in report_table(html)["tbody"]


@pytest.fixture
def unclassified(integration):
    """Twilio billed 12.34 USD on 2 March under a category the catalog does not know: it is Unattributed."""
    add_costs(integration, [
        item("2026-03-02", "SMS & MMS", "sms-outbound", "10.00"),
        item("2026-03-02", UNATTRIBUTED_SERVICE, UNATTRIBUTED_CATEGORY, "12.34"),
    ])  # fmt: skip
    update_billed(integration, "2026-03-02", attributed=Decimal("10.00"))
    return integration


def test_unclassified_spend_is_stated_beside_the_match(owner_client, default_report, unclassified):
    html = owner_client.get(f"{detail(default_report)}?{report_query(**MARCH)}").content.decode()
    text = page_text(html)
    assert "12.34 USD not yet classified" in text
    assert "Matches Twilio's billed total (including the unclassified amount)" in text.replace("&#x27;", "'")
    assert 'id="classify-link"' not in html  # operators only


def test_unclassified_spend_links_staff_to_the_admin(client_for_user, owner, default_report, unclassified):
    owner.is_staff = True
    owner.save()
    html = client_for_user(owner).get(f"{detail(default_report)}?{report_query(**MARCH)}").content.decode()
    link = re.search(r'<a href="([^"]+)" id="classify-link"', html).group(1).replace("&amp;", "&")
    assert link == reverse("admin:integrations_twiliousagecategory_changelist") + "?role__exact=unknown"


def test_unclassified_spend_from_the_rows_when_filters_cut_through_accounts(owner_client, default_report, unclassified):
    url = f"{detail(default_report)}?{report_query(**MARCH, group_by='service', service_op='not', service='SMS & MMS')}"
    html = owner_client.get(url).content.decode()
    assert 'id="reconciliation"' not in html and "12.34 USD not yet classified" in page_text(html)


def test_no_unclassified_note_when_everything_is_classified(owner_client, default_report, march):
    html = owner_client.get(f"{detail(default_report)}?{report_query(**MARCH)}").content.decode()
    assert 'id="unclassified"' not in html


def test_default_report_shows_the_last_30_days_even_on_the_first_of_a_month(owner_client, ws, integration,
                                                                             monkeypatch):
    first = date(2026, 3, 1)
    monkeypatch.setattr("costs.filtersets.utc_today", lambda: first)
    monkeypatch.setattr("costs.coverage.utc_today", lambda: first)
    add_costs(integration, [
        item("2026-02-10", "SMS & MMS", "sms-outbound", "7.00"),
        item("2026-03-01", "SMS & MMS", "sms-outbound", "1.00"),
        item("2026-01-15", "SMS & MMS", "sms-outbound", "4.00"),
    ])  # fmt: skip
    response = owner_client.get(reverse("costs:report_list"))
    report = CostReport.objects.get(workspace=ws, is_default=True)
    assert (report.date_range, report.date_bin, report.groupings) == ("last_30_days", "day", ["service"])
    html = owner_client.get(detail(report)).content.decode()
    assert response.status_code == 200 and "31 Jan 2026 – 1 Mar 2026" in html  # 30 days, not one
    assert report_table(html)["tbody"] == [["SMS & MMS", "USD", "8.00", "4.00", "+4.00", "+100.0%"]]
    assert len(re.findall(r"<rect [^>]*><title>SMS", html)) == 2  # a bar on 10 Feb and on 1 Mar


def test_migration_moves_existing_default_reports_to_the_last_30_days(db, ws, owner):
    migration = importlib.import_module("costs.migrations.0007_default_report_last_30_days")
    old = CostReport.objects.create(workspace=ws, title="All Resources", is_default=True, date_range="this_month")
    mine = CostReport.objects.create(workspace=ws, title="Mine", created_by=owner, date_range="this_month")
    migration.to_last_30_days(django_apps, None)
    old.refresh_from_db()
    mine.refresh_from_db()
    assert (old.date_range, old.date_bin) == ("last_30_days", "day") and mine.date_range == "this_month"


def test_report_page_runs_at_most_ten_queries(owner_client, ws, default_report, integration):
    """Session, user, the person's workspaces with roles, the report, virtual tags (group-by choices and
    their labels), filter values, the grouped query, the previous period, import coverage, billed totals."""
    add_costs(integration, [item("2026-03-02", "S", f"cat-{n}", n + 1) for n in range(3)])
    add_costs(integration, [item("2026-02-02", "S", "cat-0", 1)])  # February imported: its figures are read
    url = f"{detail(default_report)}?{report_query(**MARCH, group_by=['service'], bin='day')}"
    owner_client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert owner_client.get(url).status_code == 200
    assert len(data_queries(captured)) <= 10, "\n".join(q[:120] for q in data_queries(captured))
    many = make_integration(ws, "Many Twilio")
    add_costs(many, [item(f"2026-03-{d:02d}", f"S{n % 7}", f"big-{n}", n) for n in range(120) for d in (1, 15, 28)])
    with CaptureQueriesContext(connection) as more:
        owner_client.get(f"{url}&group_by=category")
    assert len(data_queries(more)) <= len(data_queries(captured))


def test_outsider_gets_404_for_every_view_of_the_page(outsider_client, default_report, march):
    for query in (report_query(**MARCH, columns="bins"), report_query(**MARCH, sort="change_desc"), ""):
        assert outsider_client.get(f"{detail(default_report)}?{query}").status_code == 404


def test_bins_not_imported_are_hatched_and_the_notice_names_months_and_accounts(owner_client, default_report, ws):
    """Costs from June on, none imported in May: the May bar is hatched and labelled in the chart, and the
    notice says "Acme Main: May 2026", not a count of spans."""
    acme = make_integration(ws, "Acme Main")
    add_costs(acme, [item("2026-06-10", "SMS & MMS", "sms-outbound", "5.00"),
                     item("2026-07-20", "SMS & MMS", "sms-outbound", "7.00")])  # fmt: skip
    url = f"{detail(default_report)}?{report_query(start_date='2026-05-01', end_date='2026-07-31', bin='month')}"
    html = owner_client.get(url).content.decode()
    assert "Not imported: Acme Main: May 2026." in page_text(html)
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert svg.count('class="not-imported"') == 1 and "May 2026: not imported for Acme Main" in svg
    assert ">not imported</text>" in svg and "Hatched dates were not (fully) imported" in html


def test_a_gap_of_an_account_in_another_currency_does_not_hatch_the_chart(owner_client, default_report, ws):
    usd = make_integration(ws, "Acme Main")
    add_costs(usd, [item(f"2026-0{m}-10", "SMS & MMS", "sms-outbound", "5.00") for m in (5, 6, 7)])
    gbp = make_integration(ws, "Acme UK")
    add_costs(gbp, [item("2026-07-20", "SMS & MMS", "sms-outbound", "1.00", currency="GBP")])
    query = report_query(start_date="2026-05-01", end_date="2026-07-31", bin="month", currency="billing")
    html = owner_client.get(f"{detail(default_report)}?{query}").content.decode()
    assert "Acme UK: May 2026 – Jun 2026" in page_text(html)  # the notice still names it
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert "Cost in USD" in html and 'class="not-imported"' not in svg  # the USD chart has nothing missing


def test_converted_every_gap_hatches_the_chart_and_no_billed_currency_is_looked_up(owner_client, default_report, ws):
    """Converted to the reporting currency (USD), the GBP account's costs are in the USD chart: its months not
    imported are hatched, and the page needs no query for the accounts' billing currencies."""
    usd = make_integration(ws, "Acme Main")
    add_costs(usd, [item(f"2026-0{m}-10", "SMS & MMS", "sms-outbound", "5.00") for m in (5, 6, 7)])
    gbp = make_integration(ws, "Acme UK")
    add_costs(gbp, [item("2026-07-20", "SMS & MMS", "sms-outbound", "1.00", currency="GBP")])
    url = f"{detail(default_report)}?{report_query(start_date='2026-05-01', end_date='2026-07-31', bin='month')}"
    with CaptureQueriesContext(connection) as captured:
        html = owner_client.get(url).content.decode()
    assert ws.reporting_currency == "USD" and "Cost in USD" in html
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert svg.count('class="not-imported"') == 2 and "May 2026: not imported for Acme UK" in svg
    assert not [q for q in captured.captured_queries if "DISTINCT" in q["sql"] and "billedtotal" in q["sql"]]


# --- the currency switch ---------------------------------------------------------------------------


def test_reporting_currency_is_one_headline_with_its_rates_and_a_switch_to_billing(owner_client, ws, default_report,
                                                                                   march):
    ws.reporting_currency = "USD"
    ws.save()
    url = f"{detail(default_report)}?{report_query(**MARCH, group_by=['service'], bin='month')}"
    html = owner_client.get(url).content.decode()
    assert re.findall(r'class="headline-currency" data-currency="(\w+)"', html) == ["USD"]
    assert re.search(r'id="rate-note">Converted to USD at ECB reference rates of each day, latest \d+ \w{3} 2026; '
                     r"Twilio billed in EUR, USD\.", html)  # fmt: skip
    assert '<option value="" selected>USD (converted)</option>' in html
    billing = re.search(r'<a href="([^"]+)">Show billing currencies</a>', html)[1].replace("&amp;", "&")
    assert "currency=billing" in billing

    html = owner_client.get(billing).content.decode()
    assert re.findall(r'class="headline-currency" data-currency="(\w+)"', html) == ["EUR", "USD"]
    assert '<option value="billing" selected>Billing currencies</option>' in html
    assert "In billing currencies, as Twilio billed them." in html and "Show in USD" in html


def test_without_a_reporting_currency_the_switch_offers_billing_currencies_only(owner_client, default_report, march):
    html = owner_client.get(f"{detail(default_report)}?{report_query(**MARCH)}").content.decode()
    assert "(converted)</option>" not in html and 'id="rate-note"' not in html
    assert re.findall(r'class="headline-currency" data-currency="(\w+)"', html) == ["EUR", "USD"]
