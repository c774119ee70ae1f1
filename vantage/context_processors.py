from .models import Role, Workspace


def workspaces(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    ws = getattr(request, "workspace", None)
    return {
        "current_workspace": ws,
        "my_workspaces": getattr(request, "my_workspaces", None) or Workspace.objects.for_user(user).order_by("name"),
        "can_edit_workspace": bool(ws and ws.can_edit(user)),
        "is_workspace_owner": bool(ws and ws.role_of(user) == Role.OWNER),  # the Audit log link
    }
