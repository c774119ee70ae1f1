"""Twilio's identifiers (SIDs): the one definition of their shape, for forms, serializers and models alike."""

from __future__ import annotations

import re

from django.core.validators import RegexValidator

ACCOUNT_SID_RE = re.compile(r"^AC[0-9a-fA-F]{32}$")
API_KEY_SID_RE = re.compile(r"^SK[0-9a-fA-F]{32}$")

ACCOUNT_SID_FORMAT = "An Account SID is “AC” followed by 32 hexadecimal characters (0-9, a-f)."
API_KEY_SID_FORMAT = "An API Key SID is “SK” followed by 32 hexadecimal characters (0-9, a-f)."

# Django validators (raise ValidationError with the message above); DRF accepts them too.
validate_account_sid = RegexValidator(ACCOUNT_SID_RE, ACCOUNT_SID_FORMAT)
validate_api_key_sid = RegexValidator(API_KEY_SID_RE, API_KEY_SID_FORMAT)

