"""The only code that talks to Twilio: read-only HTTP with auth, paging, retries and typed errors.

* GET only. The session refuses every other method, so no code path can change a customer's account.
* HTTP Basic with the API Key SID and secret; the Account SID in the path; the base URL from
  ``TWILIO_API_BASE_URL``.
* Retries 429, 5xx and connection errors with exponential backoff and full jitter, honouring
  ``Retry-After``, bounded both in attempts and in total waiting time.
* Errors are typed and their messages name Twilio's error code and what to do. They never contain
  the secret, the Authorization header or the response body.
"""

from __future__ import annotations

import logging
import random
import re
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Iterator

import requests
from django.conf import settings

log = logging.getLogger(__name__)

API_VERSION = "2010-04-01"
PAGE_SIZE = 1000
SID_RE = {"account": re.compile(r"^AC[0-9a-fA-F]{32}$"), "key": re.compile(r"^SK[0-9a-fA-F]{32}$")}
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


# --- errors ---------------------------------------------------------------------------------------


class TwilioError(Exception):
    """Base class. ``retryable`` says whether trying again later can help."""

    retryable = False
    default_message = "Twilio returned an error."

    def __init__(self, message: str | None = None, *, code: int | None = None, status: int | None = None):
        self.code = code
        self.status = status
        super().__init__(message or self.default_message)


class CredentialsRejected(TwilioError):
    default_message = (
        "Twilio rejected this API key and secret (error 20003). Check that the API Key SID and secret "
        "are copied exactly and that the key has not been deleted, or create a new key in the Twilio console."
    )


class AccountNotFound(TwilioError):
    default_message = (
        "Twilio says this API key cannot read that Account SID (error 20404). Check the Account SID, and "
        "that the key was created in that account (or in its main account)."
    )


class RateLimited(TwilioError):
    retryable = True
    default_message = "Twilio kept answering 'too many requests' (error 20429). Try again in a few minutes."


class TransientError(TwilioError):
    retryable = True
    default_message = "Twilio could not be reached or had a temporary problem. Try again in a few minutes."


class MalformedResponse(TwilioError):
    default_message = "Twilio returned a response this app cannot read. Try again later; contact support if it persists."


class RequestRejected(TwilioError):
    default_message = "Twilio rejected the request."


class ReadOnlyViolation(RuntimeError):
    """Raised before any byte is sent when code tries a method other than GET."""


# --- records --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UsageRecord:
    account_sid: str
    category: str
    description: str
    start_date: date
    end_date: date
    price: Decimal | None
    currency: str
    usage: Decimal | None
    usage_unit: str
    count: Decimal | None
    count_unit: str


