"""Anomaly workflows: score an integration's new days, record, archive, notify, and people's actions.

``score_integration`` runs in a django-q2 task after every import. It scores only the complete days after
the integration's ``ScoringState.scored_through`` (the first time: the last ``FIRST_SCORE_DAYS``), reading
their series and the ``engine.HISTORY`` days before them in ONE aggregated query, never the whole history.
Each workspace of the integration applies its own floors and suppressions; an anomaly is created at most
once per workspace, series and day (a unique constraint), and only the call that created it sends its
first-day alert (a ``dedupe_key`` too), so a re-import or two workers evaluating at once send once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode

import numpy as np
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, Sum
from django.urls import reverse

from vantage.lib.dates import utc_today
from vantage.lib.formatting import money
from vantage.notifications.services import notify

from ..filtersets import saved_filters_q
from ..models import UNATTRIBUTED_CATEGORY, CostLineItem, integration_model
from ..scoping import workspace_line_items
from . import engine
from .choices import ACTIVE_DAYS, DEFAULT_MIN_AMOUNT, DEFAULT_MIN_PERCENT, AnomalyStatus, Feedback
from .models import Anomaly, AnomalyNotification, AnomalySettings, AnomalySuppression, ScoringState

log = logging.getLogger(__name__)
FIRST_SCORE_DAYS = 7  # days scored the first time an integration is scored (an active anomaly's lifetime)
ALERT_KIND, DIGEST_KIND = "anomaly_alert", "anomaly_digest"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class SeriesKey:
    account_id: str
    service: str
    category: str
    currency: str


def thresholds_of(workspace) -> engine.Thresholds:
    found = AnomalySettings.objects.filter(workspace=workspace).first()
    amount = found.min_amount if found else DEFAULT_MIN_AMOUNT
    percent = found.min_percent if found else DEFAULT_MIN_PERCENT
    return engine.Thresholds(float(amount), float(percent))


def days_to_score(integration_id: int, today: date) -> tuple[date, date] | None:
    """The complete days not scored yet that the imports covered: (first, last), or None."""
    last_imported = CostLineItem.objects.filter(integration_id=integration_id).aggregate(d=Max("date"))["d"]
    if last_imported is None:
        return None
    last = min(last_imported, today - timedelta(days=1))  # today is partial: never scored
    state = ScoringState.objects.filter(integration_id=integration_id).first()
    first = state.scored_through + timedelta(days=1) if state else last - timedelta(days=FIRST_SCORE_DAYS - 1)
    return (first, last) if first <= last else None


def read_series(integration_id: int, start: date, end: date) -> dict[SeriesKey, np.ndarray]:
    """Every series of the integration from ``start`` to ``end`` (missing days 0): one grouped query."""
    rows = (CostLineItem.objects.filter(integration_id=integration_id, date__range=(start, end))
            .exclude(category=UNATTRIBUTED_CATEGORY)
            .values_list("account_id", "service", "category", "currency", "date")
            .annotate(total=Sum("cost")).order_by())  # fmt: skip
    length = (end - start).days + 1
    out: dict[SeriesKey, np.ndarray] = {}
    for account_id, service, category, currency, day, total in rows:
        key = SeriesKey(account_id, service, category, currency)
        if key not in out:
            out[key] = np.zeros(length)
        out[key][(day - start).days] += float(total or 0)
    return out


def score_window(integration_id: int, first: date, last: date) -> list[tuple[SeriesKey, engine.Score]]:
    """Every (series, score) of the days ``first``..``last`` with the model's band (floors applied later)."""
    start = first - timedelta(days=engine.HISTORY)
    series = read_series(integration_id, start, last)
    offset = (first - start).days
    no_floor = engine.Thresholds(0.0, 0.0)
    return [(key, score) for key, values in series.items()
            for score in engine.score_series(values, start, offset, no_floor)]  # fmt: skip


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 2))).quantize(CENT)


def _suppressed(workspace, integration_id: int, first: date) -> set[tuple[str, str, date]]:
    rows = AnomalySuppression.objects.filter(workspace=workspace, integration_id=integration_id, until__gte=first)
    return {(r.account_id, r.category, r.until) for r in rows}


def _is_suppressed(suppressions, key: SeriesKey, day: date) -> bool:
    return any(a == key.account_id and c == key.category and day <= until for a, c, until in suppressions)


