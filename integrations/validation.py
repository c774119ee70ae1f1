"""Rules about an integration that the pages, the admin and the API share."""

from __future__ import annotations

from django.core.exceptions import ValidationError

MSG_KEEP_A_WORKSPACE = "Keep at least one workspace, or remove the integration instead."


def check_keeps_a_workspace(integration, chosen, editable) -> None:
    """After assigning ``chosen`` among the ``editable`` workspaces, the integration must still have one."""
    if chosen:
        return
    if not integration.workspaces.exclude(pk__in=[w.pk for w in editable]).exists():
        raise ValidationError(MSG_KEEP_A_WORKSPACE)
