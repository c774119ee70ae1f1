"""Connect and edit forms. Credentials are checked live against Twilio before anything is saved."""

from __future__ import annotations

import re

from django import forms

from vantage.models import Workspace

from .models import Integration, Provider
from .twilio.client import (
    AccountNotFound,
    CredentialsRejected,
    RateLimited,
    TransientError,
    TwilioClient,
    TwilioError,
)

KEY_RE = re.compile(r"^SK[0-9a-fA-F]{32}$")
ACCOUNT_RE = re.compile(r"^AC[0-9a-fA-F]{32}$")

MSG_KEY_FORMAT = "An API Key SID is “SK” followed by 32 hexadecimal characters (0-9, a-f)."
MSG_ACCOUNT_FORMAT = "An Account SID is “AC” followed by 32 hexadecimal characters (0-9, a-f)."
MSG_REJECTED = (
    "Twilio rejected this API key and secret (error 20003). Check that both are copied exactly and that the "
    "key has not been deleted, or create a new Standard key in the Twilio console."
)
MSG_NOT_FOUND = (
    "This API key cannot read that Account SID (error 20404). Check the Account SID, and create the key in "
    "that account or in its main account."
)
MSG_UNREACHABLE = "Twilio could not be reached just now, so nothing was saved. Please try again in a minute."


def live_check(api_key_sid: str, api_secret: str, account_sid: str, form: forms.Form) -> bool:
    """Ask Twilio whether the key can read the account; put any failure next to the right field."""
    client = TwilioClient(api_key_sid, api_secret, account_sid, max_attempts=3, max_total_wait=10, timeout=(5, 15))
    try:
        client.check_credentials()
    except CredentialsRejected:
        form.add_error("api_secret", MSG_REJECTED)
    except AccountNotFound:
        form.add_error("account_sid", MSG_NOT_FOUND)
    except (TransientError, RateLimited):
        form.add_error(None, MSG_UNREACHABLE)
    except TwilioError as exc:
        form.add_error(None, f"Twilio did not accept the check: {exc}")
    else:
        return True
    return False


class TwilioConnectForm(forms.Form):
    api_key_sid = forms.CharField(
        label="API Key",
        max_length=64,
        help_text="The API key's SID (starts with SK). Twilio console › Account › API keys & tokens › Create API key. "
        "A Standard key is enough: this app only reads usage.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "SK…"}),
    )
    api_secret = forms.CharField(
        label="API Secret",
        max_length=128,
        strip=True,
        help_text="Shown once by Twilio when the key is created. Stored encrypted and never shown again.",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    account_sid = forms.CharField(
        label="Account SID",
        max_length=64,
        help_text="Twilio console › Account Info (starts with AC). A main account's key includes all of its "
        "subaccounts' usage, reported under the main account.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "AC…"}),
    )
    account_name = forms.CharField(
        label="Account Name",
        max_length=100,
        help_text="How this account appears in reports (the Billing Account). Must be unique.",
    )
    description = forms.CharField(
        label="Description", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_api_key_sid(self):
        value = self.cleaned_data["api_key_sid"].strip()
        if not KEY_RE.match(value):
            raise forms.ValidationError(MSG_KEY_FORMAT)
        return value

    def clean_account_sid(self):
        value = self.cleaned_data["account_sid"].strip()
        if not ACCOUNT_RE.match(value):
            raise forms.ValidationError(MSG_ACCOUNT_FORMAT)
        existing = Integration.objects.filter(provider=Provider.TWILIO, account_sid__iexact=value).first()
        if existing is not None:
            raise forms.ValidationError(
                f"This Twilio account is already connected (as “{existing.account_name}”). One key per account: "
                "edit that integration's credentials instead."
            )
        return value

    def clean_account_name(self):
        value = " ".join(self.cleaned_data["account_name"].split())
        if not value:
            raise forms.ValidationError("Give the account a name.")
        if Integration.objects.filter(provider=Provider.TWILIO, account_name__iexact=value).exists():
            raise forms.ValidationError(f"A Twilio integration named “{value}” already exists. Choose another name.")
        return value

    def clean(self):
        data = super().clean()
        if not self.errors and all(data.get(f) for f in ("api_key_sid", "api_secret", "account_sid")):
            live_check(data["api_key_sid"], data["api_secret"], data["account_sid"], self)
        return data


class TwilioCredentialsForm(forms.Form):
    """Rotate credentials: a blank secret keeps the stored one; any new value is re-checked live."""

    api_key_sid = forms.CharField(
        label="API Key",
        max_length=64,
        required=False,
        help_text="Leave blank to keep the current key.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "SK… (unchanged)"}),
    )
    api_secret = forms.CharField(
        label="API Secret",
        max_length=128,
        required=False,
        help_text="Leave blank to keep the current secret.",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    description = forms.CharField(
        label="Description", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, integration: Integration, **kwargs):
        self.integration = integration
        kwargs.setdefault("initial", {"description": integration.description})
        super().__init__(*args, **kwargs)

    def clean_api_key_sid(self):
        value = self.cleaned_data["api_key_sid"].strip()
        if value and not KEY_RE.match(value):
            raise forms.ValidationError(MSG_KEY_FORMAT)
        return value

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
            live_check(key or self.integration.api_key_sid, secret or self.integration.api_secret,
                       self.integration.account_sid, self)
        return data

    @property
    def credentials_changed(self) -> bool:
        return bool(self.cleaned_data.get("api_key_sid") or self.cleaned_data.get("api_secret"))


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
        self.fields["workspaces"].initial = list(integration.workspaces.filter(pk__in=self.editable).values_list("pk", flat=True))

    def clean(self):
        data = super().clean()
        chosen = set(data.get("workspaces") or [])
        kept = set(self.integration.workspaces.exclude(pk__in=self.editable))
        if not chosen and not kept:
            raise forms.ValidationError("Keep at least one workspace, or remove the integration instead.")
        return data
