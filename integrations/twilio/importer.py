"""Import a Twilio integration's usage: month windows fetched from Twilio, turned into rows and written.

``import_range`` walks the windows (newest first by default, so recent costs appear first), downloading
window n+1 on one worker thread while window n is written; each window is one ``IngestionRun`` and one
transaction (``costs.writes.replace_window`` for the cost rows, the unclassified records beside them).
The integration's status and progress counters follow along, for the pages to show.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from costs.writes import BATCH, replace_window
from integrations.history import HISTORY_FULL_MONTHS, earlier_plan, history_range
from integrations.models import (
    CategoryRole,
    IngestionRun,
    Integration,
    IntegrationStatus,
    RunStatus,
    RunTrigger,
    TwilioUsageCategory,
    UnclassifiedUsage,
)
from vantage.lib.dates import add_months, month_end, month_start, utc_today

from .catalog import CategoryInfo, load_catalog
from .client import PageStats, TwilioClient, TwilioError, UsageRecord, client_for
from .ingest import WindowRows, build_rows

log = logging.getLogger(__name__)

HISTORY_MONTHS = HISTORY_FULL_MONTHS + 1  # what connecting imports: integrations.history.history_range

Window = tuple[date, date]


def refresh_range(today: date | None = None) -> Window:
    """The trailing window Twilio may still revise: the previous month and the current one."""
    today = today or utc_today()
    return add_months(month_start(today), -1), today


def month_windows(start: date, end: date, *, newest_first: bool = False) -> list[Window]:
    """Contiguous, non-overlapping windows of at most one calendar month covering start..end."""
    if end < start:
        raise ValueError("The end date is before the start date.")
    windows = []
    day = start
    while day <= end:
        last = month_end(day)
        windows.append((day, min(last, end)))
        day = min(last, end) + timedelta(days=1)
    return windows[::-1] if newest_first else windows


def error_message_for(exc: TwilioError) -> str:
    """An integration's status after an import stopped on ``exc`` (the wording lives in twilio/errors.py)."""
    return f"{exc.during_import} Costs already imported are kept."


# --- one window -----------------------------------------------------------------------------------------


def _record_unknown_categories(names: set[str]) -> None:
    if not names:
        return
    now = timezone.now()
    TwilioUsageCategory.objects.bulk_create(
        [
            TwilioUsageCategory(name=n, service="Other", role=CategoryRole.UNKNOWN, first_seen_at=now)
            for n in sorted(names)
        ],
        ignore_conflicts=True,
    )


def write_window(integration: Integration, start: date, end: date, rows: WindowRows) -> None:
    """Atomically swap the window's rows for the new ones: the cost rows (costs.writes, which keeps the
    summaries in step) and the unclassified records, in one transaction."""
    with transaction.atomic():
        replace_window(integration, start, end, rows.line_items, rows.billed)
        UnclassifiedUsage.objects.filter(integration=integration, date__gte=start, date__lte=end).delete()
        UnclassifiedUsage.objects.bulk_create(rows.unclassified, batch_size=BATCH)
        _record_unknown_categories(rows.unknown_categories)


def _finish(run: IngestionRun, stats: PageStats, *, status: str, error: str = "") -> None:
    run.pages = stats.pages
    run.records_read = stats.records
    run.status = status
    run.error = error
    run.finished_at = timezone.now()
    run.save()


def ingest_window(
    integration: Integration,
    start: date,
    end: date,
    *,
    client: TwilioClient | None = None,
    catalog: dict[str, CategoryInfo] | None = None,
    trigger: str = RunTrigger.MANUAL,
    on_page: Callable[[int], None] | None = None,
    pages: Iterable[list[UsageRecord]] | None = None,
) -> IngestionRun:
    """Fetch ``start``..``end`` (inclusive) and replace that window's rows. Raises TwilioError on failure
    (after recording it on the run); the window's previous rows stay as they were.

    ``pages`` (from a ``WindowPrefetcher``) supplies the window's pages instead of fetching them here."""
    if end < start:
        raise ValueError("The end date is before the start date.")
    client = client or client_for(integration)
    catalog = catalog if catalog is not None else load_catalog()
    run = IngestionRun.objects.create(integration=integration, trigger=trigger, start_date=start, end_date=end)
    stats = PageStats()
    try:
        records: list[UsageRecord] = []
        for page in pages if pages is not None else client.iter_daily_pages(start, end):
            stats.pages += 1
            stats.records += len(page)
            records.extend(page)
            if on_page:
                on_page(len(page))
        rows = build_rows(integration, records, catalog, start, end)
        write_window(integration, start, end, rows)
    except TwilioError as exc:
        _finish(run, stats, status=RunStatus.FAILED, error=str(exc))
        raise
    except Exception as exc:
        # Unexpected: record the type only (an exception text could carry request details).
        _finish(run, stats, status=RunStatus.FAILED, error=f"Internal error ({exc.__class__.__name__}).")
        raise
    run.line_items_written = len(rows.line_items)
    run.unknown_records = len(rows.unclassified)
    run.twilio_total = rows.twilio_total
    run.reconciliation_difference = rows.difference
    _finish(run, stats, status=RunStatus.SUCCEEDED)
    return run


