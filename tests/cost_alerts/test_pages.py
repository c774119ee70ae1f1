"""Cost alert pages: list, create/edit/delete, events; viewers read only, outsiders see nothing."""

import pytest

from costs.alerting.models import CostAlert, CostAlertEvent
from costs.models import CostReport

from .conftest import make_alert

pytestmark = pytest.mark.django_db


def post(client, url, **changes):
    data = {"name": "SMS jumps", "percent": "50", "amount": "", "direction": "up", "period": "day",
            "recipients": [], "webhooks": [], "is_active": "on", **changes}
    return client.post(url, {k: v for k, v in data.items() if v is not None})


def test_list_create_edit_delete(client_for_user, owner, report):
    client = client_for_user(owner)
    assert client.get("/alerts/").status_code == 200
    response = post(client, "/alerts/new/", reports=[report.pk], recipients=[owner.pk], amount="25.5")
    assert response.status_code == 302, response.content.decode()[:2000]
    alert = CostAlert.objects.get()
    assert (alert.percent, str(alert.amount), list(alert.reports.all())) == (50, "25.50", [report])
    page = client.get("/alerts/").content.decode()
    assert "SMS jumps" in page and "50% and 25.50" in page and 'href="/alerts/"' in page  # the nav link
    assert client.get(f"/alerts/{alert.pk}/").status_code == 200
    assert post(client, f"/alerts/{alert.pk}/", name="Renamed", reports=[report.pk],
                recipients=[owner.pk]).status_code == 302
    assert CostAlert.objects.get().name == "Renamed"
    assert client.get(f"/alerts/{alert.pk}/events/").status_code == 200
    assert client.post(f"/alerts/{alert.pk}/delete/").status_code == 302
    assert not CostAlert.objects.exists()


@pytest.mark.parametrize(("changes", "message"), [
    ({"percent": "0.5"}, "between 1 and 1000"),
    ({"percent": "1001"}, "between 1 and 1000"),
    ({"percent": "abc"}, "as a number"),
    ({"percent": "", "amount": "-3"}, "more than 0"),
    ({"percent": "", "amount": "1e12"}, "at most"),
    ({"percent": "", "amount": ""}, "Set a % threshold, an amount threshold, or both"),
    ({"recipients": []}, "Choose at least one member to email or one webhook"),
    ({"reports": []}, "Choose at least one cost report"),
    ({"name": "SMS \u202espike"}, "invisible text-direction character (U+202E)"),
])
def test_bad_input_is_shown_next_to_the_field(client_for_user, owner, report, changes, message):
    data = {"reports": [report.pk], "recipients": [owner.pk], **changes}
    response = post(client_for_user(owner), "/alerts/new/", **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CostAlert.objects.exists()


def test_at_most_ten_reports(client_for_user, owner, ws):
    reports = [CostReport.objects.create(workspace=ws, title=f"R{i}") for i in range(11)]
    response = post(client_for_user(owner), "/alerts/new/", reports=[r.pk for r in reports], recipients=[owner.pk])
    assert response.status_code == 400 and "at most 10 cost reports" in response.content.decode()


def test_a_report_of_another_workspace_is_refused(client_for_user, owner, other_ws):
    theirs = CostReport.objects.create(workspace=other_ws, title="Theirs")
    response = post(client_for_user(owner), "/alerts/new/", reports=[theirs.pk], recipients=[owner.pk])
    assert response.status_code == 400 and not CostAlert.objects.exists()


def test_viewer_reads_but_cannot_change(client_for_user, viewer, ws, report, owner):
    alert = make_alert(ws, [report], percent=50, recipients=[owner])
    client = client_for_user(viewer)
    page = client.get("/alerts/").content.decode()
    assert alert.name in page and "New cost alert" not in page
    assert client.get("/alerts/new/").status_code == 403
    assert post(client, "/alerts/new/", reports=[report.pk], recipients=[owner.pk]).status_code == 403
    assert client.post(f"/alerts/{alert.pk}/delete/").status_code == 403
    assert CostAlert.objects.count() == 1


def test_outsider_sees_nothing(client_for_user, outsider, ws, report, owner):
    alert = make_alert(ws, [report], percent=50, recipients=[owner])
    CostAlertEvent.objects.create(alert=alert, report=report, group_key="x", group="Secret SMS", currency="USD",
                                  period="day", period_start="2026-11-10", period_end="2026-11-10",
                                  previous_amount=1, amount=2, change=1, percent=100)
    client = client_for_user(outsider)
    page = client.get("/alerts/").content.decode()
    assert alert.name not in page and "Secret SMS" not in page
    for url in (f"/alerts/{alert.pk}/", f"/alerts/{alert.pk}/events/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/alerts/{alert.pk}/delete/").status_code == 404
    assert CostAlert.objects.filter(pk=alert.pk).exists()


def test_events_page_lists_the_alerts_events(client_for_user, owner, ws, report):
    alert = make_alert(ws, [report], percent=50, recipients=[owner])
    CostAlertEvent.objects.create(alert=alert, report=report, group_key="x", group="SMS & MMS", currency="USD",
                                  period="day", period_start="2026-11-10", period_end="2026-11-10",
                                  previous_amount=100, amount=180, change=80, percent=80)
    page = client_for_user(owner).get(f"/alerts/{alert.pk}/events/").content.decode()
    assert "SMS &amp; MMS" in page and "80.0%" in page and "180.00" in page
