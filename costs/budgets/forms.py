"""Budget and alert forms: the rules come from ``validation`` and ``services.check_budget`` (one home)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from ..models import CostReport
from . import services, validation
from .choices import Basis, Window
from .models import Budget
from .validation import Period


class PeriodForm(forms.Form):
    start_month = forms.CharField(label="From", max_length=10, widget=forms.TextInput(attrs={"placeholder": "2026-01"}))
    end_month = forms.CharField(label="To", max_length=10, required=False,
                                widget=forms.TextInput(attrs={"placeholder": "open"}))
    amount = forms.CharField(label="Amount per month", max_length=30)

    def clean_start_month(self):
        return validation.parse_month(self.cleaned_data["start_month"])

    def clean_end_month(self):
        value = self.cleaned_data["end_month"]
        return validation.parse_month(value) if value else None

    def clean_amount(self):
        return validation.parse_amount(self.cleaned_data["amount"])


PeriodFormSet = forms.formset_factory(PeriodForm, extra=2, can_delete=True, max_num=60, validate_max=True)


def period_formset(data=None, budget: Budget | None = None):
    initial = [{"start_month": f"{p.start_month:%Y-%m}", "end_month": f"{p.end_month:%Y-%m}" if p.end_month else "",
                "amount": f"{p.amount:.2f}"} for p in budget.periods.all()] if budget else []
    return PeriodFormSet(data, initial=initial, prefix="periods")


class BudgetForm(forms.Form):
    name = forms.CharField(max_length=100)
    cost_report = forms.ModelChoiceField(queryset=CostReport.objects.none(), label="Cost report",
                                         help_text="Actual spend is this report's costs, with its filters.")
    parent = forms.ModelChoiceField(queryset=Budget.objects.none(), required=False, label="Parent budget",
                                    help_text="A parent adds up its children and has no periods of its own.")
    currency = forms.CharField(max_length=3, required=False,
                               help_text="Leave empty: the workspace's reporting currency, or the report's.")

    def __init__(self, *args, workspace, instance: Budget | None = None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {"name": instance.name, "cost_report": instance.cost_report_id,
                                 "parent": instance.parent_id, "currency": instance.currency}
        super().__init__(*args, **kwargs)
        self.workspace, self.instance = workspace, instance
        self.fields["cost_report"].queryset = CostReport.objects.filter(workspace=workspace)
        parents = Budget.objects.filter(workspace=workspace)
        self.fields["parent"].queryset = parents.exclude(pk=instance.pk) if instance else parents

    def check(self, periods: list[Period]) -> services.BudgetInput | None:
        """The whole budget's rules, with its periods; errors next to the fields (periods: returned in
        ``period_errors``). The input to save, or None."""
        self.period_errors: list[str] = []
        if not self.is_valid():
            return None
        data = services.BudgetInput(
            name=self.cleaned_data["name"], cost_report=self.cleaned_data["cost_report"],
            parent=self.cleaned_data["parent"], currency=self.cleaned_data["currency"], periods=periods,
        )  # fmt: skip
        checked = services.check_budget(self.workspace, data, self.instance)
        for name, messages in checked.errors.items():
            if name in self.fields:
                self.add_error(name, messages)
            else:
                self.period_errors.extend(messages)
        return None if checked.errors else checked.data


def periods_from(formset) -> list[Period] | None:
    if not formset.is_valid():
        return None
    return [Period(f.cleaned_data["start_month"], f.cleaned_data["end_month"], f.cleaned_data["amount"])
            for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]


class BudgetAlertForm(forms.Form):
    thresholds = forms.CharField(help_text="Percentages of the month's budget, 1 to 1000, e.g. 50, 80, 100.")
    basis = forms.ChoiceField(choices=Basis.choices, initial=Basis.ACTUAL, label="On")
    window = forms.ChoiceField(choices=Window.choices, initial=Window.NONE, label="When")
    window_days = forms.IntegerField(required=False, label="N days", min_value=-1000, max_value=1000)
    recipients = forms.ModelMultipleChoiceField(queryset=get_user_model().objects.none(), required=False,
                                                widget=forms.CheckboxSelectMultiple, label="Email these members")
    webhooks = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=forms.CheckboxSelectMultiple)
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, *args, workspace, budget, instance=None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {"thresholds": ", ".join(str(t) for t in instance.thresholds), "basis": instance.basis,
                                 "window": instance.window, "window_days": instance.window_days,
                                 "recipients": list(instance.recipients.all()),
                                 "webhooks": list(instance.webhooks.all()), "is_active": instance.is_active}
        super().__init__(*args, **kwargs)
        self.workspace, self.budget = workspace, budget
        self.fields["recipients"].queryset = get_user_model().objects.filter(memberships__workspace=workspace)
        self.fields["recipients"].label_from_instance = (
            lambda u: f"{u.username} ({u.email or 'no email yet: they set it in their Profile'})"
        )
        self.fields["webhooks"].queryset = workspace.webhook_endpoints.all()

    def clean(self):
        cleaned = super().clean()
        data = services.AlertInput(
            thresholds=cleaned.get("thresholds") or "", basis=cleaned.get("basis"), window=cleaned.get("window"),
            window_days=cleaned.get("window_days"), recipients=list(cleaned.get("recipients") or []),
            webhooks=list(cleaned.get("webhooks") or []), is_active=cleaned.get("is_active", False),
        )  # fmt: skip
        for name, messages in services.check_alert(self.workspace, self.budget, data).items():
            if name in self.fields and name not in self.errors:
                self.add_error(name, ValidationError(messages))
        self.alert_input = data
        return cleaned


class CsvImportForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="Budget Name,2026-01,2026-02,... (optional Parent Budget).")
    cost_report = forms.ModelChoiceField(queryset=CostReport.objects.none(), label="Cost report for new budgets")

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cost_report"].queryset = CostReport.objects.filter(workspace=workspace)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 1_000_000:
            raise ValidationError("The file is over 1 MB: at most 1000 budgets per file.")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError("The file is not UTF-8 text: save it as CSV (UTF-8).") from None
