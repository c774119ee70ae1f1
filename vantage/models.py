"""Core models every app shares: workspaces and who belongs to them."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from .lib.text import refuse_bidi_controls


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


EDIT_ROLES = (Role.OWNER, Role.EDITOR)

# The currencies the European Central Bank publishes daily reference rates for (and EUR, its base).
# tests/costs/test_fx.py checks this list against the rates the package ships (costs.fx).
ECB_CURRENCIES = (
    "AUD", "BRL", "CAD", "CHF", "CNY", "CZK", "DKK", "EUR", "GBP", "HKD", "HUF", "IDR", "ILS", "INR", "ISK",
    "JPY", "KRW", "MXN", "MYR", "NOK", "NZD", "PHP", "PLN", "RON", "SEK", "SGD", "THB", "TRY", "USD", "ZAR",
)  # fmt: skip
CURRENCY_CHOICES = [("", "Billing currencies (not converted)"), *((c, c) for c in ECB_CURRENCIES)]
DEFAULT_REPORTING_CURRENCY = "USD"


class WorkspaceQuerySet(models.QuerySet):
    def for_user(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user).distinct()

    def editable_by(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user, memberships__role__in=EDIT_ROLES).distinct()


class Workspace(models.Model):
    name = models.CharField(max_length=100, validators=[refuse_bidi_controls])
    created_at = models.DateTimeField(auto_now_add=True)
    reporting_currency = models.CharField(
        max_length=3,
        blank=True,
        choices=CURRENCY_CHOICES,
        default=DEFAULT_REPORTING_CURRENCY,
        help_text="Every cost is shown converted to it at the ECB's daily reference rates; blank: not converted.",
    )
    # kept by costs (costs.tasks): False from a currency change until its summaries are converted
    reporting_currency_ready = models.BooleanField(
        default=True,
        editable=False,
        help_text="Every maintained summary of the workspace is converted to its reporting currency "
        "(reports read them without checking).",
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="workspaces")

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="workspace_name_unique_ci")]

    def __str__(self):
        return self.name

    def role_of(self, user):
        if not user.is_authenticated:
            return None
        known = getattr(self, "_known_roles", {})  # set for this request by vantage.workspaces.current_workspace
        if user.pk in known:
            return known[user.pk]
        return self.memberships.filter(user=user).values_list("role", flat=True).first()

    def remember_role(self, user, role) -> None:
        """Let ``role_of(user)`` answer without a query (this instance only: one request's)."""
        self._known_roles = {**getattr(self, "_known_roles", {}), user.pk: role}

    def can_edit(self, user):
        return self.role_of(user) in EDIT_ROLES


class Membership(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["workspace__name", "user__username"]
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="membership_unique")]

    def __str__(self):
        return f"{self.user} in {self.workspace} ({self.role})"


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 hash is stored; the token is shown once, at creation."""

    PREFIX = "vtk_"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, validators=[refuse_bidi_controls])
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(max_length=12, editable=False, help_text="The first characters, to recognise it.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"
        verbose_name_plural = "API tokens"

    def __str__(self):
        return f"{self.name} ({self.hint}…)"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, user, name: str) -> tuple["ApiToken", str]:
        """Create a token; returns (token, raw value). The raw value is never stored."""
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name or "API token", key_hash=cls.hash(raw), hint=raw[:10])
        return token, raw

    @property
    def is_active(self):
        return self.revoked_at is None
