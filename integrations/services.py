"""Workflows on integrations: connect, change credentials or workspaces, delete, queue imports.

Views, API views, tasks and commands parse input and call these. Importing itself (windows, runs,
progress) is the provider's: ``integrations.twilio.importer``; these functions only queue it.

A shared integration (assigned to several workspaces) is managed -- deleted, synced, re-imported,
given new credentials or description -- only by someone who edits EVERY workspace it belongs to
(``can_manage``). Anyone else who edits one of them can only remove it from that workspace
(``remove_from_workspace``); the other workspaces keep it and its costs. Removing never deletes: the
last workspace cannot remove it (whoever edits that workspace manages it and deletes it instead), so
an integration in no workspace only arises from the admin, where an operator deletes it.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

import django_q.tasks
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from costs.anomalies.services import forget_integration
from costs.models import CostLineItem
from costs.writes import delete_integration_costs
from vantage.lib.money import ExactSum
from vantage.models import Workspace

from . import history
from .models import IngestionRun, Integration, IntegrationStatus, Provider, RunTrigger, UnclassifiedUsage
from .tasks import earlier_history_task, import_history_task, sync_task

log = logging.getLogger(__name__)

STALE_IMPORT = timedelta(hours=2)


def is_busy(integration: Integration) -> bool:
    """An import is running (and not abandoned by a dead worker)."""
    return integration.status == IntegrationStatus.IMPORTING and (
        integration.updated_at is None or timezone.now() - integration.updated_at < STALE_IMPORT
    )


MSG_NOT_MANAGER = (
    "This integration is also in workspaces you cannot edit: only someone who edits all of them can delete it, "
    "sync it, import its history or change its credentials. You can remove it from this workspace."
)
MSG_LAST_WORKSPACE = "This is the only workspace the integration is in: delete it instead."


def out_of_reach(integration: Integration, user):
    """The workspaces ``integration`` belongs to that ``user`` cannot edit."""
    return integration.workspaces.exclude(pk__in=Workspace.objects.editable_by(user).values("pk"))


def can_manage(integration: Integration, user) -> bool:
    """``user`` edits every workspace the integration belongs to (and it belongs to one): they may delete,
    sync, re-import and change its credentials. Anyone else may only remove it from their workspaces."""
    return integration.workspaces.exists() and not out_of_reach(integration, user).exists()


class LastWorkspace(Exception):
    """Removing the integration from its only workspace would leave it in none: delete it instead."""


def remove_from_workspace(integration: Integration, workspace: Workspace) -> int:
    """Unassign the integration from ``workspace`` (whoever calls checks the person edits it); every other
    workspace keeps it with its costs. The number of workspaces it stays in. Raises ``LastWorkspace``."""
    with transaction.atomic():
        # the integration's row locked: two people removing it from its last two workspaces at once wait in turn
        Integration.objects.select_for_update().filter(pk=integration.pk).exists()
        others = integration.workspaces.exclude(pk=workspace.pk).count()
        if not others:
            raise LastWorkspace(MSG_LAST_WORKSPACE)
        integration.workspaces.remove(workspace)
        forget_integration(workspace, integration.pk)
    log.info("Removed integration %s from workspace %s; it stays in %s", integration.pk, workspace.pk, others)
    return others


def delete_integration(integration: Integration) -> dict:
    """Delete the integration with every cost, run and reconciliation record, in one transaction."""
    with transaction.atomic():
        summary = deletion_summary(integration)
        delete_integration_costs(integration)
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


def _queue_on_commit(task, integration: Integration, *args, name: str) -> None:
    """Queue ``task(integration.pk, *args)`` once the surrounding transaction commits. Primary keys and
    plain values only: django-q2 stores task arguments in its tables."""
    pk = integration.pk
    transaction.on_commit(lambda: django_q.tasks.async_task(task, pk, *args, task_name=f"twilio-{name}-{pk}"))


def queue_history_import(integration: Integration) -> None:
    """Queue the history import (the current month and the twelve before it) once the surrounding transaction
    commits (primary key only)."""
    integration.save_fields(history_back_to=None)
    _queue_on_commit(import_history_task, integration, False, name="import")


def queue_sync(integration: Integration, trigger: str = RunTrigger.MANUAL) -> bool:
    """Queue a refresh of the trailing window; False when an import is already running."""
    if is_busy(integration):
        return False
    integration.save_fields(status=IntegrationStatus.IMPORTING, status_message="",
                            import_windows_total=0, import_windows_done=0, history_back_to=None)
    _queue_on_commit(sync_task, integration, trigger, name="sync")
    return True


def queue_retry(integration: Integration) -> bool:
    """Resume the import that stopped: an unfinished import of earlier months (``history_back_to``) continues
    with the months still missing, otherwise the history import skips the windows already imported."""
    if is_busy(integration):
        return False
    integration.save_fields(status=IntegrationStatus.IMPORTING, status_message="")
    if integration.history_back_to:
        _queue_on_commit(earlier_history_task, integration, name="earlier")
    else:
        _queue_on_commit(import_history_task, integration, True, name="import")
    return True


class Busy(Exception):
    """Another import of this integration is running."""


def queue_earlier_history(integration: Integration, back_to) -> int:
    """Queue the import of the months from ``back_to`` (checked by ``history.check_start_month``) that are not
    imported yet, newest first; the number of months queued (0: all are imported, nothing is queued).
    Raises ``Busy`` when an import is already running."""
    if is_busy(integration):
        raise Busy("An import is already running for this integration.")
    months = len(history.earlier_plan(integration, back_to))
    if months:
        integration.save_fields(status=IntegrationStatus.IMPORTING, status_message="", history_back_to=back_to,
                                import_windows_total=months, import_windows_done=0)
        _queue_on_commit(earlier_history_task, integration, name="earlier")
    return months


def connect_twilio(*, user, workspace, api_key_sid: str, api_secret: str, account_sid: str, account_name: str,
                   description: str = "", workspaces=None) -> Integration:
    """Create the integration (credentials already checked live) and queue its history import."""
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
