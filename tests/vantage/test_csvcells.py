from decimal import Decimal

import pytest

from vantage.lib.csvcells import safe_cell, safe_row


@pytest.mark.parametrize("text", ["=cmd|' /C calc'!A0", "+1+2", "-A1", "@SUM(A1)", "\tx", "\rx", "=1+1"])
def test_formula_like_text_is_written_as_text(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["-12.50", "+3", "-0.5e3", "Acme", "", "a=b", -12, Decimal("-1.25"), None])
def test_numbers_and_plain_text_are_untouched(value):
    assert safe_cell(value) == value


def test_safe_row_handles_every_cell():
    assert safe_row(["=x", "-1", "ok"]) == ["'=x", "-1", "ok"]
