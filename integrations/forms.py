"""Forms for any integration, whatever its provider (each provider's own forms live in its package)."""

from __future__ import annotations

from django import forms

from vantage.models import Workspace

from .models import Integration
from .validation import check_keeps_a_workspace


class WorkspaceAssignmentForm(forms.Form):
    """Checkboxes for the workspaces the person may edit; others keep their assignment."""

    workspaces = forms.ModelMultipleChoiceField(
        queryset=Workspace.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        label="Workspaces that see this integration's costs",
    )

    def __init__(self, *args, user, integration: Integration, **kwargs):
        super().__init__(*args, **kwargs)
        self.integration = integration
        self.editable = Workspace.objects.editable_by(user).order_by("name")
        self.fields["workspaces"].queryset = self.editable
        self.fields["workspaces"].initial = list(
            integration.workspaces.filter(pk__in=self.editable).values_list("pk", flat=True)
        )

    def clean(self):
        data = super().clean()
        check_keeps_a_workspace(self.integration, data.get("workspaces"), self.editable)
        return data
