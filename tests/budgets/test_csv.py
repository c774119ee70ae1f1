from datetime import date
from decimal import Decimal

import pytest

from costs.budgets.csvio import CsvImportError, export_csv, import_csv
from costs.budgets.models import Budget, BudgetPeriod
from costs.models import CostReport
from tests.budgets.conftest import TODAY, make_budget

pytestmark = pytest.mark.django_db

GOOD = """Budget Name,Parent Budget,2026-01,2026-02,2026-03
Company,,,,
SMS,Company,100.00,100.00,120.50
Voice,Company,40,,40
"""


def test_import_then_export_round_trip(ws, owner, report):
    assert import_csv(ws, owner, GOOD, report) == {"created": 3, "updated": 0}
    sms = Budget.objects.get(name="SMS")
    assert sms.parent.name == "Company" and sms.currency == "USD" and sms.cost_report == report
    assert list(sms.periods.values_list("start_month", "end_month", "amount")) == [
        (date(2026, 1, 1), date(2026, 2, 1), Decimal("100.00")),
        (date(2026, 3, 1), date(2026, 3, 1), Decimal("120.50")),
    ]
    assert not Budget.objects.get(name="Company").periods.exists()
    exported = export_csv(ws, TODAY)
    assert exported.splitlines() == [
        "Budget Name,Parent Budget,2026-01,2026-02,2026-03",
        "Company,,140.00,100.00,160.50",
        "SMS,Company,100.00,100.00,120.50",
        "Voice,Company,40.00,,40.00",
    ]
    assert import_csv(ws, owner, exported, report) == {"created": 0, "updated": 3}
    assert export_csv(ws, TODAY) == exported


@pytest.mark.parametrize(("text", "message"), [
    ("Budget Name,2026-01\nSMS,-5\n", "Row 2, column 2026-01: A budget cannot be negative."),
    ("Budget Name,2026-01\nSMS,lots\n", "Row 2, column 2026-01: “lots” is not an amount"),
    ("Budget Name,2026-01\nSMS,1e15\n", "Row 2, column 2026-01: 1,000,000,000,000,000.00 a month is not a plausible"),
    ("Budget Name,2026-13\nSMS,5\n", "Row 1, column 2: “2026-13” is not a month"),
    ("Name,2026-01\nSMS,5\n", "Row 1: the first column must be “Budget Name”."),
    ("Budget Name,2026-01\nSMS,5\nsms,6\n", "Row 3, column Budget Name: “sms” is already on row 2"),
    ("Budget Name,Parent Budget,2026-01\nA,B,5\nB,A,\n", "Row 2, column Parent Budget: “B” is under “A”"),
    ("Budget Name,Parent Budget,2026-01\nA,Nope,5\n", "Row 2, column Parent Budget: there is no budget named “Nope”"),
])
def test_bad_csv_saves_nothing(ws, owner, report, text, message):
    make_budget(ws, report, name="Keep", amount="7.00")
    with pytest.raises(CsvImportError) as caught:
        import_csv(ws, owner, text, report)
    assert any(e.startswith(message) for e in caught.value.errors), caught.value.errors
    assert list(Budget.objects.values_list("name", flat=True)) == ["Keep"]
    assert BudgetPeriod.objects.get().amount == Decimal("7.00")


def test_eleven_levels_refused(ws, owner, report):
    lines = ["Budget Name,Parent Budget,2026-01"] + [f"L{i},{f'L{i - 1}' if i else ''}," for i in range(11)]
    with pytest.raises(CsvImportError) as caught:
        import_csv(ws, owner, "\n".join(lines) + "5\n", report)
    assert any("deeper than 10 levels" in e for e in caught.value.errors)
    assert not Budget.objects.exists()
    assert import_csv(ws, owner, "\n".join(lines[:11]) + "5\n", report)["created"] == 10  # ten levels are fine


def test_report_of_another_workspace_refused(ws, owner, other_ws):
    theirs = CostReport.objects.create(workspace=other_ws, title="Theirs")
    with pytest.raises(CsvImportError) as caught:
        import_csv(ws, owner, GOOD, theirs)
    assert caught.value.errors == ["Cost report: Choose one of this workspace's cost reports."]
    assert not Budget.objects.exists()


def test_a_round_trip_keeps_an_open_ended_budget_open_ended(ws, owner, report):
    """The export names the months up to this year's end; importing it back keeps what the file does not
    speak of (the open-ended rest, months before its first column)."""
    budget = make_budget(ws, report, name="Total", amount="120000.00", start=date(2025, 6, 1))
    exported = export_csv(ws, TODAY)
    assert import_csv(ws, owner, exported, report) == {"created": 0, "updated": 1}
    assert list(budget.periods.values_list("start_month", "end_month", "amount")) == [
        (date(2025, 6, 1), None, Decimal("120000.00"))
    ]
    # a file that changes two months keeps the rest on either side
    import_csv(ws, owner, "Budget Name,2026-03,2026-04\nTotal,1.00,2.00\n", report)
    assert list(budget.periods.order_by("start_month").values_list("start_month", "end_month", "amount")) == [
        (date(2025, 6, 1), date(2026, 2, 1), Decimal("120000.00")),
        (date(2026, 3, 1), date(2026, 3, 1), Decimal("1.00")),
        (date(2026, 4, 1), date(2026, 4, 1), Decimal("2.00")),
        (date(2026, 5, 1), None, Decimal("120000.00")),
    ]
