"""What connecting a Twilio account checks, in one place for the Connect and Edit forms and the API.

Format and uniqueness rules raise Django's ``ValidationError`` (forms and DRF serializers both put it
next to the field); the live check raises ``CredentialsProblem`` naming the field at fault.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from ..models import Integration, Provider
from .client import AccountNotFound, CredentialsRejected, RateLimited, TransientError, TwilioClient, TwilioError

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


class CredentialsProblem(Exception):
    """The live check failed; ``field`` is the input at fault (None: the request as a whole)."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def clean_api_key_sid(value: str) -> str:
    value = (value or "").strip()
    if not KEY_RE.match(value):
        raise ValidationError(MSG_KEY_FORMAT)
    return value


def clean_account_sid(value: str) -> str:
    """A well-formed Account SID that no Twilio integration has connected yet."""
    value = (value or "").strip()
    if not ACCOUNT_RE.match(value):
        raise ValidationError(MSG_ACCOUNT_FORMAT)
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
    if Integration.objects.filter(provider=Provider.TWILIO, account_name__iexact=value).exists():
        raise ValidationError(f"A Twilio integration named “{value}” already exists. Choose another name.")
    return value


def check_credentials(api_key_sid: str, api_secret: str, account_sid: str) -> None:
    """Ask Twilio whether the key can read the account; raise ``CredentialsProblem`` if it cannot."""
    client = TwilioClient(api_key_sid, api_secret, account_sid, max_attempts=3, max_total_wait=10, timeout=(5, 15))
    try:
        client.check_credentials()
    except CredentialsRejected:
        raise CredentialsProblem("api_secret", MSG_REJECTED) from None
    except AccountNotFound:
        raise CredentialsProblem("account_sid", MSG_NOT_FOUND) from None
    except (TransientError, RateLimited):
        raise CredentialsProblem(None, MSG_UNREACHABLE) from None
    except TwilioError as exc:
        raise CredentialsProblem(None, f"Twilio did not accept the check: {exc}") from None
