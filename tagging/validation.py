"""Validation of virtual tag rules, shared by the model, the pages, the admin and the API.

Functions that need the database take the queryset to look in, so this module imports no model
(``tagging.models`` imports it).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from vantage.lib.text import bidi_problem

from .choices import (
    MAX_CONDITION_VALUE_LENGTH,
    MAX_CONDITIONS,
    MAX_KEYS,
    MAX_VALUES,
    NAME_HELP,
    NAME_PATTERN,
    TagDimension,
    TagOperator,
)

_NAME = re.compile(NAME_PATTERN)


def validate_name(value: str, what: str = "Value name") -> str:
    value = " ".join((value or "").split())
    if not value:
        raise ValidationError(f"{what} is required.")
    if len(value) > 100:
        raise ValidationError(f"{what} is at most 100 characters.")
    if not _NAME.match(value):
        raise ValidationError(f"{what} “{value}” has characters that are not allowed. {NAME_HELP}")
    return value


def validate_key(key: str, others, *, new: bool) -> str:
    """A tag's key, normalised: unique ignoring case among ``others`` (the workspace's other tags, a queryset),
    and, for a ``new`` tag, room for it under the per-workspace limit."""
    key = validate_name(key, "Key")
    if others.filter(key__iexact=key).exists():
        raise ValidationError(f"This workspace already has a tag “{key}”.")
    if new and others.count() >= MAX_KEYS:
        raise ValidationError(f"A workspace can have at most {MAX_KEYS} virtual tags; delete one first.")
    return key


def check_room_for_value(values) -> None:
    """A new value fits in the tag whose ``values`` (a queryset) are given."""
    if values.count() >= MAX_VALUES:
        raise ValidationError(f"A tag can have at most {MAX_VALUES} values; delete one first.")


def check_condition_value(value: str, where: str) -> None:
    """One value of a condition: at most MAX_CONDITION_VALUE_LENGTH characters, no bidirectional control."""
    if len(value) > MAX_CONDITION_VALUE_LENGTH:
        raise ValidationError(
            f"{where}: a value is at most {MAX_CONDITION_VALUE_LENGTH} characters (one has {len(value)})."
        )
    if (problem := bidi_problem(value)) is not None:
        raise ValidationError(f"{where}: {problem.messages[0]}")


def clean_filters(filters) -> list[dict]:
    """Normalise ``[{"conditions": [{"dimension", "operator", "values": [...]}, ...]}, ...]``.

    Filter sets are ORed; the conditions of one set are ANDed. Raises ValidationError with a message
    that names the set and condition at fault.
    """
    if not isinstance(filters, list) or not filters:
        raise ValidationError("Add at least one filter set with at least one condition.")
    out = []
    for i, fset in enumerate(filters, 1):
        conditions = fset.get("conditions") if isinstance(fset, dict) else None
        if not isinstance(conditions, list) or not conditions:
            raise ValidationError(f"Filter set {i} has no conditions.")
        if len(conditions) > MAX_CONDITIONS:
            raise ValidationError(f"Filter set {i} has more than {MAX_CONDITIONS} conditions.")
        cleaned = []
        for j, cond in enumerate(conditions, 1):
            where = f"Filter set {i}, condition {j}"
            if not isinstance(cond, dict):
                raise ValidationError(f"{where} is not an object.")
            dimension, operator, values = cond.get("dimension"), cond.get("operator"), cond.get("values")
            if dimension not in TagDimension.values:
                raise ValidationError(
                    f"{where}: unknown dimension {dimension!r}; use one of {', '.join(TagDimension.values)}."
                )
            if operator not in TagOperator.values:
                raise ValidationError(
                    f"{where}: unknown operator {operator!r}; use one of {', '.join(TagOperator.values)}."
                )
            if isinstance(values, str):
                values = [values]
            if not isinstance(values, list):
                raise ValidationError(f"{where}: values must be a list.")
            values = [str(v).strip() for v in values if str(v).strip()]
            if not values:
                raise ValidationError(f"{where}: give at least one value.")
            for value in values:
                check_condition_value(value, where)
            cleaned.append({"dimension": dimension, "operator": operator, "values": values})
        out.append({"conditions": cleaned})
    return out


def clean_splits(splits) -> list[dict] | None:
    """``[{"label": "Team A", "percent": "60"}, ...]`` adding up to exactly 100, or None."""
    if splits in (None, [], ""):
        return None
    if not isinstance(splits, list) or len(splits) < 2:
        raise ValidationError("A split needs at least two labels.")
    out, total, seen = [], Decimal(0), set()
    for k, part in enumerate(splits, 1):
        if not isinstance(part, dict):
            raise ValidationError(f"Split {k} is not an object.")
        label = validate_name(str(part.get("label") or ""), f"Split {k} label")
        try:
            percent = Decimal(str(part.get("percent")))
        except (InvalidOperation, ValueError):
            raise ValidationError(f"Split {k}: percent must be a number.") from None
        if not percent.is_finite() or percent <= 0 or percent > 100 or percent.as_tuple().exponent < -4:
            raise ValidationError(f"Split {k}: percent must be between 0 and 100 (at most 4 decimals).")
        if label.lower() in seen:
            raise ValidationError(f"Split label “{label}” appears twice.")
        seen.add(label.lower())
        total += percent
        out.append({"label": label, "percent": format(percent.normalize(), "f")})
    if total != 100:
        raise ValidationError(f"Split percentages add up to {format(total.normalize(), 'f')}, not 100.")
    return out
