"""The current workspace: kept in the session, always one the person belongs to."""

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404

from .models import Workspace

SESSION_KEY = "workspace_id"


def current_workspace(request):
    """The person's current workspace. One query reads all their workspaces with their role in each
    (kept as ``request.my_workspaces`` for the header's switcher; ``role_of`` then needs no query)."""
    mine = list(
        Workspace.objects.filter(memberships__user=request.user)
        .annotate(my_role=F("memberships__role"))  # one membership per workspace and person: no duplicates
        .order_by("name", "pk")
    )
    for workspace in mine:
        workspace.remember_role(request.user, workspace.my_role)
    request.my_workspaces = mine
    ws_id = request.session.get(SESSION_KEY)
    ws = next((w for w in mine if w.pk == ws_id), None) if ws_id else None
    if ws is None:
        ws = mine[0] if mine else None
        if ws is not None:
            request.session[SESSION_KEY] = ws.pk
        else:
            request.session.pop(SESSION_KEY, None)
    return ws


def switch_workspace(request, workspace_id):
    """Make ``workspace_id`` current; 404 (never 403) when the person is not a member."""
    try:
        ws = Workspace.objects.for_user(request.user).get(pk=int(workspace_id))
    except (Workspace.DoesNotExist, TypeError, ValueError):
        raise Http404("No such workspace") from None
    request.session[SESSION_KEY] = ws.pk
    return ws


def require_workspace(request):
    if request.workspace is None:
        raise Http404("You do not belong to any workspace yet")
    return request.workspace


def require_editor(request):
    """The current workspace, if the person may change things in it (owner or editor)."""
    ws = require_workspace(request)
    if not ws.can_edit(request.user):
        raise PermissionDenied("Viewers can look but not change anything in this workspace.")
    return ws