def parse_decimal(value, field: str, category: str = "") -> Decimal | None:
    """Twilio sends numbers as strings (sometimes as JSON numbers). ``None`` stays unknown."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise MalformedResponse(f"Twilio sent a boolean in '{field}' for category '{category}'.")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))  # shortest round-trip text, not the binary expansion
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return None
        if _NUMBER_RE.match(text):
            try:
                return Decimal(text)
            except InvalidOperation:  # pragma: no cover - the regex already guards this
                pass
    raise MalformedResponse(f"Twilio sent a value in '{field}' for category '{category}' that is not a number.")


def parse_date(value, field: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        raise MalformedResponse(f"Twilio sent a usage record whose '{field}' is not a date.") from None


def parse_record(raw: dict) -> UsageRecord:
    if not isinstance(raw, dict):
        raise MalformedResponse("Twilio sent a usage record that is not an object.")
    category = raw.get("category")
    account_sid = raw.get("account_sid")
    if not isinstance(category, str) or not category:
        raise MalformedResponse("Twilio sent a usage record without a category.")
    if not isinstance(account_sid, str) or not account_sid:
        raise MalformedResponse(f"Twilio sent a usage record for '{category}' without an account_sid.")
    return UsageRecord(
        account_sid=account_sid,
        category=category,
        description=str(raw.get("description") or "")[:255],
        start_date=parse_date(raw.get("start_date"), "start_date"),
        end_date=parse_date(raw.get("end_date"), "end_date"),
        price=parse_decimal(raw.get("price"), "price", category),
        currency=str(raw.get("price_unit") or "").strip().upper()[:3],
        usage=parse_decimal(raw.get("usage"), "usage", category),
        usage_unit=str(raw.get("usage_unit") or "")[:32],
        count=parse_decimal(raw.get("count"), "count", category),
        count_unit=str(raw.get("count_unit") or "")[:32],
    )


# --- HTTP -----------------------------------------------------------------------------------------


class ReadOnlySession(requests.Session):
    """A requests session that can only GET."""

    def request(self, method, url, *args, **kwargs):
        if str(method).upper() != "GET":
            raise ReadOnlyViolation(f"The Twilio client is read-only; refused a {str(method).upper()} request.")
        return super().request(method, url, *args, **kwargs)

    def send(self, request, **kwargs):
        if request.method != "GET":
            raise ReadOnlyViolation(f"The Twilio client is read-only; refused a {request.method} request.")
        return super().send(request, **kwargs)


def _error_code(response) -> int | None:
    try:
        body = response.json()
    except ValueError:
        return None
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, int) else None


def _retry_after(response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


@dataclass
class PageStats:
    pages: int = 0
    records: int = 0


class TwilioClient:
    """Read-only client for one Twilio account's Usage Records."""

    def __init__(
        self,
        api_key_sid: str,
        api_secret: str,
        account_sid: str,
        *,
        base_url: str | None = None,
        session: requests.Session | None = None,
        max_attempts: int = 6,
        max_total_wait: float = 120.0,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        timeout: tuple[float, float] = (5.0, 60.0),
        sleep=time.sleep,
    ):
        self._auth = (api_key_sid, api_secret)
        self.account_sid = account_sid
        self.base_url = (base_url or settings.TWILIO_API_BASE_URL).rstrip("/")
        self._session = session or ReadOnlySession()
        self.max_attempts = max_attempts
        self.max_total_wait = max_total_wait
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.timeout = timeout
        self._sleep = sleep
        self.requests_sent = 0
        self.retries = 0

    def __repr__(self):  # never the secret
        return f"<TwilioClient account=…{self.account_sid[-4:]} base={self.base_url}>"

    # paths
    @property
    def _account_prefix(self) -> str:
        return f"/{API_VERSION}/Accounts/{self.account_sid}/"

    def _usage_path(self, resource: str) -> str:
        return f"{self._account_prefix}Usage/Records/{resource}.json"

    # transport
    def _get_json(self, path: str, params: dict | None = None, *, on_404=AccountNotFound) -> dict:
        if not path.startswith(self._account_prefix):
            # next_page_uri must stay on this account's API: never send credentials elsewhere.
            raise MalformedResponse("Twilio sent a next page link outside this account's usage API.")
        url = self.base_url + path
        resource = path.rsplit("/", 1)[-1].split("?", 1)[0]
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            error: TwilioError
            delay_hint = None
            try:
                self.requests_sent += 1
                response = self._session.get(url, params=params, auth=self._auth, timeout=self.timeout)
            except ReadOnlyViolation:
                raise
            except requests.Timeout:
                error = TransientError(f"Twilio did not answer in time ({resource}). Try again in a few minutes.")
            except requests.ConnectionError:
                error = TransientError(
                    f"Could not connect to Twilio at {self.base_url}. Check the network and try again."
                )
            else:
                status = response.status_code
                if status == 200:
                    try:
                        body = response.json()
                    except ValueError:
                        raise MalformedResponse(
                            f"Twilio returned a response that is not valid JSON for {resource} (HTTP 200). "
                            "Try again later; contact support if it persists.",
                            status=200,
                        ) from None
                    if not isinstance(body, dict):
                        raise MalformedResponse(f"Twilio returned an unexpected JSON shape for {resource}.", status=200)
                    return body
                code = _error_code(response)
                if status == 401 or code == 20003:
                    raise CredentialsRejected(code=code or 20003, status=status)
                if status == 404:
                    raise on_404(code=code or 20404, status=status)
                if status == 429:
                    error = RateLimited(code=code or 20429, status=status)
                    delay_hint = _retry_after(response)
                elif status >= 500:
                    error = TransientError(
                        f"Twilio had a temporary problem (HTTP {status}, error {code or 20500}). "
                        "Try again in a few minutes.",
                        code=code or 20500,
                        status=status,
                    )
                    delay_hint = _retry_after(response)
                else:
                    raise RequestRejected(
                        f"Twilio rejected the request for {resource} (HTTP {status}, error {code or 'unknown'}). "
                        "Contact support with this error code.",
                        code=code,
                        status=status,
                    )
            if attempt >= self.max_attempts:
                raise error
            delay = random.uniform(0, min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1)))
            if delay_hint is not None:
                delay = max(delay, delay_hint)
            if waited + delay > self.max_total_wait:
                raise error
            log.info("Twilio %s for %s; retry %d in %.1fs", error.__class__.__name__, resource, attempt, delay)
            self.retries += 1
            self._sleep(delay)
            waited += delay

    # API
    def check_credentials(self) -> None:
        """Cheapest call that proves the key can read this account's usage (raises a TwilioError)."""
        body = self._get_json(self._usage_path("Today"), {"Category": "totalprice", "PageSize": 1})
        if not isinstance(body.get("usage_records"), list):
            raise MalformedResponse("Twilio's answer to the credentials check had no usage records list.")

    def iter_daily_pages(self, start: date, end: date, stats: PageStats | None = None) -> Iterator[list[UsageRecord]]:
        """Yield each page of ``Usage/Records/Daily.json`` for ``start``..``end`` (both inclusive)."""
        if end < start:
            raise ValueError("end date is before start date")
        params = {
            "StartDate": start.isoformat(),
            "EndDate": end.isoformat(),
            "PageSize": PAGE_SIZE,
            "IncludeSubaccounts": "true",
        }
        path = self._usage_path("Daily")
        while path:
            body = self._get_json(path, params)
            raw_records = body.get("usage_records")
            if not isinstance(raw_records, list):
                raise MalformedResponse("Twilio returned a page without a usage_records list (Daily.json).")
            records = [parse_record(r) for r in raw_records]
            if stats is not None:
                stats.pages += 1
                stats.records += len(records)
            yield records
            next_uri = body.get("next_page_uri")
            if next_uri is not None and not isinstance(next_uri, str):
                raise MalformedResponse("Twilio returned a next_page_uri that is not a string.")
            path, params = (next_uri or None), None  # follow next_page_uri verbatim

    def daily_records(self, start: date, end: date, stats: PageStats | None = None) -> Iterator[UsageRecord]:
        for page in self.iter_daily_pages(start, end, stats):
            yield from page


def client_for(integration, **kwargs) -> TwilioClient:
    return TwilioClient(integration.api_key_sid, integration.api_secret, integration.account_sid, **kwargs)
