"""Evaluation: direction, % and amount (both must be crossed), per group, per period, complete periods only."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from costs.alerting import alerts
from costs.alerting.figures import report_changes
from costs.alerting.models import CostAlertEvent
from costs.alerting.periods import complete_period, previous
from costs.models import CostReport
from integrations.models import IngestionRun
from tests.costs.factories import add_costs, item
from vantage.notifications.models import Notification

from .conftest import TODAY, make_alert

pytestmark = pytest.mark.django_db


@pytest.fixture
def costs(integration):
    """SMS 100 -> 180 (+80%, +80), Voice 50 -> 20 (-60%, -30), Lookup 0 -> 5 (new) from the 9th to the 10th."""
    add_costs(integration, [
        item("2026-11-09", "SMS & MMS", "sms-outbound", "60.00"),
        item("2026-11-09", "SMS & MMS", "sms-inbound", "40.00"),
        item("2026-11-10", "SMS & MMS", "sms-outbound", "150.00"),
        item("2026-11-10", "SMS & MMS", "sms-inbound", "30.00"),
        item("2026-11-09", "Voice", "calls-outbound", "50.00"), item("2026-11-10", "Voice", "calls-outbound", "20.00"),
        item("2026-11-10", "Lookup", "lookups", "5.00"),
    ])  # fmt: skip


def groups(events):
    return sorted(e.group for e in events)


@pytest.mark.parametrize(("period", "today", "expected"), [
    ("day", date(2026, 11, 11), ((2026, 11, 10), (2026, 11, 10), (2026, 11, 9))),
    ("week", date(2026, 11, 11), ((2026, 11, 2), (2026, 11, 8), (2026, 10, 26))),
    ("week", date(2026, 11, 9), ((2026, 11, 2), (2026, 11, 8), (2026, 10, 26))),  # a Monday: last week is complete
    ("month", date(2026, 3, 1), ((2026, 2, 1), (2026, 2, 28), (2026, 1, 1))),
    ("quarter", date(2026, 11, 11), ((2026, 7, 1), (2026, 9, 30), (2026, 4, 1))),
    ("quarter", date(2026, 1, 5), ((2025, 10, 1), (2025, 12, 31), (2025, 7, 1))),
])
def test_periods_are_the_last_complete_one_and_the_one_before(period, today, expected):
    start, end = complete_period(period, today)
    assert (start, end, previous(period, start)[0]) == tuple(date(*d) for d in expected)


def test_up_fires_on_increases_only_and_per_service_when_ungrouped(ws, report, costs, owner):
    alert = make_alert(ws, [report], percent=50, direction="up", recipients=[owner])
    events = alerts.evaluate(ws, TODAY)
    assert groups(events) == ["Lookup", "SMS & MMS"]  # Lookup is new: from nothing, any % is reached
    sms = next(e for e in events if e.group == "SMS & MMS")
    assert (sms.previous_amount, sms.amount, sms.change, sms.percent) == (Decimal(100), Decimal(180), Decimal(80),
                                                                          Decimal("80.00"))
    assert sms.period_start == sms.period_end == date(2026, 11, 10) and sms.alert == alert


def test_down_and_either(ws, report, costs):
    make_alert(ws, [report], percent=50, direction="down", name="down")
    make_alert(ws, [report], percent=50, direction="either", name="either")
    events = alerts.evaluate(ws, TODAY)
    assert groups(e for e in events if e.alert.name == "down") == ["Voice"]
    assert groups(e for e in events if e.alert.name == "either") == ["Lookup", "SMS & MMS", "Voice"]


@pytest.mark.parametrize(("percent", "amount", "expected"), [
    (50, None, ["Lookup", "SMS & MMS", "Voice"]),
    (None, 25, ["SMS & MMS", "Voice"]),  # Lookup's +5 is under 25
    (50, 40, ["SMS & MMS"]),  # both: Voice's -30 misses the amount, Lookup's +5 too
    (70, 25, ["SMS & MMS"]),  # both: Voice's -60% misses the %
    (90, 90, []),
])
def test_percent_and_amount_both_must_be_crossed(ws, report, costs, percent, amount, expected):
    make_alert(ws, [report], percent=percent, amount=amount, direction="either")
    assert groups(alerts.evaluate(ws, TODAY)) == expected


def test_per_group_of_a_grouped_report(ws, owner, costs):
    by_category = CostReport.objects.create(workspace=ws, title="SMS by category", groupings=["category"],
                                            filters={"service": {"op": "is", "values": ["SMS & MMS"]}})
    make_alert(ws, [by_category], amount=20, direction="either")
    events = alerts.evaluate(ws, TODAY)
    # sms-outbound +90, sms-inbound -10: only the first; Voice is outside the report's filter
    assert [(e.group, e.change) for e in events] == [("sms-outbound", Decimal(90))]


def test_weekly_and_monthly_periods(ws, report, integration):
    add_costs(integration, [
        item("2026-10-27", "SMS & MMS", "sms-outbound", "10.00"),  # week of 26 Oct
        item("2026-11-03", "SMS & MMS", "sms-outbound", "30.00"),  # week of 2 Nov
        item("2026-11-05", "SMS & MMS", "sms-outbound", "30.00"),
    ])
    make_alert(ws, [report], percent=100, period="week", name="weekly")
    make_alert(ws, [report], percent=100, period="month", name="monthly")
    events = alerts.evaluate(ws, TODAY)
    [weekly] = [e for e in events if e.alert.name == "weekly"]
    assert (weekly.period_start, weekly.period_end, weekly.previous_amount, weekly.amount) == (
        date(2026, 11, 2), date(2026, 11, 8), Decimal(10), Decimal(60))
    assert not [e for e in events if e.alert.name == "monthly"]  # October against September: not up 100%
    [monthly] = alerts.evaluate(ws, date(2026, 12, 3))  # November (60) against October (10)
    assert (monthly.alert.name, monthly.period_start, monthly.amount) == ("monthly", date(2026, 11, 1), Decimal(60))


def test_once_per_group_and_period_across_evaluations_and_reimports(ws, report, costs, integration, owner):
    owner.email = "olivia@example.com"
    owner.save()
    make_alert(ws, [report], percent=50, recipients=[owner])
    assert len(alerts.evaluate(ws, TODAY)) == 2
    # a re-import changes the day
    add_costs(integration, [item("2026-11-10", "SMS & MMS", "mms-outbound", "1.00")], billed=False)
    assert alerts.evaluate(ws, TODAY) == []
    assert CostAlertEvent.objects.count() == 2
    [sent] = Notification.objects.filter(kind="cost_alert")  # one notification with both changes
    assert "SMS & MMS" in sent.text and "Lookup" in sent.text and sent.recipient == "olivia@example.com"
    assert "http://127.0.0.1:8000/alerts/" in sent.text
    assert len(sent.payload["events"]) == 2


def test_two_workers_record_an_event_once(ws, report, costs, owner):
    alert = make_alert(ws, [report], percent=50, recipients=[owner])
    [sms] = [c for c in report_changes(report, "day", date(2026, 11, 9), date(2026, 11, 10), date(2026, 11, 10))
             if c.label == "SMS & MMS"]
    # the other worker read "not recorded yet" too, and inserts second: the unique constraint stops it
    first = alerts._record(alert, report, sms, date(2026, 11, 10), date(2026, 11, 10))
    assert first is not None
    assert alerts._record(alert, report, sms, date(2026, 11, 10), date(2026, 11, 10)) is None
    assert [e.group for e in alerts.evaluate_alert(alert, TODAY)] == ["Lookup"]  # SMS was recorded: not sent again
    assert CostAlertEvent.objects.count() == 2


def test_no_event_before_the_period_is_imported_whole(ws, report, costs):
    make_alert(ws, [report], percent=50)
    # the only import of the 10th ran during the 10th: it saw half a day
    IngestionRun.objects.update(started_at=datetime(2026, 11, 10, 12, tzinfo=UTC))
    assert alerts.evaluate(ws, TODAY) == []
    IngestionRun.objects.update(started_at=datetime(2026, 11, 11, 6, tzinfo=UTC))  # the next morning's refresh
    assert len(alerts.evaluate(ws, TODAY)) == 2


def test_a_gap_in_the_previous_period_holds_the_alert(ws, report, integration):
    add_costs(integration, [item("2026-11-10", "SMS & MMS", "sms-outbound", "150.00")])
    IngestionRun.objects.update(start_date=date(2026, 11, 10))  # the 9th was never imported
    make_alert(ws, [report], percent=50)
    assert alerts.evaluate(ws, TODAY) == []


def test_inactive_alerts_are_not_evaluated(ws, report, costs):
    alert = make_alert(ws, [report], percent=50)
    alert.is_active = False
    alert.save()
    assert alerts.evaluate(ws, TODAY) == []
