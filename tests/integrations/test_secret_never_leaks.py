"""The API secret appears in no page, admin page, JSON response, task row or log record."""

import logging

import pytest
from django.contrib import admin
from django.urls import reverse

from integrations.models import Integration
from integrations.twilio import client as tw
from integrations.twilio.sandbox import serve_in_thread
from vantage.models import ApiToken

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox]


@pytest.fixture
def connected(settings, owner, ws, client, monkeypatch, django_capture_on_commit_callbacks, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(tw.time, "sleep", lambda s: None)
    server, base_url = serve_in_thread(seed=11)
    settings.TWILIO_API_BASE_URL = base_url
    creds = next(c for c in server.sandbox.credentials() if c["kind"] == "standalone")
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("integrations:twilio"), {
            "api_key_sid": creds["api_key_sid"], "api_secret": creds["api_secret"],
            "account_sid": creds["account_sid"], "account_name": "Leak Test",
        })
    yield Integration.objects.get(), creds["api_secret"], creds["api_key_sid"]
    server.shutdown()


def test_secret_is_nowhere(connected, client, admin_client, owner, caplog):
    integration, secret, key = connected
    assert integration.status == "imported"
    bodies = []
    for url in [
        reverse("integrations:twilio") + "?tab=manage", reverse("integrations:twilio") + "?tab=connect",
        reverse("integrations:detail", args=[integration.pk]), reverse("integrations:status", args=[integration.pk]),
        reverse("integrations:edit", args=[integration.pk]), reverse("integrations:delete", args=[integration.pk]),
        reverse("costs:report_list"),
    ]:
        r = client.get(url)
        assert r.status_code == 200, url
        bodies.append(r.content.decode())
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        r = admin_client.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert r.status_code == 200, info
        bodies.append(r.content.decode())
        obj = model.objects.first()
        if obj is not None:
            r = admin_client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
            bodies.append(r.content.decode())
    _, raw = ApiToken.issue(owner, "t")
    for url in ("/api/v2/integrations", f"/api/v2/integrations/{integration.pk}", "/api/v2/workspaces"):
        bodies.append(client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}").content.decode())
    for body in bodies:
        assert secret not in body
        assert key not in body
    assert secret not in caplog.text and key not in caplog.text

    from django_q.models import Schedule, Task

    for task in Task.objects.all():
        assert secret not in repr(task.args) + repr(task.kwargs) + repr(task.result)
    assert not Schedule.objects.filter(args__contains=secret).exists()
