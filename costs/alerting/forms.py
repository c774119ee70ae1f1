"""Cost alert and report digest forms: the rules come from ``validation`` (one home)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from ..models import CostReport
from . import validation
from .choices import MAX_REPORTS, Direction, Frequency, Period


def _audience_fields(form, workspace) -> None:
    form.fields["recipients"].queryset = get_user_model().objects.filter(memberships__workspace=workspace)
    form.fields["recipients"].label_from_instance = (
        lambda u: f"{u.username} ({u.email or 'no email yet: they set it in their Profile'})"
    )
    form.fields["webhooks"].queryset = workspace.webhook_endpoints.all()


def _add_errors(form, errors: dict[str, list[str]]) -> None:
    for name, messages in errors.items():
        if name in form.fields and name not in form.errors:
            form.add_error(name, ValidationError(messages))
        elif name not in form.fields:
            form.add_error(None, ValidationError(messages))


class CostAlertForm(forms.Form):
    name = forms.CharField(max_length=100)
    reports = forms.ModelMultipleChoiceField(queryset=CostReport.objects.none(), widget=forms.CheckboxSelectMultiple,
                                             label="Cost reports", required=False,
                                             help_text=f"1 to {MAX_REPORTS}; each group of a report is watched "
                                                       "(each service when the report is not grouped).")
    percent = forms.CharField(required=False, max_length=30, label="Threshold %",
                              help_text="1 to 1000: the change against the previous period.")
    amount = forms.CharField(required=False, max_length=30, label="Threshold amount",
                             help_text="More than 0, in the report's currency. With a % too, both must be crossed.")
    direction = forms.ChoiceField(choices=Direction.choices, initial=Direction.UP)
    period = forms.ChoiceField(choices=Period.choices, initial=Period.DAY,
                               help_text="UTC; the last complete period against the one before it.")
    recipients = forms.ModelMultipleChoiceField(queryset=get_user_model().objects.none(), required=False,
                                                widget=forms.CheckboxSelectMultiple, label="Email these members")
    webhooks = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=forms.CheckboxSelectMultiple)
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, *args, workspace, instance=None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name, "reports": list(instance.reports.all()),
                "percent": "" if instance.percent is None else f"{instance.percent.normalize():f}",
                "amount": "" if instance.amount is None else f"{instance.amount:.2f}",
                "direction": instance.direction, "period": instance.period,
                "recipients": list(instance.recipients.all()), "webhooks": list(instance.webhooks.all()),
                "is_active": instance.is_active,
            }  # fmt: skip
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.fields["reports"].queryset = CostReport.objects.filter(workspace=workspace)
        _audience_fields(self, workspace)

    def clean(self):
        cleaned = super().clean()
        data = validation.AlertInput(
            name=cleaned.get("name") or "", reports=list(cleaned.get("reports") or []),
            percent=cleaned.get("percent"), amount=cleaned.get("amount"),
            direction=cleaned.get("direction") or "", period=cleaned.get("period") or "",
            recipients=list(cleaned.get("recipients") or []), webhooks=list(cleaned.get("webhooks") or []),
            is_active=cleaned.get("is_active", False),
        )  # fmt: skip
        _add_errors(self, validation.check_alert(self.workspace, data))
        self.alert_input = data
        return cleaned


class ReportDigestForm(forms.Form):
    report = forms.ModelChoiceField(queryset=CostReport.objects.none(), label="Cost report")
    frequency = forms.ChoiceField(choices=Frequency.choices, initial=Frequency.WEEKLY)
    recipients = forms.ModelMultipleChoiceField(queryset=get_user_model().objects.none(), required=False,
                                                widget=forms.CheckboxSelectMultiple, label="Email these members")
    webhooks = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=forms.CheckboxSelectMultiple)
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, *args, workspace, instance=None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {"report": instance.report_id, "frequency": instance.frequency,
                                 "recipients": list(instance.recipients.all()),
                                 "webhooks": list(instance.webhooks.all()), "is_active": instance.is_active}
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.fields["report"].queryset = CostReport.objects.filter(workspace=workspace)
        _audience_fields(self, workspace)

    def clean(self):
        cleaned = super().clean()
        data = validation.DigestInput(
            report=cleaned.get("report"), frequency=cleaned.get("frequency") or "",
            recipients=list(cleaned.get("recipients") or []), webhooks=list(cleaned.get("webhooks") or []),
            is_active=cleaned.get("is_active", False),
        )  # fmt: skip
        errors = validation.check_digest(self.workspace, data)
        if "report" in self.errors:
            errors.pop("report", None)
        _add_errors(self, errors)
        self.digest_input = data
        return cleaned
