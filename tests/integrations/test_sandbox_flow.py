"""End to end against the local Twilio sandbox over real loopback HTTP."""

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum  # noqa: F401
from django.urls import reverse

from costs.models import BilledTotal, CostLineItem
from integrations.models import Integration, IntegrationStatus, RunStatus
from integrations.twilio import client as tw
from integrations.twilio import importer
from integrations.twilio.sandbox import UNKNOWN_CATEGORIES, serve_in_thread
from vantage.lib.money import ExactSum

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox]
TODAY = date(2026, 11, 27)


@pytest.fixture
def sandbox(settings):
    server, base_url = serve_in_thread(seed=7, today=TODAY)
    settings.TWILIO_API_BASE_URL = base_url
    yield server.sandbox
    server.shutdown()


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(tw.time, "sleep", lambda s: None)


def make_integration(sandbox, ws, kind="main"):
    creds = next(c for c in sandbox.credentials() if c["kind"] == kind)
    i = Integration.objects.create(account_name=creds["name"], account_sid=creds["account_sid"],
                                   api_key_sid=creds["api_key_sid"], api_secret=creds["api_secret"])
    i.workspaces.add(ws)
    return i


def assert_reconciles(sandbox, integration, start, end):
    """Per account and day: stored line items == sandbox totalprice; residual == unknown categories only."""
    stored = defaultdict(Decimal)
    items = CostLineItem.objects.filter(integration=integration)
    for acct, day, cost in items.values_list("account_id", "date", "cost"):
        stored[(acct, day)] += cost or 0
    residual = dict(
        CostLineItem.objects.filter(integration=integration, category="unattributed")
        .values_list("date", "cost")
    )
    day = start
    checked = 0
    while day <= end:
        records = sandbox.daily_records(integration.account_sid, day)
        total = next((Decimal(r["price"]) for r in records if r["category"] == "totalprice"), None)
        if total is not None:
            assert stored[(integration.account_sid, day)] == total, day
            unknown = sum((Decimal(r["price"]) for r in records if r["category"] in UNKNOWN_CATEGORIES), Decimal(0))
            assert residual.get(day, Decimal(0)) == unknown, f"catalog and sandbox disagree on {day}"
            checked += 1
        day += timedelta(days=1)
    return checked


def test_connect_import_imported_flow(client, owner, ws, sandbox, django_capture_on_commit_callbacks):
    creds = next(c for c in sandbox.credentials() if c["kind"] == "main")
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("integrations:twilio"), {
            "api_key_sid": creds["api_key_sid"], "api_secret": creds["api_secret"],
            "account_sid": creds["account_sid"], "account_name": "Sandbox Main",
        })
    assert response.status_code == 302
    integration = Integration.objects.get()
    assert integration.status == IntegrationStatus.IMPORTED, integration.status_message
    assert integration.import_windows_done == integration.import_windows_total == 13  # this month + 12
    start, end = importer.history_range()
    assert integration.runs.filter(status=RunStatus.SUCCEEDED).count() == 13
    assert integration.runs.order_by("started_at", "pk").first().end_date == end  # newest month first
    status = client.get(reverse("integrations:status", args=[integration.pk])).json()
    assert status["status"] == "imported" and status["percent"] == 100 and status["records_read"] > 1000
    # subaccounts are rolled into the main account
    assert set(CostLineItem.objects.values_list("account_id", flat=True)) == {creds["account_sid"]}
    billed = BilledTotal.objects.aggregate(s=ExactSum("amount"))["s"]
    assert CostLineItem.objects.aggregate(s=ExactSum("cost"))["s"] == billed
    manage = client.get(reverse("integrations:twilio") + "?tab=manage").content.decode()
    assert "Sandbox Main" in manage and creds["api_secret"] not in manage


def test_wrong_secret_and_foreign_account_against_the_sandbox(client, owner, ws, sandbox):
    main = next(c for c in sandbox.credentials() if c["kind"] == "main")
    other = next(c for c in sandbox.credentials() if c["kind"] == "standalone")
    client.force_login(owner)
    url = reverse("integrations:twilio")
    r = client.post(url, {"api_key_sid": main["api_key_sid"], "api_secret": main["api_secret"][::-1],
                          "account_sid": main["account_sid"], "account_name": "X"})
    assert "Twilio rejected this API key and secret" in r.content.decode()
    r = client.post(url, {"api_key_sid": main["api_key_sid"], "api_secret": main["api_secret"],
                          "account_sid": other["account_sid"], "account_name": "X"})
    assert "cannot read that Account SID" in r.content.decode()
    assert not Integration.objects.exists()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reconciliation_property_random_seeds_and_ranges(settings, ws, seed):
    rng = random.Random(seed)
    server, base_url = serve_in_thread(seed=seed, today=TODAY)
    settings.TWILIO_API_BASE_URL = base_url
    try:
        kind = rng.choice(["main", "standalone", "subaccount"])
        integration = make_integration(server.sandbox, ws, kind)
        start = TODAY - timedelta(days=rng.randint(20, 200))
        end = min(TODAY, start + timedelta(days=rng.randint(0, 70)))
        importer.import_range(integration, start, end)
        assert assert_reconciles(server.sandbox, integration, start, end) > 0
    finally:
        server.shutdown()


def test_import_survives_429_and_500_storms(settings, ws):
    server, base_url = serve_in_thread(seed=5, today=TODAY, fail_429_rate=0.3, fail_500_rate=0.15)
    settings.TWILIO_API_BASE_URL = base_url
    try:
        integration = make_integration(server.sandbox, ws)
        start, end = date(2026, 9, 1), date(2026, 10, 31)
        client = tw.client_for(integration, max_attempts=12, sleep=lambda s: None)
        importer.import_range(integration, start, end, client=client)
        assert client.retries > 0
        assert assert_reconciles(server.sandbox, integration, start, end) == 61
    finally:
        server.shutdown()


def test_management_command_imports_and_prints_a_summary(sandbox, ws, capsys):
    from django.core.management import call_command

    integration = make_integration(sandbox, ws, "standalone")
    call_command("ingest_twilio", "--integration", integration.account_name,
                 "--start", "2026-10-01", "--end", "2026-11-27")  # fmt: skip
    out = capsys.readouterr().out
    assert "Done: 2 windows" in out and "Twilio total" in out
    assert assert_reconciles(sandbox, integration, date(2026, 10, 1), date(2026, 11, 27)) == 58


def test_management_command_fails_clearly(sandbox, ws):
    from django.core.management import CommandError, call_command

    integration = make_integration(sandbox, ws)
    with pytest.raises(CommandError, match="No Twilio integration"):
        call_command("ingest_twilio", "--integration", "nope")
    with pytest.raises(CommandError, match="before --start"):
        call_command("ingest_twilio", "--integration", str(integration.pk),
                     "--start", "2026-05-02", "--end", "2026-05-01")  # fmt: skip
    Integration.objects.filter(pk=integration.pk).update(api_secret="wrong")
    with pytest.raises(CommandError, match="20003"):
        call_command("ingest_twilio", "--integration", str(integration.pk), "--start", "2026-11-01")
