"""Forms for any integration, whatever its provider (each provider's own forms live in its package)."""

from __future__ import annotations

from django import forms

from vantage.lib.dates import add_months
from vantage.models import Workspace

from . import history
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


class EarlierHistoryForm(forms.Form):
    """Import earlier history: the month to go back to, bounded by ``integrations.history``'s rules.

    The picker offers only months not imported yet: up to the month before the earliest one imported (asking
    for that month itself is still accepted, and answered "already imported")."""

    start_month = forms.CharField(
        label="Go back to", widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )

    def __init__(self, *args, integration: Integration, **kwargs):
        super().__init__(*args, **kwargs)
        self.integration = integration
        self.earliest = earliest = history.earliest_imported_month(integration)  # one query for the form
        self.lowest, highest = history.month_bounds(integration, earliest=earliest)
        self.highest = min(highest, add_months(earliest, -1)) if earliest else highest
        widget = self.fields["start_month"].widget
        widget.attrs.update(min=f"{self.lowest:%Y-%m}", max=f"{self.highest:%Y-%m}")
        self.fields["start_month"].help_text = (
            f"A month from {self.lowest:%b %Y} to {self.highest:%b %Y}; every month from it up to the history "
            f"already imported is imported, newest first (at most {history.MAX_MONTHS_BACK} months back)."
        )
        self.initial.setdefault("start_month", f"{max(self.lowest, add_months(self.highest, -11)):%Y-%m}")

    @property
    def available(self) -> bool:
        """False when history already reaches back as far as it may go."""
        return self.lowest <= self.highest

    def clean_start_month(self):
        month = history.parse_month(self.cleaned_data["start_month"])
        return history.check_start_month(self.integration, month, earliest=self.earliest)
