"""A person pastes the sandbox credentials into the Connect form and watches the import finish."""

import threading

import pytest

from integrations.twilio.sandbox import serve_in_thread
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in
from vantage.models import Membership, Role, Workspace

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def background_tasks(monkeypatch):
    """Run queued tasks in a background thread, as the django-q2 worker would, so the page can poll."""
    threads = []

    def async_task(func, *args, **kwargs):
        from django.db import connection

        def run():
            try:
                func(*args)
            finally:
                connection.close()

        t = threading.Thread(target=run, daemon=True)
        threads.append(t)
        t.start()

    monkeypatch.setattr("django_q.tasks.async_task", async_task)
    yield threads
    for t in threads:
        t.join(timeout=60)


def test_connect_watch_progress_and_see_it_on_manage(page, settings, django_user_model, background_tasks):
    server, base_url = serve_in_thread(seed=3, latency=0.05)
    settings.TWILIO_API_BASE_URL = base_url
    try:
        user = django_user_model.objects.create_user(username="finops", password=PASSWORD)
        Membership.objects.create(
            user=user, workspace=Workspace.objects.get_or_create(name="Default")[0], role=Role.OWNER
        )
        creds = next(c for c in server.sandbox.credentials() if c["kind"] == "standalone")

        sign_in(page, "finops", PASSWORD)
        page.click("text=Integrations")
        page.click("nav.tabs >> text=Connect")
        page.fill("#id_api_key_sid", creds["api_key_sid"])
        page.fill("#id_api_secret", "not-the-secret")
        page.fill("#id_account_sid", creds["account_sid"])
        page.fill("#id_account_name", "Globex UK")
        page.click("text=Connect Account")
        assert "Twilio rejected this API key and secret" in page.inner_text("#id_api_secret_error")

        page.fill("#id_api_secret", creds["api_secret"])
        page.click("text=Connect Account")
        page.wait_for_url("**/settings/integrations/twilio/*/")
        assert page.locator(".import-status [data-role=badge]").inner_text() in ("Importing", "Imported")
        page.wait_for_selector(".import-status[data-status=imported]", timeout=60_000)
        # the page reloads itself once the import is done; let that finish before navigating away
        page.wait_for_selector("body:not([data-reloading])", timeout=10_000)
        page.wait_for_load_state("load")
        assert "13 of 13 months" in page.inner_text(".import-status")  # this month and the twelve before it
        assert creds["api_secret"] not in page.content()

        page.goto("/settings/integrations/twilio/?tab=manage")
        row = page.locator(".integrations-table tbody tr", has_text="Globex UK")
        assert "Imported" in row.inner_text() and "GBP" in row.inner_text()

        # All Resources over the thirteen imported months equals Twilio's billed totalprice
        from integrations.twilio.importer import history_range

        start, end = history_range()
        page.click("nav.sidenav >> text=Cost Reports")
        page.click("text=All Resources")
        page.select_option("#id_date_range", "custom")
        page.fill("#id_start_date", start.isoformat())
        page.fill("#id_end_date", end.isoformat())
        page.select_option("#id_bin", "month")
        page.click("button:has-text('Apply')")
        page.wait_for_selector("#reconciliation")
        assert "Matches Twilio's billed total" in page.inner_text("#reconciliation")
        page.click("#columns-bins")  # the per-bin table: a column per month
        page.wait_for_selector("#report-table.pivot")
        assert page.locator("#report-table thead th").count() >= 15  # group + thirteen months + total
        assert page.locator("svg.report-chart[role=img]").count() == 1
    finally:
        server.shutdown()
