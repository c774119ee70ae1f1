"""A person imports earlier history from the integration page and watches the progress bar reach done."""

from datetime import UTC, datetime

import pytest

from integrations import history
from integrations.models import Integration, IntegrationStatus, RunTrigger
from integrations.twilio import importer
from integrations.twilio.sandbox import serve_in_thread
from tests.conftest import PASSWORD
from tests.costs.factories import make_integration
from tests.e2e.conftest import sign_in
from tests.e2e.test_connect import background_tasks  # noqa: F401 - the fixture
from vantage.lib.dates import add_months, utc_today
from vantage.models import Membership, Role, Workspace

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_import_earlier_history_and_watch_it_finish(page, settings, django_user_model, background_tasks):  # noqa: F811
    server, base_url = serve_in_thread(seed=3, today=utc_today(), latency=0.02)
    settings.TWILIO_API_BASE_URL = base_url
    try:
        user = django_user_model.objects.create_user(username="finops", password=PASSWORD)
        ws = Workspace.objects.get_or_create(name="Default")[0]
        Membership.objects.create(user=user, workspace=ws, role=Role.OWNER)
        creds = next(c for c in server.sandbox.credentials() if c["kind"] == "standalone")
        integration = Integration.objects.create(
            account_name="Globex UK", account_sid=creds["account_sid"], api_key_sid=creds["api_key_sid"],
            api_secret=creds["api_secret"])
        integration.workspaces.add(ws)
        importer.import_history(integration)  # what connecting did
        first = history.history_range()[0]
        back_to = add_months(first, -3)

        sign_in(page, "finops", PASSWORD)
        page.goto(f"/settings/integrations/twilio/{integration.pk}/")
        assert page.inner_text("[data-role=history-from]") == f"from {first:%b %Y}"
        page.fill("#id_start_month", "1999-01")
        page.click("button:has-text('Import earlier history')")
        assert "at most 36 months" in page.inner_text("#id_start_month_error")

        page.fill("#id_start_month", f"{back_to:%Y-%m}")
        page.click("button:has-text('Import earlier history')")
        page.wait_for_url(f"**/settings/integrations/twilio/{integration.pk}/")
        assert f"Importing 3 earlier months back to {back_to:%b %Y}" in page.inner_text(".messages")
        page.wait_for_selector(".import-status[data-status=imported]", timeout=60_000)
        page.wait_for_selector("body:not([data-reloading])", timeout=10_000)
        page.wait_for_load_state("load")
        status = page.locator(".import-status")
        assert "3 of 3 months" in status.inner_text()
        assert status.locator(".progress").get_attribute("aria-valuenow") == "100"
        assert page.inner_text("[data-role=history-from]") == f"from {back_to:%b %Y}"
        assert page.locator("table.data tbody tr", has_text="Earlier history").count() == 3
        assert integration.runs.filter(trigger=RunTrigger.EARLIER, status="succeeded").count() == 3
        assert creds["api_secret"] not in page.content()
    finally:
        server.shutdown()


def test_while_importing_the_page_is_locked_and_the_live_update_keeps_the_page_formats(page, django_user_model):
    """An import "running" (its counters moved by the test, as a worker would): the controls that would start
    another stay disabled with the reason, and the progress the script writes reads as the server's page does."""
    user = django_user_model.objects.create_user(username="finops", password=PASSWORD)
    ws = Workspace.objects.get_or_create(name="Default")[0]
    Membership.objects.create(user=user, workspace=ws, role=Role.OWNER)
    integration = make_integration(ws, "Globex UK")
    integration.save_fields(status=IntegrationStatus.IMPORTING, import_windows_total=6, import_windows_done=1,
                            import_records_read=12)

    sign_in(page, "finops", PASSWORD)
    page.goto(f"/settings/integrations/twilio/{integration.pk}/")
    assert page.locator("button:has-text('Sync now')").is_disabled()
    assert page.locator("#id_start_month").is_disabled()
    assert page.locator("button:has-text('Import earlier history')").is_disabled()
    assert "An import is running" in page.inner_text("#earlier-history")

    refreshed = datetime(2026, 12, 1, 16, 44, tzinfo=UTC)
    integration.save_fields(import_windows_done=2, import_records_read=32940, last_refreshed_at=refreshed)
    # a locator, not wait_for_function("..."): Playwright evals a string predicate, which the CSP refuses
    page.locator("[data-role=detail]", has_text="32,940 records read").wait_for(timeout=15_000)
    assert page.inner_text("[data-role=detail]") == "2 of 6 months · 32,940 records read"
    assert page.inner_text("[data-role=last-refreshed]") == "1 Dec 2026, 16:44 UTC"
    page.reload()  # the server renders the very same text
    assert page.inner_text("[data-role=detail]") == "2 of 6 months · 32,940 records read"
    assert page.inner_text("[data-role=last-refreshed]") == "1 Dec 2026, 16:44 UTC"
