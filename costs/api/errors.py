"""Nested validation errors reshaped so the API's one error shape names them ``values[1].filters``.

DRF reports a failing list item as ``{1: {...}}`` and a list-level problem as
``{"non_field_errors": [...]}`` under the field; ``vantage.api.errors`` flattens dict keys with a dot
and drops ``non_field_errors`` names. Reshaped here: item errors become a list (``{}`` for good
items), which flattens to ``values[1].filters``, and a field's own ``non_field_errors`` become the
field's messages (``values``).
"""

from rest_framework import serializers
from rest_framework.fields import empty


def _is_index(key) -> bool:
    return isinstance(key, int) or (isinstance(key, str) and key.isdigit())


def reshape(detail, *, nested: bool = False):
    if isinstance(detail, dict):
        if detail and all(_is_index(k) for k in detail):
            items = {int(k): reshape(v, nested=True) for k, v in detail.items()}
            return [items.get(i, {}) for i in range(max(items) + 1)]
        if nested and set(detail) == {"non_field_errors"}:
            return detail["non_field_errors"]
        return {k: reshape(v, nested=True) for k, v in detail.items()}
    if isinstance(detail, list):
        return [reshape(v, nested=True) for v in detail]
    return detail


class IndexedErrorsMixin:
    """For a top-level serializer: its errors, reshaped as above."""

    def run_validation(self, data=empty):
        try:
            return super().run_validation(data)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError(reshape(exc.detail)) from None
