"""Delivery over real sockets: email through a local SMTP server, webhooks to a local HTTP receiver."""

import json
import logging
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule, Task

from vantage.notifications import outbound, services
from vantage.notifications.models import DeliveryStatus, Notification, WebhookEndpoint
from vantage.notifications.signing import verify_signature

from .conftest import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook_and_secret(ws, receiver):
    return services.create_webhook(ws, name="Ops hook", url=receiver.url)


def _notify(capture, ws, **kwargs):
    defaults = {"kind": "budget_alert", "subject": "Budget reached", "text": "Voice spent 80% of its budget."}
    with capture(execute=True):
        return services.notify(ws, **{**defaults, **kwargs})


def test_email_goes_through_a_real_smtp_server(ws, smtp_server, django_capture_on_commit_callbacks):
    [n] = _notify(django_capture_on_commit_callbacks, ws, emails=["finops@example.com"], payload={"budget": 3})
    n.refresh_from_db()
    assert (n.status, n.attempts, n.last_error) == (DeliveryStatus.SENT, 1, "")
    assert n.sent_at is not None and n.next_attempt_at is None
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == ["finops@example.com"]
    assert envelope.mail_from == "alerts@vantage.test"
    content = envelope.content.decode()
    assert "Subject: Budget reached" in content and "Voice spent 80% of its budget." in content


