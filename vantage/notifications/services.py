"""Recording notifications and delivering them (the tasks in ``tasks.py`` only call these).

A notification is recorded once (``notify``), then delivered by ``deliver`` in a task: one attempt per
call, claimed atomically so two workers never send the same attempt; a failed attempt is retried with
backoff (``BACKOFF``) by the periodic ``deliver_due``, then marked failed. A webhook endpoint whose
deliveries fail ``FAILING_AFTER`` times in a row is marked failing (shown to its workspace) until one
succeeds again.
"""

from __future__ import annotations

import json
import logging
import smtplib
from collections.abc import Iterable
from datetime import timedelta

from django.core.mail import EmailMessage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_q.tasks import async_task

from . import outbound
from .models import Channel, DeliveryStatus, Notification, WebhookEndpoint
from .signing import new_secret, sign

log = logging.getLogger(__name__)

DELIVER_TASK = "vantage.notifications.tasks.deliver"
# Wait before attempt 2, 3, 4 and 5; after the fifth failed attempt the notification is failed.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_ATTEMPTS = len(BACKOFF) + 1
FAILING_AFTER = 5  # failed attempts in a row that mark a webhook endpoint failing
LEASE = timedelta(minutes=10)  # an attempt in flight (or lost with its worker) is not picked again before this
LOST_AFTER = timedelta(minutes=2)  # a pending notification whose task never ran is picked by deliver_due
OPEN = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


def notify(
    workspace,
    *,
    kind: str,
    subject: str,
    text: str,
    payload: dict | None = None,
    emails: Iterable[str] = (),
    webhooks: Iterable[WebhookEndpoint] = (),
    dedupe_key: str | None = None,
) -> list[Notification]:
    """Record one notification per recipient and queue its delivery once the caller's transaction commits.

    With ``dedupe_key``, each recipient's notification is recorded at most once, whoever calls (two
    workers, a re-run import): a second call with the same key records and sends nothing for it.
    Returns the notifications recorded by this call."""
    addresses = {address.strip() for address in emails if address and address.strip()}
    targets = [(Channel.EMAIL, address, None) for address in sorted(addresses)]
    targets += [(Channel.WEBHOOK, hook.name, hook) for hook in webhooks if hook.is_active]
    recorded = []
    for channel, recipient, hook in targets:
        key = f"{dedupe_key}:{channel}:{hook.pk if hook else recipient}" if dedupe_key else None
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    workspace=workspace, kind=kind, channel=channel, recipient=recipient, webhook=hook,
                    subject=subject[:200], text=text, payload=payload or {}, dedupe_key=key,
                )  # fmt: skip
        except IntegrityError:  # recorded already (same key): at most once
            continue
        recorded.append(notification)
        transaction.on_commit(lambda pk=notification.pk: async_task(DELIVER_TASK, pk))
    return recorded


# --- webhook endpoints --------------------------------------------------------------------------------


def create_webhook(workspace, *, name: str, url: str, created_by=None) -> tuple[WebhookEndpoint, str]:
    """Create an endpoint with a fresh signing secret; returns (endpoint, secret) so the secret can be
    shown once. The URL must have passed ``forms.WebhookEndpointForm`` (or the API serializer) checks."""
    secret = new_secret()
    hook = WebhookEndpoint.objects.create(
        workspace=workspace, name=name, url=url, signing_secret=secret, created_by=created_by
    )
    return hook, secret


def send_test(hook: WebhookEndpoint) -> list[Notification]:
    """Queue a test notification to one endpoint (not deduplicated: every click sends one)."""
    text = f"Test notification from Vantage: the webhook “{hook.name}” of “{hook.workspace.name}” works."
    return notify(hook.workspace, kind="test", subject="Vantage test notification", text=text,
                  payload={"test": True}, webhooks=[hook])


def retry_now(notifications) -> int:
    """Give failed or retrying notifications one more attempt now (the admin's action); how many."""
    ids = list(notifications.filter(status__in=[DeliveryStatus.FAILED, DeliveryStatus.RETRYING])
               .values_list("pk", flat=True))
    # attempts stay counted: past MAX_ATTEMPTS this extra attempt is the only one (a failure is final)
    Notification.objects.filter(pk__in=ids).update(status=DeliveryStatus.RETRYING, next_attempt_at=timezone.now())
    for pk in ids:
        transaction.on_commit(lambda pk=pk: async_task(DELIVER_TASK, pk))
    return len(ids)


# --- delivery --------------------------------------------------------------------------------------


def _open_now():
    now = timezone.now()
    return Q(status__in=OPEN) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


