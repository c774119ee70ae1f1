"""Against the local Twilio sandbox: the export's BilledCost adds up to Twilio's ``totalprice``."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest

from costs.focus.services import export_focus
from costs.scoping import workspace_line_items
from integrations.models import Integration
from integrations.twilio import client as tw
from integrations.twilio import importer
from integrations.twilio.sandbox import serve_in_thread

from .conftest import read_csv, read_parquet

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox]
TODAY = date(2026, 11, 27)
START, END = date(2026, 9, 20), date(2026, 10, 31)  # across a month end: two billing periods
CENT = Decimal("0.01")


@pytest.fixture
def sandbox(settings, monkeypatch):
    monkeypatch.setattr(tw.time, "sleep", lambda s: None)
    server, base_url = serve_in_thread(seed=11, today=TODAY)
    settings.TWILIO_API_BASE_URL = base_url
    yield server.sandbox
    server.shutdown()


def twilio_totals(sandbox, integrations) -> dict[str, Decimal]:
    totals = defaultdict(Decimal)
    for integration in integrations:
        day = START
        while day <= END:
            for r in sandbox.daily_records(integration.account_sid, day):
                if r["category"] == "totalprice":
                    totals[r["price_unit"].upper()] += Decimal(r["price"])
            day += timedelta(days=1)
    return dict(totals)


def test_billed_cost_adds_up_to_twilios_totalprice_to_the_cent(sandbox, ws):
    integrations = []
    for kind in ("main", "standalone"):  # USD with two subaccounts; GBP
        creds = next(c for c in sandbox.credentials() if c["kind"] == kind)
        integration = Integration.objects.create(account_name=creds["name"], account_sid=creds["account_sid"],
                                                 api_key_sid=creds["api_key_sid"], api_secret=creds["api_secret"])
        integration.workspaces.add(ws)
        importer.import_range(integration, START, END)
        integrations.append(integration)
    expected = twilio_totals(sandbox, integrations)
    assert set(expected) == {"USD", "GBP"}

    csv_rows = read_csv("".join(export_focus(workspace_line_items(ws), ws, START, END, "csv").chunks))
    sums = defaultdict(Decimal)
    for row in csv_rows:
        sums[row["BillingCurrency"]] += Decimal(row["BilledCost"])
    assert {c: v.quantize(CENT) for c, v in sums.items()} == {c: v.quantize(CENT) for c, v in expected.items()}

    table = read_parquet(b"".join(export_focus(workspace_line_items(ws), ws, START, END, "parquet").chunks))
    parquet_sums = defaultdict(Decimal)
    for currency, cost in zip(table.column("BillingCurrency").to_pylist(), table.column("BilledCost").to_pylist(),
                              strict=True):  # fmt: skip
        parquet_sums[currency] += cost
    assert parquet_sums == sums  # exactly the same decimals
    assert {r["ChargeCategory"] for r in csv_rows} >= {"Usage", "Credit", "Adjustment"}
    # Twilio reports a main account's subaccounts' usage under the main account (IncludeSubaccounts)
    assert {(r["BillingAccountId"], r["SubAccountId"]) for r in csv_rows} == {(i.account_sid, i.account_sid)
                                                                             for i in integrations}
