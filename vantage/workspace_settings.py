"""Settings › Workspace: the workspace's name and reporting currency (owners change them, others read them)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from .models import Role, Workspace
from .workspaces import require_workspace


class WorkspaceSettingsForm(forms.ModelForm):
    class Meta:
        model = Workspace
        fields = ["reporting_currency"]
        labels = {"reporting_currency": "Reporting currency"}
        help_texts = {
            "reporting_currency": "Reports, charts, CSV and the API show every cost converted to it, each day at "
            "the European Central Bank's reference rate of that day. The billing currency stays available.",
        }


def workspace_settings(request):
    """GET: the settings (read-only unless owner). POST (owners only, else 403): change them."""
    ws = require_workspace(request)
    is_owner = ws.role_of(request.user) == Role.OWNER
    if request.method == "POST":
        if not is_owner:
            raise PermissionDenied("Only the workspace's owners change its settings.")
        form = WorkspaceSettingsForm(request.POST, instance=ws)
        if form.is_valid():
            form.save()  # costs converts the summaries for a new currency (a task; reports convert meanwhile)
            shown = f"converted to {ws.reporting_currency}" if ws.reporting_currency else "in their billing currencies"
            messages.success(request, f"Saved: reports now show costs {shown}.")
            return redirect("workspace_settings")
    else:
        form = WorkspaceSettingsForm(instance=ws)
    if not is_owner:
        form.fields["reporting_currency"].disabled = True
    return render(request, "vantage/workspace_settings.html", {"form": form, "workspace": ws, "is_owner": is_owner})
