"""Core models every app shares: workspaces and who belongs to them."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


EDIT_ROLES = (Role.OWNER, Role.EDITOR)


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
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
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
        m = self.memberships.filter(user=user).only("role").first()
        return m.role if m else None

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
