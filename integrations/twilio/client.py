"""The only code that talks to Twilio: read-only HTTP with auth, paging, retries and typed errors.

* GET only. The session refuses every other method, so no code path can change a customer's account.
* HTTP Basic with the API Key SID and secret; the Account SID in the path; the base URL from
  ``TWILIO_API_BASE_URL``.
* Retries are urllib3's ``Retry`` mounted on the session: 429, 5xx and connection errors, GET only,
  exponential backoff with jitter, honouring ``Retry-After``, bounded in attempts and (``BoundedRetry``)
  in total waiting time. The final answer is then turned into a typed error (``errors.py``).
* Errors are typed and their messages name Twilio's error code and what to do. They never contain
  the secret, the Authorization header or the response body.
"""

from __future__ import annotations

import logging
import math
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InvalidHeader, MaxRetryError, ReadTimeoutError, ResponseError
from urllib3.util.retry import Retry

from .errors import (
    AccountNotFound,
    CredentialsRejected,
    MalformedResponse,
    RateLimited,
    ReadOnlyViolation,
    RequestRejected,
    TransientError,
    TwilioError,
    error_for_status,
)

__all__ = [
    "AccountNotFound", "BoundedRetry", "CredentialsRejected", "MalformedResponse", "PageStats", "RateLimited",
    "ReadOnlySession", "ReadOnlyViolation", "RequestRejected", "TransientError", "TwilioClient", "TwilioError",
    "UsageRecord", "client_for", "parse_date", "parse_decimal", "parse_record",
]

log = logging.getLogger(__name__)

API_VERSION = "2010-04-01"
PAGE_SIZE = 1000
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


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


RETRY_STATUSES = frozenset({429, *range(500, 600)})


class BoundedRetry(Retry):
    """urllib3's ``Retry``, also bounded in total waiting time, with an injectable sleep and a callback.

    ``Retry`` bounds the attempts and each wait (``backoff_max``) but not their sum, and a server may ask
    for long waits with ``Retry-After``. Each wait is chosen once, in ``increment()`` (where urllib3 decides
    to retry): the larger of the jittered backoff and ``Retry-After``. If it would take the total past
    ``max_total_wait``, the retries end there and the caller gets the last answer. ``sleep()``, which
    urllib3 calls next, waits exactly that long.
    """

    RETRY_AFTER_STATUS_CODES = frozenset({429, 503})

    def __init__(self, *args, max_total_wait: float = 120.0, waited: float = 0.0, wait: float = 0.0,
                 sleep=time.sleep, on_retry=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_total_wait = max_total_wait
        self.waited = waited  # seconds waited in this request's retries, the coming wait included
        self.wait = wait  # seconds to wait before the next attempt
        self.sleep_fn = sleep
        self.on_retry = on_retry

    def new(self, **kw):
        carried = {"max_total_wait": self.max_total_wait, "waited": self.waited, "wait": self.wait,
                   "sleep": self.sleep_fn, "on_retry": self.on_retry}
        return super().new(**{**carried, **kw})

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        retry = super().increment(method=method, url=url, response=response, error=error, _pool=_pool,
                                  _stacktrace=_stacktrace)  # raises MaxRetryError once the attempts are spent
        wait = retry.get_backoff_time()
        if response is not None and self.respect_retry_after_header:
            wait = max(wait, retry.get_retry_after(response) or 0.0)
        if self.waited + wait > self.max_total_wait:
            raise MaxRetryError(_pool, url, error or ResponseError("retrying would wait longer than allowed"))
        if self.on_retry is not None:
            self.on_retry(url, type(error).__name__ if error else f"HTTP {response.status}", wait)
        return retry.new(waited=self.waited + wait, wait=wait)

    def sleep(self, response=None):
        self.sleep_fn(self.wait)

    def get_backoff_time(self) -> float:
        """Full jitter: a random wait up to ``backoff_factor`` x 2^(n-1) seconds after the n-th failure in a
        row, at most ``backoff_max`` (so the first retry waits up to 0.5 s, not 0 s as urllib3's own)."""
        failures = len(self.history)
        if failures == 0:
            return 0.0
        return random.uniform(0, min(self.backoff_max, self.backoff_factor * 2 ** (failures - 1)))

    def parse_retry_after(self, retry_after: str) -> float:
        """Seconds (whole or fractional) or an HTTP date; a value that is neither adds no wait, instead of
        failing the request as urllib3 would (``InvalidHeader``)."""
        try:
            seconds = float(retry_after)
        except ValueError:
            try:
                return super().parse_retry_after(retry_after)
            except InvalidHeader:
                return 0.0
        return min(max(seconds, 0.0), self.retry_after_max) if math.isfinite(seconds) else 0.0


def _error_code(response) -> int | None:
    try:
        body = response.json()
    except ValueError:
        return None
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, int) else None


def _json_object(response, resource: str) -> dict:
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


def _read_timed_out(exc: requests.ConnectionError) -> bool:
    """A read timeout that outlasted the retries reaches requests as a ConnectionError: look inside."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, ReadTimeoutError)


def _resource(path_or_url: str) -> str:
    return path_or_url.rsplit("/", 1)[-1].split("?", 1)[0]


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
        self.timeout = timeout
        self.requests_sent = 0
        self.retries = 0
        retry = BoundedRetry(
            total=max_attempts - 1,
            allowed_methods=frozenset({"GET"}),
            status_forcelist=RETRY_STATUSES,
            backoff_factor=backoff_base,
            backoff_max=backoff_cap,
            respect_retry_after_header=True,
            raise_on_status=False,  # the last answer comes back and is turned into a typed error below
            max_total_wait=max_total_wait,
            sleep=sleep,
            on_retry=self._count_retry,
        )
        self._session = session or ReadOnlySession()
        adapter = HTTPAdapter(max_retries=retry)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def __repr__(self):  # never the secret
        return f"<TwilioClient account=…{self.account_sid[-4:]} base={self.base_url}>"

    # paths
    @property
    def _account_prefix(self) -> str:
        return f"/{API_VERSION}/Accounts/{self.account_sid}/"

    def _usage_path(self, resource: str) -> str:
        return f"{self._account_prefix}Usage/Records/{resource}.json"

    # transport
    def _count_retry(self, url: str | None, cause: str, wait: float) -> None:
        self.retries += 1
        self.requests_sent += 1
        log.info("Twilio %s for %s; retry %d in %.1fs", cause, _resource(url or ""), self.retries, wait)

    def _get_json(self, path: str, params: dict | None = None, *, on_404=AccountNotFound) -> dict:
        if not path.startswith(self._account_prefix):
            # next_page_uri must stay on this account's API: never send credentials elsewhere.
            raise MalformedResponse("Twilio sent a next page link outside this account's usage API.")
        resource = _resource(path)
        self.requests_sent += 1
        try:  # urllib3 retries inside this call (BoundedRetry); what comes out is the final outcome
            response = self._session.get(self.base_url + path, params=params, auth=self._auth, timeout=self.timeout)
        except requests.Timeout:
            raise TransientError.timed_out(resource) from None
        except requests.ConnectionError as exc:
            if _read_timed_out(exc):
                raise TransientError.timed_out(resource) from None
            raise TransientError.unreachable(self.base_url) from None
        if response.status_code != 200:
            raise error_for_status(response.status_code, _error_code(response), resource, on_404=on_404)
        return _json_object(response, resource)

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
