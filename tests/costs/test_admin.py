import re
from datetime import UTC, date, datetime
from decimal import Decimal

from django.urls import reverse

from costs.models import CostReport
from integrations.models import IngestionRun, RunStatus, TwilioUsageCategory, UnclassifiedUsage
from tagging.models import VirtualTag, VirtualTagValue
from tests.costs.factories import add_costs, item, make_integration


def test_operators_list_reports_and_cannot_delete_the_default(admin_client, default_report, ws, owner):
    mine = CostReport.objects.create(workspace=ws, title="Mine", created_by=owner)
    response = admin_client.get(reverse("admin:costs_costreport_changelist"))
    assert response.status_code == 200 and "All Resources" in response.content.decode()
    assert admin_client.get(reverse("admin:costs_costreport_delete", args=[default_report.pk])).status_code == 403
    admin_client.post(
        reverse("admin:costs_costreport_changelist"),
        {"action": "delete_selected", "_selected_action": [default_report.pk, mine.pk], "post": "yes"},
    )
    assert CostReport.objects.filter(pk=default_report.pk).exists()


def _changelist(admin_client, name):
    response = admin_client.get(reverse(f"admin:{name}_changelist"))
    assert response.status_code == 200
    return response.content.decode()


def test_admin_lists_show_numbers_with_separators_and_one_date_format(admin_client, ws, owner):
    """Every admin.py's list: grouped integers, money to the cent (never 114560.1059260000), "1 Dec 2026"."""
    integration = make_integration(ws, "Acme Prod")
    add_costs(integration, [item("2026-12-01", "SMS & MMS", "sms-outbound", "114560.1059260000")])
    IngestionRun.objects.create(
        integration=integration, start_date=date(2026, 11, 1), end_date=date(2026, 11, 30), status=RunStatus.SUCCEEDED,
        pages=1234, records_read=123456, line_items_written=98765, unknown_records=0,
        twilio_total=Decimal("114560.1059260000"), reconciliation_difference=Decimal("-0.004"),
        finished_at=datetime(2026, 12, 1, 9, 5, tzinfo=UTC),
    )
    TwilioUsageCategory.objects.update_or_create(name="brand-new-thing", defaults={"role": "unknown"})
    UnclassifiedUsage.objects.create(integration=integration, category="brand-new-thing", date=date(2026, 12, 1),
                                     account_id="AC1", price=Decimal("1234.5678"), currency="USD")
    tag = VirtualTag.objects.create(workspace=ws, key="Team")
    for n in range(2):
        VirtualTagValue.objects.create(tag=tag, position=n + 1, name=f"V{n}",
                                       filters=[{"conditions": [{"dimension": "service", "operator": "is",
                                                                 "values": ["SMS & MMS"]}]}])

    runs = _changelist(admin_client, "integrations_ingestionrun")
    assert "1,234" in runs and "123,456" in runs and "98,765" in runs
    assert "114,560.11" in runs and "114560.1059" not in runs and "-0.004" in runs
    assert 'field-start_date nowrap">1 Nov 2026<' in runs and 'field-finished_at nowrap">1 Dec 2026, 09:05 UTC<' in runs
    assert 'field-finished_at nowrap">—<' in runs  # the run add_costs recorded has no end: a dash, as on the pages
    integrations = _changelist(admin_client, "integrations_integration")
    assert "114,560.11" in integrations
    categories = admin_client.get(reverse("admin:integrations_twiliousagecategory_changelist"),
                                  {"role__exact": "unknown"}).content.decode()
    assert "1,234.57" in categories
    assert ">2<" in _changelist(admin_client, "tagging_virtualtag")
    workspaces = _changelist(admin_client, "vantage_workspace")
    assert re.search(r"\d{1,2} [A-Z][a-z]{2} \d{4}", workspaces)  # created_at as "1 Dec 2026, 09:05 UTC"
    CostReport.objects.create(workspace=ws, title="Mine", created_by=owner)
    reports = _changelist(admin_client, "costs_costreport")
    assert re.search(r'field-updated_at nowrap">\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC<', reports)


def test_admin_is_named_after_the_product_and_says_api_tokens(admin_client):
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert "Django administration" not in index and "Django site admin" not in index
    assert "Vantage for Twilio administration" in index
    assert "<title>Operations | Vantage for Twilio admin</title>" in index
    assert ">API tokens<" in index and "Api tokens" not in index


def test_admin_integration_cost_to_date_is_per_currency(admin_client, ws):
    usd = make_integration(ws, "Acme US")
    gbp = make_integration(ws, "Acme UK")
    add_costs(usd, [item("2026-11-02", "SMS & MMS", "sms-outbound", "1951085.59")])
    add_costs(gbp, [item("2026-11-02", "SMS & MMS", "sms-outbound", "12.5", currency="GBP"),
                    item("2026-11-03", "SMS & MMS", "sms-outbound", "0.25", currency="GBP")])
    html = _changelist(admin_client, "integrations_integration")
    assert "1,951,085.59 USD" in html and "12.75 GBP" in html
    assert "1,951,098.34" not in html  # never one sum of two currencies


def test_admin_lists_ingestion_runs_newest_month_first(admin_client, ws):
    """Connecting imports the newest month first, so its run starts first: still listed first."""
    integration = make_integration(ws, "Acme Prod")
    for month in (12, 11, 10):  # created (started) newest month first
        IngestionRun.objects.create(integration=integration, start_date=date(2026, month, 1),
                                    end_date=date(2026, month, 28), status=RunStatus.SUCCEEDED)
    runs = _changelist(admin_client, "integrations_ingestionrun")
    found = re.findall(r'field-start_date nowrap">(\d+ \w+ 2026)<', runs)
    assert found == ["1 Dec 2026", "1 Nov 2026", "1 Oct 2026"]
