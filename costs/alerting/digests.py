"""Report digests: a report's last complete day, week or month, its total, change, top groups and movers.

``send_due(workspace, today)`` runs in a django-q2 task after every import and daily. A digest's period
goes out from its send day (the next day; the Monday after the week; the 2nd after the month) once both it
and the period before were imported whole for every integration of the workspace. Its send is recorded
(unique per digest and period) before it is queued, so it goes out once per period.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

from vantage.lib.dates import utc_today
from vantage.lib.formatting import day as day_name
from vantage.lib.formatting import money
from vantage.lib.money import percent_of
from vantage.notifications.services import notify

from ..coverage import complete_days
from .choices import TOP_GROUPS
from .figures import GroupChange, report_changes, report_link
from .models import ReportDigest, ReportDigestSend
from .periods import FREQUENCY_PERIOD, complete_period, previous, send_day

log = logging.getLogger(__name__)
KIND = "report_digest"


@dataclass
class Total:
    currency: str
    current: Decimal = Decimal(0)
    previous: Decimal = Decimal(0)

    @property
    def change(self) -> Decimal:
        return self.current - self.previous

    @property
    def percent(self) -> Decimal | None:
        return percent_of(self.change, self.previous)


@dataclass
class Digest:
    digest: ReportDigest
    start: date
    end: date
    totals: list[Total] = field(default_factory=list)
    top: list[GroupChange] = field(default_factory=list)
    movers: list[GroupChange] = field(default_factory=list)
    url: str = ""


def due_period(digest: ReportDigest, today: date) -> tuple[date, date] | None:
    """The period a digest would send today (``None`` before its send day)."""
    start, end = complete_period(FREQUENCY_PERIOD[digest.frequency], today)
    return (start, end) if today >= send_day(digest.frequency, end) else None


def _change(amount: Decimal, percent: Decimal | None, currency: str) -> str:
    sign = "+" if amount > 0 else ""
    return f"{sign}{money(amount, currency)}" + ("" if percent is None else f", {percent:+,.1f}%")


def build(digest: ReportDigest, start: date, end: date, changes: list[GroupChange]) -> Digest:
    """The figures of a digest from the report's groups (already aggregated in the database)."""
    totals: dict[str, Total] = {}
    for c in changes:
        total = totals.setdefault(c.currency, Total(c.currency))
        total.current += c.current
        total.previous += c.previous
    period = FREQUENCY_PERIOD[digest.frequency]
    return Digest(
        digest, start, end, totals=[totals[k] for k in sorted(totals)],
        top=sorted((c for c in changes if c.current), key=lambda c: (-c.current, c.label))[:TOP_GROUPS],
        movers=sorted((c for c in changes if c.change), key=lambda c: (-abs(c.change), c.label))[:TOP_GROUPS],
        url=report_link(digest.report, period, start, end),
    )  # fmt: skip


def message(d: Digest) -> tuple[str, str]:
    report = d.digest.report
    when = day_name(d.start) if d.start == d.end else f"{day_name(d.start)} to {day_name(d.end)}"
    lines = [f"{report.title}: {when}"]
    lines += [f"Total: {money(t.current, t.currency)} ({_change(t.change, t.percent, t.currency)} against the "
              f"period before)" for t in d.totals] or ["Total: no costs in this period or the one before."]
    if d.top:
        lines += ["", "Top groups:", *(f"  {c.label}: {money(c.current, c.currency)}" for c in d.top)]
    if d.movers:
        lines += ["", "Biggest movers:"]
        lines += [f"  {c.label}: {money(c.previous, c.currency)} → {money(c.current, c.currency)}"
                  f" ({_change(c.change, c.percent, c.currency)})" for c in d.movers]
    lines += ["", f"Open the report: {d.url}"]
    return f"{report.title} {d.digest.frequency} digest: {when}", "\n".join(lines)


def payload(d: Digest) -> dict:
    def group(c: GroupChange) -> dict:
        return {"group": c.label, "currency": c.currency, "amount": f"{c.current:.2f}",
                "previous_amount": f"{c.previous:.2f}", "change": f"{c.change:.2f}",
                "percent": None if c.percent is None else f"{c.percent:.2f}"}

    return {
        "digest_id": d.digest.pk, "report_id": d.digest.report_id, "report": d.digest.report.title,
        "frequency": d.digest.frequency, "period_start": d.start.isoformat(), "period_end": d.end.isoformat(),
        "totals": [{"currency": t.currency, "amount": f"{t.current:.2f}", "previous_amount": f"{t.previous:.2f}",
                    "change": f"{t.change:.2f}", "percent": None if t.percent is None else f"{t.percent:.2f}"}
                   for t in d.totals],
        "top_groups": [group(c) for c in d.top], "biggest_movers": [group(c) for c in d.movers], "url": d.url,
    }  # fmt: skip


def send_digest(digest: ReportDigest, today: date, ready=None) -> bool:
    """Send the digest's due period if it is complete and not sent yet; whether this call sent it."""
    due = due_period(digest, today)
    if due is None or ReportDigestSend.objects.filter(digest=digest, period_start=due[0]).exists():
        return False
    start, end = due
    period = FREQUENCY_PERIOD[digest.frequency]
    previous_start = previous(period, start)[0]
    ready = ready if ready is not None else {}
    if (previous_start, end) not in ready:
        ready[(previous_start, end)] = complete_days(digest.workspace, previous_start, end, today)
    if not ready[(previous_start, end)]:
        return False
    changes = report_changes(digest.report, period, previous_start, start, end)
    if changes is None:
        return False
    built = build(digest, start, end, changes)
    subject, text = message(built)
    try:
        with transaction.atomic():
            ReportDigestSend.objects.create(digest=digest, period_start=start, period_end=end)
            notify(digest.workspace, kind=KIND, subject=subject, text=text, payload=payload(built),
                   emails=digest.emails(), webhooks=list(digest.webhooks.all()),
                   dedupe_key=f"{KIND}:{digest.pk}:{start.isoformat()}")
    except IntegrityError:  # sent already (another worker right now)
        return False
    return True


def send_due(workspace, today: date | None = None) -> int:
    """Send every active digest of ``workspace`` whose period is due and complete; how many were sent."""
    today = today or utc_today()
    digests = (ReportDigest.objects.filter(workspace=workspace, is_active=True)
               .select_related("workspace", "report__workspace").prefetch_related("recipients", "webhooks"))
    ready: dict = {}
    sent = sum(1 for digest in digests if send_digest(digest, today, ready))
    if sent:
        log.info("workspace %s: %s report digests sent", workspace.pk, sent)
    return sent
