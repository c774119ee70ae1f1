from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from costs.budgets.models import Budget, BudgetAlert, BudgetPeriod
from costs.models import CostReport
from tests.budgets.conftest import make_budget, set_forecast
from tests.costs.factories import add_costs, item
from vantage.lib.dates import month_start, utc_today

pytestmark = pytest.mark.django_db


def _form(report, **change):
    data = {"name": "SMS", "cost_report": report.pk, "parent": "", "currency": "",
            "periods-TOTAL_FORMS": "2", "periods-INITIAL_FORMS": "0", "periods-MIN_NUM_FORMS": "0",
            "periods-MAX_NUM_FORMS": "60",
            "periods-0-start_month": "2026-01", "periods-0-end_month": "", "periods-0-amount": "40000",
            "periods-1-start_month": "", "periods-1-end_month": "", "periods-1-amount": ""}
    data.update(change)
    return data


def test_create_then_detail_shows_performance(client_for_user, owner, report, integration):
    client = client_for_user(owner)
    response = client.post(reverse("budgets:budget_create"), _form(report))
    assert response.status_code == 302, response.content.decode()[:3000]
    budget = Budget.objects.get()
    assert list(budget.periods.values_list("start_month", "amount")) == [(date(2026, 1, 1), Decimal("40000.00"))]
    page = client.get(reverse("budgets:budget_detail", args=[budget.pk]))
    assert page.status_code == 200 and b'id="performance"' in page.content and b"Year to date" in page.content
    assert b"Budgets" in client.get(reverse("budgets:budget_list")).content


def test_done_when_on_the_page(client_for_user, owner, ws, report, integration):
    today = utc_today()
    add_costs(integration, [item(today, "SMS & MMS", "sms-outbound", "60.00")])
    budget = make_budget(ws, report, start=month_start(today))
    set_forecast(report, "130.00", month=month_start(today))
    content = client_for_user(owner).get(reverse("budgets:budget_detail", args=[budget.pk])).content.decode()
    assert "60% used" in content and "forecast over budget by 30.00" in content
    listed = client_for_user(owner).get(reverse("budgets:budget_list")).content.decode()
    assert "60%" in listed


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"periods-0-amount": "-5"}, "periods-0-amount", "cannot be negative"),
    ({"periods-0-amount": "abc"}, "periods-0-amount", "is not an amount"),
    ({"periods-0-amount": "99999999999999"}, "periods-0-amount", "not a plausible budget"),
    ({"periods-1-start_month": "2026-03", "periods-1-amount": "5"}, "periods", "Periods overlap"),
    ({"currency": "EUR"}, "currency", "must be in USD"),
    ({"name": ""}, "name", "required"),
])
def test_bad_input_shows_message_next_to_field_and_saves_nothing(client_for_user, owner, report, change, field,
                                                                 message):
    response = client_for_user(owner).post(reverse("budgets:budget_create"), _form(report, **change))
    assert response.status_code == 400
    content = response.content.decode()
    assert message in content
    assert f'id="id_{field}_error"' in content or field in ("periods", "periods-0-amount")
    assert not Budget.objects.exists() and not BudgetPeriod.objects.exists()


def test_report_of_another_workspace_refused(client_for_user, owner, report, other_ws):
    theirs = CostReport.objects.create(workspace=other_ws, title="Theirs")
    response = client_for_user(owner).post(reverse("budgets:budget_create"), _form(report, cost_report=theirs.pk))
    assert response.status_code == 400 and not Budget.objects.exists()
    assert 'id="id_cost_report_error"' in response.content.decode()


def test_alert_form(client_for_user, owner, outsider, ws, report):
    budget = make_budget(ws, report)
    client = client_for_user(owner)
    url = reverse("budgets:alert_create", args=[budget.pk])
    bad = client.post(url, {"thresholds": "50, 2000", "basis": "actual", "window": "none", "is_active": "on"})
    assert bad.status_code == 400 and "outside 1 to 1000" in bad.content.decode()
    bad = client.post(url, {"thresholds": "50", "basis": "actual", "window": "first", "is_active": "on"})
    assert bad.status_code == 400 and 'id="id_window_days_error"' in bad.content.decode()
    assert not BudgetAlert.objects.exists()
    good = client.post(url, {"thresholds": "100, 50", "basis": "forecast", "window": "last", "window_days": "5",
                             "recipients": [owner.pk], "is_active": "on"})
    assert good.status_code == 302
    alert = BudgetAlert.objects.get()
    assert alert.thresholds == [50, 100] and list(alert.recipients.all()) == [owner]


