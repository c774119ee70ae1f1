"""The client's IP address, the same for the sign-in throttling (django-axes) and the audit log."""

from django.conf import settings


def client_ip(request) -> str | None:
    """REMOTE_ADDR, unless TRUSTED_PROXY_COUNT proxies stand in front: then the address the first of them
    received the request from, read from the right of X-Forwarded-For (entries further left are the
    client's to choose and can be forged)."""
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= count:
            return hops[-count][:45]
    return request.META.get("REMOTE_ADDR") or None
