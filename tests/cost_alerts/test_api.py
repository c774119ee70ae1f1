"""/api/v2/cost_alerts (CRUD) and /api/v2/cost_alerts/{id}/events: workspace-scoped, 400s name the field."""

import pytest

from costs.alerting.models import CostAlert, CostAlertEvent
from costs.models import CostReport
from vantage.notifications import services as notifications

from .conftest import make_alert

pytestmark = pytest.mark.django_db


def fields(response):
    return {e["field"] for e in response.json()["errors"]}


def items(body):
    return body["data"] if "data" in body else body["results"]


def body(report, owner, **changes):
    return {"name": "SMS jumps", "reports": [report.pk], "percent": 50, "amount": "20", "direction": "either",
            "period": "week", "recipients": [owner.pk], **changes}


def test_crud(ws, owner, report, api):
    client = api(owner)
    hook, _ = notifications.create_webhook(ws, name="ops", url="https://hooks.example.com/x")
    created = client.post("/api/v2/cost_alerts", body(report, owner, webhooks=[hook.pk]), format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert (data["percent"], data["amount"], data["reports"], data["webhooks"]) == ("50.00", "20.00", [report.pk],
                                                                                    [hook.pk])
    assert [a["id"] for a in items(client.get("/api/v2/cost_alerts").json())] == [data["id"]]
    replaced = client.put(f"/api/v2/cost_alerts/{data['id']}", body(report, owner, percent=None, period="quarter"),
                          format="json")
    assert replaced.status_code == 200 and replaced.json()["percent"] is None
    assert replaced.json()["period"] == "quarter"
    assert client.delete(f"/api/v2/cost_alerts/{data['id']}").status_code == 204
    assert not CostAlert.objects.exists()


def test_events(ws, owner, report, api):
    alert = make_alert(ws, [report], percent=50, recipients=[owner])
    CostAlertEvent.objects.create(alert=alert, report=report, group_key="x", group="SMS & MMS", currency="USD",
                                  period="day", period_start="2026-11-10", period_end="2026-11-10",
                                  previous_amount=100, amount=180, change=80, percent=80)
    response = api(owner).get(f"/api/v2/cost_alerts/{alert.pk}/events")
    assert response.status_code == 200
    [event] = items(response.json())
    assert (event["group"], event["change"], event["percent"], event["direction"]) == ("SMS & MMS", "80.000000",
                                                                                      "80.00", "up")


@pytest.mark.parametrize(("changes", "field"), [
    ({"percent": 0}, "percent"), ({"percent": 1001}, "percent"), ({"percent": "x"}, "percent"),
    ({"amount": 0}, "amount"), ({"amount": "-5"}, "amount"), ({"amount": "1e15"}, "amount"),
    ({"percent": None, "amount": None}, "percent"),
    ({"reports": []}, "reports"), ({"reports": [999999]}, "reports"),
    ({"recipients": []}, "recipients"), ({"recipients": [999999]}, "recipients"),
    ({"webhooks": [999999]}, "webhooks"),
    ({"direction": "sideways"}, "direction"), ({"period": "year"}, "period"), ({"name": ""}, "name"),
    ({"name": "SMS \u202espike"}, "name"),  # a text-direction control: the name would not read as it is
])
def test_bad_input_is_400_naming_the_field(ws, owner, report, api, changes, field):
    response = api(owner).post("/api/v2/cost_alerts", body(report, owner, **changes), format="json")
    assert response.status_code == 400
    assert field in fields(response), response.json()
    assert not CostAlert.objects.exists()


def test_more_than_ten_reports_and_another_workspaces_report(ws, owner, report, other_ws, api):
    many = [CostReport.objects.create(workspace=ws, title=f"R{i}").pk for i in range(11)]
    assert "reports" in fields(api(owner).post("/api/v2/cost_alerts", body(report, owner, reports=many),
                                               format="json"))
    theirs = CostReport.objects.create(workspace=other_ws, title="Theirs")
    response = api(owner).post("/api/v2/cost_alerts", body(report, owner, reports=[theirs.pk]), format="json")
    assert response.status_code == 400 and "reports" in fields(response)


def test_viewer_reads_but_cannot_write(ws, owner, viewer, report, api):
    alert = make_alert(ws, [report], percent=50, recipients=[owner])
    client = api(viewer)
    assert client.get("/api/v2/cost_alerts").status_code == 200
    assert client.post("/api/v2/cost_alerts", body(report, owner), format="json").status_code == 403
    assert client.delete(f"/api/v2/cost_alerts/{alert.pk}").status_code == 403


def test_outsider_gets_404s(ws, owner, outsider, report, api):
    alert = make_alert(ws, [report], percent=50, recipients=[owner])
    client = api(outsider)
    assert items(client.get("/api/v2/cost_alerts").json()) == []
    assert client.get(f"/api/v2/cost_alerts/{alert.pk}").status_code == 404
    assert client.get(f"/api/v2/cost_alerts/{alert.pk}/events").status_code == 404
    assert client.delete(f"/api/v2/cost_alerts/{alert.pk}").status_code == 404
    assert client.get(f"/api/v2/cost_alerts?workspace={ws.pk}").status_code == 404
