"""Scoring after imports: new days only, once per series and day, alerts once, suppression, archive, digest."""

from datetime import timedelta

import pytest

from costs.anomalies import services, tasks
from costs.anomalies.choices import AnomalyStatus, Feedback
from costs.anomalies.models import Anomaly, ScoringState
from costs.signals import costs_imported
from tests.costs.factories import add_costs
from vantage.lib.dates import utc_today
from vantage.notifications.models import Notification

from .conftest import notify_report, sms_days

pytestmark = pytest.mark.django_db


def imported(integration, capture):
    with capture(execute=True):
        costs_imported.send(sender=None, integration_id=integration.pk)  # tasks run inline in tests


def test_an_import_records_one_active_spike_with_its_figures(spiked, ws, django_capture_on_commit_callbacks):
    imported(spiked, django_capture_on_commit_callbacks)
    (anomaly,) = Anomaly.objects.all()
    yesterday = utc_today() - timedelta(days=1)
    assert (anomaly.workspace, anomaly.date, anomaly.category, anomaly.direction) == (ws, yesterday, "sms-outbound",
                                                                                      "spike")
    assert anomaly.status == AnomalyStatus.ACTIVE
    assert anomaly.amount > anomaly.upper_bound > anomaly.expected > anomaly.lower_bound
    assert anomaly.previous_amount is not None and anomaly.seven_day_average is not None
    assert anomaly.percent_change > 100
    assert ScoringState.objects.get(integration=spiked).scored_through == yesterday


def test_a_quiet_series_has_no_anomaly(integration, django_capture_on_commit_callbacks):
    add_costs(integration, sms_days())
    imported(integration, django_capture_on_commit_callbacks)
    assert not Anomaly.objects.exists()


def test_reimports_and_two_evaluations_record_and_alert_once(spiked, ws, owner, report,
                                                             django_capture_on_commit_callbacks):
    owner.email = "olivia@example.com"
    owner.save()
    notify_report(ws, report, [owner])
    imported(spiked, django_capture_on_commit_callbacks)
    imported(spiked, django_capture_on_commit_callbacks)  # a re-import: nothing new to score
    ScoringState.objects.all().delete()  # as if two workers scored the same days at once
    with django_capture_on_commit_callbacks(execute=True):
        again = services.score_integration(spiked.pk)
    assert again == []
    assert Anomaly.objects.count() == 1
    assert Notification.objects.filter(kind=services.ALERT_KIND).count() == 1
    assert Anomaly.objects.get().notified


def test_only_new_days_are_scored(spiked, django_capture_on_commit_callbacks):
    imported(spiked, django_capture_on_commit_callbacks)
    today = utc_today()
    assert services.days_to_score(spiked.pk, today) is None  # up to date
    assert services.days_to_score(spiked.pk, today + timedelta(days=3)) is None  # no new costs imported
    add_costs(spiked, [dict(d, date=today) for d in sms_days(days=1, end=today)])
    assert services.days_to_score(spiked.pk, today + timedelta(days=1)) == (today, today)


def test_a_deleted_integration_takes_its_anomalies(spiked, django_capture_on_commit_callbacks):
    imported(spiked, django_capture_on_commit_callbacks)
    assert Anomaly.objects.exists()
    spiked.delete()
    assert not Anomaly.objects.exists() and not ScoringState.objects.exists()


def test_each_workspace_applies_its_own_floors(ws, other_ws, integration, django_capture_on_commit_callbacks):
    from costs.anomalies.models import AnomalySettings

    integration.workspaces.add(other_ws)
    AnomalySettings.objects.create(workspace=other_ws, min_amount=10000, min_percent=10)
    add_costs(integration, sms_days(spike_factor=3))
    imported(integration, django_capture_on_commit_callbacks)
    assert list(Anomaly.objects.values_list("workspace", flat=True)) == [ws.pk]


