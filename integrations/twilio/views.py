"""Settings › Integrations › Twilio: the Connect and Manage tabs, and rotating an integration's credentials."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.debug import sensitive_post_parameters

from vantage.workspaces import require_workspace

from .. import auditing, services
from ..models import Provider
from ..summaries import costs_by_integration, history_from_by_integration
from ..views import get_managed, visible
from .forms import TwilioConnectForm, TwilioCredentialsForm


def _twilio(request):
    return visible(request).filter(provider=Provider.TWILIO)


def _connect(request, ws, form: TwilioConnectForm):
    """Connect the account the valid form names; the redirect to its page, or None (the error is on the form)."""
    data = form.cleaned_data
    try:
        integration = services.connect_twilio(
            user=request.user,
            workspace=ws,
            api_key_sid=data["api_key_sid"],
            api_secret=data["api_secret"],
            account_sid=data["account_sid"],
            account_name=data["account_name"],
            description=data["description"],
        )
    except services.DuplicateIntegration:
        form.add_error("account_name", "This Account Name or Account SID was connected a moment ago.")
        return None
    auditing.connected(request, integration)
    messages.success(request, f"Connected “{integration.account_name}”. "
                              "Importing the current month and the twelve before it, newest first.")
    return redirect("integrations:detail", pk=integration.pk)


@sensitive_post_parameters("api_secret")
def twilio(request):
    """The Twilio page: Connect tab (the form) and Manage tab (this workspace's integrations)."""
    ws = require_workspace(request)
    can_edit = ws.can_edit(request.user)
    tab = request.GET.get("tab") or ("connect" if request.method == "POST" else "manage")
    form = TwilioConnectForm()
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Viewers cannot connect integrations.")
        tab = "connect"
        form = TwilioConnectForm(request.POST)
        if form.is_valid():
            connected = _connect(request, ws, form)
            if connected is not None:
                return connected
    integrations = list(_twilio(request).prefetch_related("workspaces"))
    ids = [i.pk for i in integrations]
    costs, history_from = costs_by_integration(ids), history_from_by_integration(ids)
    for i in integrations:
        i.costs = costs.get(i.pk, [])
        i.line_items = sum(n for _, _, n in i.costs)
        i.history_from = history_from.get(i.pk)
    if not integrations and request.method == "GET" and "tab" not in request.GET:
        tab = "connect"
    return render(
        request,
        "integrations/twilio.html",
        {"form": form, "tab": tab, "integrations": integrations, "can_edit": can_edit},
        status=400 if request.method == "POST" else 200,
    )


@sensitive_post_parameters("api_secret")
def edit(request, pk):
    get_object_or_404(_twilio(request), pk=pk)
    integration = get_managed(request, pk)  # new credentials import for every workspace it is in
    form = TwilioCredentialsForm(request.POST or None, integration=integration)
    if request.method == "POST" and form.is_valid():
        changed = services.update_credentials(
            integration,
            api_key_sid=form.cleaned_data["api_key_sid"],
            api_secret=form.cleaned_data["api_secret"],
            description=form.cleaned_data["description"],
        )
        auditing.edited(request, integration, changed)
        messages.success(request, "Credentials checked with Twilio and saved." if changed else "Saved.")
        return redirect("integrations:detail", pk=pk)
    return render(
        request,
        "integrations/edit.html",
        {"integration": integration, "form": form},
        status=400 if request.method == "POST" else 200,
    )
