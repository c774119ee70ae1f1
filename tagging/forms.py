"""Forms for virtual tags: the tag, and one value with its filter builder."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from .choices import NAME_HELP, TagDimension, TagOperator
from .models import VirtualTag, VirtualTagValue
from .validation import (
    check_condition_value,
    check_room_for_value,
    clean_filters,
    clean_splits,
    validate_key,
    validate_name,
)

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


SPLIT_HELP = (
    "Instead of giving matching costs this value's name, share each of them between several labels: "
    "one “label = percent” per line, e.g. “Team A = 60” and “Team B = 40”. The percentages must add up to "
    "exactly 100; reports then show the labels (each gets its share of every matching cost), not the value's name."
)


def datalist_id(dimension: str) -> str:
    """The id of the page's ``<datalist>`` of a dimension's values in the workspace."""
    return f"tag-values-{dimension}"


class VirtualTagValueForm(forms.Form):
    """A value: its name (or a split), an optional date range, and up to six conditions in three sets.

    Each condition's values are typed one per line, or picked from the workspace's real values of the
    chosen dimension (``dimension_values``: the *add a value* box, merged into the values on submit).
    ``warnings`` lists picked values that are not in the workspace's costs (a typo matches nothing).
    """

    name = forms.CharField(max_length=100, help_text=NAME_HELP)
    date_from = forms.DateField(required=False, label="Applies from", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="Applies until", widget=forms.DateInput(attrs={"type": "date"}))
    splits = forms.CharField(
        required=False,
        label="Split costs between labels",
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Team A = 60\nTeam B = 40"}),
        help_text=SPLIT_HELP,
    )

    def __init__(self, *args, tag: VirtualTag, instance: VirtualTagValue | None = None,
                 dimension_values: dict[str, list[str]] | None = None, **kwargs):
        self.tag, self.instance = tag, instance
        self.dimension_values = dimension_values or {}
        self.warnings: list[str] = []
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(instance)
        super().__init__(*args, **kwargs)
        for i in range(CONDITION_ROWS):
            self._add_condition_fields(i)

    def _add_condition_fields(self, i: int) -> None:
        n = i + 1
        self.fields[f"c{i}_set"] = forms.ChoiceField(
            choices=SET_CHOICES, initial="1", required=False, label=f"Condition {n}: filter set"
        )
        self.fields[f"c{i}_dimension"] = forms.ChoiceField(
            choices=[("", "—")] + list(TagDimension.choices), required=False, label=f"Condition {n}: dimension",
            widget=forms.Select(attrs={"data-dimension": str(i)}),
        )
        self.fields[f"c{i}_operator"] = forms.ChoiceField(
            choices=TagOperator.choices, required=False, label=f"Condition {n}: operator"
        )
        self.fields[f"c{i}_values"] = forms.CharField(
            required=False, label=f"Condition {n}: values, one per line",
            widget=forms.Textarea(attrs={"rows": 3, "placeholder": "one per line", "data-values": str(i)}),
        )
        dimension = self[f"c{i}_dimension"].value()
        attrs = {"placeholder": "pick or type a value", "autocomplete": "off", "data-pick": str(i)}
        if dimension in TagDimension.values:
            attrs["list"] = datalist_id(dimension)
        self.fields[f"c{i}_pick"] = forms.CharField(
            required=False, max_length=255, label=f"Condition {n}: add a value", widget=forms.TextInput(attrs=attrs)
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
        """Per row: its number and its controls as ``(bound field, label without the "Condition n: ")``."""
        def control(i, part):
            bound = self[f"c{i}_{part}"]
            return bound, str(bound.label).split(": ", 1)[1]

        return [
            {"number": i + 1, "fields": [control(i, part) for part in ("set", "dimension", "operator")],
             "values": control(i, "values"), "pick": control(i, "pick")}
            for i in range(CONDITION_ROWS)
        ]  # fmt: skip

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
        bad_rows = False
        for i in range(CONDITION_ROWS):
            dimension = data.get(f"c{i}_dimension")
            values = [v.strip() for v in (data.get(f"c{i}_values") or "").splitlines() if v.strip()]
            picked = (data.get(f"c{i}_pick") or "").strip()
            if picked and picked not in values:
                values.append(picked)  # the "add a value" box, submitted without JavaScript
            if not dimension and not values:
                continue
            if not dimension:
                self.add_error(f"c{i}_dimension", "Choose a dimension for these values.")
                continue
            try:
                for value in values:
                    check_condition_value(value, f"Condition {i + 1}")
            except ValidationError as exc:
                self.add_error(f"c{i}_values", exc)  # next to the values at fault, not above the form
                bad_rows = True
                continue
            operator = data.get(f"c{i}_operator") or "is"
            self._warn_unknown(i, dimension, operator, values)
            sets.setdefault(data.get(f"c{i}_set") or "1", []).append(
                {"dimension": dimension, "operator": operator, "values": values}
            )
        try:
            data["filters"] = clean_filters([{"conditions": sets[k]} for k in sorted(sets)])
        except ValidationError as exc:
            if not bad_rows:  # a row's own error already says what is wrong
                self.add_error(None, exc)
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "The end of the date range is before its start.")
        if self.instance is None:
            try:
                check_room_for_value(self.tag.values.all())
            except ValidationError as exc:
                self.add_error(None, exc)
        return data

    def _warn_unknown(self, i: int, dimension: str, operator: str, values: list[str]) -> None:
        """Exact values ("is", "is not") the workspace's costs do not have: most likely a typo."""
        known = self.dimension_values.get(dimension)
        if not known or operator not in (TagOperator.IS, TagOperator.IS_NOT):
            return
        missing = [v for v in values if v not in set(known)]
        if missing:
            label = TagDimension(dimension).label
            self.warnings.append(
                f"Condition {i + 1}: {label} {', '.join(f'“{v}”' for v in missing)} "
                f"{'is' if len(missing) == 1 else 'are'} not in this workspace's costs; check the spelling."
            )

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
