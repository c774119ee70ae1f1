from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .workspaces import switch_workspace


def home(request):
    return render(request, "vantage/home.html")


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
