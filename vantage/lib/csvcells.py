"""Spreadsheet-safe CSV cells: a text cell a spreadsheet would run as a formula is written as text.

A cell that starts with ``= + - @``, a tab or a carriage return is prefixed with an apostrophe (OWASP's
advice for CSV injection), so ``=cmd|' /C calc'!A0`` opens as text. A number stays a number: ``-12.50``
and ``+3`` are left alone, whether they arrive as numbers or as their text. ``plain_cell`` reads such a cell
back (a CSV the product imports again, e.g. budgets)."""

import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """The value, or its text with a leading apostrophe when a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in row]


def plain_cell(value: str) -> str:
    """The text ``safe_cell`` wrote for ``value`` read back: ``'=x`` -> ``=x``; any other text unchanged."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value[1:]):
        return value[1:]
    return value
