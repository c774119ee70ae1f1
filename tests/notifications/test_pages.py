"""Settings › Notifications and the log: who may do what, validation next to the field, the secret once."""

import pytest
from django.contrib import admin
from django.urls import reverse

from vantage.notifications import services
from vantage.notifications.models import DeliveryStatus, Notification, WebhookEndpoint

from .conftest import free_port

pytestmark = pytest.mark.django_db

LIST = reverse("notifications:webhook_list")
LOG = reverse("notifications:notification_log")


def _add(client, name, url):
    return client.post(LIST, {"name": name, "url": url})


def test_owner_adds_a_webhook_and_sees_the_secret_once(owner_client, ws, receiver):
    r = _add(owner_client, "#finops", receiver.url)
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    hook = WebhookEndpoint.objects.get(workspace=ws)
    assert hook.name == "#finops" and hook.url == receiver.url
    page = r.content.decode()
    assert hook.signing_secret in page and "shown only once" in page
    again = owner_client.get(LIST).content.decode()
    assert hook.signing_secret not in again and "#finops" in again
    assert "path-secret" not in again and f"http://127.0.0.1:{receiver.port}/…" in again  # the path is a credential


@pytest.mark.parametrize(("url", "message"), [
    ("http://hooks.example.com/x", "Use an https:// URL"),
    ("https://10.0.0.1/hook", "inside a network: a private address"),
    ("https://169.254.169.254/latest/meta-data/", "inside a network: a link-local address"),
    ("https://127.0.0.1/hook", "inside a network: a loopback address"),  # 127.0.0.1 not allowed in this test
    ("not a url", "Enter a valid URL"),
    ("https://user:pw@hooks.example.com/x", "no user name or password"),
    ("", "This field is required."),
])
def test_bad_urls_are_refused_next_to_the_field(owner_client, ws, url, message):
    r = _add(owner_client, "Hook", url)
    assert r.status_code == 400
    body = r.content.decode()
    assert 'id="id_url_error"' in body and message in body
    assert not WebhookEndpoint.objects.exists()


def test_a_name_resolving_inside_the_network_is_refused(owner_client, resolver):
    resolver["hooks.example.com"] = ["192.168.0.20"]
    r = _add(owner_client, "Hook", "https://hooks.example.com/x")
    assert r.status_code == 400 and "hooks.example.com resolves to 192.168.0.20" in r.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_a_receiver_that_never_answers_is_refused(owner_client, settings, resolver, monkeypatch):
    settings.NOTIFY_ALLOWED_HOSTS = ["127.0.0.1"]
    r = _add(owner_client, "Hook", f"http://127.0.0.1:{free_port()}/x")  # nothing listens
    assert r.status_code == 400 and "refused the connection" in r.content.decode()

    def silent(*args, **kwargs):
        raise TimeoutError

    resolver["hooks.example.com"] = ["93.184.216.34"]
    monkeypatch.setattr("vantage.notifications.outbound.socket.create_connection", silent)
    r = _add(owner_client, "Hook", "https://hooks.example.com/x")
    assert r.status_code == 400 and "Nothing answered at hooks.example.com:443 within 3 seconds" in r.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_duplicate_name_is_refused(owner_client, ws, receiver):
    services.create_webhook(ws, name="Ops", url=receiver.url)
    r = _add(owner_client, "ops", receiver.url)
    assert r.status_code == 400 and "already has a webhook with this name" in r.content.decode()
    assert WebhookEndpoint.objects.count() == 1


def test_viewer_reads_but_cannot_change(client_for_user, viewer, ws, receiver):
    hook, secret = services.create_webhook(ws, name="Ops", url=receiver.url)
    client = client_for_user(viewer)
    page = client.get(LIST).content.decode()
    assert "Ops" in page and "Add a webhook" not in page and "Send test" not in page and secret not in page
    assert _add(client, "Mine", receiver.url).status_code == 403
    assert client.post(reverse("notifications:webhook_test", args=[hook.pk])).status_code == 403
    assert client.post(reverse("notifications:webhook_delete", args=[hook.pk])).status_code == 403
    assert list(WebhookEndpoint.objects.values_list("name", flat=True)) == ["Ops"]
    assert not Notification.objects.exists() and receiver.requests == []


def test_editor_can_add(client_for_user, editor, receiver):
    assert _add(client_for_user(editor), "Ed's", receiver.url).status_code == 200
    assert WebhookEndpoint.objects.filter(name="Ed's").exists()


