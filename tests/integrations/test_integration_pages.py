"""The integration page and the Manage tab as a newcomer reads them: which runs, in which order, and every
count, amount and time in the one format of the pages (vantage.lib.formatting), live updates included."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from integrations import history
from integrations.models import IngestionRun, Integration, IntegrationStatus, RunStatus, RunTrigger
from tests.costs.factories import add_costs, item
from vantage.lib.dates import add_months, month_end, month_start, utc_today

pytestmark = pytest.mark.django_db

REFRESHED = datetime(2026, 12, 1, 16, 44, tzinfo=UTC)


@pytest.fixture
def no_tasks(monkeypatch):
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kw: queued.append((func.__name__, args)))
    return queued


def detail(client, integration):
    return client.get(reverse("integrations:detail", args=[integration.pk])).content.decode()


def status_json(client, integration):
    return client.get(reverse("integrations:status", args=[integration.pk]))


def add_run(integration, start, *, started, status=RunStatus.SUCCEEDED, trigger=RunTrigger.BACKFILL, **fields):
    run = IngestionRun.objects.create(integration=integration, start_date=start, end_date=month_end(start),
                                      status=status, trigger=trigger, **fields)
    IngestionRun.objects.filter(pk=run.pk).update(started_at=started)  # auto_now_add: set it afterwards
    return run


def connect_history(integration):
    """What connecting leaves: the current month and the twelve before it, imported newest month first."""
    start, end = history.history_range()
    months = []
    month = month_start(end)
    while month >= start:
        months.append(month)
        month = add_months(month, -1)
    t0 = timezone.now() - timedelta(hours=1)
    for n, month in enumerate(months):  # newest month first: its run started first
        add_run(integration, month, started=t0 + timedelta(minutes=n), records_read=1000 + n)
    return months


def window_starts(html):
    """The first days of the windows in the "Recent imports" table, top to bottom."""
    table = html[html.index("<h2>Recent imports</h2>"):]
    return re.findall(r"<tr><td>(\d{1,2} \w{3} \d{4})", table)


def test_recent_imports_show_the_current_month_first_and_a_running_import_on_top(owner_client, integration):
    months = connect_history(integration)
    current, previous = months[0], months[1]
    later = timezone.now() - timedelta(minutes=5)
    # two daily refreshes of the current month: only the latest shows
    add_run(integration, current, started=later, trigger=RunTrigger.REFRESH, records_read=7)
    add_run(integration, current, started=later + timedelta(minutes=1), trigger=RunTrigger.REFRESH, records_read=8)
    # an import of earlier history, running: it is what happens now, so it leads
    earlier = add_months(months[-1], -1)
    add_run(integration, earlier, started=later + timedelta(minutes=2), status=RunStatus.RUNNING,
            trigger=RunTrigger.EARLIER)

    starts = window_starts(detail(owner_client, integration))
    expected = [earlier, *months]
    assert starts == [f"{m.day} {m:%b %Y}" for m in expected]  # one row per month, newest month first
    assert len(starts) == 14 and starts[1] == f"1 {current:%b %Y}" and starts[2] == f"1 {previous:%b %Y}"
    table = detail(owner_client, integration).split("<h2>Recent imports</h2>")[1]
    assert "Daily refresh" in table and table.count("Daily refresh") == 1


def test_counts_amounts_and_times_on_the_detail_page_are_formatted(owner_client, integration):
    add_costs(integration, [item("2026-11-03", "SMS & MMS", "sms-outbound", "1951085.59", currency="GBP")])
    add_run(integration, date(2026, 11, 1), started=timezone.now(), records_read=32940, line_items_written=17382,
            twilio_total=Decimal("124501.2910"), reconciliation_difference=Decimal("633.55"))
    Integration.objects.filter(pk=integration.pk).update(
        status=IntegrationStatus.IMPORTING, import_windows_total=6, import_windows_done=2, import_records_read=32940,
        last_refreshed_at=REFRESHED)
    html = detail(owner_client, integration)
    assert "2 of 6 months · 32,940 records read" in html and "32940" not in html
    assert "17,382" in html and "1,951,085.59 GBP" in html
    assert "124,501.29 GBP" in html and "633.55 GBP" in html  # the run's totals in the billing currency
    assert "1 Dec 2026, 16:44 UTC" in html


def test_the_live_update_gets_the_page_formats_from_the_status_json(owner_client, integration):
    Integration.objects.filter(pk=integration.pk).update(
        status=IntegrationStatus.IMPORTING, import_records_read=32940, last_refreshed_at=REFRESHED)
    status = status_json(owner_client, integration).json()
    assert status["records_read"] == 32940 and status["records_read_display"] == "32,940"
    assert status["last_refreshed_at"].startswith("2026-12-01T16:44")  # programs keep ISO 8601
    assert status["last_refreshed_display"] == "1 Dec 2026, 16:44 UTC"
    # the page prints exactly what the script will write over it
    html = detail(owner_client, integration)
    assert f'data-role="last-refreshed">{status["last_refreshed_display"]}<' in html
    assert f'{status["records_read_display"]} records read' in html


def test_status_json_is_only_for_the_integrations_workspace(client, outsider, integration):
    client.force_login(outsider)
    assert status_json(client, integration).status_code == 404


def test_manage_tab_shows_what_is_imported_and_when_in_the_page_formats(owner_client, integration):
    add_costs(integration, [item("2026-11-03", "SMS & MMS", "sms-outbound", "10.5"),
                            item("2026-11-04", "SMS & MMS", "sms-outbound", "1000000")])
    add_run(integration, date(2025, 12, 1), started=timezone.now())
    Integration.objects.filter(pk=integration.pk).update(
        status=IntegrationStatus.IMPORTED, import_records_read=32940, last_refreshed_at=REFRESHED)
    html = owner_client.get(reverse("integrations:twilio") + "?tab=manage").content.decode()
    row = html[html.index("Acme Twilio"):]
    assert "2 line items" in row and "since Dec 2025" in row
    assert "32,940 records" not in row and "32940" not in row  # not the last job's records
    assert "1 Dec 2026, 16:44 UTC" in row and " ago" not in row
    assert "1,000,010.50 USD" in row


def test_while_importing_sync_and_earlier_history_are_disabled_and_refused(owner_client, integration, no_tasks):
    connect_history(integration)
    html = detail(owner_client, integration)
    assert "An import is running" not in html and "<fieldset disabled>" not in html
    integration.save_fields(status=IntegrationStatus.IMPORTING)

    html = detail(owner_client, integration)
    sync = re.search(r'<button class="btn" type="submit"([^>]*)>Sync now</button>', html)
    assert sync and " disabled" in sync[1]
    form = html[html.index('id="earlier-history-form"'):]
    form = form[:form.index("</form>")]
    assert "<fieldset disabled>" in form and 'type="month"' in form  # the month and the button, both off
    assert "An import is running: you can import earlier months when it finishes." in form
    # the server refuses too (a page opened before the import started still has live buttons)
    back_to = add_months(history.history_range()[0], -2)
    response = owner_client.post(reverse("integrations:import_earlier", args=[integration.pk]),
                                 {"start_month": f"{back_to:%Y-%m}"}, follow=True)
    assert "already running" in response.content.decode()
    response = owner_client.post(reverse("integrations:sync", args=[integration.pk]), follow=True)
    assert "already running" in response.content.decode()
    assert no_tasks == []


def test_month_picker_offers_only_months_before_the_first_imported(owner_client, integration):
    months = connect_history(integration)
    first = months[-1]
    html = detail(owner_client, integration)
    field = re.search(r'<input type="month"[^>]*>', html)[0]
    latest = add_months(first, -1)
    assert f'max="{latest:%Y-%m}"' in field and f'value="{add_months(latest, -11):%Y-%m}"' in field
    assert f'max="{first:%Y-%m}"' not in field
    lowest = add_months(month_start(utc_today()), -history.MAX_MONTHS_BACK)
    assert f'min="{lowest:%Y-%m}"' in field
    assert "/static/css/app.css" in html  # styled as the other inputs are (a static file: no inline <style>, CSP)
    assert ".field input[type=month]" in (settings.BASE_DIR / "static/css/app.css").read_text()


def test_the_integrations_section_opens_its_provider_page(owner_client):
    response = owner_client.get("/settings/integrations/")
    assert response.status_code == 302 and response["Location"] == "/settings/integrations/twilio/"
