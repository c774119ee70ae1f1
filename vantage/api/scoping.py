"""Every API call works inside one of the caller's workspaces."""

from rest_framework import exceptions

from vantage.models import Workspace


class WorkspaceRequired(exceptions.ValidationError):
    pass


def resolve_workspace(request) -> Workspace:
    """The ``workspace`` parameter (id) if given; else the caller's only workspace; 404 for others."""
    mine = Workspace.objects.for_user(request.user)
    raw = request.query_params.get("workspace")
    if raw is None and hasattr(request, "data") and isinstance(request.data, dict):
        raw = request.data.get("workspace") if not isinstance(request.data.get("workspace"), list) else None
    if raw not in (None, ""):
        try:
            return mine.get(pk=int(raw))
        except (ValueError, TypeError):
            raise exceptions.ValidationError({"workspace": "Give a workspace id (an integer)."}) from None
        except Workspace.DoesNotExist:
            raise exceptions.NotFound("No such workspace.") from None
    ids = list(mine.values_list("pk", flat=True)[:2])
    if len(ids) == 1:
        return mine.get(pk=ids[0])
    if not ids:
        raise exceptions.NotFound("You do not belong to any workspace.")
    raise exceptions.ValidationError({"workspace": "You belong to several workspaces: pass ?workspace=<id>."})


class WorkspaceScopedMixin:
    """Sets ``self.workspace`` for every request; writes need an owner or editor role."""

    write_methods = ("POST", "PUT", "PATCH", "DELETE")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.workspace = resolve_workspace(request)

    def require_editor(self):
        if not self.workspace.can_edit(self.request.user):
            raise exceptions.PermissionDenied("Viewers can read but not change anything in this workspace.")