def test_email_to_an_unreachable_server_is_retried_later(ws, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens there
    before = timezone.now()
    [n] = _notify(django_capture_on_commit_callbacks, ws, emails=["finops@example.com"])
    n.refresh_from_db()
    assert n.status == DeliveryStatus.RETRYING and n.attempts == 1
    assert "mail server" in n.last_error
    assert before + timedelta(seconds=55) < n.next_attempt_at < timezone.now() + timedelta(minutes=1, seconds=5)


def test_webhook_is_signed_and_verifiable(ws, receiver, hook_and_secret, django_capture_on_commit_callbacks):
    hook, secret = hook_and_secret
    [n] = _notify(django_capture_on_commit_callbacks, ws, webhooks=[hook], payload={"budget_id": 7})
    n.refresh_from_db()
    assert (n.status, n.response_code, n.attempts) == (DeliveryStatus.SENT, 200, 1)
    [req] = receiver.requests
    assert req.method == "POST" and req.path == "/hooks/vantage?token=path-secret"
    assert req.headers["Content-Type"] == "application/json"
    assert req.headers["Host"] == f"127.0.0.1:{receiver.port}"
    timestamp, signature = req.headers["X-Vantage-Timestamp"], req.headers["X-Vantage-Signature"]
    assert signature.startswith("v1=")
    assert verify_signature(secret, timestamp, req.body, signature)
    assert not verify_signature("whsec_other", timestamp, req.body, signature)
    assert not verify_signature(secret, timestamp, req.body.replace(b"80%", b"10%"), signature)
    body = json.loads(req.body)
    assert set(body) == {"id", "kind", "text", "subject", "payload", "sent_at"}
    assert body["id"] == n.pk and body["kind"] == "budget_alert" and body["payload"] == {"budget_id": 7}
    assert body["text"] == "Voice spent 80% of its budget."  # Slack/Teams show "text"
    hook.refresh_from_db()
    assert (hook.failing, hook.consecutive_failures) == (False, 0)


def test_same_dedupe_key_records_and_sends_once(ws, receiver, hook_and_secret, django_capture_on_commit_callbacks):
    hook, _ = hook_and_secret
    first = _notify(django_capture_on_commit_callbacks, ws, webhooks=[hook], dedupe_key="budget:7:2026-12:80")
    second = _notify(django_capture_on_commit_callbacks, ws, webhooks=[hook], dedupe_key="budget:7:2026-12:80")
    assert len(first) == 1 and second == []
    assert Notification.objects.count() == 1
    assert len(receiver.requests) == 1


def test_redirect_is_not_followed(ws, receiver, hook_and_secret, django_capture_on_commit_callbacks):
    hook, _ = hook_and_secret
    receiver.status = 302
    receiver.headers = {"Location": f"http://127.0.0.1:{receiver.port}/elsewhere"}
    [n] = _notify(django_capture_on_commit_callbacks, ws, webhooks=[hook])
    n.refresh_from_db()
    assert n.status == DeliveryStatus.RETRYING and n.response_code == 302
    assert "redirect" in n.last_error
    assert [r.path for r in receiver.requests] == ["/hooks/vantage?token=path-secret"]  # Location never fetched


def test_timeout_schedules_a_retry_with_backoff(ws, receiver, hook_and_secret, monkeypatch,
                                                 django_capture_on_commit_callbacks):
    hook, _ = hook_and_secret
    monkeypatch.setattr(outbound, "READ_TIMEOUT", 0.3)
    receiver.delay = 1.0
    [n] = _notify(django_capture_on_commit_callbacks, ws, webhooks=[hook])
    n.refresh_from_db()
    assert n.status == DeliveryStatus.RETRYING and n.response_code is None
    assert n.last_error == "No response within 0.3 s."
    assert timezone.now() + timedelta(seconds=50) < n.next_attempt_at < timezone.now() + timedelta(seconds=61)


def _make_due(n):
    Notification.objects.filter(pk=n.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_backoff_then_failed_and_the_endpoint_marked_failing(ws, receiver, hook_and_secret,
                                                             django_capture_on_commit_callbacks):
    hook, _ = hook_and_secret
    receiver.status = 500
    [n] = _notify(django_capture_on_commit_callbacks, ws, webhooks=[hook])
    waits = []
    for _ in range(len(services.BACKOFF)):
        n.refresh_from_db()
        assert n.status == DeliveryStatus.RETRYING and n.response_code == 500
        waits.append(round((n.next_attempt_at - timezone.now()).total_seconds() / 60))
        assert services.deliver(n.pk) is None  # not due yet: nothing sent
        _make_due(n)
        assert services.deliver_due() == 1
    n.refresh_from_db()
    assert waits == [1, 5, 30, 120]
    assert (n.status, n.attempts, n.next_attempt_at) == (DeliveryStatus.FAILED, 5, None)
    assert n.last_error == "HTTP 500 from the receiver." and len(receiver.requests) == 5
    hook.refresh_from_db()
    assert hook.failing and hook.consecutive_failures == services.FAILING_AFTER
    assert services.deliver_due() == 0  # failed is final

    receiver.status = 204  # one success clears "failing"
    with django_capture_on_commit_callbacks(execute=True):
        services.send_test(hook)
    hook.refresh_from_db()
    assert (hook.failing, hook.consecutive_failures) == (False, 0)


def test_not_failing_before_n_failures_in_a_row(ws, receiver, hook_and_secret, django_capture_on_commit_callbacks):
    hook, _ = hook_and_secret
    receiver.status = 503
    for _ in range(services.FAILING_AFTER - 1):
        _notify(django_capture_on_commit_callbacks, ws, webhooks=[hook])
    hook.refresh_from_db()
    assert hook.consecutive_failures == services.FAILING_AFTER - 1 and not hook.failing


def test_an_attempt_is_claimed_once(ws, receiver, hook_and_secret):
    hook, _ = hook_and_secret
    n = Notification.objects.create(workspace=ws, kind="x", channel="webhook", recipient=hook.name, webhook=hook,
                                    subject="s", text="t")
    assert services.deliver(n.pk) == DeliveryStatus.SENT
    assert services.deliver(n.pk) is None  # a second worker with the same task: nothing sent twice
    assert len(receiver.requests) == 1
    # an attempt in flight (claimed, lease running) is not picked by deliver_due
    m = Notification.objects.create(workspace=ws, kind="x", channel="webhook", recipient=hook.name, webhook=hook,
                                    subject="s", text="t", next_attempt_at=timezone.now() + services.LEASE)
    assert m.pk not in services.due_ids()


def test_a_lost_first_task_is_picked_up(ws, receiver, hook_and_secret):
    hook, _ = hook_and_secret
    n = Notification.objects.create(workspace=ws, kind="x", channel="webhook", recipient=hook.name, webhook=hook,
                                    subject="s", text="t")
    assert services.due_ids() == []  # just recorded: its own task is on its way
    Notification.objects.filter(pk=n.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert services.deliver_due() == 1
    n.refresh_from_db()
    assert n.status == DeliveryStatus.SENT


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook", "https://10.0.0.1/hook", "https://169.254.169.254/latest/meta-data/",
    "https://[::1]/hook", "https://[::ffff:127.0.0.1]/hook", "https://0.0.0.0/hook", "https://224.0.0.1/hook",
    "https://192.168.1.10:8443/hook", "https://100.64.0.1/hook", "https://[fd00::1]/hook",
])
def test_internal_addresses_are_refused(url):
    with pytest.raises(outbound.UnsafeTarget, match="inside a network"):
        outbound.check_target(url)


def test_a_name_resolving_to_a_private_address_is_refused(resolver):
    resolver["hooks.example.com"] = ["93.184.216.34", "10.1.2.3"]  # every address is checked
    with pytest.raises(outbound.UnsafeTarget, match=r"hooks.example.com resolves to 10.1.2.3"):
        outbound.check_target("https://hooks.example.com/x")
    resolver["public.example.com"] = ["93.184.216.34"]
    target = outbound.check_target("https://public.example.com:8443/x?y=1")
    assert (target.addresses, target.port, target.path) == (("93.184.216.34",), 8443, "/x?y=1")


def test_allowed_hosts_and_plain_http(settings, resolver):
    resolver["hooks.internal"] = ["10.9.9.9"]
    with pytest.raises(outbound.UnsafeTarget, match="https"):
        outbound.check_target("http://hooks.internal/x")
    settings.NOTIFY_ALLOWED_HOSTS = ["hooks.internal"]
    assert outbound.check_target("http://hooks.internal/x").addresses == ("10.9.9.9",)
    settings.NOTIFY_ALLOWED_HOSTS, settings.DEBUG = [], True
    with pytest.raises(outbound.UnsafeTarget, match="inside a network"):  # DEBUG allows http, not private targets
        outbound.check_target("http://hooks.internal/x")


def test_dns_rebinding_after_creation_is_refused_at_delivery(ws, resolver, receiver, settings):
    settings.NOTIFY_ALLOWED_HOSTS = []
    resolver["hooks.example.com"] = ["93.184.216.34"]
    hook, _ = services.create_webhook(ws, name="Rebinder", url=f"https://hooks.example.com:{receiver.port}/x")
    resolver["hooks.example.com"] = ["127.0.0.1"]  # the name now points at us
    n = Notification.objects.create(workspace=ws, kind="x", channel="webhook", recipient=hook.name, webhook=hook,
                                    subject="s", text="t")
    assert services.deliver(n.pk) == DeliveryStatus.FAILED  # refused targets are not retried
    n.refresh_from_db()
    assert "inside a network" in n.last_error and n.response_code is None
    assert receiver.requests == []


def test_the_secret_and_the_response_body_are_never_recorded_or_logged(
    ws, receiver, hook_and_secret, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    hook, secret = hook_and_secret
    receiver.status = 500
    [n] = _notify(django_capture_on_commit_callbacks, ws, webhooks=[hook])
    n.refresh_from_db()
    stored = json.dumps(list(Notification.objects.values()), default=str)
    stored += json.dumps(list(Task.objects.values("args", "kwargs", "result")), default=str)
    assert Task.objects.filter(func=services.DELIVER_TASK).exists()
    for text in (stored, caplog.text):
        assert secret not in text and "path-secret" not in text and "receiver body" not in text
    assert WebhookEndpoint.objects.get().signing_secret == secret  # stored (encrypted), readable by the app only


def test_the_deliver_due_schedule_runs_every_minute_from_now():
    call_command("setup_schedules")
    schedule = Schedule.objects.get(name="vantage:notifications-deliver-due")
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == (
        "vantage.notifications.tasks.deliver_due", "I", 1)
    assert abs((schedule.next_run - timezone.now()).total_seconds()) < 60
