"""Connect and edit forms. Credentials are checked live against Twilio before anything is saved."""

from __future__ import annotations

from django import forms

from ..models import Integration
from . import credentials


def _sid_field(label: str, placeholder: str, help_text: str, *, required: bool = True) -> forms.CharField:
    attrs = {"autocomplete": "off", "spellcheck": "false", "placeholder": placeholder}
    return forms.CharField(label=label, max_length=64, required=required, help_text=help_text,
                           widget=forms.TextInput(attrs=attrs))


def _secret_field(help_text: str, *, required: bool = True) -> forms.CharField:
    """Write-only: the page never renders a secret back."""
    return forms.CharField(label="API Secret", max_length=128, required=required, help_text=help_text,
                           widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}))


def _description_field() -> forms.CharField:
    return forms.CharField(
        label="Description", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


def _live_check(form: forms.Form, api_key_sid: str, api_secret: str, account_sid: str, *, new: bool = False) -> None:
    """Run the shared live check (for a ``new`` account, then whether it is connected already); put any failure
    next to its field (or above the form)."""
    try:
        credentials.check_credentials(api_key_sid, api_secret, account_sid)
        if new:
            credentials.check_not_connected(account_sid)
    except credentials.CredentialsProblem as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)


class TwilioConnectForm(forms.Form):
    api_key_sid = _sid_field(
        "API Key", "SK…",
        "The API key's SID (starts with SK). Twilio console › Account › API keys & tokens › Create API key. "
        "A Standard key is enough: this app only reads usage.",
    )
    api_secret = _secret_field("Shown once by Twilio when the key is created. Stored encrypted and never shown again.")
    account_sid = _sid_field(
        "Account SID", "AC…",
        "Twilio console › Account Info (starts with AC). A main account's key includes all of its "
        "subaccounts' usage, reported under the main account.",
    )
    account_name = forms.CharField(
        label="Account Name",
        max_length=100,
        help_text="How this account appears in reports (the Billing Account). Must be unique.",
    )
    description = _description_field()

    def clean_api_key_sid(self):
        return credentials.clean_api_key_sid(self.cleaned_data["api_key_sid"])

    def clean_account_sid(self):
        return credentials.clean_account_sid(self.cleaned_data["account_sid"])

    def clean_account_name(self):
        return credentials.clean_account_name(self.cleaned_data["account_name"])

    def clean(self):
        data = super().clean()
        if not self.errors and all(data.get(f) for f in ("api_key_sid", "api_secret", "account_sid")):
            _live_check(self, data["api_key_sid"], data["api_secret"], data["account_sid"], new=True)
        return data


class TwilioCredentialsForm(forms.Form):
    """Rotate credentials: a blank secret keeps the stored one; any new value is re-checked live."""

    api_key_sid = _sid_field("API Key", "SK… (unchanged)", "Leave blank to keep the current key.", required=False)
    api_secret = _secret_field("Leave blank to keep the current secret.", required=False)
    description = _description_field()

    def __init__(self, *args, integration: Integration, **kwargs):
        self.integration = integration
        kwargs.setdefault("initial", {"description": integration.description})
        super().__init__(*args, **kwargs)

    def clean_api_key_sid(self):
        value = self.cleaned_data["api_key_sid"].strip()
        return credentials.clean_api_key_sid(value) if value else value

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        key = data.get("api_key_sid") or ""
        secret = data.get("api_secret") or ""
        if key and not secret and key != self.integration.api_key_sid:
            self.add_error("api_secret", "A new API key needs its secret.")
            return data
        if key or secret:
            _live_check(self, key or self.integration.api_key_sid, secret or self.integration.api_secret,
                        self.integration.account_sid)
        return data
