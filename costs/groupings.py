"""The grouping rules, in one place for the report page's settings form and the API (both endpoints).

A report groups by at most ``MAX_GROUPINGS`` dimensions, each known to the dimension registry (a fixed
dimension, or ``tag:<key>`` for a virtual tag of the workspace) and each only once.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError

from .dimensions import UNKNOWN_TAG_KEY, UnknownDimension, dimensions

MAX_GROUPINGS = 3


def _unknown(key: str, workspace, registry) -> ValidationError:
    if key.startswith("tag:"):
        return ValidationError(UNKNOWN_TAG_KEY, code="unknown_tag", params={"key": key[4:]})
    known = ", ".join(k for k, _ in registry.choices(workspace))
    return ValidationError(
        "Unknown grouping “%(key)s”: %(key)s is not one of the available choices (%(known)s or tag:<key>).",
        code="invalid_choice",
        params={"key": key, "known": known},
    )


def grouping_errors(keys: Sequence[str], workspace=None, registry=dimensions) -> list[ValidationError]:
    """What is wrong with grouping by ``keys`` (in order), every problem at once; ``[]`` when they are fine.

    Too many distinct keys are not looked up (each ``tag:`` key costs a query): fewer must be chosen anyway."""
    errors = []
    distinct = list(dict.fromkeys(keys))
    if len(distinct) <= MAX_GROUPINGS:
        for key in distinct:
            try:
                registry.get(key, workspace)
            except UnknownDimension:
                errors.append(_unknown(key, workspace, registry))
    if len(distinct) != len(keys):
        errors.append(ValidationError("Group by each dimension only once.", code="duplicate"))
    if len(keys) > MAX_GROUPINGS:
        errors.append(
            ValidationError(
                "Group by at most %(max)d dimensions: %(count)d is more than %(max)d.",
                code="too_many",
                params={"max": MAX_GROUPINGS, "count": len(keys)},
            )
        )
    return errors


def grouping_messages(keys: Sequence[str], workspace=None, registry=dimensions) -> list[str]:
    """``grouping_errors`` as text (for the API)."""
    return [message for error in grouping_errors(keys, workspace, registry) for message in error.messages]
