import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections

from costs.budgets import alerts, tasks
from costs.budgets.choices import Basis, Window
from costs.budgets.models import BudgetAlert, BudgetAlertFiring
from costs.signals import costs_imported, forecasts_refreshed
from tests.budgets.conftest import NOV, TODAY, make_budget, set_forecast
from tests.costs.factories import add_costs, item
from vantage.notifications.models import Channel, Notification, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook(ws):
    return WebhookEndpoint.objects.create(workspace=ws, name="ops", url="https://hooks.example.com/x",
                                          signing_secret="whsec-test-not-a-real-one")


def make_alert(budget, thresholds, basis=Basis.ACTUAL, recipients=(), webhooks=(), **kw):
    alert = BudgetAlert.objects.create(budget=budget, thresholds=thresholds, basis=basis, **kw)
    alert.recipients.set(recipients)
    alert.webhooks.set(webhooks)
    return alert


def test_forecast_alert_reaches_email_and_webhook_once(ws, owner, report, costs, hook):
    owner.email = "olivia@example.com"
    owner.save()
    set_forecast(report, "130.00")
    alert = make_alert(make_budget(ws, report), [100], Basis.FORECAST, [owner], [hook])
    first = alerts.evaluate(ws, TODAY)
    second = alerts.evaluate(ws, TODAY)  # a second import's evaluation
    assert [(f.threshold, f.notified) for f in first] == [(100, True)]
    assert [f.notified for f in second] == [False]
    sent = Notification.objects.filter(kind="budget_alert")
    assert sorted(sent.values_list("channel", "recipient")) == [(Channel.EMAIL, "olivia@example.com"),
                                                                (Channel.WEBHOOK, "ops")]
    assert sent.first().text == "Budget 'SMS' at 130% of 100.00 USD for Nov 2026 (forecast)"
    assert BudgetAlertFiring.objects.get(alert=alert).value == Decimal("130.00")


def test_forecast_alert_waits_for_a_forecast(ws, owner, report, costs):
    make_alert(make_budget(ws, report), [50], Basis.FORECAST, [owner])
    assert alerts.evaluate(ws, TODAY) == []
    assert not BudgetAlertFiring.objects.exists()


def test_only_the_highest_of_several_crossed_is_sent(ws, owner, report, costs):
    owner.email = "olivia@example.com"
    owner.save()
    make_alert(make_budget(ws, report, amount="50.00"), [50, 80, 100, 200], recipients=[owner])
    [fired] = alerts.evaluate(ws, TODAY)  # 60 of 50: 120%
    assert fired.threshold == 100
    assert sorted(BudgetAlertFiring.objects.values_list("threshold", "notified")) == [
        (50, False), (80, False), (100, True)]
    [note] = Notification.objects.all()
    assert note.payload["threshold"] == 100 and "at 120%" in note.text


def test_a_lower_threshold_then_a_higher_one_each_once(ws, owner, report, costs, integration):
    owner.email = "olivia@example.com"
    owner.save()
    make_alert(make_budget(ws, report, amount="100.00"), [50, 100], recipients=[owner])
    alerts.evaluate(ws, TODAY)
    add_costs(integration, [item("2026-11-11", "SMS & MMS", "sms-inbound", "45.00")])
    alerts.evaluate(ws, TODAY)
    alerts.evaluate(ws, TODAY)
    assert sorted(Notification.objects.values_list("payload__threshold", flat=True)) == [50, 100]


@pytest.mark.parametrize(("window", "days", "fires"), [
    (Window.FIRST, 10, False), (Window.FIRST, 11, True), (Window.LAST, 19, False), (Window.LAST, 20, True),
])
def test_window_is_respected(ws, owner, report, costs, window, days, fires):
    make_alert(make_budget(ws, report), [50], window=window, window_days=days)
    assert bool(alerts.evaluate(ws, TODAY)) is fires  # 11 Nov: day 11 of 30 (the last 20 days start on the 11th)


def test_inactive_alert_and_outsider_recipient_get_nothing(ws, owner, outsider, report, costs):
    outsider.email = "oscar@example.com"
    outsider.save()
    budget = make_budget(ws, report)
    make_alert(budget, [50], is_active=False)
    make_alert(budget, [50], recipients=[outsider])  # not a member (the forms refuse it; never mailed anyway)
    alerts.evaluate(ws, TODAY)
    assert not Notification.objects.filter(recipient="oscar@example.com").exists()
    assert BudgetAlertFiring.objects.count() == 1


def test_import_queues_one_evaluation_per_workspace(ws, report, integration, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks, "async_task", lambda func, *args, **kw: queued.append((func, args)))
    monkeypatch.setattr("costs.forecasts.tasks.async_task", lambda *a, **kw: None)  # forecasting: not here
    costs_imported.send(sender=None, integration_id=integration.pk)
    assert queued == []  # no alerts: nothing to evaluate
    make_alert(make_budget(ws, report), [50])
    costs_imported.send(sender=None, integration_id=integration.pk)
    assert queued == [(tasks.EVALUATE_TASK, (ws.pk,))]
    # and once the import's forecasts are fitted again (alerts on the forecast read the new fit)
    forecasts_refreshed.send(sender=None, workspace_id=ws.pk)
    assert queued == [(tasks.EVALUATE_TASK, (ws.pk,))] * 2
    assert tasks.evaluate_all() == 1


def test_task_evaluates(ws, report, costs):
    make_alert(make_budget(ws, report), [50])
    assert tasks.evaluate_workspace(ws.pk) >= 0  # real today: whatever month it is, it must not fail
    assert tasks.evaluate_workspace(999999) == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_evaluations_fire_once(ws, owner, report, costs, monkeypatch):
    monkeypatch.setattr("vantage.notifications.services.async_task", lambda *a, **k: None)  # delivery: not ours
    owner.email = "olivia@example.com"
    owner.save()
    make_alert(make_budget(ws, report, amount="50.00"), [50, 100], recipients=[owner])
    barrier, results = threading.Barrier(2), []

    def run():
        try:
            barrier.wait()
            results.append(alerts.evaluate(ws, TODAY))
        finally:
            connections.close_all()

    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=run) for _ in range(2)]
        [t.start() for t in threads]
        [t.join() for t in threads]
    else:  # SQLite serialises writers: the two evaluations one after the other
        results.extend([alerts.evaluate(ws, TODAY), alerts.evaluate(ws, TODAY)])
    assert sum(1 for r in results for f in r if f.notified) == 1
    assert Notification.objects.count() == 1
    assert sorted(BudgetAlertFiring.objects.values_list("threshold", flat=True)) == [50, 100]


def test_months_are_separate_periods(ws, owner, report, costs):
    make_alert(make_budget(ws, report), [50])
    alerts.evaluate(ws, TODAY)
    alerts.evaluate(ws, date(2026, 10, 20))  # October's 80.00 crosses October's 50%
    assert sorted(BudgetAlertFiring.objects.values_list("month", flat=True)) == [date(2026, 10, 1), NOV]
