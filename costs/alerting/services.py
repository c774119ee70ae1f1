"""Saving cost alerts and report digests once ``validation`` passed (forms, API and admin all call these)."""

from __future__ import annotations

from django.db import transaction

from .models import CostAlert, ReportDigest
from .validation import AlertInput, DigestInput


@transaction.atomic
def save_alert(workspace, user, data: AlertInput, instance: CostAlert | None = None) -> CostAlert:
    alert = instance or CostAlert(workspace=workspace, created_by=user)
    alert.name, alert.percent, alert.amount = data.name.strip(), data.percent, data.amount
    alert.direction, alert.period, alert.is_active = data.direction, data.period, data.is_active
    alert.save()
    alert.reports.set(data.reports)
    alert.recipients.set(data.recipients)
    alert.webhooks.set(data.webhooks)
    return alert


@transaction.atomic
def save_digest(workspace, user, data: DigestInput, instance: ReportDigest | None = None) -> ReportDigest:
    digest = instance or ReportDigest(workspace=workspace, created_by=user)
    digest.report, digest.frequency, digest.is_active = data.report, data.frequency, data.is_active
    digest.save()
    digest.recipients.set(data.recipients)
    digest.webhooks.set(data.webhooks)
    return digest