def test_expected_feedback_suppresses_the_series(spiked, owner, django_capture_on_commit_callbacks):
    imported(spiked, django_capture_on_commit_callbacks)
    anomaly = Anomaly.objects.get()
    services.set_status(anomaly, status=AnomalyStatus.IGNORED, feedback=Feedback.EXPECTED, suppress_days=30,
                        user=owner)
    anomaly.delete()
    ScoringState.objects.all().delete()
    imported(spiked, django_capture_on_commit_callbacks)
    assert not Anomaly.objects.exists()


def test_anomalies_are_archived_after_seven_days(spiked, django_capture_on_commit_callbacks):
    imported(spiked, django_capture_on_commit_callbacks)
    assert services.archive_expired(utc_today() + timedelta(days=6)) == 0  # yesterday's: 7 days old then
    assert services.archive_expired(utc_today() + timedelta(days=7)) == 1
    assert Anomaly.objects.get().status == AnomalyStatus.ARCHIVED


def test_one_digest_a_day_per_recipient(spiked, ws, owner, editor, report, django_capture_on_commit_callbacks):
    from costs.models import CostReport

    owner.email, editor.email = "olivia@example.com", "ed@example.com"
    owner.save()
    editor.save()
    imported(spiked, django_capture_on_commit_callbacks)
    notify_report(ws, report, [owner, editor])
    everything = CostReport.objects.create(workspace=ws, title="Everything")
    notify_report(ws, everything, [owner])  # owner is in two settings: still one digest
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.daily() == 1
        tasks.daily()
    digests = Notification.objects.filter(kind=services.DIGEST_KIND)
    assert sorted(digests.values_list("recipient", flat=True)) == ["ed@example.com", "olivia@example.com"]
    assert "sms-outbound" in digests.first().text


def test_an_anomaly_outside_the_report_is_not_sent(spiked, ws, owner, django_capture_on_commit_callbacks):
    from costs.models import CostReport

    owner.email = "olivia@example.com"
    owner.save()
    voice = CostReport.objects.create(workspace=ws, title="Voice",
                                      filters={"service": {"op": "is", "values": ["Voice"]}})
    notify_report(ws, voice, [owner])
    imported(spiked, django_capture_on_commit_callbacks)
    assert Anomaly.objects.count() == 1
    assert not Notification.objects.exists()


def test_top_mover_names_the_account_and_category(spiked, django_capture_on_commit_callbacks):
    imported(spiked, django_capture_on_commit_callbacks)
    mover = services.top_mover(Anomaly.objects.get())
    assert mover["category"] == "sms-outbound" and mover["account_id"] == spiked.account_sid


def test_an_event_lasting_days_is_one_anomaly(integration, django_capture_on_commit_callbacks):
    """A runaway (or a new level) over the last three days: one anomaly, on its first day."""
    specs = sms_days()
    for spec in specs[:3]:
        spec["cost"] *= 3
    add_costs(integration, specs)
    imported(integration, django_capture_on_commit_callbacks)
    (anomaly,) = Anomaly.objects.all()
    assert anomaly.date == utc_today() - timedelta(days=3)


def test_two_reports_covering_an_anomaly_alert_each_recipient_once(spiked, ws, owner, editor, report,
                                                                   django_capture_on_commit_callbacks):
    from costs.models import CostReport

    owner.email, editor.email = "olivia@example.com", "ed@example.com"
    owner.save()
    editor.save()
    notify_report(ws, report, [owner])
    notify_report(ws, CostReport.objects.create(workspace=ws, title="Everything"), [owner, editor])
    imported(spiked, django_capture_on_commit_callbacks)
    alerts = Notification.objects.filter(kind=services.ALERT_KIND)
    assert sorted(alerts.values_list("recipient", flat=True)) == ["ed@example.com", "olivia@example.com"]
    assert "“SMS”" in alerts.first().text and "“Everything”" in alerts.first().text