def record(workspace, integration_id: int, scored, today: date) -> list[Anomaly]:
    """Create the workspace's anomalies among ``scored``; returns those this call created."""
    thresholds = thresholds_of(workspace)
    suppressions = _suppressed(workspace, integration_id, min((s.day for _, s in scored), default=today))
    created = []
    for key, score in scored:
        if not score.is_anomaly:  # inside the band, or the continuation of an event already flagged
            continue
        direction = engine.verdict(score, thresholds)
        if not direction or _is_suppressed(suppressions, key, score.day):
            continue
        status = AnomalyStatus.ACTIVE if score.day >= today - timedelta(days=ACTIVE_DAYS) else AnomalyStatus.ARCHIVED
        try:
            with transaction.atomic():
                created.append(Anomaly.objects.create(
                    workspace=workspace, integration_id=integration_id, account_id=key.account_id,
                    service=key.service, category=key.category, date=score.day, currency=key.currency,
                    direction=direction, amount=_decimal(score.actual), expected=_decimal(score.expected),
                    lower_bound=_decimal(score.low), upper_bound=_decimal(score.high),
                    previous_amount=_decimal(score.previous), seven_day_average=_decimal(score.seven_day_average),
                    percent_change=_decimal(score.percent), status=status,
                ))  # fmt: skip
        except IntegrityError:  # recorded already: an earlier run, or another worker right now
            continue
    return created


def score_integration(integration_id: int, today: date | None = None) -> list[Anomaly]:
    """Score the integration's new days for every workspace it belongs to; returns the anomalies created."""
    today = today or utc_today()
    window = days_to_score(integration_id, today)
    if window is None:
        return []
    scored = score_window(integration_id, *window)
    integration = integration_model().objects.filter(pk=integration_id).first()
    if integration is None:
        return []
    created = []
    for workspace in integration.workspaces.all():
        new = record(workspace, integration_id, scored, today)
        send_alerts(workspace, [a for a in new if a.status == AnomalyStatus.ACTIVE])
        created += new
    ScoringState.objects.update_or_create(integration_id=integration_id, defaults={"scored_through": window[1]})
    log.info("integration %s: scored %s..%s, %s anomalies", integration_id, window[0], window[1], len(created))
    return created


def forget_integration(workspace, integration_id: int) -> int:
    """A workspace no longer sees the integration (removed from it): its anomalies and suppressions there go
    too (their series are no longer the workspace's; links into its reports would name an unknown account).
    The number of anomalies deleted."""
    AnomalySuppression.objects.filter(workspace=workspace, integration_id=integration_id).delete()
    deleted, _ = Anomaly.objects.filter(workspace=workspace, integration_id=integration_id).delete()
    return deleted


def archive_expired(today: date | None = None) -> int:
    """Active anomalies older than ``ACTIVE_DAYS`` become archived; how many."""
    today = today or utc_today()
    cutoff = today - timedelta(days=ACTIVE_DAYS)
    return Anomaly.objects.filter(status=AnomalyStatus.ACTIVE, date__lt=cutoff).update(status=AnomalyStatus.ARCHIVED)


# --- what moved most --------------------------------------------------------------------------------


def top_mover(anomaly: Anomaly) -> dict | None:
    """Under the anomaly's service (its billing account), the account and category whose cost moved most
    on its day against their 7-day average: one grouped query."""
    week = (anomaly.date - timedelta(days=7), anomaly.date - timedelta(days=1))
    rows = (CostLineItem.objects.filter(integration_id=anomaly.integration_id, service=anomaly.service,
                                        date__range=(week[0], anomaly.date))
            .values("account_id", "category")
            .annotate(day=Sum("cost", filter=Q(date=anomaly.date)), before=Sum("cost", filter=Q(date__lte=week[1])))
            .order_by())  # fmt: skip
    best = None
    for row in rows:
        delta = (row["day"] or 0) - (row["before"] or 0) / 7
        if best is None or abs(delta) > abs(best["delta"]):
            best = {"account_id": row["account_id"], "category": row["category"], "delta": delta}
    return best


# --- notifications ----------------------------------------------------------------------------------


def matches(setting: AnomalyNotification, anomaly: Anomaly) -> bool:
    """Whether the anomaly's series is in the setting's report (its filters) and its change is large enough."""
    if abs(anomaly.delta) < setting.min_amount:
        return False
    condition = saved_filters_q(setting.cost_report.filters, anomaly.workspace)
    if condition is None:
        return False
    return workspace_line_items(anomaly.workspace).filter(
        condition, integration_id=anomaly.integration_id, account_id=anomaly.account_id,
        category=anomaly.category, date=anomaly.date,
    ).exists()  # fmt: skip


def targets(workspace, setting: AnomalyNotification) -> tuple[list[str], list]:
    members = set(workspace.memberships.values_list("user_id", flat=True))
    emails = [u.email for u in setting.recipients.all() if u.email and u.pk in members]
    return emails, list(setting.webhooks.all())


def describe(anomaly: Anomaly) -> str:
    change = f"{anomaly.percent_change:+}%" if anomaly.percent_change is not None else "new"
    return (f"{anomaly.date}: {anomaly.service} / {anomaly.category} (account {anomaly.account_id}) "
            f"{anomaly.get_direction_display().lower()} to {money(anomaly.amount, anomaly.currency)}, expected "
            f"{money(anomaly.expected, anomaly.currency)} ({change})")


