"""Checks on text people type as names: one home for every form, serializer and model field.

Bidirectional-control characters (the "Trojan Source" trick) make a name display differently from
what it is: ``Invoice\\u202egpj.exe`` reads as "Invoiceexe.jpg", a report or an integration can pose as
another in a list, a CSV, an email or an alert. Nobody needs them in a name, so they are refused with a
message that names the character, wherever a person names something.
"""

from django.core.exceptions import ValidationError

# U+202A-U+202E (embeddings and overrides), U+2066-U+2069 (isolates), U+200E/U+200F (marks), U+061C
# (the Arabic letter mark): every character that changes the direction text is displayed in.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def find_bidi_control(value) -> str | None:
    """The first bidirectional-control character in ``value``, or None."""
    if not isinstance(value, str):
        return None
    return next((ch for ch in value if ch in BIDI_CONTROLS), None)


def bidi_problem(value) -> ValidationError | None:
    """The error to show for ``value`` (None when it has no bidirectional control), for code that
    gathers errors instead of raising them."""
    found = find_bidi_control(value)
    if found is None:
        return None
    return ValidationError(
        "Remove the invisible text-direction character (U+%(code)04X): it makes text display "
        "differently from what it is.",
        code="bidi_control",
        params={"code": ord(found)},
    )


def refuse_bidi_controls(value) -> None:
    """A validator for model fields (migrations name it by path), forms and DRF fields alike."""
    problem = bidi_problem(value)
    if problem is not None:
        raise problem

