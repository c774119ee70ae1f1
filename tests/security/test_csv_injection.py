"""Finding 3: a cell a spreadsheet would run as a formula is written as text in every CSV the product writes.

The attacker names a Twilio account ``=cmd|' /C calc'!A0`` (or a virtual tag value ``+x``, ``-x``,
``@x``); whoever downloads the report CSVs, ``/api/v2/costs.csv`` or the budgets CSV must get text, not a
formula. A negative amount stays a number."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from costs.budgets.csvio import export_csv, parse_csv
from costs.budgets.models import Budget, BudgetPeriod
from costs.services import ensure_default_report
from tagging.models import VirtualTag, VirtualTagValue
from tests.costs.factories import add_costs, item, make_integration
from tests.costs.pages import report_query
from vantage.models import ApiToken

pytestmark = pytest.mark.django_db

EVIL_ACCOUNT = "=cmd|' /C calc'!A0"
EVIL_TAG_VALUES = ["+x", "-x", "@x"]
MARCH = {"start_date": "2026-03-01", "end_date": "2026-03-31"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def evil(ws):
    integration = make_integration(ws, EVIL_ACCOUNT)
    add_costs(integration, [
        item("2026-03-02", "SMS & MMS", "sms-outbound", "10.00"),
        item("2026-03-03", "Programmable Voice", "calls-outbound", "4.00"),
        item("2026-03-04", "Lookup", "lookups", "-1.50", charge_type="Credit"),
    ])  # fmt: skip
    tag = VirtualTag.objects.create(workspace=ws, key="Team")
    for position, (value, service) in enumerate(zip(EVIL_TAG_VALUES, ["SMS & MMS", "Programmable Voice", "Lookup"],
                                                    strict=True), start=1):
        rule = [{"conditions": [{"dimension": "service", "operator": "is", "values": [service]}]}]
        VirtualTagValue.objects.create(tag=tag, position=position, name=value, filters=rule)
    return integration


def _rows(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body)))


def _no_formula(rows):
    """No text cell starts a formula; numbers (``-1.50``) may start with a sign."""
    for row in rows:
        for cell in row:
            if cell.startswith(FORMULA_STARTS):
                float(cell)  # raises for a formula: a negative amount is the only thing allowed to start with -


def _body(response) -> str:
    assert response.status_code == 200, response.content[:500]
    return b"".join(response.streaming_content).decode()


@pytest.mark.parametrize("layout", ["wide", "long"])
def test_report_csvs_neutralise_formulas(owner_client, ws, evil, layout):
    report = ensure_default_report(ws)
    query = report_query(**MARCH, group_by=["billing_account", "tag:Team"], layout=layout, mode="spend")
    rows = _rows(_body(owner_client.get(reverse("costs:report_export", args=[report.pk]) + "?" + query)))
    cells = {cell for row in rows for cell in row}
    assert "'" + EVIL_ACCOUNT in cells and EVIL_ACCOUNT not in cells
    assert {"'+x", "'-x", "'@x"} <= cells
    assert "-1.50" in cells or "-1.5" in cells  # the credit stays a number
    _no_formula(rows)


def test_api_costs_csv_neutralises_formulas(client, owner, ws, evil):
    _, raw = ApiToken.issue(owner, "csv")
    response = client.get("/api/v2/costs.csv", {**MARCH, "workspace": ws.pk, "groupings": "billing_account,tag:Team",
                                                "date_bin": "cumulative"}, HTTP_AUTHORIZATION=f"Bearer {raw}")
    rows = _rows(_body(response))
    cells = {cell for row in rows for cell in row}
    assert "'" + EVIL_ACCOUNT in cells and EVIL_ACCOUNT not in cells
    assert {"'+x", "'-x", "'@x"} <= cells
    assert any(c.startswith("-1.5") for c in cells)
    _no_formula(rows)


def test_budgets_csv_neutralises_formulas_and_reads_its_own_export_back(ws):
    for name in ("=HYPERLINK(\"http://evil\")", "@SUM(A1)"):
        budget = Budget.objects.create(workspace=ws, name=name, cost_report=ensure_default_report(ws), currency="USD")
        BudgetPeriod.objects.create(budget=budget, start_month=date(2026, 1, 1), end_month=date(2026, 1, 1),
                                    amount=Decimal(5))
    text = export_csv(ws, today=date(2026, 1, 15))
    rows = _rows(text)
    assert {r[0] for r in rows[1:]} == {"'=HYPERLINK(\"http://evil\")", "'@SUM(A1)"}
    _no_formula(rows)
    assert {row.name for row in parse_csv(text)} == {"=HYPERLINK(\"http://evil\")", "@SUM(A1)"}


def test_every_module_that_writes_csv_uses_the_safe_cells():
    """A CSV writer added later (a FOCUS export, an audit log download) must pass its rows through
    ``vantage.lib.csvcells.safe_row`` too; the sandbox emulator writes Twilio's data, not a download."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    writers = [p for top in ("costs", "integrations", "tagging", "vantage") for p in (root / top).rglob("*.py")
               if "csv.writer(" in p.read_text() or "csv.DictWriter(" in p.read_text()]
    assert writers, "the scan found no CSV writer at all: it is looking in the wrong place"
    unsafe = [str(p.relative_to(root)) for p in writers
              if "sandbox" not in p.parts and "safe_row" not in p.read_text() and "safe_cell" not in p.read_text()]
    assert not unsafe, f"these modules write CSV without vantage.lib.csvcells.safe_row: {unsafe}"
