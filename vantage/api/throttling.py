import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle


class TokenRateThrottle(SimpleRateThrottle):
    """A rate limit per API token (per user for browser sessions); 429 with Retry-After when exceeded."""

    scope = "token"

    def get_cache_key(self, request, view):
        if request.auth is not None and hasattr(request.auth, "pk"):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class FailedTokenGate(BaseThrottle):
    """Failed Bearer-token authentications per client IP (settings.API_FAILED_AUTH_RATE, e.g. 20/min).

    Once an IP has used up its failures for the current window, its Bearer requests are answered 429
    (Retry-After: the rest of the window) from the cache alone, before any database lookup, so a flood of
    guessed tokens costs one cache read each. A token that authenticated recently is remembered (by its
    hash, in the cache) and still passes: a program with a valid token behind the same address keeps
    working. Fixed windows: cheap, and at most twice the rate across a window boundary.
    """

    PREFIX = "api-failed-auth"

    def __init__(self, request, rate: str | None = None):
        self.num, self.duration = SimpleRateThrottle.parse_rate(None, rate or settings.API_FAILED_AUTH_RATE)
        self.now = time.time()
        window = int(self.now // self.duration)
        self.key = f"{self.PREFIX}:{self.get_ident(request)}:{window}"

    def blocked(self) -> bool:
        return cache.get(self.key, 0) >= self.num

    def wait(self) -> int:
        """Seconds until the window ends (at least 1)."""
        return max(1, int(self.duration - self.now % self.duration + 0.999))

    def record_failure(self) -> None:
        cache.add(self.key, 0, self.duration)
        try:
            cache.incr(self.key)
        except ValueError:  # expired between add and incr
            cache.set(self.key, 1, self.duration)

    @classmethod
    def remember_valid(cls, key_hash: str, duration: int) -> None:
        cache.set(f"{cls.PREFIX}:ok:{key_hash}", 1, duration)

    @classmethod
    def recently_valid(cls, key_hash: str) -> bool:
        return cache.get(f"{cls.PREFIX}:ok:{key_hash}") is not None
