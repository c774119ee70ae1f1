"""Which days of a report were never imported? A report must not look complete when it is not.

An integration's costs exist for the days its successful imports covered (the year of history
imported on connect, earlier months imported on demand, the daily refreshes, re-imports). A report
range reaching before the history, or over a window that failed or is still importing, would
otherwise show those days as costing nothing,
and the reconciliation would "match" (no costs, no billed totals). ``import_gaps`` lists those days per
billing account, so the page can say so. Days after today (UTC) are not gaps.

Costs does not know how an integration is imported: the app that imports registers an
``ImportHistoryProvider`` here from its ``AppConfig.ready()``. The provider of the
integrations app reads its ingestion runs (a few rows per integration and month, never the cost rows)::

    coverage.register(IngestionRunHistory())   # in IntegrationsConfig.ready()

With no provider registered, nothing is known to be missing: no gaps.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol

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


@dataclass(frozen=True)
class ImportHistory:
    """What one billing account's imports covered between two days."""

    billing_account: str
    importing: bool  # an import is running or queued
    covered: list[tuple[date, date]] = field(default_factory=list)  # successful spans, ordered by start


class ImportHistoryProvider(Protocol):
    def histories(self, workspace, filters: dict | None, low: date, high: date) -> Iterable[ImportHistory]:
        """The import history over ``low..high`` of every billing account of ``workspace`` that a
        ``billing_account`` condition of ``filters`` keeps, ordered by billing account."""

    def imported_after(self, workspace, day: date) -> bool:
        """Whether every billing account of ``workspace`` has a successful import of ``day`` that started
        after ``day`` ended (UTC): the day's costs are whole, not the half day an import during it saw."""


class CoverageRegistry:
    def __init__(self):
        self._providers: list[ImportHistoryProvider] = []

    def register(self, provider: ImportHistoryProvider) -> None:
        """Add ``provider``, replacing one of the same class (``AppConfig.ready()`` may run more than once)."""
        self._providers = [p for p in self._providers if type(p) is not type(provider)] + [provider]

    @contextmanager
    def override(self, *providers: ImportHistoryProvider):
        """Use only ``providers`` inside the block (none: no import history known), then restore."""
        previous, self._providers = self._providers, list(providers)
        try:
            yield
        finally:
            self._providers = previous

    def imported_after(self, workspace, day: date) -> bool:
        """``ImportHistoryProvider.imported_after`` of every provider (no provider: nothing known, False)."""
        return bool(self._providers) and all(p.imported_after(workspace, day) for p in self._providers)

    def histories(self, workspace, filters: dict | None, low: date, high: date) -> list[ImportHistory]:
        found = [h for p in self._providers for h in p.histories(workspace, filters, low, high)]
        return sorted(found, key=lambda h: h.billing_account) if len(self._providers) > 1 else found


coverage = CoverageRegistry()


def import_gaps(workspace, start: date, end: date, filters: dict | None = None) -> list[Gap]:
    """The spans of ``start..end`` (up to today) with no successful import, per integration of the
    workspace (only those a ``billing_account`` filter keeps), ordered by billing account and date."""
    return import_gaps_of(workspace, [(start, end)], filters)[0]


def import_gaps_of(workspace, ranges: list[tuple[date, date]], filters: dict | None = None) -> list[list[Gap]]:
    """``import_gaps`` for several ranges (a report's period and the previous one), reading the import
    history once (one query with the integrations app's provider)."""
    today = utc_today()
    ranges = [(start, min(end, today)) for start, end in ranges]
    wanted = [(start, end) for start, end in ranges if start <= end]
    if not wanted:
        return [[] for _ in ranges]
    low, high = min(s for s, _ in wanted), max(e for _, e in wanted)
    histories = coverage.histories(workspace, filters, low, high)
    return [[gap for h in histories for gap in _gaps(h, start, end)] if start <= end else [] for start, end in ranges]


def complete_days(workspace, start: date, end: date, today: date | None = None) -> bool:
    """Whether ``start..end`` is imported whole for every billing account of ``workspace``: it ended before
    today (UTC), no day of it is a gap, and its last day was imported after it ended (never a half day).
    What runs on complete periods only (cost alerts, report digests) asks this first."""
    if end >= (today or utc_today()) or not coverage.imported_after(workspace, end):
        return False
    return not import_gaps(workspace, start, end)


def _gaps(history: ImportHistory, start: date, end: date) -> list[Gap]:
    gaps = []
    cursor = start  # the first day not known to be covered
    for run_start, run_end in history.covered:  # ordered by start
        if run_start > end:
            break
        if run_start > cursor:
            gaps.append(Gap(history.billing_account, cursor, run_start - timedelta(days=1), history.importing))
        cursor = max(cursor, run_end + timedelta(days=1))
        if cursor > end:
            break
    if cursor <= end:
        gaps.append(Gap(history.billing_account, cursor, end, history.importing))
    return gaps
