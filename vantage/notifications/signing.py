"""Webhook signatures: HMAC-SHA256 over ``f"{timestamp}.{body}"`` with the endpoint's signing secret.

Headers sent with every webhook::

    X-Vantage-Timestamp: 1764620000
    X-Vantage-Signature: v1=<hex HMAC-SHA256(secret, "1764620000." + raw body)>

``verify_signature`` is what a receiver (and the tests) use; it depends on the standard library only, so
a receiver can copy this module as it is.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SCHEME = "v1"
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh signing secret (shown once to the person who creates the endpoint, then stored encrypted)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _as_bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def sign(secret: str, timestamp: int | str, body: str | bytes) -> str:
    """The ``X-Vantage-Signature`` header value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    message = _as_bytes(str(timestamp)) + b"." + _as_bytes(body)
    return f"{SCHEME}=" + hmac.new(_as_bytes(secret), message, hashlib.sha256).hexdigest()


def verify_signature(
    secret: str, timestamp: int | str, body: str | bytes, header: str, tolerance: int = 300, *, now: float | None = None
) -> bool:
    """True if ``header`` (``v1=<hex>``, several comma-separated allowed) signs ``body`` at ``timestamp``
    with ``secret`` and the timestamp is within ``tolerance`` seconds of now (a replayed old request fails)."""
    try:
        sent_at = int(str(timestamp).strip())
    except (TypeError, ValueError):
        return False
    if abs((time.time() if now is None else now) - sent_at) > tolerance:
        return False
    expected = sign(secret, sent_at, body)
    candidates = [part.strip() for part in (header or "").split(",")]
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