def test_csv_import_and_export_pages(client_for_user, owner, report):
    client = client_for_user(owner)
    url = reverse("budgets:budget_import")
    bad = client.post(url, {"cost_report": report.pk,
                            "file": SimpleUploadedFile("b.csv", b"Budget Name,2026-01\nSMS,-1\n")})
    assert bad.status_code == 400 and "Row 2, column 2026-01" in bad.content.decode()
    assert not Budget.objects.exists()
    good = client.post(url, {"cost_report": report.pk,
                             "file": SimpleUploadedFile("b.csv", b"Budget Name,2026-01\nSMS,10\n")})
    assert good.status_code == 302 and Budget.objects.get().name == "SMS"
    exported = client.get(reverse("budgets:budget_export"))
    assert exported.content.decode().startswith("Budget Name,2026-01")


def test_access_rules(client_for_user, owner, viewer, outsider, ws, report):
    budget = make_budget(ws, report, name="Acme private plan")
    alert = BudgetAlert.objects.create(budget=budget, thresholds=[50])
    reads = [reverse("budgets:budget_list"), reverse("budgets:budget_detail", args=[budget.pk]),
             reverse("budgets:budget_export")]
    writes = [reverse("budgets:budget_create"), reverse("budgets:budget_edit", args=[budget.pk]),
              reverse("budgets:budget_import"), reverse("budgets:alert_create", args=[budget.pk]),
              reverse("budgets:alert_edit", args=[alert.pk])]
    posts = [reverse("budgets:budget_delete", args=[budget.pk]), reverse("budgets:alert_delete", args=[alert.pk])]
    client = client_for_user(viewer)
    assert all(client.get(u).status_code == 200 for u in reads)
    assert [client.get(u).status_code for u in writes] == [403] * len(writes)
    assert [client.post(u).status_code for u in posts] == [403] * len(posts)
    client = client_for_user(outsider)
    assert client.get(reads[1]).status_code == 404
    assert budget.name not in client.get(reads[0]).content.decode()
    assert budget.name not in client.get(reads[2]).content.decode()
    assert [client.get(u).status_code for u in writes[1:2] + writes[3:]] == [404] * 3
    assert [client.post(u).status_code for u in posts] == [404] * 2
    assert Budget.objects.filter(pk=budget.pk).exists() and BudgetAlert.objects.filter(pk=alert.pk).exists()


def test_admin_pages(admin_client, ws, report):
    budget = make_budget(ws, report)
    alert = BudgetAlert.objects.create(budget=budget, thresholds=[50])
    for url in ["/admin/budgets/budget/", f"/admin/budgets/budget/{budget.pk}/change/", "/admin/budgets/budgetalert/",
                f"/admin/budgets/budgetalert/{alert.pk}/change/", "/admin/budgets/budgetalertfiring/"]:
        assert admin_client.get(url).status_code == 200, url
    response = admin_client.post(f"/admin/budgets/budgetalert/{alert.pk}/change/", {
        "budget": budget.pk, "thresholds": "[0]", "basis": "actual", "window": "none", "is_active": "on"})
    assert response.status_code == 200 and "outside 1 to 1000" in response.content.decode()
    assert BudgetAlert.objects.get().thresholds == [50]


def test_a_parent_whose_children_follow_one_report_says_it_counts_it_twice(client_for_user, owner, ws, report):
    parent = make_budget(ws, report, name="Teams", amount=None)
    make_budget(ws, report, name="Team A", parent=parent)
    make_budget(ws, report, name="Team B", parent=parent)
    html = client_for_user(owner).get(reverse("budgets:budget_detail", args=[parent.pk])).content.decode()
    assert 'id="counted-twice"' in html and "Team A and Team B all follow the cost report" in html
    other = CostReport.objects.create(workspace=ws, title="Voice", created_by=owner)
    Budget.objects.filter(name="Team B").update(cost_report=other)
    html = client_for_user(owner).get(reverse("budgets:budget_detail", args=[parent.pk])).content.decode()
    assert 'id="counted-twice"' not in html
