"""Forms of the Anomalies pages; their rules are ``validation``'s (the API applies the same)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from . import validation
from .choices import DEFAULT_SUPPRESS_DAYS, AnomalyStatus, Feedback
from .models import AnomalyNotification, AnomalySettings


class AnomalyActionForm(forms.Form):
    status = forms.ChoiceField(choices=AnomalyStatus.choices)
    feedback = forms.ChoiceField(choices=Feedback.choices, required=False)
    note = forms.CharField(max_length=500, required=False)
    suppress_days = forms.IntegerField(required=False, initial=DEFAULT_SUPPRESS_DAYS, label="Suppress for (days)",
                                       help_text="With “expected”: no anomaly on this series for these days.")

    def clean_suppress_days(self):
        value = self.cleaned_data.get("suppress_days")
        return 0 if value is None else validation.check_suppress_days(value)


class AnomalySettingsForm(forms.ModelForm):
    class Meta:
        model = AnomalySettings
        fields = ["min_amount", "min_percent"]
        labels = {"min_amount": "Minimum change (amount)", "min_percent": "Minimum change (%)"}

    def clean_min_amount(self):
        return validation.check_amount(self.cleaned_data["min_amount"])

    def clean_min_percent(self):
        return validation.check_percent(self.cleaned_data["min_percent"])


class AnomalyNotificationForm(forms.ModelForm):
    recipients = forms.ModelMultipleChoiceField(queryset=get_user_model().objects.none(), required=False,
                                                widget=forms.CheckboxSelectMultiple)
    webhooks = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = AnomalyNotification
        fields = ["recipients", "webhooks", "min_amount", "is_active"]
        labels = {"min_amount": "Only changes of at least", "is_active": "Active"}

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.fields["recipients"].queryset = get_user_model().objects.filter(memberships__workspace=workspace)
        self.fields["recipients"].label_from_instance = lambda u: f"{u.get_username()} ({u.email or 'no email'})"
        self.fields["webhooks"].queryset = workspace.webhook_endpoints.all()

    def clean_min_amount(self):
        return validation.check_amount(self.cleaned_data["min_amount"])

    def clean(self):
        data = super().clean()
        try:
            validation.check_targets(self.workspace, list(data.get("recipients") or []),
                                     list(data.get("webhooks") or []))
        except ValidationError as error:
            self.add_error("recipients", error)
        return data
