"""Operators see anomalies, floors, suppressions, scoring markers and notification settings in the admin."""

import pytest

from costs.anomalies.models import Anomaly
from costs.signals import costs_imported

pytestmark = pytest.mark.django_db


def test_the_admin_lists_anomalies_and_their_settings(admin_client, spiked, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        costs_imported.send(sender=None, integration_id=spiked.pk)
    anomaly = Anomaly.objects.get()
    listing = admin_client.get("/admin/anomalies/anomaly/?status__exact=active")
    assert listing.status_code == 200 and "sms-outbound" in listing.content.decode()
    assert admin_client.get(f"/admin/anomalies/anomaly/{anomaly.pk}/change/").status_code == 200
    for model in ("anomalysettings", "anomalysuppression", "scoringstate", "anomalynotification"):
        assert admin_client.get(f"/admin/anomalies/{model}/").status_code == 200, model
    response = admin_client.post("/admin/anomalies/anomaly/", {"action": "archive", "_selected_action": [anomaly.pk]})
    assert response.status_code == 302
    anomaly.refresh_from_db()
    assert anomaly.status == "archived"
