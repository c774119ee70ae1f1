"""The audit events of integrations (vantage.audit), one function per workflow, called by the pages and the API
alike. Summaries name the account and what changed, never a credential."""

from __future__ import annotations

from dataclasses import dataclass

from vantage.audit.choices import AuditAction
from vantage.audit.services import record

from .models import Integration


@dataclass(frozen=True)
class Before:
    """What an integration was before a change that may delete it or move it between workspaces."""

    target: tuple
    workspaces: tuple


def before(integration: Integration) -> Before:
    return Before(("integration", integration.pk, integration.account_name), tuple(integration.workspaces.all()))


def connected(request, integration: Integration) -> None:
    record(request, integration.workspaces.all(), AuditAction.INTEGRATION_CONNECTED, integration,
           f"Connected the Twilio account “{integration.account_name}”; its history import is queued.")


def edited(request, integration: Integration, credentials_changed: bool) -> None:
    if credentials_changed:
        record(request, integration.workspaces.all(), AuditAction.INTEGRATION_CREDENTIALS, integration,
               "New API Key SID or API Secret, checked with Twilio and stored encrypted.")
    else:
        record(request, integration.workspaces.all(), AuditAction.INTEGRATION_CHANGED, integration,
               "Description changed.")


def synced(request, integration: Integration) -> None:
    record(request, integration.workspaces.all(), AuditAction.INTEGRATION_SYNCED, integration,
           "Sync started: the current and previous month are re-imported.")


def retried(request, integration: Integration) -> None:
    reimported(request, integration, "Import resumed: the months not imported yet are imported again.")


def reimported(request, integration: Integration, summary: str) -> None:
    record(request, integration.workspaces.all(), AuditAction.INTEGRATION_REIMPORTED, integration, summary)


def workspaces_changed(request, integration: Integration, was: Before) -> None:
    now = tuple(integration.workspaces.all())
    added = [w for w in now if w not in was.workspaces]
    removed = [w for w in was.workspaces if w not in now]
    if added:
        names = ", ".join(w.name for w in added)
        record(request, set(now), AuditAction.INTEGRATION_ASSIGNED, integration, f"Assigned to {names}.")
    if removed:
        names = ", ".join(w.name for w in removed)
        record(request, set(was.workspaces), AuditAction.INTEGRATION_REMOVED, was.target, f"Removed from {names}.")


def removed(request, integration: Integration, workspace) -> None:
    """Removed from ``workspace`` only (the others keep it): the event goes to all of them, that one included."""
    record(request, {workspace, *integration.workspaces.all()}, AuditAction.INTEGRATION_REMOVED, integration,
           f"Removed from {workspace.name}; the other workspaces keep it.")


def deleted(request, was: Before, line_items: int) -> None:
    record(request, was.workspaces, AuditAction.INTEGRATION_DELETED, was.target,
           f"Deleted “{was.target[2]}” with its {line_items} cost line items.")