def _claim(notification_id: int) -> Notification | None:
    """The notification with this attempt counted, if it is due and no other worker claimed it first."""
    notification = Notification.objects.filter(_open_now(), pk=notification_id).select_related("webhook").first()
    if notification is None:
        return None
    claimed = Notification.objects.filter(_open_now(), pk=notification_id, attempts=notification.attempts).update(
        attempts=F("attempts") + 1, next_attempt_at=timezone.now() + LEASE
    )
    if not claimed:
        return None
    notification.attempts += 1
    return notification


def _send_email(notification: Notification) -> None:
    message = EmailMessage(notification.subject, notification.text, to=[notification.recipient])
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        code = next(iter(exc.recipients.values()), (None,))[0]
        raise outbound.DeliveryFailed(f"The mail server refused the recipient (SMTP {code}).", code) from None
    except smtplib.SMTPResponseException as exc:
        raise outbound.DeliveryFailed(f"The mail server answered SMTP {exc.smtp_code}.", exc.smtp_code) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise outbound.DeliveryFailed(f"Could not send through the mail server ({exc.__class__.__name__}).") from None


def webhook_body(notification: Notification, sent_at) -> bytes:
    """The JSON a receiver gets (``text`` makes it a valid Slack or Teams incoming-webhook message)."""
    document = {
        "id": notification.pk, "kind": notification.kind, "text": notification.text,
        "subject": notification.subject, "payload": notification.payload, "sent_at": sent_at.isoformat(),
    }  # fmt: skip
    return json.dumps(document, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def _send_webhook(notification: Notification) -> int:
    hook = notification.webhook
    if hook is None or not hook.is_active:
        raise outbound.UnsafeTarget("The webhook endpoint was deleted or deactivated.")
    target = outbound.check_target(hook.url)  # resolved and checked now, at every attempt
    sent_at = timezone.now()
    body = webhook_body(notification, sent_at)
    timestamp = int(sent_at.timestamp())
    headers = {
        "Content-Type": "application/json", "User-Agent": "Vantage-Webhooks/1",
        "X-Vantage-Timestamp": str(timestamp), "X-Vantage-Signature": sign(hook.signing_secret, timestamp, body),
        "X-Vantage-Notification": str(notification.pk), "X-Vantage-Attempt": str(notification.attempts),
    }  # fmt: skip
    return outbound.post(target, body, headers)


def _succeeded(notification: Notification, response_code: int | None) -> None:
    Notification.objects.filter(pk=notification.pk).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), response_code=response_code, last_error="",
        next_attempt_at=None,
    )  # fmt: skip
    if notification.webhook_id:
        WebhookEndpoint.objects.filter(pk=notification.webhook_id).update(consecutive_failures=0, failing=False)


def _failed(notification: Notification, exc: Exception) -> str:
    retry = getattr(exc, "retry", True) and notification.attempts < MAX_ATTEMPTS
    status = DeliveryStatus.RETRYING if retry else DeliveryStatus.FAILED
    error = str(exc)[:300]
    Notification.objects.filter(pk=notification.pk).update(
        status=status, last_error=error, response_code=getattr(exc, "response_code", None),
        next_attempt_at=timezone.now() + BACKOFF[notification.attempts - 1] if retry else None,
    )  # fmt: skip
    if notification.webhook_id:
        hooks = WebhookEndpoint.objects.filter(pk=notification.webhook_id)
        hooks.update(consecutive_failures=F("consecutive_failures") + 1)
        hooks.filter(consecutive_failures__gte=FAILING_AFTER, failing=False).update(failing=True)
    log.warning("Notification %s (%s) attempt %s failed, %s: %s",
                notification.pk, notification.channel, notification.attempts, status, error)
    return status


def deliver(notification_id: int) -> str | None:
    """One delivery attempt of a due notification; its new status (None: not due, or another worker has it)."""
    notification = _claim(notification_id)
    if notification is None:
        return None
    try:
        if notification.channel == Channel.EMAIL:
            _send_email(notification)
            response_code = None
        else:
            response_code = _send_webhook(notification)
    except (outbound.TargetError, outbound.DeliveryFailed) as exc:
        return _failed(notification, exc)
    _succeeded(notification, response_code)
    log.info("Notification %s (%s) sent at attempt %s", notification.pk, notification.channel, notification.attempts)
    return DeliveryStatus.SENT


def due_ids(limit: int = 500) -> list[int]:
    now = timezone.now()
    lost = Q(status=DeliveryStatus.PENDING, next_attempt_at__isnull=True, created_at__lte=now - LOST_AFTER)
    waiting = Q(status__in=OPEN, next_attempt_at__lte=now)
    return list(Notification.objects.filter(lost | waiting).order_by("next_attempt_at", "pk")
                .values_list("pk", flat=True)[:limit])


def deliver_due() -> int:
    """Queue an attempt for every notification whose retry is due (or whose first task was lost); how many."""
    ids = due_ids()
    for pk in ids:
        async_task(DELIVER_TASK, pk)
    return len(ids)
