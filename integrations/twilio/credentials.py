"""What connecting a Twilio account checks, in one place for the Connect and Edit forms and the API.

Format and uniqueness rules raise Django's ``ValidationError`` (forms and DRF serializers both put it
next to the field); the live check raises ``CredentialsProblem`` naming the field at fault.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from ..models import Integration, Provider
from .client import TwilioClient
from .errors import TwilioError
from .sids import validate_account_sid, validate_api_key_sid


class CredentialsProblem(Exception):
    """The live check failed; ``field`` is the input at fault (None: the request as a whole)."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def clean_api_key_sid(value: str) -> str:
    value = (value or "").strip()
    validate_api_key_sid(value)
    return value


def clean_account_sid(value: str) -> str:
    """A well-formed Account SID. Whether it is connected already is asked only after the live check
    (``check_not_connected``): before it, the answer would tell anyone which accounts Vantage holds."""
    value = (value or "").strip()
    validate_account_sid(value)
    return value


MSG_ALREADY_CONNECTED = (
    "This Twilio account is already connected. One key per account: ask whoever manages it in Vantage to share "
    "it with your workspace, or to change its credentials."
)


def check_not_connected(account_sid: str) -> None:
    """No Twilio integration holds ``account_sid`` yet. Call it only once ``check_credentials`` passed: the answer
    goes only to someone holding a key for that account, and never names the integration or its workspaces."""
    if Integration.objects.filter(provider=Provider.TWILIO, account_sid__iexact=account_sid).exists():
        raise CredentialsProblem("account_sid", MSG_ALREADY_CONNECTED)


def clean_account_name(value: str) -> str:
    """The name with its whitespace collapsed, unique among Twilio integrations (ignoring case)."""
    value = " ".join((value or "").split())
    if not value:
        raise ValidationError("Give the account a name.")
    if Integration.objects.filter(provider=Provider.TWILIO, account_name__iexact=value).exists():
        raise ValidationError(f"A Twilio integration named “{value}” already exists. Choose another name.")
    return value


def check_credentials(api_key_sid: str, api_secret: str, account_sid: str) -> None:
    """Ask Twilio whether the key can read the account; raise ``CredentialsProblem`` if it cannot."""
    client = TwilioClient(api_key_sid, api_secret, account_sid, max_attempts=3, max_total_wait=10, timeout=(5, 15))
    try:
        client.check_credentials()
    except TwilioError as exc:  # the wording and the field at fault live with the error (twilio/errors.py)
        raise CredentialsProblem(exc.field, exc.during_check) from None
