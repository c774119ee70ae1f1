"""Report digest pages and /api/v2/report_notifications: workspace-scoped, viewers read only, 400s name the field."""

import pytest

from costs.alerting.models import ReportDigest
from costs.models import CostReport

from .conftest import make_digest

pytestmark = pytest.mark.django_db


def items(body):
    return body["data"] if "data" in body else body["results"]


def fields(response):
    return {e["field"] for e in response.json()["errors"]}


def test_pages_create_edit_delete(client_for_user, owner, report):
    client = client_for_user(owner)
    assert client.get("/digests/").status_code == 200
    assert client.get(f"/digests/new/?report={report.pk}").status_code == 200
    response = client.post("/digests/new/", {"report": report.pk, "frequency": "weekly", "recipients": [owner.pk],
                                             "is_active": "on"})
    assert response.status_code == 302
    digest = ReportDigest.objects.get()
    page = client.get("/digests/").content.decode()
    assert "Weekly, on Mondays" in page and "not yet" in page and 'href="/digests/"' in page
    assert client.post(f"/digests/{digest.pk}/", {"report": report.pk, "frequency": "monthly",
                                                  "recipients": [owner.pk]}).status_code == 302
    assert ReportDigest.objects.get().frequency == "monthly"
    assert client.post(f"/digests/{digest.pk}/delete/").status_code == 302
    assert not ReportDigest.objects.exists()


@pytest.mark.parametrize(("data", "message"), [
    ({"frequency": "weekly"}, "Choose at least one member to email or one webhook"),
    ({"frequency": "hourly", "recipients": "me"}, "Select a valid choice"),
])
def test_page_bad_input(client_for_user, owner, report, data, message):
    data = {"report": report.pk, **data}
    if data.get("recipients") == "me":
        data["recipients"] = [owner.pk]
    response = client_for_user(owner).post("/digests/new/", data)
    assert response.status_code == 400 and message in response.content.decode()


def test_page_refuses_another_workspaces_report(client_for_user, owner, other_ws):
    theirs = CostReport.objects.create(workspace=other_ws, title="Theirs")
    response = client_for_user(owner).post("/digests/new/", {"report": theirs.pk, "frequency": "daily",
                                                              "recipients": [owner.pk]})
    assert response.status_code == 400 and not ReportDigest.objects.exists()


def test_viewer_and_outsider_pages(client_for_user, viewer, outsider, ws, report, owner):
    digest = make_digest(ws, report, recipients=[owner])
    client = client_for_user(viewer)
    assert "Everything" in client.get("/digests/").content.decode()
    assert client.get("/digests/new/").status_code == 403
    assert client.post(f"/digests/{digest.pk}/delete/").status_code == 403
    client = client_for_user(outsider)
    assert "Everything" not in client.get("/digests/").content.decode()
    assert client.get(f"/digests/{digest.pk}/").status_code == 404
    assert client.post(f"/digests/{digest.pk}/delete/").status_code == 404
    assert ReportDigest.objects.exists()


def test_api_crud(ws, owner, report, api):
    client = api(owner)
    created = client.post("/api/v2/report_notifications", {"cost_report": report.pk, "frequency": "daily",
                                                            "recipients": [owner.pk]}, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert (data["cost_report"], data["frequency"], data["last_period_sent"]) == (report.pk, "daily", None)
    assert [d["id"] for d in items(client.get("/api/v2/report_notifications").json())] == [data["id"]]
    replaced = client.put(f"/api/v2/report_notifications/{data['id']}",
                          {"cost_report": report.pk, "frequency": "monthly", "recipients": [owner.pk]}, format="json")
    assert replaced.status_code == 200 and replaced.json()["frequency"] == "monthly"
    assert client.delete(f"/api/v2/report_notifications/{data['id']}").status_code == 204


@pytest.mark.parametrize(("changes", "field"), [
    ({"cost_report": 999999}, "cost_report"), ({"frequency": "hourly"}, "frequency"),
    ({"recipients": []}, "recipients"), ({"recipients": [999999]}, "recipients"), ({"webhooks": [999999]}, "webhooks"),
])
def test_api_bad_input_names_the_field(ws, owner, report, api, changes, field):
    body = {"cost_report": report.pk, "frequency": "weekly", "recipients": [owner.pk], **changes}
    response = api(owner).post("/api/v2/report_notifications", body, format="json")
    assert response.status_code == 400 and field in fields(response), response.json()


def test_api_viewer_and_outsider(ws, owner, viewer, outsider, report, api, other_ws):
    digest = make_digest(ws, report, recipients=[owner])
    body = {"cost_report": report.pk, "recipients": [owner.pk]}
    assert api(viewer).post("/api/v2/report_notifications", body, format="json").status_code == 403
    assert api(viewer).get(f"/api/v2/report_notifications/{digest.pk}").status_code == 200
    assert api(outsider).get(f"/api/v2/report_notifications/{digest.pk}").status_code == 404
    assert items(api(outsider).get("/api/v2/report_notifications").json()) == []
    response = api(outsider).post("/api/v2/report_notifications",
                                  {"cost_report": report.pk, "recipients": [outsider.pk]}, format="json")
    assert response.status_code == 400 and "cost_report" in fields(response)  # a report of another workspace
