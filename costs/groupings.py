"""The grouping rules, in one place for the report page's settings form and the API (both endpoints).

A report groups by at most ``MAX_GROUPINGS`` dimensions, each known to the dimension registry (a fixed
dimension, or ``tag:<key>`` for a virtual tag of the workspace) and each only once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from django.core.exceptions import ValidationError

from .dimensions import UNKNOWN_TAG_KEY, UnknownDimension, dimensions

MAX_GROUPINGS = 3


def _unknown(key: str, choices: list[tuple[str, str]]) -> ValidationError:
    if key.startswith("tag:"):
        return ValidationError(UNKNOWN_TAG_KEY, code="unknown_tag", params={"key": key[4:]})
    return ValidationError(
        "Unknown grouping “%(key)s”: %(key)s is not one of the available choices (%(known)s or tag:<key>).",
        code="invalid_choice",
        params={"key": key, "known": ", ".join(k for k, _ in choices)},
    )


def _known(key: str, workspace, registry, choices: Callable[[], list[tuple[str, str]]]) -> bool:
    # A provider's key offered as it is spelt needs no look-up of its own (the form has the choices already);
    # the registry has the last word (a tag key spelt in another case is known too).
    if ":" in key and any(key == k for k, _ in choices()):
        return True
    try:
        registry.get(key, workspace)
    except UnknownDimension:
        return False
    return True


def grouping_errors(
    keys: Sequence[str], workspace=None, registry=dimensions, *, choices: list[tuple[str, str]] | None = None
) -> list[ValidationError]:
    """What is wrong with grouping by ``keys`` (in order), every problem at once; ``[]`` when they are fine.

    ``choices``: ``registry.choices(workspace)`` if the caller has it already (else read once, if needed).
    Too many distinct keys are not looked up (each ``tag:`` key costs a query): fewer must be chosen anyway."""
    offered = (lambda: choices) if choices is not None else functools.cache(lambda: registry.choices(workspace))
    errors = []
    distinct = list(dict.fromkeys(keys))
    if len(distinct) <= MAX_GROUPINGS:
        errors += [_unknown(k, offered()) for k in distinct if not _known(k, workspace, registry, offered)]
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
