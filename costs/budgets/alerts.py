"""Budget alerts: this month's actual spend (or forecast) against the month's budget, each threshold once.

``evaluate(workspace)`` runs in a django-q2 task after every import and daily. A crossed threshold is
recorded as a ``BudgetAlertFiring`` (unique per alert, month and threshold), so a re-run import or two
workers evaluating at once fire it once. When several thresholds are crossed at once only the highest
is sent: firings are created highest first, and only the evaluation that created the highest crossed
threshold notifies.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.urls import reverse

from vantage.lib.dates import utc_today
from vantage.lib.formatting import money
from vantage.lib.formatting import month as month_name
from vantage.notifications.services import notify

from .choices import Basis, Window
from .models import BudgetAlert, BudgetAlertFiring
from .performance import MonthPerformance, budget_performance, hierarchy

log = logging.getLogger(__name__)
KIND = "budget_alert"


@dataclass(frozen=True)
class Fired:
    alert_id: int
    threshold: int
    notified: bool


def in_window(alert: BudgetAlert, today: date) -> bool:
    """Whether ``today`` is in the alert's first/last N days of the month (always, without a window)."""
    if alert.window == Window.NONE or not alert.window_days:
        return True
    days = calendar.monthrange(today.year, today.month)[1]
    if alert.window == Window.FIRST:
        return today.day <= alert.window_days
    return today.day > days - alert.window_days


def value_on(alert: BudgetAlert, month: MonthPerformance) -> Decimal | None:
    return month.forecast if alert.basis == Basis.FORECAST else month.actual


def crossed(thresholds, value: Decimal, budget: Decimal) -> list[int]:
    """The thresholds ``value`` reached, highest first (none against a budget of zero)."""
    if not budget or budget <= 0:
        return []
    return sorted((t for t in thresholds if value * 100 >= Decimal(t) * budget), reverse=True)


def message(alert: BudgetAlert, month: MonthPerformance, value: Decimal, currency: str) -> tuple[str, str]:
    percent = (value * 100 / month.budget).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    basis = "forecast" if alert.basis == Basis.FORECAST else "actual"
    text = (f"Budget '{alert.budget.name}' at {percent}% of {money(month.budget, currency)} "
            f"for {month_name(month.month)} ({basis})")
    return f"Budget alert: {alert.budget.name} at {percent}%", text


def _record(alert: BudgetAlert, month: MonthPerformance, levels: list[int], value: Decimal) -> bool:
    """Create the firings, highest first; True when this call created the highest (so it must notify)."""
    created_top = False
    for index, threshold in enumerate(levels):
        try:
            with transaction.atomic():
                BudgetAlertFiring.objects.create(
                    alert=alert, month=month.month, threshold=threshold, basis=alert.basis, value=value,
                    budget_amount=month.budget, notified=index == 0,
                )  # fmt: skip
        except IntegrityError:  # fired already (an earlier evaluation, or another worker right now)
            continue
        created_top = created_top or index == 0
    return created_top


def _send(alert: BudgetAlert, month: MonthPerformance, threshold: int, value: Decimal, currency: str) -> None:
    subject, text = message(alert, month, value, currency)
    members = alert.budget.workspace.memberships.values_list("user_id", flat=True)
    emails = [u.email for u in alert.recipients.all() if u.email and u.pk in set(members)]
    notify(
        alert.budget.workspace, kind=KIND, subject=subject, text=text,
        payload={"budget_id": alert.budget_id, "budget": alert.budget.name, "alert_id": alert.pk,
                 "month": month.month.isoformat(), "threshold": threshold, "basis": alert.basis,
                 "value": f"{value:.2f}", "budget_amount": f"{month.budget:.2f}", "currency": currency,
                 "url": reverse("budgets:budget_detail", args=[alert.budget_id])},
        emails=emails, webhooks=list(alert.webhooks.all()),
        dedupe_key=f"{KIND}:{alert.pk}:{month.month:%Y-%m}:{threshold}",
    )  # fmt: skip


def evaluate_alert(alert: BudgetAlert, today: date, tree=None) -> Fired | None:
    if not in_window(alert, today):
        return None
    month = budget_performance(alert.budget, today, tree=tree).current
    if month is None or not month.budget:
        return None
    value = value_on(alert, month)
    if value is None:  # no forecast: forecast-based alerts wait for one
        return None
    levels = crossed(alert.thresholds, value, month.budget)
    if not levels:
        return None
    with transaction.atomic():
        top = _record(alert, month, levels, value)
        if top:
            _send(alert, month, levels[0], value, alert.budget.currency)
    return Fired(alert.pk, levels[0], top)


def evaluate(workspace, today: date | None = None) -> list[Fired]:
    """Evaluate every active alert of ``workspace`` on this month's figures; returns what was crossed."""
    today = today or utc_today()
    alerts = (BudgetAlert.objects.filter(budget__workspace=workspace, is_active=True)
              .select_related("budget__workspace").prefetch_related("recipients", "webhooks"))
    tree = hierarchy(workspace) if alerts else None
    out = []
    for alert in alerts:
        fired = evaluate_alert(alert, today, tree)
        if fired is not None:
            out.append(fired)
            if fired.notified:
                log.info("budget alert %s fired at %s%%", alert.pk, fired.threshold)
    return out
