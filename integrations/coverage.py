"""The import history costs needs to tell which days of a report were never imported (costs.coverage).

Registered into costs from ``IntegrationsConfig.ready()``. It reads the import runs (a few rows per
integration and month), never the cost rows: one query whatever the range.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.db.models import FilteredRelation, Q

from costs.coverage import ImportHistory

from .models import IngestionRun, Integration, IntegrationStatus, RunStatus

BUSY = {IntegrationStatus.IMPORTING, IntegrationStatus.PENDING}


def _integrations(workspace, filters: dict | None):
    integrations = Integration.objects.in_workspace(workspace)
    spec = (filters or {}).get("billing_account")
    if spec:
        if spec.get("op") == "not":
            integrations = integrations.exclude(account_name__in=spec["values"])
        else:
            integrations = integrations.filter(account_name__in=spec["values"])
    return integrations


class IngestionRunHistory:
    """Each integration's successful import runs (``IngestionRun``) as the spans it covered."""

    def histories(self, workspace, filters: dict | None, low: date, high: date) -> list[ImportHistory]:
        """One query: the integrations LEFT JOINed to their successful runs that touch ``low..high``."""
        covering = FilteredRelation(
            "runs", condition=Q(runs__status=RunStatus.SUCCEEDED, runs__start_date__lte=high, runs__end_date__gte=low)
        )
        rows = (
            _integrations(workspace, filters)
            .annotate(covering=covering)
            .order_by("account_name", "pk", "covering__start_date")
            .values_list("pk", "account_name", "status", "covering__start_date", "covering__end_date")
        )
        histories: dict[int, ImportHistory] = {}
        for pk, name, status, run_start, run_end in rows:
            history = histories.setdefault(pk, ImportHistory(name, status in BUSY, []))
            if run_start is not None:
                history.covered.append((run_start, run_end))
        return list(histories.values())

    def imported_after(self, workspace, day: date) -> bool:
        """One query: no integration of ``workspace`` lacks a successful run over ``day`` started after it ended."""
        day_over = datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)
        whole = IngestionRun.objects.filter(status=RunStatus.SUCCEEDED, start_date__lte=day, end_date__gte=day,
                                            started_at__gte=day_over).values("integration_id")
        integrations = Integration.objects.in_workspace(workspace)
        return integrations.exists() and not integrations.exclude(pk__in=whole).exists()