# --- downloading ahead ----------------------------------------------------------------------------------


class _Failed:
    """A download's exception, handed over the queue to be raised where the pages are read."""

    def __init__(self, exc: BaseException):
        self.exc = exc


_END = object()  # a window's last page has been queued
CLOSE_WAIT = 5.0  # seconds close() waits for a download in flight before leaving it to stop by itself


class WindowPrefetcher:
    """Downloads the windows' pages on ONE worker thread, one future per window, so window n+1 arrives while
    window n is being written: asking for window n's pages queues window n+1 behind it. Pages are handed
    over one by one through a queue per window, so the import's progress (records read) moves with every
    page. The worker only talks HTTP (never the database), and at most two windows are held at a time.

    ``close()`` (always, in a ``finally``) cancels what has not started, stops a running download at its
    next page and waits a little for the worker, so a failure in one window never leaves it running."""

    def __init__(self, client: TwilioClient, windows: list[Window]):
        self._client = client
        self._windows = list(windows)
        self._stop = threading.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="twilio-prefetch")
        self._queues: dict[int, queue.SimpleQueue] = {}
        self._futures: list[Future] = []
        self._submit(0)

    def _submit(self, index: int) -> None:
        if index < len(self._windows) and index not in self._queues and not self._stop.is_set():
            self._queues[index] = handover = queue.SimpleQueue()
            self._futures.append(self._executor.submit(self._download, handover, *self._windows[index]))

    def _download(self, handover: queue.SimpleQueue, start: date, end: date) -> None:
        try:
            for page in self._client.iter_daily_pages(start, end):
                if self._stop.is_set():
                    return
                handover.put(page)
        except BaseException as exc:  # noqa: B036 - raised again where the pages are read
            handover.put(_Failed(exc))
        else:
            handover.put(_END)

    def pages(self, index: int) -> Iterator[list[UsageRecord]]:
        """The pages of window ``index`` as they arrive (so a download's error is raised inside
        ``ingest_window``, which records it on the window's run)."""
        self._submit(index)
        self._submit(index + 1)  # downloads while this window is written
        handover = self._queues.pop(index)
        while (item := handover.get()) is not _END:
            if isinstance(item, _Failed):
                raise item.exc
            yield item

    def close(self) -> None:
        """Cancel the windows not started, stop a download in flight at its next page, and wait up to
        ``CLOSE_WAIT`` seconds for it (the worker never touches the database, so it may finish alone)."""
        self._stop.set()
        self._executor.shutdown(wait=False, cancel_futures=True)
        _, pending = wait(self._futures, timeout=CLOSE_WAIT)
        if not pending:
            self._executor.shutdown(wait=True)  # the worker is idle: this only joins its thread
        self._queues.clear()


# --- a range of windows ---------------------------------------------------------------------------------


@dataclass
class ImportResult:
    windows: int
    windows_skipped: int
    records: int
    line_items: int
    twilio_total: Decimal
    difference: Decimal

    def add(self, run: IngestionRun) -> None:
        self.records += run.records_read
        self.line_items += run.line_items_written
        self.twilio_total += run.twilio_total or 0
        self.difference += run.reconciliation_difference or 0


def _windows_done(integration: Integration, windows: list[Window]) -> set[Window]:
    """The windows that already succeeded since the integration's import began."""
    if not integration.import_started_at:
        return set()
    return set(
        IngestionRun.objects.filter(
            integration=integration, status=RunStatus.SUCCEEDED, started_at__gte=integration.import_started_at
        ).values_list("start_date", "end_date")
    ) & set(windows)


