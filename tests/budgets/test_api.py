from datetime import date
from decimal import Decimal

import pytest

from costs.budgets.models import Budget, BudgetAlert, BudgetPeriod
from costs.models import CostReport
from tests.budgets.conftest import make_budget
from vantage.notifications.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

BODY = {"name": "SMS", "periods": [{"start_at": "2026-01", "end_at": "2026-06-01", "amount": "100.00"},
                                   {"start_at": "2026-07-01", "end_at": None, "amount": "150"}]}


def fields(response):
    return {e["field"] for e in response.json()["errors"]}


def test_create_list_retrieve_with_performance(ws, owner, report, costs, api):
    client = api(owner)
    created = client.post("/api/v2/budgets", {**BODY, "cost_report": report.pk}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["currency"] == "USD" and body["performance"] is None
    assert body["periods"] == [{"start_at": "2026-01-01", "end_at": "2026-06-01", "amount": "100.00"},
                               {"start_at": "2026-07-01", "end_at": None, "amount": "150.00"}]
    listed = client.get("/api/v2/budgets?include_performance=true").json()
    [budget] = listed["data"] if "data" in listed else listed["results"]
    months = {m["month"]: m for m in budget["performance"]["months"]}
    assert months["2026-10-01"]["actual"] == "80.00" and months["2026-10-01"]["budget"] == "150.00"
    one = client.get(f"/api/v2/budgets/{body['id']}?include_performance=true").json()
    assert one["performance"]["year_to_date"]["budget"]


def test_parent_with_child_budgets(ws, owner, report, api):
    a, b = make_budget(ws, report, name="A"), make_budget(ws, report, name="B")
    response = api(owner).post("/api/v2/budgets", {"name": "All", "cost_report": report.pk,
                                                   "child_budgets": [a.pk, b.pk]}, format="json")
    assert response.status_code == 201, response.json()
    assert sorted(response.json()["child_budgets"]) == [a.pk, b.pk]
    assert set(Budget.objects.filter(parent__name="All").values_list("name", flat=True)) == {"A", "B"}


@pytest.mark.parametrize(("change", "field"), [
    ({"periods": [{"start_at": "2026-01", "amount": "-1"}]}, "periods[0].amount"),
    ({"periods": [{"start_at": "2026-01", "amount": "abc"}]}, "periods[0].amount"),
    ({"periods": [{"start_at": "2026-01", "amount": "1e13"}]}, "periods[0].amount"),
    ({"periods": [{"start_at": "2026-13", "amount": "1"}]}, "periods[0].start_at"),
    ({"periods": [{"start_at": "2026-01", "end_at": None, "amount": "1"},
                  {"start_at": "2026-03", "amount": "2"}]}, "periods"),
    ({"currency": "EUR"}, "currency"),
    ({"name": ""}, "name"),
    ({"parent": 999999}, "parent"),
])
def test_bad_budget_is_400_naming_the_field(ws, owner, report, api, change, field):
    response = api(owner).post("/api/v2/budgets", {**BODY, "cost_report": report.pk, **change}, format="json")
    assert response.status_code == 400
    assert field in fields(response), response.json()
    assert not Budget.objects.exists() and not BudgetPeriod.objects.exists()


def test_report_of_another_workspace_is_400(ws, owner, other_ws, api):
    theirs = CostReport.objects.create(workspace=other_ws, title="Theirs")
    response = api(owner).post("/api/v2/budgets", {**BODY, "cost_report": theirs.pk}, format="json")
    assert response.status_code == 400 and fields(response) == {"cost_report"}


def test_cycle_and_child_in_two_places_refused(ws, owner, report, api):
    top = make_budget(ws, report, name="Top", amount=None)
    mid = make_budget(ws, report, name="Mid", amount=None, parent=top)
    client = api(owner)
    cycle = client.put(f"/api/v2/budgets/{top.pk}", {"name": "Top", "cost_report": report.pk, "parent": mid.pk},
                       format="json")
    assert cycle.status_code == 400 and "parent" in fields(cycle)
    leaf = make_budget(ws, report, name="Leaf")
    twice = client.post("/api/v2/budgets", {"name": "X", "cost_report": report.pk,
                                            "child_budgets": [leaf.pk, leaf.pk]}, format="json")
    assert twice.status_code == 400 and "child_budgets" in fields(twice)
    assert Budget.objects.get(pk=top.pk).parent is None


def test_depth_eleven_refused(ws, owner, report, api):
    parent = None
    for level in range(10):
        parent = make_budget(ws, report, name=f"L{level}", amount=None if level < 9 else "1", parent=parent)
    BudgetPeriod.objects.filter(budget=parent).delete()
    response = api(owner).post("/api/v2/budgets", {**BODY, "cost_report": report.pk, "parent": parent.pk},
                               format="json")
    assert response.status_code == 400 and "deeper than 10" in response.json()["errors"][0]["message"]


def test_alerts_api(ws, owner, viewer, outsider, report, api):
    budget = make_budget(ws, report)
    hook = WebhookEndpoint.objects.create(workspace=ws, name="ops", url="https://h.example.com", signing_secret="s3")
    client = api(owner)
    good = {"budget": budget.pk, "thresholds": [100, 50], "basis": "forecast", "recipients": [owner.pk],
            "webhooks": [hook.pk]}
    created = client.post("/api/v2/budget_alerts", good, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["thresholds"] == [50, 100] and "s3" not in created.content.decode()
    for change, field in [({"thresholds": [0]}, "thresholds"), ({"thresholds": [1001]}, "thresholds"),
                          ({"recipients": [outsider.pk]}, "recipients"), ({"window": "first"}, "window_days"),
                          ({"budget": 999999}, "budget")]:
        bad = client.post("/api/v2/budget_alerts", {**good, **change}, format="json")
        assert bad.status_code == 400 and field in fields(bad), (change, bad.json())
    assert BudgetAlert.objects.count() == 1
    assert api(viewer).post("/api/v2/budget_alerts", good, format="json").status_code == 403
    assert api(viewer).get("/api/v2/budget_alerts").status_code == 200
    alert_id = created.json()["id"]
    assert api(outsider).get(f"/api/v2/budget_alerts/{alert_id}").status_code == 404
    assert api(outsider).delete(f"/api/v2/budget_alerts/{alert_id}").status_code == 404


def test_viewer_reads_outsider_sees_nothing(ws, owner, viewer, outsider, report, api):
    budget = make_budget(ws, report)
    assert api(viewer).get(f"/api/v2/budgets/{budget.pk}").status_code == 200
    assert api(viewer).delete(f"/api/v2/budgets/{budget.pk}").status_code == 403
    assert api(viewer).post("/api/v2/budgets", {**BODY, "cost_report": report.pk}, format="json").status_code == 403
    assert api(outsider).get(f"/api/v2/budgets/{budget.pk}").status_code == 404
    assert api(outsider).put(f"/api/v2/budgets/{budget.pk}", {**BODY, "cost_report": report.pk},
                             format="json").status_code == 404
    assert api(outsider).delete(f"/api/v2/budgets/{budget.pk}").status_code == 404
    assert Budget.objects.filter(pk=budget.pk).exists()
    assert api(owner).delete(f"/api/v2/budgets/{budget.pk}").status_code == 204


def test_update_replaces_periods(ws, owner, report, api):
    budget = make_budget(ws, report)
    response = api(owner).put(f"/api/v2/budgets/{budget.pk}", {
        "name": "SMS 2", "cost_report": report.pk, "periods": [{"start_at": "2027-01", "amount": "5"}]}, format="json")
    assert response.status_code == 200, response.json()
    assert list(budget.periods.values_list("start_month", "amount")) == [(date(2027, 1, 1), Decimal("5.00"))]
