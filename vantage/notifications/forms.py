"""The webhook endpoint form: one set of URL checks (``outbound``) shared with the API serializer."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from . import outbound
from .models import WebhookEndpoint

URL_ATTRS = {"placeholder": "https://hooks.slack.com/services/…", "inputmode": "url", "autocomplete": "off",
             "spellcheck": "false"}
URL_HELP = ("An https:// URL that accepts a JSON POST, e.g. a Slack or Microsoft Teams incoming webhook. "
            "It must be reachable from the internet; addresses inside a network are refused.")


def validate_webhook_url(url: str) -> str:
    """The URL, stripped, if we may and can send to it (checked now: DNS, addresses, a TCP connection);
    else ``ValidationError`` with a message a person can act on."""
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError("Enter a valid URL, e.g. https://hooks.example.com/vantage.") from None
    try:
        outbound.check_reachable(outbound.check_target(url))
    except outbound.TargetError as exc:
        raise ValidationError(str(exc)) from None
    return url


def validate_webhook_name(workspace, name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError("Give the webhook a name, e.g. “#finops on Slack”.")
    if WebhookEndpoint.objects.filter(workspace=workspace, name__iexact=name).exists():
        raise ValidationError("This workspace already has a webhook with this name.")
    return name


class WebhookEndpointForm(forms.ModelForm):
    url = forms.CharField(label="URL", max_length=500, help_text=URL_HELP,
                          widget=forms.TextInput(attrs=URL_ATTRS))

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url"]
        help_texts = {"name": "Shown in the notification log, e.g. “#finops on Slack”."}

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace

    def clean_name(self):
        return validate_webhook_name(self.workspace, self.cleaned_data.get("name"))

    def clean_url(self):
        return validate_webhook_url(self.cleaned_data.get("url"))
