"""What connecting a Twilio account checks, in one place for the Connect and Edit forms and the API.

Format and uniqueness rules raise Django's ``ValidationError`` (forms and DRF serializers both put it
next to the field); the live check raises ``CredentialsProblem`` naming the field at fault.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from vantage.lib.text import refuse_bidi_controls

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
    """A well-formed Account SID that no Twilio integration has connected yet."""
    value = (value or "").strip()
    validate_account_sid(value)
    existing = Integration.objects.filter(provider=Provider.TWILIO, account_sid__iexact=value).first()
    if existing is not None:
        raise ValidationError(
            f"This Twilio account is already connected (as “{existing.account_name}”). One key per account: "
            "edit that integration's credentials instead."
        )
    return value


def clean_account_name(value: str) -> str:
    """The name with its whitespace collapsed, unique among Twilio integrations (ignoring case)."""
    value = " ".join((value or "").split())
    if not value:
        raise ValidationError("Give the account a name.")
    refuse_bidi_controls(value)
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
