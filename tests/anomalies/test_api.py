"""API v2: /anomaly_alerts (filters, read, PUT status and feedback) and /anomaly_notifications (CRUD)."""

import pytest

from costs.anomalies.models import Anomaly, AnomalyNotification, AnomalySuppression
from costs.signals import costs_imported

pytestmark = pytest.mark.django_db
ALERTS = "/api/v2/anomaly_alerts"
NOTIFICATIONS = "/api/v2/anomaly_notifications"


@pytest.fixture
def anomaly(spiked, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        costs_imported.send(sender=None, integration_id=spiked.pk)
    return Anomaly.objects.get()


def test_list_carries_the_issue_fields(api, owner, anomaly):
    body = api(owner).get(ALERTS).json()
    (row,) = body["results"] if "results" in body else body
    for name in ("category", "service", "amount", "previous_amount", "seven_day_average", "status", "feedback"):
        assert name in row
    assert row["id"] == anomaly.pk and row["status"] == "active" and row["direction"] == "spike"


@pytest.mark.parametrize("query, count", [
    ("status=active", 1), ("status=ignored", 0), ("service=Voice", 0), ("category=sms-outbound", 1),
    ("start_date=2000-01-01&end_date=2000-12-31", 0),
])  # fmt: skip
def test_filters(api, owner, anomaly, query, count):
    body = api(owner).get(f"{ALERTS}?{query}").json()
    rows = body["results"] if "results" in body else body
    assert len(rows) == count


def test_bad_filters_are_a_400_naming_the_field(api, owner, anomaly):
    response = api(owner).get(f"{ALERTS}?start_date=soon")
    assert response.status_code == 400 and "start_date" in response.content.decode()
    response = api(owner).get(f"{ALERTS}?status=gone")
    assert response.status_code == 400 and "status" in response.content.decode()


def test_put_status_and_feedback(api, editor, anomaly):
    response = api(editor).put(f"{ALERTS}/{anomaly.pk}", {"status": "ignored", "feedback": "expected",
                                                          "suppress_days": 7}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["feedback"] == "expected"
    assert AnomalySuppression.objects.count() == 1
    response = api(editor).put(f"{ALERTS}/{anomaly.pk}", {"status": "nope"}, format="json")
    assert response.status_code == 400 and "status" in response.content.decode()


def test_viewers_read_outsiders_see_nothing(api, viewer, outsider, anomaly):
    assert api(viewer).get(f"{ALERTS}/{anomaly.pk}").status_code == 200
    assert api(viewer).put(f"{ALERTS}/{anomaly.pk}", {"status": "ignored"}, format="json").status_code == 403
    assert api(outsider).get(f"{ALERTS}/{anomaly.pk}").status_code == 404
    assert api(outsider).put(f"{ALERTS}/{anomaly.pk}", {"status": "ignored"}, format="json").status_code == 404
    body = api(outsider).get(ALERTS).json()
    assert (body["results"] if "results" in body else body) == []


def test_notifications_crud_and_bad_input(api, owner, viewer, outsider, report, other_ws, ws):
    from costs.models import CostReport

    owner.email = "olivia@example.com"
    owner.save()
    client = api(owner)
    response = client.post(NOTIFICATIONS, {"cost_report": report.pk, "recipients": [owner.pk], "min_amount": "25"},
                           format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["min_amount"] == "25.00"
    again = client.post(NOTIFICATIONS, {"cost_report": report.pk, "recipients": [owner.pk]}, format="json")
    assert again.status_code == 400 and "cost_report" in again.content.decode()
    theirs = CostReport.objects.create(workspace=other_ws, title="Theirs")
    for body, field in [({"cost_report": theirs.pk, "recipients": [owner.pk]}, "cost_report"),
                        ({"cost_report": report.pk}, "recipients"),
                        ({"cost_report": report.pk, "recipients": [outsider.pk]}, "recipients"),
                        ({"cost_report": report.pk, "recipients": [owner.pk], "min_amount": "-1"}, "min_amount")]:
        response = client.put(f"{NOTIFICATIONS}/{pk}", body, format="json")
        assert response.status_code == 400 and field in response.content.decode(), body
    assert client.put(f"{NOTIFICATIONS}/{pk}", {"cost_report": report.pk, "recipients": [owner.pk],
                                                 "min_amount": 5}, format="json").status_code == 200
    assert api(viewer).delete(f"{NOTIFICATIONS}/{pk}").status_code == 403
    assert api(outsider).get(f"{NOTIFICATIONS}/{pk}").status_code == 404
    assert client.delete(f"{NOTIFICATIONS}/{pk}").status_code == 204
    assert not AnomalyNotification.objects.exists()