def test_outsider_gets_404_and_sees_nothing_of_the_workspace(client_for_user, outsider, ws, receiver):
    hook, _ = services.create_webhook(ws, name="Acme ops", url=receiver.url)
    Notification.objects.create(workspace=ws, kind="budget_alert", channel="email", recipient="cfo@acme.test",
                                subject="Acme budget", text="t")
    client = client_for_user(outsider)
    for url in (reverse("notifications:webhook_test", args=[hook.pk]),
                reverse("notifications:webhook_delete", args=[hook.pk])):
        assert client.get(url).status_code in (404, 405)
        assert client.post(url).status_code == 404
    for url in (LIST, LOG):
        body = client.get(url).content.decode()
        assert "Acme ops" not in body and "cfo@acme.test" not in body
    assert WebhookEndpoint.objects.filter(pk=hook.pk).exists() and receiver.requests == []


def test_send_test_delivers_and_shows_in_the_log(owner_client, ws, receiver, django_capture_on_commit_callbacks):
    hook, _ = services.create_webhook(ws, name="Ops", url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        r = owner_client.post(reverse("notifications:webhook_test", args=[hook.pk]))
    assert r.status_code == 302
    n = Notification.objects.get()
    assert (n.kind, n.status, n.response_code) == ("test", DeliveryStatus.SENT, 200)
    assert len(receiver.requests) == 1
    log = owner_client.get(LOG).content.decode()
    assert "Vantage test notification" in log and "Sent" in log


def test_failing_webhooks_are_highlighted(owner_client, ws, receiver):
    hook, _ = services.create_webhook(ws, name="Flaky", url=receiver.url)
    assert 'id="failing-webhooks"' not in owner_client.get(LIST).content.decode()
    WebhookEndpoint.objects.filter(pk=hook.pk).update(failing=True, consecutive_failures=5)
    page = owner_client.get(LIST).content.decode()
    assert 'id="failing-webhooks"' in page and "1 webhook keeps failing" in page
    assert 'class="row-failing"' in page and "Failing" in page


def test_delete_keeps_the_log(owner_client, ws, receiver):
    hook, _ = services.create_webhook(ws, name="Old", url=receiver.url)
    Notification.objects.create(workspace=ws, kind="k", channel="webhook", recipient="Old", webhook=hook,
                                subject="s", text="t", status=DeliveryStatus.SENT)
    url = reverse("notifications:webhook_delete", args=[hook.pk])
    assert owner_client.get(url).status_code == 200
    assert owner_client.post(url).status_code == 302
    assert not WebhookEndpoint.objects.exists()
    assert Notification.objects.get().webhook is None


def test_log_is_paginated_newest_first(owner_client, ws):
    Notification.objects.bulk_create([
        Notification(workspace=ws, kind="k", channel="email", recipient=f"p{i}@acme.test", subject=f"s{i}", text="t",
                     status=DeliveryStatus.FAILED, attempts=5, last_error="The mail server answered SMTP 550.",
                     response_code=550)
        for i in range(60)
    ])
    first = owner_client.get(LOG).content.decode()
    assert "p59@acme.test" in first and "p10@acme.test" in first and "p9@acme.test" not in first
    assert first.index("p59@acme.test") < first.index("p58@acme.test")
    assert "Page 1 of 2" in first and "SMTP 550" in first and "Failed" in first
    second = owner_client.get(LOG + "?page=2").content.decode()
    assert "p9@acme.test" in second and "p0@acme.test" in second and "p10@acme.test" not in second


def test_nav_links_to_the_page(owner_client):
    assert f'href="{LIST}"' in owner_client.get(LOG).content.decode()


def test_admin_shows_neither_the_secret_nor_the_url_path(admin_client, ws, receiver,
                                                          django_capture_on_commit_callbacks):
    hook, secret = services.create_webhook(ws, name="Ops", url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_test(hook)
    bodies = []
    for model in (WebhookEndpoint, Notification):
        assert model in admin.site._registry
        info = (model._meta.app_label, model._meta.model_name)
        r = admin_client.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert r.status_code == 200
        bodies.append(r.content.decode())
        r = admin_client.get(reverse("admin:{}_{}_change".format(*info), args=[model.objects.first().pk]))
        assert r.status_code == 200
        bodies.append(r.content.decode())
    assert "Ops" in bodies[0] and "Vantage test notification" in bodies[3]
    for body in bodies:
        assert secret not in body and "path-secret" not in body


def test_admin_action_gives_failed_ones_another_attempt(admin_client, ws, receiver, django_capture_on_commit_callbacks):
    hook, _ = services.create_webhook(ws, name="Ops", url=receiver.url)
    n = Notification.objects.create(workspace=ws, kind="k", channel="webhook", recipient="Ops", webhook=hook,
                                    subject="s", text="t", status=DeliveryStatus.FAILED, attempts=5)
    with django_capture_on_commit_callbacks(execute=True):
        r = admin_client.post(reverse("admin:notifications_notification_changelist"),
                              {"action": "deliver_again", "_selected_action": [n.pk]})
    assert r.status_code == 302
    n.refresh_from_db()
    assert (n.status, n.attempts) == (DeliveryStatus.SENT, 6) and len(receiver.requests) == 1
