from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.defaults import page_not_found
from django.views.defaults import server_error as default_server_error

from .audit.choices import AuditAction
from .audit.services import record
from .lib.db import parse_pk
from .lib.text import bidi_problem
from .models import ApiToken
from .workspaces import switch_workspace


@require_POST
def workspace_switch(request):
    ws = switch_workspace(request, request.POST.get("workspace"))
    messages.info(request, f"Now viewing workspace “{ws.name}”.")
    nxt = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        nxt = "/"
    return redirect(nxt)


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def api_tokens(request):
    """Personal API tokens: create (shown once), list, revoke."""
    new_token = None
    if request.method == "POST":
        if "revoke" in request.POST:
            pk = parse_pk(request.POST.get("revoke"))
            updated = ApiToken.objects.filter(user=request.user, pk=pk, revoked_at__isnull=True)
            names = list(updated.values_list("name", flat=True)) if pk is not None else []
            if pk is not None and updated.update(revoked_at=timezone.now()):
                record(request, None, AuditAction.TOKEN_REVOKED, None, f"Revoked the API token “{names[0]}”.")
                messages.success(request, "Token revoked: programs using it are refused from now on.")
            return redirect("api_tokens")
        name = (request.POST.get("name") or "").strip()[:100]
        if not name:
            messages.error(request, "Give the token a name, e.g. the script that will use it.")
        elif (problem := bidi_problem(name)) is not None:
            messages.error(request, f"Token name: {problem.messages[0]}")
        else:
            token, new_token = ApiToken.issue(request.user, name)
            record(request, None, AuditAction.TOKEN_CREATED, None, f"Created the API token “{token.name}”.")
    tokens = ApiToken.objects.filter(user=request.user)
    response = render(request, "vantage/api_tokens.html", {"tokens": tokens, "new_token": new_token})
    response["Cache-Control"] = "no-store"
    return response


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out sign-in (app or admin): 429 and a page that says why and for how long."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    context = {"username": username[:150], "minutes": settings.LOGIN_COOLOFF_MINUTES}
    return render(request, "registration/locked_out.html", context, status=429)


def not_found(request, exception=None):
    """404: JSON in the API's error shape under /api/, the usual page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"errors": [{"field": None, "message": "Not found."}]}, status=404)
    return page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"errors": [{"field": None, "message": "Internal error; it has been logged."}]}, status=500)
    return default_server_error(request)
