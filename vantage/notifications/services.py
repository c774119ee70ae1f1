"""Recording notifications; delivery happens in tasks (``vantage.notifications.tasks.deliver``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django_q.tasks import async_task

from .models import Channel, Notification, WebhookEndpoint

DELIVER_TASK = "vantage.notifications.tasks.deliver"


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
    targets = [(Channel.EMAIL, address, None) for address in sorted(set(emails))]
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
