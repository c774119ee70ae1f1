"""Sign-ins, failed sign-ins and lockouts (django.contrib.auth's and django-axes' signals) in the audit log."""

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from vantage.lib.clientip import client_ip

from .choices import AuditAction
from .services import record


def _ip(request):
    return client_ip(request) if request is not None else None


def _where(request) -> str:
    return "the admin" if request is not None and request.path.startswith("/admin/") else "the app"


@receiver(user_logged_in, dispatch_uid="audit-signed-in")
def signed_in(sender, request, user, **kwargs):
    record(user, None, AuditAction.SIGNED_IN, summary=f"Signed in to {_where(request)}.", ip=_ip(request))


def _known_user(username):
    """The account a username names, if any: an unknown name is not stored (it may be a mistyped password)."""
    if not username:
        return None
    return get_user_model()._default_manager.filter(**{get_user_model().USERNAME_FIELD: username}).first()


@receiver(user_login_failed, dispatch_uid="audit-sign-in-failed")
def sign_in_failed(sender, credentials, request=None, **kwargs):
    if request is None or getattr(request, "axes_locked_out", False):
        return  # no request: not a sign-in (a script's authenticate()); locked out: recorded as such below
    user = _known_user(credentials.get("username"))
    record(user, None, AuditAction.SIGN_IN_FAILED, summary=f"Wrong password on {_where(request)}'s sign-in."
           if user else f"Sign-in to {_where(request)} with an unknown username.",
           ip=_ip(request), actor_name="" if user else "(unknown)")


@receiver(user_locked_out, dispatch_uid="audit-locked-out")
def locked_out(sender, request, username, ip_address, **kwargs):
    user = _known_user(username)
    record(user, None, AuditAction.LOCKED_OUT, summary=f"Sign-in to {_where(request)} refused: too many failures "
           "for this username or from this address.", ip=ip_address, actor_name="" if user else "(unknown)")