def payload(anomaly: Anomaly) -> dict:
    return {
        "anomaly_id": anomaly.pk, "date": anomaly.date.isoformat(), "service": anomaly.service,
        "category": anomaly.category, "account_id": anomaly.account_id, "direction": anomaly.direction,
        "amount": f"{anomaly.amount:.2f}", "expected": f"{anomaly.expected:.2f}", "currency": anomaly.currency,
        "url": reverse("anomalies:anomaly_list") + "?" + urlencode({"service": anomaly.service,
                                                                    "category": anomaly.category}),
    }  # fmt: skip


def _settings_of(workspace):
    return (AnomalyNotification.objects.filter(workspace=workspace, is_active=True)
            .select_related("cost_report").prefetch_related("recipients", "webhooks"))


def send_alerts(workspace, anomalies: list[Anomaly]) -> int:
    """The first-day alert of each new active anomaly, once, to the recipients and webhooks of every setting
    whose report covers it; returns how many anomalies were alerted."""
    sent = 0
    settings = list(_settings_of(workspace)) if anomalies else []
    for anomaly in anomalies:
        covering = [s for s in settings if matches(s, anomaly)]
        if not covering:
            continue
        emails, hooks = set(), {}
        for setting in covering:
            found_emails, found_hooks = targets(workspace, setting)
            emails.update(found_emails)
            hooks.update({h.pk: h for h in found_hooks})
        mover = top_mover(anomaly)
        where = f" Moved most: account {mover['account_id']}, {mover['category']}." if mover else ""
        reports = ", ".join(f"“{s.cost_report.title}”" for s in covering)
        notify(workspace, kind=ALERT_KIND,
               subject=f"Cost anomaly: {anomaly.service} {anomaly.get_direction_display().lower()}",
               text=f"{describe(anomaly)} in {reports}.{where}", payload=payload(anomaly),
               emails=sorted(emails), webhooks=list(hooks.values()), dedupe_key=f"{ALERT_KIND}:{anomaly.pk}")
        Anomaly.objects.filter(pk=anomaly.pk).update(notified=True)
        sent += 1
    return sent


def send_digest(workspace, today: date | None = None) -> int:
    """One summary a day of the workspace's active anomalies to each recipient of its settings; how many."""
    today = today or utc_today()
    settings = list(_settings_of(workspace))
    active = list(Anomaly.objects.filter(workspace=workspace, status=AnomalyStatus.ACTIVE).order_by("-date"))
    emails, hooks = set(), {}
    lines = []
    for anomaly in active:
        hit = [s for s in settings if matches(s, anomaly)]
        if hit:
            lines.append(describe(anomaly))
        for setting in hit:
            found_emails, found_hooks = targets(workspace, setting)
            emails.update(found_emails)
            hooks.update({h.pk: h for h in found_hooks})
    if not lines:
        return 0
    text = f"{len(lines)} active cost anomalies in {workspace.name} on {today}:\n" + "\n".join(lines)
    return len(notify(workspace, kind=DIGEST_KIND, subject=f"Cost anomalies: {len(lines)} active", text=text,
                      payload={"date": today.isoformat(), "active": len(lines)}, emails=sorted(emails),
                      webhooks=list(hooks.values()), dedupe_key=f"{DIGEST_KIND}:{workspace.pk}:{today}"))


# --- people's actions -------------------------------------------------------------------------------


@transaction.atomic
def set_status(anomaly: Anomaly, *, status: str, feedback: str = "", note: str = "", suppress_days: int = 0,
               user=None) -> Anomaly:
    """Archive, ignore or reactivate with feedback; "expected" with ``suppress_days`` silences the series."""
    anomaly.status, anomaly.feedback, anomaly.feedback_note = status, feedback, note
    anomaly.save(update_fields=["status", "feedback", "feedback_note", "updated_at"])
    if feedback == Feedback.EXPECTED and suppress_days:
        AnomalySuppression.objects.create(
            workspace=anomaly.workspace, integration_id=anomaly.integration_id, account_id=anomaly.account_id,
            category=anomaly.category, until=utc_today() + timedelta(days=suppress_days), anomaly=anomaly,
            created_by=user,
        )  # fmt: skip
    return anomaly


def chart_data(anomaly: Anomaly, days: int = 30) -> dict:
    """Actual cost of the anomaly's series over the ``days`` up to its date, and the band scored on it."""
    start = anomaly.date - timedelta(days=days - 1)
    rows = dict(CostLineItem.objects.filter(
        integration_id=anomaly.integration_id, account_id=anomaly.account_id, category=anomaly.category,
        date__range=(start, anomaly.date)).values_list("date").annotate(total=Sum("cost")).order_by())
    series = [(start + timedelta(days=i)) for i in range(days)]
    return {
        "dates": [d.isoformat() for d in series],
        "actual": [float(rows.get(d) or 0) for d in series],
        "expected": float(anomaly.expected), "low": float(anomaly.lower_bound), "high": float(anomaly.upper_bound),
        "currency": anomaly.currency,
    }  # fmt: skip

