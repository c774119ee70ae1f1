"""One row per audited action. Written only through ``vantage.audit.services.record``; never changed after."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from vantage.models import Workspace

from .choices import AuditAction


class AuditEventQuerySet(models.QuerySet):
    def for_workspace(self, workspace):
        """The workspace's events, and its current members' personal ones (sign-ins, lockouts, API tokens)."""
        members = workspace.memberships.values("user_id")
        personal = models.Q(workspace__isnull=True, actor__in=members)
        return self.filter(models.Q(workspace=workspace) | personal)


class AuditEvent(models.Model):
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    workspace = models.ForeignKey(
        Workspace, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events",
        help_text="Empty for a person's own events (sign-ins, API tokens).",
    )  # fmt: skip
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    actor_name = models.CharField(max_length=150, blank=True, help_text="The username then (kept if the user goes).")
    action = models.CharField(max_length=40, choices=AuditAction.choices, db_index=True)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=40, blank=True)
    target_name = models.CharField(max_length=200, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True, unpack_ipv4=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["workspace", "-created_at"], name="audit_ws_time"),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_time"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name or '—'} {self.get_action_display()}"
