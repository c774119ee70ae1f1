"""Forms for virtual tags: the tag, and one value with its filter builder."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from .choices import NAME_HELP, TagDimension, TagOperator
from .models import VirtualTag, VirtualTagValue
from .validation import check_room_for_value, clean_filters, clean_splits, validate_key, validate_name

CONDITION_ROWS = 6
SET_CHOICES = [(str(i), f"Set {i}") for i in range(1, 4)]


class VirtualTagForm(forms.ModelForm):
    class Meta:
        model = VirtualTag
        fields = ["key", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"key": f"e.g. Team, Product, Customer. {NAME_HELP}"}

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace

    def clean_key(self):
        others = VirtualTag.objects.filter(workspace=self.workspace).exclude(pk=self.instance.pk)
        return validate_key(self.cleaned_data["key"], others, new=self.instance.pk is None)

    def save(self, commit=True):
        self.instance.workspace = self.workspace
        return super().save(commit)


class VirtualTagValueForm(forms.Form):
    """A value: its name (or a split), an optional date range, and up to six conditions in three sets."""

    name = forms.CharField(max_length=100, help_text=NAME_HELP)
    date_from = forms.DateField(required=False, label="Applies from", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="Applies until", widget=forms.DateInput(attrs={"type": "date"}))
    splits = forms.CharField(
        required=False,
        label="Split costs (optional)",
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Team A = 60\nTeam B = 40"}),
        help_text="One “label = percent” per line, adding up to 100. Matching costs are shared between the labels.",
    )

    def __init__(self, *args, tag: VirtualTag, instance: VirtualTagValue | None = None, **kwargs):
        self.tag, self.instance = tag, instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(instance)
        super().__init__(*args, **kwargs)
        for i in range(CONDITION_ROWS):
            self.fields[f"c{i}_set"] = forms.ChoiceField(choices=SET_CHOICES, initial="1", required=False, label="Set")
            self.fields[f"c{i}_dimension"] = forms.ChoiceField(
                choices=[("", "—")] + list(TagDimension.choices), required=False, label="Dimension"
            )
            self.fields[f"c{i}_operator"] = forms.ChoiceField(
                choices=TagOperator.choices, required=False, label="Operator"
            )
            self.fields[f"c{i}_values"] = forms.CharField(
                required=False, label="Values", widget=forms.Textarea(attrs={"rows": 1, "placeholder": "one per line"})
            )

    @staticmethod
    def initial_from(value: VirtualTagValue) -> dict:
        initial = {"name": value.name, "date_from": value.date_from, "date_to": value.date_to}
        if value.splits:
            initial["splits"] = "\n".join(f"{s['label']} = {s['percent']}" for s in value.splits)
        i = 0
        for set_no, fset in enumerate(value.filters, 1):
            for cond in fset["conditions"]:
                if i < CONDITION_ROWS:
                    initial.update({f"c{i}_set": str(min(set_no, 3)), f"c{i}_dimension": cond["dimension"],
                                    f"c{i}_operator": cond["operator"], f"c{i}_values": "\n".join(cond["values"])})
                i += 1
        return initial

    def condition_rows(self):
        return [[self[f"c{i}_set"], self[f"c{i}_dimension"], self[f"c{i}_operator"], self[f"c{i}_values"]]
                for i in range(CONDITION_ROWS)]

    def clean_name(self):
        return validate_name(self.cleaned_data["name"])

    def clean_splits(self):
        text = self.cleaned_data.get("splits") or ""
        parts = []
        for line in text.splitlines():
            if not line.strip():
                continue
            label, sep, percent = line.rpartition("=")
            if not sep:
                raise ValidationError(f"Write each split as “label = percent”, not “{line.strip()}”.")
            parts.append({"label": label.strip(), "percent": percent.strip()})
        return clean_splits(parts)

    def clean(self):
        data = super().clean()
        sets: dict[str, list] = {}
        for i in range(CONDITION_ROWS):
            dimension = data.get(f"c{i}_dimension")
            values = [v.strip() for v in (data.get(f"c{i}_values") or "").splitlines() if v.strip()]
            if not dimension and not values:
                continue
            if not dimension:
                self.add_error(f"c{i}_dimension", "Choose a dimension for these values.")
                continue
            sets.setdefault(data.get(f"c{i}_set") or "1", []).append(
                {"dimension": dimension, "operator": data.get(f"c{i}_operator") or "is", "values": values}
            )
        try:
            data["filters"] = clean_filters([{"conditions": sets[k]} for k in sorted(sets)])
        except ValidationError as exc:
            self.add_error(None, exc)
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "The end of the date range is before its start.")
        if self.instance is None:
            try:
                check_room_for_value(self.tag.values.all())
            except ValidationError as exc:
                self.add_error(None, exc)
        return data

    def build(self) -> VirtualTagValue:
        """An unsaved value (for the preview) or the edited instance."""
        v = self.instance or VirtualTagValue(tag=self.tag)
        d = self.cleaned_data
        v.name, v.filters, v.splits = d["name"], d["filters"], d.get("splits")
        v.date_from, v.date_to = d.get("date_from"), d.get("date_to")
        if v.pk is None and v.position == 0:
            last = self.tag.values.order_by("-position").values_list("position", flat=True).first()
            v.position = (last or 0) + 1
        return v
