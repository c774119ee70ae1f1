"""Settings › Members: owners add people by username or email, change roles and remove members; the last owner
of a workspace can be neither demoted nor removed. Everyone in the workspace sees who belongs to it.

The functions below are the workflow the page, the API (``/api/v2/workspace_members``) and nothing else call;
each writes an audit event.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .audit.choices import AuditAction
from .audit.services import record
from .models import Membership, Role, Workspace
from .workspaces import require_workspace

LAST_OWNER = "A workspace keeps at least one owner: make someone else owner first."


def find_person(identifier: str):
    """The account a username or an email address names (ValidationError with a message to show if none)."""
    identifier = (identifier or "").strip()
    if not identifier:
        raise ValidationError("Give the person's username or email address.")
    users = get_user_model()._default_manager
    user = users.filter(username=identifier).first()
    if user is None:
        matches = list(users.filter(username__iexact=identifier)[:2])
        user = matches[0] if len(matches) == 1 else None
    if user is None and "@" in identifier:
        matches = list(users.filter(email__iexact=identifier)[:2])
        if len(matches) > 1:
            raise ValidationError("Several people use this email address: give the username instead.")
        user = matches[0] if matches else None
    if user is None or not user.is_active:
        raise ValidationError("No one with this username or email has an account here. An operator creates "
                              "accounts in the admin; then add them by username.")
    return user


def _locked_owners(workspace: Workspace) -> list[int]:
    """The owners' membership ids, locked until the transaction ends (two demotions cannot both pass)."""
    return list(Membership.objects.select_for_update().filter(workspace=workspace, role=Role.OWNER)
                .order_by("pk").values_list("pk", flat=True))


def add_member(request, workspace: Workspace, user, role: str) -> Membership:
    try:
        with transaction.atomic():
            membership = Membership.objects.create(workspace=workspace, user=user, role=role)
    except IntegrityError:
        raise ValidationError(f"{user.get_username()} is already a member of {workspace.name}.") from None
    record(request, workspace, AuditAction.MEMBER_ADDED, membership,
           f"Added {user.get_username()} as {membership.get_role_display().lower()}.")
    return membership


def change_role(request, membership: Membership, role: str) -> Membership:
    if role == membership.role:
        return membership
    with transaction.atomic():
        owners = _locked_owners(membership.workspace)
        if membership.role == Role.OWNER and owners == [membership.pk]:
            raise ValidationError(LAST_OWNER)
        before = membership.get_role_display().lower()
        membership.role = role
        membership.save(update_fields=["role"])
    record(request, membership.workspace, AuditAction.MEMBER_ROLE_CHANGED, membership,
           f"{membership.user.get_username()}: {before} → {membership.get_role_display().lower()}.")
    return membership


def remove_member(request, membership: Membership) -> None:
    with transaction.atomic():
        owners = _locked_owners(membership.workspace)
        if membership.role == Role.OWNER and owners == [membership.pk]:
            raise ValidationError(LAST_OWNER)
        record(request, membership.workspace, AuditAction.MEMBER_REMOVED, membership,
               f"Removed {membership.user.get_username()} ({membership.get_role_display().lower()}).")
        membership.delete()


class AddMemberForm(forms.Form):
    person = forms.CharField(label="Username or email", max_length=254)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)

    def __init__(self, *args, workspace: Workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace

    def clean_person(self):
        user = find_person(self.cleaned_data["person"])
        if Membership.objects.filter(workspace=self.workspace, user=user).exists():
            raise ValidationError(f"{user.get_username()} is already a member of {self.workspace.name}.")
        return user


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


def _owner_only(request) -> Workspace:
    ws = require_workspace(request)
    if ws.role_of(request.user) != Role.OWNER:
        raise PermissionDenied("Only the workspace's owners add, change or remove members.")
    return ws


def _membership(request, pk) -> Membership:
    return get_object_or_404(Membership.objects.select_related("user", "workspace"), pk=pk,
                             workspace=_owner_only(request))


def members(request):
    """GET: the members (everyone in the workspace sees them). POST (owners only, else 403): add a person."""
    ws = require_workspace(request)
    is_owner = ws.role_of(request.user) == Role.OWNER
    form = AddMemberForm(workspace=ws)
    if request.method == "POST":
        _owner_only(request)
        form = AddMemberForm(request.POST, workspace=ws)
        if form.is_valid():
            try:
                m = add_member(request, ws, form.cleaned_data["person"], form.cleaned_data["role"])
            except ValidationError as exc:
                form.add_error("person", exc)
            else:
                messages.success(request, f"Added {m.user.get_username()} as {m.get_role_display().lower()}.")
                return redirect("members")
    memberships = ws.memberships.select_related("user").order_by("user__username")
    return render(request, "vantage/members.html", {
        "workspace": ws, "memberships": memberships, "form": form, "is_owner": is_owner, "roles": Role.choices,
    }, status=400 if form.errors else 200)  # fmt: skip


@require_POST
def member_role(request, pk):
    membership = _membership(request, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a role: owner, editor or viewer.")
        return redirect("members")
    try:
        change_role(request, membership, form.cleaned_data["role"])
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"{membership.user.get_username()} is now {membership.get_role_display().lower()}.")
    return redirect("members")


def member_remove(request, pk):
    membership = _membership(request, pk)
    if request.method == "POST":
        try:
            remove_member(request, membership)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
            return redirect("members")
        messages.success(request, f"Removed {membership.user.get_username()} from {membership.workspace.name}.")
        return redirect("members" if membership.user != request.user else "home")
    return render(request, "vantage/member_confirm_remove.html", {"membership": membership})
