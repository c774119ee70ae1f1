"""Settings › Audit log: the workspace's events, newest first, filtered and paginated (owners only)."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from vantage.models import Role
from vantage.workspaces import require_workspace

from .filtersets import AuditEventFilterSet
from .models import AuditEvent

PAGE_SIZE = 50


def require_owner(request):
    ws = require_workspace(request)
    if ws.role_of(request.user) != Role.OWNER:
        raise PermissionDenied("Only the workspace's owners read its audit log.")
    return ws


def event_list(request):
    ws = require_owner(request)
    events = AuditEvent.objects.for_workspace(ws).select_related("workspace")
    filterset = AuditEventFilterSet(request.GET or None, queryset=events, request=request)
    valid = filterset.is_valid() if request.GET else True
    events = filterset.qs if valid else events.none()
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/event_list.html", {
        "page": page, "form": filterset.form, "workspace": ws, "query": query.urlencode(),
    }, status=200 if valid else 400)  # fmt: skip
