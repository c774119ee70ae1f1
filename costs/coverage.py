"""Which days of a report were never imported? A report must not look complete when it is not.

An integration's costs exist for the days its successful import runs covered (the six months of
history imported on connect, the daily refreshes, re-imports). A report range reaching before the
history, or over a window that failed or is still importing, would otherwise show those days as
costing nothing, and the reconciliation would "match" (no costs, no billed totals). ``import_gaps``
lists those days per integration, so the page can say so. Days after today (UTC) are not gaps.

It reads the import runs (a few rows per integration and month), never the cost rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from integrations.models import Integration, IntegrationStatus, IngestionRun, RunStatus

from vantage.lib.dates import utc_today

MAX_GAPS_LISTED = 10


@dataclass(frozen=True)
class Gap:
    billing_account: str
    start: date
    end: date
    importing: bool  # an import of this integration is running or queued: the gap may be closing

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _integrations(workspace, filters: dict | None):
    integrations = Integration.objects.in_workspace(workspace)
    spec = (filters or {}).get("billing_account")
    if spec:
        if spec.get("op") == "not":
            integrations = integrations.exclude(account_name__in=spec["values"])
        else:
            integrations = integrations.filter(account_name__in=spec["values"])
    return integrations


def import_gaps(workspace, start: date, end: date, filters: dict | None = None) -> list[Gap]:
    """The spans of ``start..end`` (up to today) with no successful import, per integration of the
    workspace (only those a ``billing_account`` filter keeps), ordered by billing account and date."""
    return import_gaps_of(workspace, [(start, end)], filters)[0]


def import_gaps_of(workspace, ranges: list[tuple[date, date]], filters: dict | None = None) -> list[list[Gap]]:
    """``import_gaps`` for several ranges (a report's period and the previous one), in two queries."""
    today = utc_today()
    ranges = [(start, min(end, today)) for start, end in ranges]
    wanted = [(start, end) for start, end in ranges if start <= end]
    if not wanted:
        return [[] for _ in ranges]
    integrations = list(
        _integrations(workspace, filters).order_by("account_name").values_list("pk", "account_name", "status")
    )
    if not integrations:
        return [[] for _ in ranges]
    low, high = min(s for s, _ in wanted), max(e for _, e in wanted)
    runs: dict[int, list[tuple[date, date]]] = {pk: [] for pk, _, _ in integrations}
    for integration_id, run_start, run_end in (
        IngestionRun.objects.filter(
            integration_id__in=runs, status=RunStatus.SUCCEEDED, start_date__lte=high, end_date__gte=low
        )
        .order_by("integration_id", "start_date")
        .values_list("integration_id", "start_date", "end_date")
    ):
        runs[integration_id].append((run_start, run_end))
    busy = {IntegrationStatus.IMPORTING, IntegrationStatus.PENDING}
    out = []
    for start, end in ranges:
        gaps = []
        for pk, name, status in integrations if start <= end else ():
            cursor = start  # the first day not known to be covered
            for run_start, run_end in runs[pk]:  # ordered by start
                if run_start > end:
                    break
                if run_start > cursor:
                    gaps.append(Gap(name, cursor, run_start - timedelta(days=1), status in busy))
                cursor = max(cursor, run_end + timedelta(days=1))
                if cursor > end:
                    break
            if cursor <= end:
                gaps.append(Gap(name, cursor, end, status in busy))
        out.append(gaps)
    return out
