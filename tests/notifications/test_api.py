"""/api/v2/webhooks and /api/v2/notifications: same checks as the pages, the secret only in the POST answer."""

import pytest
from rest_framework.test import APIClient

from vantage.models import ApiToken
from vantage.notifications import services
from vantage.notifications.models import Notification, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    def make(user):
        client = APIClient()
        _, raw = ApiToken.issue(user, "test")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make


def test_create_returns_the_secret_once_and_never_the_url(api, owner, ws, receiver):
    client = api(owner)
    r = client.post("/api/v2/webhooks", {"name": "Ops", "url": receiver.url}, format="json")
    assert r.status_code == 201, r.json()
    hook = WebhookEndpoint.objects.get()
    body = r.json()
    assert body["signing_secret"] == hook.signing_secret and body["name"] == "Ops"
    assert "url" not in body and body["target"] == f"http://127.0.0.1:{receiver.port}/…"
    assert r["Cache-Control"] == "no-store"
    listed = client.get("/api/v2/webhooks")
    one = client.get(f"/api/v2/webhooks/{hook.pk}")
    assert listed.json()["results"][0]["id"] == hook.pk and one.json()["name"] == "Ops"
    for response in (listed, one):
        assert hook.signing_secret not in response.content.decode() and "path-secret" not in response.content.decode()


@pytest.mark.parametrize(("url", "message"), [
    ("http://hooks.example.com/x", "https"),
    ("https://10.0.0.1/x", "inside a network"),
    ("https://[::1]/x", "inside a network"),
])
def test_bad_urls_answer_400_naming_the_field(api, owner, url, message):
    r = api(owner).post("/api/v2/webhooks", {"name": "Ops", "url": url}, format="json")
    assert r.status_code == 400
    [error] = r.json()["errors"]
    assert error["field"] == "url" and message in error["message"]
    assert not WebhookEndpoint.objects.exists()


def test_duplicate_and_missing_name(api, owner, ws, receiver):
    services.create_webhook(ws, name="Ops", url=receiver.url)
    r = api(owner).post("/api/v2/webhooks", {"name": "OPS", "url": receiver.url}, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "name"
    r = api(owner).post("/api/v2/webhooks", {"url": receiver.url}, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "name"
    assert WebhookEndpoint.objects.count() == 1


def test_viewer_reads_but_cannot_write(api, viewer, ws, receiver):
    hook, _ = services.create_webhook(ws, name="Ops", url=receiver.url)
    client = api(viewer)
    assert client.get("/api/v2/webhooks").status_code == 200
    assert client.post("/api/v2/webhooks", {"name": "X", "url": receiver.url}, format="json").status_code == 403
    assert client.delete(f"/api/v2/webhooks/{hook.pk}").status_code == 403
    assert WebhookEndpoint.objects.count() == 1


def test_outsider_gets_404(api, outsider, ws, receiver):
    hook, _ = services.create_webhook(ws, name="Ops", url=receiver.url)
    n = Notification.objects.create(workspace=ws, kind="k", channel="email", recipient="cfo@acme.test",
                                    subject="s", text="t")
    client = api(outsider)
    assert client.get(f"/api/v2/webhooks/{hook.pk}").status_code == 404
    assert client.delete(f"/api/v2/webhooks/{hook.pk}").status_code == 404
    assert client.get(f"/api/v2/notifications/{n.pk}").status_code == 404
    assert client.get(f"/api/v2/webhooks?workspace={ws.pk}").status_code == 404
    assert client.get("/api/v2/webhooks").json()["results"] == []
    assert client.get("/api/v2/notifications").json()["results"] == []
    assert WebhookEndpoint.objects.filter(pk=hook.pk).exists()


def test_owner_deletes_and_reads_the_log(api, owner, ws, receiver, django_capture_on_commit_callbacks):
    hook, _ = services.create_webhook(ws, name="Ops", url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_test(hook)
    client = api(owner)
    [entry] = client.get("/api/v2/notifications").json()["results"]
    assert (entry["kind"], entry["status"], entry["response_code"], entry["webhook"]) == ("test", "sent", 200, hook.pk)
    assert client.delete(f"/api/v2/webhooks/{hook.pk}").status_code == 204
    assert not WebhookEndpoint.objects.exists()
    assert client.get("/api/v2/webhooks/abc").status_code == 404
