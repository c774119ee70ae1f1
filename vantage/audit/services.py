"""``record``: the one way an audit event is written. Callers pass a summary that a person can read and that
never holds a secret (an API Secret, a token, a password): names, roles, counts and ids only."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest

from vantage.lib.clientip import client_ip
from vantage.models import Workspace

from .models import AuditEvent


def _actor_and_ip(request_or_actor, ip):
    if isinstance(request_or_actor, HttpRequest) or hasattr(request_or_actor, "_request"):  # Django's or DRF's
        user = getattr(request_or_actor, "user", None)
        return (user if getattr(user, "is_authenticated", False) else None), ip or client_ip(request_or_actor)
    user = request_or_actor
    return (user if getattr(user, "is_authenticated", False) else None), ip


def _workspaces(workspace) -> list[Workspace | None]:
    if workspace is None or isinstance(workspace, Workspace):
        return [workspace]
    return list(workspace) or [None]


def record(request_or_actor, workspace: Workspace | Iterable[Workspace] | None, action: str, target=None,
           summary: str = "", *, ip: str | None = None, actor_name: str = "") -> list[AuditEvent]:
    """Write one event per workspace given (``None``: a person's own event, e.g. a sign-in).

    ``request_or_actor``: the request (its user and client IP are taken), or a user, or ``None`` for the
    system. ``target``: the model instance acted on (its type, id and name are kept), or a ``(type, id, name)``
    tuple for one already deleted.
    """
    actor, ip = _actor_and_ip(request_or_actor, ip)
    name = actor_name or (actor.get_username() if actor else "")
    target_fields = {}
    if target is not None:
        kind, pk, label = target if isinstance(target, tuple) else (target._meta.model_name, target.pk, str(target))
        target_fields = {"target_type": kind, "target_id": str(pk or "")[:40], "target_name": label[:200]}
    return AuditEvent.objects.bulk_create([
        AuditEvent(workspace=ws, actor=actor, actor_name=name[:150], action=action, summary=summary[:500],
                   ip_address=ip or None, **target_fields)
        for ws in _workspaces(workspace)
    ])  # fmt: skip
