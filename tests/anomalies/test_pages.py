"""The Anomalies pages: list with filters and charts, actions, thresholds, notification settings; access."""

import json

import pytest
from django.urls import reverse

from costs.anomalies.choices import AnomalyStatus, Feedback
from costs.anomalies.models import Anomaly, AnomalyNotification, AnomalySettings, AnomalySuppression
from costs.signals import costs_imported

pytestmark = pytest.mark.django_db
LIST = "/anomalies/"


@pytest.fixture
def anomaly(spiked, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        costs_imported.send(sender=None, integration_id=spiked.pk)
    return Anomaly.objects.get()


def test_the_list_shows_the_anomaly_with_its_chart_data(client_for_user, owner, anomaly):
    response = client_for_user(owner).get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-anomaly-chart="{anomaly.pk}"' in html and "js/anomalies.js" in html
    assert "<style" not in html.split("<main")[1] and " style=" not in html.split("<main")[1]
    charts = json.loads(html.split('id="anomaly-charts" type="application/json">')[1].split("</script>")[0])
    chart = charts[str(anomaly.pk)]
    assert len(chart["actual"]) == 30 and chart["actual"][-1] == pytest.approx(float(anomaly.amount))
    assert chart["low"] < chart["expected"] < chart["high"]
    assert "category=sms-outbound" in html  # the link into the report filtered to it


@pytest.mark.parametrize("query, shown", [
    ("status=active", True), ("status=archived", False), ("service=SMS+%26+MMS", True), ("service=Voice", False),
    ("category=sms-outbound", True), ("category=calls", False), ("start_date=2000-01-01", True),
    ("end_date=2000-01-01", False),
])  # fmt: skip
def test_each_filter(client_for_user, owner, anomaly, query, shown):
    html = client_for_user(owner).get(f"{LIST}?{query}").content.decode()
    assert (f'id="anomaly-{anomaly.pk}"' in html) is shown


def test_a_bad_filter_is_a_message_not_a_crash(client_for_user, owner, anomaly):
    response = client_for_user(owner).get(f"{LIST}?start_date=yesterday&status=gone")
    assert response.status_code == 400
    assert "Enter a valid date" in response.content.decode()


def test_an_outsider_sees_nothing_and_cannot_act(client_for_user, outsider, anomaly):
    client = client_for_user(outsider)
    assert f'id="anomaly-{anomaly.pk}"' not in client.get(LIST).content.decode()
    response = client.post(reverse("anomalies:anomaly_action", args=[anomaly.pk]), {"status": "ignored"})
    assert response.status_code == 404
    assert Anomaly.objects.get().status == AnomalyStatus.ACTIVE


def test_a_viewer_reads_but_cannot_act(client_for_user, viewer, anomaly):
    client = client_for_user(viewer)
    assert client.get(LIST).status_code == 200
    assert client.post(reverse("anomalies:anomaly_action", args=[anomaly.pk]), {"status": "ignored"}).status_code == 403


def test_ignore_as_expected_suppresses_the_series(client_for_user, editor, anomaly):
    response = client_for_user(editor).post(reverse("anomalies:anomaly_action", args=[anomaly.pk]), {
        "status": "ignored", "feedback": "expected", "note": "a campaign", "suppress_days": "14"})
    assert response.status_code == 302
    anomaly.refresh_from_db()
    assert (anomaly.status, anomaly.feedback, anomaly.feedback_note) == ("ignored", Feedback.EXPECTED, "a campaign")
    assert AnomalySuppression.objects.get().category == "sms-outbound"


def test_a_bad_action_changes_nothing(client_for_user, editor, anomaly):
    client = client_for_user(editor)
    client.post(reverse("anomalies:anomaly_action", args=[anomaly.pk]), {"status": "gone"})
    client.post(reverse("anomalies:anomaly_action", args=[anomaly.pk]),
                {"status": "ignored", "feedback": "expected", "suppress_days": "9999"})
    anomaly.refresh_from_db()
    assert anomaly.status == AnomalyStatus.ACTIVE and not AnomalySuppression.objects.exists()


def test_thresholds_out_of_range_are_shown_next_to_the_field(client_for_user, owner, viewer, ws):
    response = client_for_user(owner).post(reverse("anomalies:anomaly_settings"),
                                           {"min_amount": "-5", "min_percent": "5000"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "between 0 and" in html.lower() and not AnomalySettings.objects.exists()
    assert client_for_user(owner).post(reverse("anomalies:anomaly_settings"),
                                       {"min_amount": "50", "min_percent": "30"}).status_code == 302
    assert AnomalySettings.objects.get(workspace=ws).min_amount == 50


def test_notification_settings_per_report(client_for_user, owner, ws, report, outsider, other_ws):
    from costs.models import CostReport

    owner.email = "olivia@example.com"
    owner.save()
    client = client_for_user(owner)
    url = reverse("anomalies:notification_edit", args=[report.pk])
    response = client.post(url, {"min_amount": "10"})
    assert response.status_code == 400 and "at least one recipient" in response.content.decode()
    assert client.post(url, {"recipients": [owner.pk], "min_amount": "10", "is_active": "on"}).status_code == 302
    setting = AnomalyNotification.objects.get(cost_report=report)
    assert list(setting.recipients.all()) == [owner]
    assert "olivia@example.com" in client.get(reverse("anomalies:anomaly_settings")).content.decode()
    theirs = CostReport.objects.create(workspace=other_ws, title="Theirs")
    assert client.get(reverse("anomalies:notification_edit", args=[theirs.pk])).status_code == 404
    response = client.post(url, {"recipients": [outsider.pk], "min_amount": "10"})
    assert response.status_code == 400


def test_the_overview_card_lists_active_anomalies(client_for_user, owner, anomaly):
    html = client_for_user(owner).get("/").content.decode()
    assert 'id="anomalies-card"' in html and f'data-anomaly="{anomaly.pk}"' in html


def test_the_nav_links_to_anomalies(client_for_user, owner, ws):
    assert 'href="/anomalies/"' in client_for_user(owner).get(LIST).content.decode()


def test_the_action_form_starts_on_the_anomalys_own_status_feedback_and_note(client_for_user, editor, anomaly):
    """Saving feedback alone must not archive the anomaly nor wipe what was said before (a newcomer's
    feedback on an active anomaly archived it: the form always started on "Archive")."""
    Anomaly.objects.filter(pk=anomaly.pk).update(feedback=Feedback.ACTIONABLE, feedback_note="Paused the campaign")
    html = client_for_user(editor).get(LIST).content.decode()
    form = html.split(f'action="{reverse("anomalies:anomaly_action", args=[anomaly.pk])}"')[1].split("</form>")[0]
    assert '<option value="active" selected>' in form and 'value="archived" selected' not in form
    assert '<option value="actionable" selected>' in form and 'value="Paused the campaign"' in form


def test_removing_the_integration_from_the_workspace_takes_its_anomalies_there(anomaly, ws, other_ws):
    from integrations.services import remove_from_workspace

    integration = anomaly.integration
    integration.workspaces.add(other_ws)
    Anomaly.objects.create(**{f.name: getattr(anomaly, f.name) for f in Anomaly._meta.concrete_fields
                              if f.name not in ("id", "workspace")}, workspace=other_ws)
    remove_from_workspace(integration, ws)
    assert not Anomaly.objects.filter(workspace=ws).exists()
    assert Anomaly.objects.filter(workspace=other_ws, integration=integration).count() == 1  # the other keeps its own
