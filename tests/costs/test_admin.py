from django.urls import reverse

from costs.models import CostReport


def test_operators_list_reports_and_cannot_delete_the_default(admin_client, default_report, ws, owner):
    mine = CostReport.objects.create(workspace=ws, title="Mine", created_by=owner)
    response = admin_client.get(reverse("admin:costs_costreport_changelist"))
    assert response.status_code == 200 and "All Resources" in response.content.decode()
    assert admin_client.get(reverse("admin:costs_costreport_delete", args=[default_report.pk])).status_code == 403
    admin_client.post(
        reverse("admin:costs_costreport_changelist"),
        {"action": "delete_selected", "_selected_action": [default_report.pk, mine.pk], "post": "yes"},
    )
    assert CostReport.objects.filter(pk=default_report.pk).exists()
