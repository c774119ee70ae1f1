"""Forms for the report page: how to present costs (the FilterSet says which costs) and titles."""

from django import forms

from .choices import ChartType, Columns, DateBin, Mode, Sort
from .dimensions import dimensions
from .groupings import grouping_errors
from .models import CostReport


class GroupByField(forms.MultipleChoiceField):
    """An ordered list of dimension keys (``group_by=service&group_by=category``); blanks dropped.

    The choices only draw the select; the form checks the keys with the grouping rules (costs.groupings)."""

    def to_python(self, value):
        return [v for v in super().to_python(value) if v]

    def valid_value(self, value):
        return True


class ReportSettingsForm(forms.Form):
    group_by = GroupByField(required=False, label="Group by")
    # Missing settings take these defaults (a hand-written URL need not spell everything out).
    bin = forms.ChoiceField(choices=DateBin.choices, required=False, initial=DateBin.DAY, label="Date bin")
    chart = forms.ChoiceField(choices=ChartType.choices, required=False, initial=ChartType.BAR, label="Chart")
    mode = forms.ChoiceField(
        choices=Mode.choices, required=False, initial=Mode.SPEND, label="Show", widget=forms.RadioSelect
    )
    compare = forms.BooleanField(required=False, label="Compare with the previous period")
    sort = forms.ChoiceField(choices=Sort.choices, required=False, initial=Sort.TOTAL_DESC, label="Sort rows by")
    columns = forms.ChoiceField(choices=Columns.choices, required=False, initial=Columns.SUMMARY, label="Columns")

    def __init__(self, *args, workspace=None, registry=dimensions, group_choices=None, **kwargs):
        """``group_choices``: the registry's choices when the caller has them already (one query less)."""
        super().__init__(*args, **kwargs)
        self.workspace, self.registry = workspace, registry
        self.fields["group_by"].choices = registry.choices(workspace) if group_choices is None else group_choices

    def clean_group_by(self):
        keys = self.cleaned_data["group_by"]
        errors = grouping_errors(keys, self.workspace, self.registry, choices=self.group_choices)
        if errors:
            raise forms.ValidationError(errors)
        return keys

    def clean(self):
        cleaned = super().clean()
        for name in ("bin", "chart", "mode", "sort", "columns"):
            if name in cleaned and not cleaned[name]:
                cleaned[name] = self.fields[name].initial
        return cleaned

    @property
    def group_choices(self):
        return self.fields["group_by"].choices


class ReportTitleForm(forms.ModelForm):
    class Meta:
        model = CostReport
        fields = ["title"]

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("Give the report a title.")
        if title == CostReport.DEFAULT_TITLE:
            raise forms.ValidationError(
                f"“{CostReport.DEFAULT_TITLE}” is the name of the default report; choose another."
            )
        return title
