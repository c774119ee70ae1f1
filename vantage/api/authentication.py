from django.utils import timezone
from rest_framework import authentication, exceptions

from vantage.models import ApiToken

from .throttling import FailedTokenGate


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <token>`` with a personal API token (looked up by its hash); an address that
    keeps sending invalid tokens is throttled (throttling.FailedTokenGate)."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        gate = FailedTokenGate(request)
        key_hash = self._key_hash(header)
        if gate.blocked() and not (key_hash and gate.recently_valid(key_hash)):
            # Too many failures from this address: refused from the cache, before any database lookup.
            raise exceptions.Throttled(wait=gate.wait(), detail="Too many invalid tokens from your address.")
        if len(header) != 2:
            gate.record_failure()
            raise exceptions.AuthenticationFailed("Send the header as 'Authorization: Bearer <token>'.")
        if key_hash is None:
            gate.record_failure()
            raise exceptions.AuthenticationFailed("Invalid token.")
        token = ApiToken.objects.select_related("user").filter(key_hash=key_hash).first()
        if token is None or not token.is_active or not token.user.is_active:
            gate.record_failure()
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        gate.remember_valid(key_hash, gate.duration)
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    @staticmethod
    def _key_hash(header) -> str | None:
        if len(header) != 2:
            return None
        try:
            return ApiToken.hash(header[1].decode())
        except UnicodeError:
            return None

    def authenticate_header(self, request):
        return self.keyword


try:  # document the scheme in the OpenAPI schema
    from drf_spectacular.extensions import OpenApiAuthenticationExtension

    class BearerTokenScheme(OpenApiAuthenticationExtension):
        target_class = "vantage.api.authentication.BearerTokenAuthentication"
        name = "BearerToken"

        def get_security_definition(self, auto_schema):
            return {"type": "http", "scheme": "bearer", "description": "A personal API token (vtk_…)."}
except ImportError:  # pragma: no cover
    pass
