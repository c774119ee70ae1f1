"""After an import: one task per workspace that sees the integration (primary keys only); the command; the admin."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from costs.forecasts import services, tasks
from costs.forecasts.models import ForecastStatus, ReportForecast
from costs.services import ensure_default_report
from costs.signals import costs_imported
from integrations.models import Integration
from tests.costs.factories import add_costs, make_integration

from .conftest import TODAY, history_specs

pytestmark = pytest.mark.django_db


def test_an_import_queues_one_task_per_workspace(ws, other_ws):
    shared = make_integration(ws, "Shared", other_ws)
    make_integration(ws, "Another one")  # the same workspace: still one task for this import
    with mock.patch("costs.forecasts.tasks.async_task") as queued:
        costs_imported.send(sender=Integration, integration_id=shared.pk)
    calls = sorted(queued.call_args_list, key=lambda c: c.args[1])
    assert [c.args for c in calls] == [(tasks.TASK, ws.pk), (tasks.TASK, other_ws.pk)]
    for c in calls:  # primary keys only: nothing else is pickled into django-q's tables
        assert all(isinstance(a, str | int) for a in c.args) and set(c.kwargs) == {"task_name"}


def test_an_integration_in_no_workspace_queues_nothing(db):
    lonely = Integration.objects.create(account_name="x", account_sid="AC" + "0" * 32, api_key_sid="SK" + "1" * 32,
                                        api_secret="s" * 20)
    with mock.patch("costs.forecasts.tasks.async_task") as queued:
        costs_imported.send(sender=Integration, integration_id=lonely.pk)
    queued.assert_not_called()


def test_the_task_refreshes_every_report_of_the_workspace(ws, integration, owner):
    add_costs(integration, history_specs(60, end=TODAY - timedelta(days=1)))
    ensure_default_report(ws)
    with mock.patch("costs.forecasts.services.utc_today", return_value=TODAY):
        result = tasks.refresh_workspace_task(ws.pk)
    assert result == "1 ok"
    assert ReportForecast.objects.get(report__workspace=ws).status == ForecastStatus.OK
    assert tasks.refresh_workspace_task(999999) == "workspace gone"


def test_the_command_refreshes_one_workspace_or_all(ws, other_ws, integration, capsys):
    add_costs(integration, history_specs(5))
    call_command("refresh_forecasts", "--workspace", str(ws.pk))
    out = capsys.readouterr().out
    assert "too_short (Only 5 days of history: a forecast needs 14.)" in out
    assert not ReportForecast.objects.filter(report__workspace=other_ws).exists()
    call_command("refresh_forecasts")
    assert ReportForecast.objects.filter(report__workspace=other_ws).exists()
    with pytest.raises(CommandError, match="No workspace with id 999999"):
        call_command("refresh_forecasts", "--workspace", "999999")


def test_the_admin_lists_forecasts_read_only_with_their_points(admin_client, report):
    services.refresh_report_forecast(report, today=TODAY)
    forecast = ReportForecast.objects.get(report=report)
    page = admin_client.get(reverse("admin:forecasts_reportforecast_changelist"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "All Resources" in text and str(forecast.points.count()) in text
    assert admin_client.get(reverse("admin:forecasts_reportforecast_add")).status_code == 403
    with mock.patch("costs.forecasts.tasks.async_task") as queued:
        admin_client.post(reverse("admin:forecasts_reportforecast_changelist"),
                          {"action": "queue_refresh", "_selected_action": [forecast.pk]})
    queued.assert_called_once_with(tasks.TASK, report.workspace_id,
                                   task_name=f"forecasts-workspace-{report.workspace_id}")
    for secret in Integration.objects.values_list("api_secret", flat=True):
        assert secret not in text
