"""The import history costs needs to tell which days of a report were never imported (costs.coverage).

Registered into costs from ``IntegrationsConfig.ready()``. It reads the import runs (a few rows per
integration and month), never the cost rows: two queries whatever the range.
"""

from __future__ import annotations

from datetime import date

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
        integrations = list(
            _integrations(workspace, filters).order_by("account_name").values_list("pk", "account_name", "status")
        )
        if not integrations:
            return []
        runs: dict[int, list[tuple[date, date]]] = {pk: [] for pk, _, _ in integrations}
        for integration_id, run_start, run_end in (
            IngestionRun.objects.filter(
                integration_id__in=runs, status=RunStatus.SUCCEEDED, start_date__lte=high, end_date__gte=low
            )
            .order_by("integration_id", "start_date")
            .values_list("integration_id", "start_date", "end_date")
        ):
            runs[integration_id].append((run_start, run_end))
        return [ImportHistory(name, status in BUSY, runs[pk]) for pk, name, status in integrations]
