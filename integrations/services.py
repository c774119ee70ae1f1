"""Workflows on integrations. Views, API views, tasks and commands parse input and call these."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Callable

from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone

from vantage.lib.dates import add_months, month_start, utc_today
from vantage.lib.money import ExactSum
from costs.models import BilledTotal, CostLineItem

from .models import IngestionRun, Integration, IntegrationStatus, Provider, RunStatus, RunTrigger, UnclassifiedUsage
from .twilio.catalog import load_catalog
from .twilio.client import CredentialsRejected, TwilioClient, TwilioError, client_for
from .twilio.ingest import WindowPrefetcher, ingest_window, month_windows

log = logging.getLogger(__name__)

HISTORY_MONTHS = 6
STALE_IMPORT = timedelta(hours=2)


def history_range(today: date | None = None) -> tuple[date, date]:
    """Six calendar months: the current month so far and the five before it."""
    today = today or utc_today()
    return add_months(month_start(today), -(HISTORY_MONTHS - 1)), today


def refresh_range(today: date | None = None) -> tuple[date, date]:
    """The trailing window Twilio may still revise: the previous month and the current one."""
    today = today or utc_today()
    return add_months(month_start(today), -1), today


@dataclass
class ImportResult:
    windows: int
    windows_skipped: int
    records: int
    line_items: int
    twilio_total: Decimal
    difference: Decimal


def _set(integration: Integration, **fields) -> None:
    Integration.objects.filter(pk=integration.pk).update(**fields, updated_at=timezone.now())
    for name, value in fields.items():
        if not hasattr(value, "resolve_expression"):
            setattr(integration, name, value)


def error_message_for(exc: TwilioError) -> str:
    if isinstance(exc, CredentialsRejected):
        return (
            "Twilio rejected this integration's API key (error 20003). Create a new API key in the Twilio console "
            "and enter it under Edit credentials. Costs already imported are kept."
        )
    return f"{exc} Costs already imported are kept."


def import_range(
    integration: Integration,
    start: date,
    end: date,
    *,
    trigger: str = RunTrigger.MANUAL,
    newest_first: bool = True,
    resume: bool = False,
    client: TwilioClient | None = None,
    on_window: Callable[[date, date, IngestionRun | None], None] | None = None,
    on_page: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import ``start``..``end`` window by window (newest first by default, so recent costs appear first).

    With ``resume``, windows that already succeeded since this import began are skipped, so an
    interrupted backfill (a crashed worker, a retried task) continues where it stopped.
    On a Twilio error the integration is marked "error" with a clear message and the error is re-raised;
    windows already imported stay.
    """
    windows = month_windows(start, end, newest_first=newest_first)
    done: set[tuple[date, date]] = set()
    if resume and integration.import_started_at:
        done = set(
            IngestionRun.objects.filter(
                integration=integration,
                status=RunStatus.SUCCEEDED,
                started_at__gte=integration.import_started_at,
            ).values_list("start_date", "end_date")
        ) & set(windows)
    else:
        _set(integration, import_started_at=timezone.now(), import_records_read=0)
    _set(
        integration,
        status=IntegrationStatus.IMPORTING,
        status_message="",
        import_windows_total=len(windows),
        import_windows_done=len(done),
    )
    client = client or client_for(integration)
    catalog = load_catalog()
    result = ImportResult(len(windows), len(done), 0, 0, Decimal(0), Decimal(0))

    def page_done(n: int) -> None:
        Integration.objects.filter(pk=integration.pk).update(import_records_read=F("import_records_read") + n)
        if on_page:
            on_page(n)

    todo = [w for w in windows if w not in done]
    prefetcher = WindowPrefetcher(client, todo)  # downloads window n+1 while window n is written
    try:
        for window_start, window_end in windows:
            if (window_start, window_end) in done:
                if on_window:
                    on_window(window_start, window_end, None)
                continue
            run = _import_one(integration, window_start, window_end, client, catalog, trigger, page_done,
                              prefetcher.pages(todo.index((window_start, window_end))))
            result.records += run.records_read
            result.line_items += run.line_items_written
            result.twilio_total += run.twilio_total or 0
            result.difference += run.reconciliation_difference or 0
            Integration.objects.filter(pk=integration.pk).update(import_windows_done=F("import_windows_done") + 1)
            if on_window:
                on_window(window_start, window_end, run)
    finally:
        prefetcher.close()
    _set(integration, status=IntegrationStatus.IMPORTED, status_message="", last_refreshed_at=timezone.now())
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
        _set(integration, status=IntegrationStatus.ERROR, status_message=error_message_for(exc))
        log.warning("Import of integration %s failed: %s", integration.pk, exc.__class__.__name__)
        raise
    except Exception:
        _set(
            integration,
            status=IntegrationStatus.ERROR,
            status_message="The import stopped on an internal error. Costs already imported are kept; press Retry.",
        )
        raise


def import_history(integration: Integration, *, resume: bool = False, **kwargs) -> ImportResult:
    start, end = history_range()
    return import_range(integration, start, end, trigger=RunTrigger.BACKFILL, resume=resume, **kwargs)