def _start(integration: Integration, windows: list[Window], resume: bool) -> set[Window]:
    """Mark the integration importing; return the windows to skip (with ``resume``)."""
    done = _windows_done(integration, windows) if resume else set()
    if not resume:
        integration.save_fields(import_started_at=timezone.now(), import_records_read=0)
    integration.save_fields(
        status=IntegrationStatus.IMPORTING,
        status_message="",
        import_windows_total=len(windows),
        import_windows_done=len(done),
    )
    return done


def import_range(
    integration: Integration,
    start: date,
    end: date,
    *,
    newest_first: bool = True,
    **kwargs,
) -> ImportResult:
    """Import ``start``..``end`` window by window (newest first by default, so recent costs appear first).
    See ``import_windows`` for the keyword arguments."""
    return import_windows(integration, month_windows(start, end, newest_first=newest_first), **kwargs)


def import_windows(
    integration: Integration,
    windows: list[Window],
    *,
    trigger: str = RunTrigger.MANUAL,
    resume: bool = False,
    client: TwilioClient | None = None,
    on_window: Callable[[date, date, IngestionRun | None], None] | None = None,
    on_page: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import ``windows`` in the order given, one ``IngestionRun`` and one transaction each.

    With ``resume``, windows that already succeeded since this import began are skipped, so an
    interrupted backfill (a crashed worker, a retried task) continues where it stopped.
    On a Twilio error the integration is marked "error" with a clear message and the error is re-raised;
    windows already imported stay.
    """
    done = _start(integration, windows, resume)
    client = client or client_for(integration)
    catalog = load_catalog()
    result = ImportResult(len(windows), len(done), 0, 0, Decimal(0), Decimal(0))

    def page_done(n: int) -> None:
        Integration.objects.filter(pk=integration.pk).update(import_records_read=F("import_records_read") + n)
        if on_page:
            on_page(n)

    todo = [w for w in windows if w not in done]
    prefetcher = WindowPrefetcher(client, todo)
    try:
        for window in windows:
            run = None
            if window not in done:
                run = _import_one(integration, *window, client, catalog, trigger, page_done,
                                  prefetcher.pages(todo.index(window)))  # fmt: skip
                result.add(run)
                Integration.objects.filter(pk=integration.pk).update(import_windows_done=F("import_windows_done") + 1)
            if on_window:
                on_window(*window, run)
    finally:
        prefetcher.close()
    integration.save_fields(status=IntegrationStatus.IMPORTED, status_message="", last_refreshed_at=timezone.now())
    integration.refresh_from_db()
    return result


def _import_one(integration, window_start, window_end, client, catalog, trigger, on_page, pages) -> IngestionRun:
    """One window; on failure, mark the integration "error" (costs already imported stay) and re-raise."""
    try:
        return ingest_window(
            integration, window_start, window_end, client=client, catalog=catalog, trigger=trigger,
            on_page=on_page, pages=pages,
        )
    except TwilioError as exc:
        integration.save_fields(status=IntegrationStatus.ERROR, status_message=error_message_for(exc))
        log.warning("Import of integration %s failed: %s", integration.pk, exc.__class__.__name__)
        raise
    except Exception:
        integration.save_fields(
            status=IntegrationStatus.ERROR,
            status_message="The import stopped on an internal error. Costs already imported are kept; press Retry.",
        )
        raise


def import_history(integration: Integration, *, resume: bool = False, **kwargs) -> ImportResult:
    """What connecting imports (``history_range``): the current month and the twelve full months before it."""
    start, end = history_range()
    return import_range(integration, start, end, trigger=RunTrigger.BACKFILL, resume=resume, **kwargs)


def import_earlier(integration: Integration, back_to: date, *, today: date | None = None, **kwargs) -> ImportResult:
    """Earlier history: every full month from ``back_to`` on that is not imported yet, newest first
    (``integrations.history.earlier_plan``), so asking again after a failure continues where it stopped.
    Clears ``history_back_to`` once every month is in."""
    plan = earlier_plan(integration, back_to, today)
    result = import_windows(integration, plan, trigger=RunTrigger.EARLIER, **kwargs)
    integration.save_fields(history_back_to=None)
    return result


def refresh(integration: Integration, *, trigger: str = RunTrigger.REFRESH, **kwargs) -> ImportResult:
    start, end = refresh_range()
    return import_range(integration, start, end, trigger=trigger, **kwargs)
