"""One error shape for the whole API: {"errors": [{"field": ..., "message": ...}]}."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


def _flatten(detail, field=None):
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            name = None if key in ("non_field_errors", "detail") else (f"{field}.{key}" if field else key)
            out += _flatten(value, name)
        return out
    if isinstance(detail, list):
        out = []
        for i, value in enumerate(detail):
            out += _flatten(value, field if not isinstance(value, dict) else f"{field}[{i}]" if field else None)
        return out
    return [{"field": field, "message": str(detail)}]


def _is_index(key) -> bool:
    return isinstance(key, int) or (isinstance(key, str) and key.isdigit())


def reshape(detail, *, nested: bool = False):
    """DRF reports a failing list item as ``{1: {...}}`` and a nested serializer's own problems as
    ``{"non_field_errors": [...]}``; reshape so ``_flatten`` names them ``values[1].filters`` and
    ``values``."""
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


def api_exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or "You do not have permission to do this.")
    elif isinstance(exc, SuspiciousOperation):  # e.g. a form body of more fields than Django reads: JSON too
        exc = exceptions.ParseError("The request body is too large or has too many fields.")
    response = exception_handler(exc, context)
    if response is None:
        return None
    response.data = {"errors": _flatten(reshape(response.data))}
    return response


def error_response(field, message, code=status.HTTP_400_BAD_REQUEST):
    return Response({"errors": [{"field": field, "message": message}]}, status=code)
