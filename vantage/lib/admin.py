"""List columns for the admin that show numbers in the one format (``vantage.lib.formatting``).

Django's admin prints a decimal with all its stored places (``114560.1059260000``) and integers
without separators; these columns print ``114,560.11`` and ``1,234``, and still sort by the field
or annotation they show.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin

from . import formatting


def number_column(attr: str, description: str, fmt: Callable = formatting.integer, *, ordering: str | None = None):
    """A ``list_display`` entry showing ``obj.<attr>`` formatted by ``fmt``, sortable by ``ordering``
    (default ``attr``, a field or an annotation)."""

    @admin.display(description=description, ordering=ordering or attr)
    def column(self, obj):
        return fmt(getattr(obj, attr))

    column.__name__ = f"{attr.lstrip('_')}_column"
    return column


def count_column(attr: str, description: str):
    return number_column(attr, description, formatting.integer)


def money_column(attr: str, description: str, *, signed: bool = False):
    return number_column(attr, description, formatting.signed_money if signed else formatting.money)
