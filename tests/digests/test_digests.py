"""Digests: the period's total, change, top groups, movers and link; sent on their day, complete, once."""

from datetime import UTC, date, datetime

import pytest

from costs.alerting import digests
from costs.alerting.models import ReportDigestSend
from integrations.models import IngestionRun
from tests.costs.factories import add_costs, item
from vantage.notifications.models import Notification

from .conftest import make_digest

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 16)  # the week before: 9..15 Nov; the one before it: 2..8 Nov


@pytest.fixture
def costs(integration):
    add_costs(integration, [
        item("2026-11-03", "SMS & MMS", "sms-outbound", "100.00"),
        item("2026-11-04", "Voice", "calls-outbound", "80.00"),
        item("2026-11-10", "SMS & MMS", "sms-outbound", "150.00"),
        item("2026-11-15", "Voice", "calls-outbound", "20.00"),
        item("2026-11-12", "Lookup", "lookups", "5.00"), item("2026-10-20", "Voice", "calls-outbound", "30.00"),
    ])  # fmt: skip


@pytest.fixture
def olivia(owner):
    owner.email = "olivia@example.com"
    owner.save()
    return owner


def test_weekly_digest_has_total_change_top_groups_movers_and_a_link(ws, report, costs, olivia, settings):
    settings.SITE_URL = "https://vantage.example.com"
    digest = make_digest(ws, report, "weekly", recipients=[olivia])
    assert digests.send_due(ws, MONDAY) == 1
    [sent] = Notification.objects.filter(kind="report_digest")
    assert sent.subject == "Everything weekly digest: 9 Nov 2026 to 15 Nov 2026"
    text = sent.text
    assert "Total: 175.00 USD (-5.00 USD, -2.8% against the period before)" in text
    assert text.index("SMS & MMS: 150.00 USD") < text.index("Voice: 20.00 USD") < text.index("Lookup: 5.00 USD")
    assert "Voice: 80.00 USD → 20.00 USD (-60.00 USD, -75.0%)" in text  # the biggest mover first
    assert text.index("Voice: 80.00 USD →") < text.index("SMS & MMS: 100.00 USD →")
    link = (f"https://vantage.example.com/reports/{report.pk}/?date_range=custom&start_date=2026-11-09"
            "&end_date=2026-11-15&bin=week")
    assert link in text and sent.payload["url"] == link
    assert sent.payload["totals"] == [{"currency": "USD", "amount": "175.00", "previous_amount": "180.00",
                                       "change": "-5.00", "percent": "-2.78"}]
    assert [g["group"] for g in sent.payload["biggest_movers"]] == ["Voice", "SMS & MMS", "Lookup"]
    assert ReportDigestSend.objects.get(digest=digest).period_start == date(2026, 11, 9)


def test_sent_once_per_period(ws, report, costs, olivia):
    make_digest(ws, report, "weekly", recipients=[olivia])
    assert digests.send_due(ws, MONDAY) == 1
    assert digests.send_due(ws, MONDAY) == 0  # a re-run import, the daily run
    assert digests.send_due(ws, date(2026, 11, 18)) == 0  # later that week: still the same period
    assert Notification.objects.filter(kind="report_digest").count() == 1


def test_two_workers_send_once(ws, report, costs, olivia):
    digest = make_digest(ws, report, "weekly", recipients=[olivia])
    # the other worker passed the "sent already?" check first, then records second
    ReportDigestSend.objects.create(digest=digest, period_start=date(2026, 11, 9), period_end=date(2026, 11, 15))
    assert digests.send_digest(digest, MONDAY) is False
    assert not Notification.objects.exists()


def test_not_sent_before_the_period_is_imported_whole(ws, report, costs, olivia):
    make_digest(ws, report, "weekly", recipients=[olivia])
    IngestionRun.objects.update(started_at=datetime(2026, 11, 15, 18, tzinfo=UTC))  # Sunday, half a day
    assert digests.send_due(ws, MONDAY) == 0
    IngestionRun.objects.update(started_at=datetime(2026, 11, 16, 6, tzinfo=UTC))  # Monday's refresh
    assert digests.send_due(ws, MONDAY) == 1


def test_monthly_goes_out_on_the_second_and_daily_every_day(ws, report, costs, olivia):
    make_digest(ws, report, "monthly", recipients=[olivia])
    assert digests.send_due(ws, date(2026, 11, 2)) == 0  # October against September: never imported
    assert digests.send_due(ws, date(2026, 12, 1)) == 0  # the 1st: not yet
    assert digests.send_due(ws, date(2026, 12, 2)) == 1
    [sent] = Notification.objects.filter(kind="report_digest")
    assert sent.payload["period_start"] == "2026-11-01" and sent.payload["totals"][0]["amount"] == "355.00"
    make_digest(ws, report, "daily", recipients=[olivia])
    assert digests.send_due(ws, date(2026, 11, 11)) == 1  # the 10th
    assert Notification.objects.filter(kind="report_digest").first().payload["totals"][0]["amount"] == "150.00"


def test_inactive_digests_are_not_sent(ws, report, costs, olivia):
    digest = make_digest(ws, report, "weekly", recipients=[olivia])
    digest.is_active = False
    digest.save()
    assert digests.send_due(ws, MONDAY) == 0
