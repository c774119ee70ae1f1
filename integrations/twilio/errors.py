"""Twilio's failures as typed errors, and the one home of what a person is told about each.

Every message names Twilio's error code where there is one and says what to do. None contains the
secret, the Authorization header or Twilio's response body. Each error carries its text for the three
places it reaches a person:

* ``str(exc)``: the error itself (the ``ingest_twilio`` command, logs);
* ``exc.during_check`` (with ``exc.field``, the credentials field to fix or ``None``): a person who
  just entered credentials, on the connect and edit forms and in the API;
* ``exc.during_import``: an integration's status after an import stopped on it.
"""

from __future__ import annotations

CHECK_UNREACHABLE = "Twilio could not be reached just now, so nothing was saved. Please try again in a minute."


class ReadOnlyViolation(RuntimeError):
    """Raised before any byte is sent when code tries a method other than GET."""


class TwilioError(Exception):
    """Base class. ``retryable`` says whether trying again later can help."""

    retryable = False
    field: str | None = None  # the credentials field a person should correct (None: not one field)
    default_message = "Twilio returned an error."

    def __init__(self, message: str | None = None, *, code: int | None = None, status: int | None = None):
        self.code = code
        self.status = status
        super().__init__(message or self.default_message)

    @property
    def during_check(self) -> str:
        """What a person checking credentials is told."""
        if self.retryable:
            return CHECK_UNREACHABLE
        return f"Twilio did not accept the check: {self}"

    @property
    def during_import(self) -> str:
        """What an integration's status says when an import stops on this error."""
        return str(self)


class CredentialsRejected(TwilioError):
    field = "api_secret"
    default_message = (
        "Twilio rejected this API key and secret (error 20003). Check that the API Key SID and secret "
        "are copied exactly and that the key has not been deleted, or create a new key in the Twilio console."
    )

    @property
    def during_check(self) -> str:
        return (
            "Twilio rejected this API key and secret (error 20003). Check that both are copied exactly and that "
            "the key has not been deleted, or create a new Standard key in the Twilio console."
        )

    @property
    def during_import(self) -> str:
        return (
            "Twilio rejected this integration's API key (error 20003). Create a new API key in the Twilio console "
            "and enter it under Edit credentials."
        )


class AccountNotFound(TwilioError):
    field = "account_sid"
    default_message = (
        "Twilio says this API key cannot read that Account SID (error 20404). Check the Account SID, and "
        "that the key was created in that account (or in its main account)."
    )

    @property
    def during_check(self) -> str:
        return (
            "This API key cannot read that Account SID (error 20404). Check the Account SID, and create the "
            "key in that account or in its main account."
        )


class RateLimited(TwilioError):
    retryable = True
    default_message = "Twilio kept answering 'too many requests' (error 20429). Try again in a few minutes."


class TransientError(TwilioError):
    retryable = True
    default_message = "Twilio could not be reached or had a temporary problem. Try again in a few minutes."

    @classmethod
    def timed_out(cls, resource: str) -> TransientError:
        return cls(f"Twilio did not answer in time ({resource}). Try again in a few minutes.")

    @classmethod
    def unreachable(cls, base_url: str) -> TransientError:
        return cls(f"Could not connect to Twilio at {base_url}. Check the network and try again.")


class MalformedResponse(TwilioError):
    default_message = (
        "Twilio returned a response this app cannot read. Try again later; contact support if it persists."
    )


class RequestRejected(TwilioError):
    default_message = "Twilio rejected the request."


def error_for_status(status: int, code: int | None, resource: str, *, on_404=AccountNotFound) -> TwilioError:
    """The typed error for a final non-200 answer (after any retries). Twilio's body is never quoted."""
    if status == 401 or code == 20003:
        return CredentialsRejected(code=code or 20003, status=status)
    if status == 404:
        return on_404(code=code or 20404, status=status)
    if status == 429:
        return RateLimited(code=code or 20429, status=status)
    if status >= 500:
        code = code or 20500
        return TransientError(
            f"Twilio had a temporary problem (HTTP {status}, error {code}). Try again in a few minutes.",
            code=code,
            status=status,
        )
    return RequestRejected(
        f"Twilio rejected the request for {resource} (HTTP {status}, error {code or 'unknown'}). "
        "Contact support with this error code.",
        code=code,
        status=status,
    )
