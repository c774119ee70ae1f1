"""Cost alerts: each group of each report, last complete period against the one before, each event once.

``evaluate(workspace, today)`` runs in a django-q2 task after every import and daily. A period is looked
at only once every day of both periods was imported whole (``costs.coverage.complete_days``). A group
crossing the thresholds is recorded as a ``CostAlertEvent`` (unique per alert, report, group and period),
so a re-run import or two workers evaluating at once record it once; the evaluation that recorded events
sends them, in one notification per alert and period.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.urls import reverse

from vantage.lib.dates import utc_today
from vantage.lib.formatting import day as day_name
from vantage.lib.formatting import money
from vantage.notifications.services import notify

from ..coverage import complete_days
from .choices import Direction
from .figures import GroupChange, absolute, report_changes
from .models import CostAlert, CostAlertEvent
from .periods import complete_period, previous

log = logging.getLogger(__name__)
KIND = "cost_alert"


def crossed(alert: CostAlert, change: GroupChange) -> bool:
    """Whether the change goes the alert's way and reaches every threshold it sets (% and amount: both)."""
    delta = change.change
    wrong_way = (alert.direction == Direction.UP and delta < 0) or (alert.direction == Direction.DOWN and delta > 0)
    if not delta or wrong_way:
        return False
    if alert.amount is not None and abs(delta) < alert.amount:
        return False
    if alert.percent is not None and change.previous:  # from nothing: any % is reached
        return abs(delta) * 100 >= alert.percent * abs(change.previous)
    return True


def periods_of(alert: CostAlert, today: date) -> tuple[date, date, date]:
    """(previous period's start, last complete period's start, its end)."""
    start, end = complete_period(alert.period, today)
    return previous(alert.period, start)[0], start, end


def _record(alert: CostAlert, report, change: GroupChange, start: date, end: date) -> CostAlertEvent | None:
    try:
        with transaction.atomic():
            return CostAlertEvent.objects.create(
                alert=alert, report=report, group_key=change.key, group=change.label[:300], currency=change.currency,
                period=alert.period, period_start=start, period_end=end, previous_amount=change.previous,
                amount=change.current, change=change.change,
                percent=None if change.percent is None else change.percent.quantize(Decimal("0.01")),
            )  # fmt: skip
    except IntegrityError:  # recorded already (an earlier evaluation, or another worker right now)
        return None


def describe(event: CostAlertEvent) -> str:
    percent = "new" if event.percent is None else f"{event.percent:+,.1f}%"
    return (f"{event.report.title} · {event.group}: {money(event.previous_amount, event.currency)} → "
            f"{money(event.amount, event.currency)} ({'+' if event.change > 0 else ''}"
            f"{money(event.change, event.currency)}, {percent})")


def message(alert: CostAlert, events: list[CostAlertEvent]) -> tuple[str, str]:
    first = events[0]
    when = day_name(first.period_start) if first.period_start == first.period_end else (
        f"{day_name(first.period_start)} to {day_name(first.period_end)}")
    subject = f"Cost alert: {alert.name}: {len(events)} change{'s' if len(events) > 1 else ''} ({when})"
    lines = [f"Cost alert “{alert.name}” ({alert.threshold_text}, {alert.get_direction_display().lower()}, "
             f"{when} against the {alert.get_period_display().lower()} before):", *(describe(e) for e in events),
             absolute(reverse("alerting:costalert_events", args=[alert.pk]))]
    return subject, "\n".join(lines)


def _send(alert: CostAlert, events: list[CostAlertEvent]) -> None:
    subject, text = message(alert, events)
    payload = {"alert_id": alert.pk, "alert": alert.name, "period": alert.period,
               "period_start": events[0].period_start.isoformat(), "period_end": events[0].period_end.isoformat(),
               "url": absolute(reverse("alerting:costalert_events", args=[alert.pk])),
               "events": [{"id": e.pk, "report_id": e.report_id, "report": e.report.title, "group": e.group,
                           "currency": e.currency, "previous_amount": f"{e.previous_amount:.2f}",
                           "amount": f"{e.amount:.2f}", "change": f"{e.change:.2f}",
                           "percent": None if e.percent is None else f"{e.percent:.2f}"} for e in events]}
    notify(alert.workspace, kind=KIND, subject=subject, text=text, payload=payload, emails=alert.emails(),
           webhooks=list(alert.webhooks.all()), dedupe_key=f"{KIND}:{alert.pk}:{events[0].pk}")


def evaluate_alert(alert: CostAlert, today: date, ready=None) -> list[CostAlertEvent]:
    """The events this evaluation recorded (and sent) for one alert; none until both periods are complete."""
    previous_start, start, end = periods_of(alert, today)
    ready = ready if ready is not None else {}
    if (previous_start, end) not in ready:
        ready[(previous_start, end)] = complete_days(alert.workspace, previous_start, end, today)
    if not ready[(previous_start, end)]:
        return []
    found = []
    for report in alert.reports.all():
        changes = report_changes(report, alert.period, previous_start, start, end) or []
        found.extend((report, c) for c in changes if crossed(alert, c))
    recorded = set(CostAlertEvent.objects.filter(alert=alert, period_start=start)
                   .values_list("report_id", "group_key"))  # a later import: skip them without a failed insert
    found = [(r, c) for r, c in found if (r.pk, c.key) not in recorded]
    if not found:
        return []
    with transaction.atomic():
        events = [e for e in (_record(alert, r, c, start, end) for r, c in found) if e is not None]
        if events:
            _send(alert, events)
    return events


def evaluate(workspace, today: date | None = None) -> list[CostAlertEvent]:
    """Evaluate every active cost alert of ``workspace``; returns the events recorded now."""
    today = today or utc_today()
    alerts = (CostAlert.objects.filter(workspace=workspace, is_active=True).select_related("workspace")
              .prefetch_related("reports__workspace", "recipients", "webhooks"))
    ready: dict = {}  # whether a span is complete, asked once per span
    out = []
    for alert in alerts:
        events = evaluate_alert(alert, today, ready)
        if events:
            log.info("cost alert %s recorded %s events", alert.pk, len(events))
        out.extend(events)
    return out