def refresh(integration: Integration, *, trigger: str = RunTrigger.REFRESH, **kwargs) -> ImportResult:
    start, end = refresh_range()
    return import_range(integration, start, end, trigger=trigger, **kwargs)


def is_busy(integration: Integration) -> bool:
    """An import is running (and not abandoned by a dead worker)."""
    return integration.status == IntegrationStatus.IMPORTING and (
        integration.updated_at is None or timezone.now() - integration.updated_at < STALE_IMPORT
    )


def delete_integration(integration: Integration) -> dict:
    """Delete the integration with every cost, run and reconciliation record, in one transaction."""
    with transaction.atomic():
        summary = deletion_summary(integration)
        CostLineItem.objects.filter(integration=integration).delete()
        BilledTotal.objects.filter(integration=integration).delete()
        UnclassifiedUsage.objects.filter(integration=integration).delete()
        IngestionRun.objects.filter(integration=integration).delete()
        integration.delete()
    return summary


def deletion_summary(integration: Integration) -> dict:
    agg = CostLineItem.objects.filter(integration=integration).values("currency").annotate(
        items=Count("pk"), cost=ExactSum("cost")
    )
    return {
        "line_items": sum(r["items"] for r in agg),
        "cost_by_currency": {r["currency"]: r["cost"] or Decimal(0) for r in agg},
    }


class DuplicateIntegration(Exception):
    """Another Twilio integration took this Account Name or Account SID first."""


def queue_history_import(integration: Integration) -> None:
    """Queue the six-month backfill once the surrounding transaction commits (primary key only)."""
    from django_q.tasks import async_task

    from .tasks import import_history_task

    transaction.on_commit(
        lambda: async_task(import_history_task, integration.pk, False, task_name=f"twilio-import-{integration.pk}")
    )


def queue_sync(integration: Integration, trigger: str = RunTrigger.MANUAL) -> bool:
    """Queue a refresh of the trailing window; False when an import is already running."""
    from django_q.tasks import async_task

    from .tasks import sync_task

    if is_busy(integration):
        return False
    _set(integration, status=IntegrationStatus.IMPORTING, status_message="",
         import_windows_total=0, import_windows_done=0)
    transaction.on_commit(lambda: async_task(sync_task, integration.pk, trigger, task_name=f"twilio-sync-{integration.pk}"))
    return True


def queue_retry(integration: Integration) -> bool:
    """Resume the backfill after an error: windows already imported are skipped."""
    from django_q.tasks import async_task

    from .tasks import import_history_task

    if is_busy(integration):
        return False
    _set(integration, status=IntegrationStatus.IMPORTING, status_message="")
    transaction.on_commit(
        lambda: async_task(import_history_task, integration.pk, True, task_name=f"twilio-import-{integration.pk}")
    )
    return True


def connect_twilio(*, user, workspace, api_key_sid: str, api_secret: str, account_sid: str, account_name: str,
                   description: str = "", workspaces=None) -> Integration:
    """Create the integration (credentials already checked live) and queue its six-month import."""
    try:
        with transaction.atomic():
            integration = Integration.objects.create(
                provider=Provider.TWILIO,
                account_name=account_name,
                account_sid=account_sid,
                api_key_sid=api_key_sid,
                api_secret=api_secret,
                description=description,
                status=IntegrationStatus.IMPORTING,
                created_by=user if getattr(user, "is_authenticated", False) else None,
            )
            integration.workspaces.set(workspaces or [workspace])
            queue_history_import(integration)
    except IntegrityError:
        # Two simultaneous submissions: the database constraint picks one winner.
        raise DuplicateIntegration("An integration with this Account Name or Account SID was just connected.") from None
    log.info("Connected Twilio integration %s (account …%s)", integration.pk, account_sid[-4:])
    return integration


def update_credentials(integration: Integration, *, api_key_sid: str = "", api_secret: str = "",
                       description: str | None = None) -> bool:
    """Store new credentials (already checked live); blank values keep the stored ones.

    Returns True when credentials changed; an integration in error then resumes its import.
    """
    changed = bool(api_key_sid or api_secret)
    if api_key_sid:
        integration.api_key_sid = api_key_sid
    if api_secret:
        integration.api_secret = api_secret
    if description is not None:
        integration.description = description
    integration.save()
    if changed and integration.status == IntegrationStatus.ERROR:
        queue_retry(integration)
    return changed


def set_workspaces(integration: Integration, chosen, editable) -> None:
    """Assign the integration to ``chosen`` among ``editable`` workspaces; other assignments stay."""
    with transaction.atomic():
        keep = list(integration.workspaces.exclude(pk__in=[w.pk for w in editable]))
        integration.workspaces.set(keep + list(chosen))


def find_integration(name_or_id: str) -> Integration:
    qs = Integration.objects.filter(provider=Provider.TWILIO)
    if str(name_or_id).isdigit():
        found = qs.filter(pk=int(name_or_id)).first()
        if found:
            return found
    found = qs.filter(account_name__iexact=str(name_or_id)).first()
    if found is None:
        raise Integration.DoesNotExist(f"No Twilio integration named or numbered {name_or_id!r}.")
    return found

