"""The Twilio rules with one home: SID shapes (sids.py) and what a person is told about each error (errors.py)."""

import pytest
from django.core.exceptions import ValidationError

from integrations.twilio import errors, sids
from integrations.twilio.client import CredentialsRejected as ReExported


@pytest.mark.parametrize(
    "validator,prefix,message",
    [
        (sids.validate_account_sid, "AC", sids.ACCOUNT_SID_FORMAT),
        (sids.validate_api_key_sid, "SK", sids.API_KEY_SID_FORMAT),
    ],
)
def test_sid_validators(validator, prefix, message):
    validator(prefix + "0123456789abcdefABCDEF0123456789")
    bad_values = (prefix + "0" * 31, prefix + "0" * 33, prefix + "g" * 32, "XX" + "0" * 32, "",
                  prefix.lower() + "0" * 32)
    for bad in bad_values:
        with pytest.raises(ValidationError) as info:
            validator(bad)
        assert info.value.messages == [message]


def test_each_error_carries_its_wording_for_checks_and_imports():
    rejected = errors.CredentialsRejected(code=20003, status=401)
    assert errors.CredentialsRejected is ReExported  # client.py re-exports the typed errors
    assert rejected.field == "api_secret"
    # the error's own text (runs, logs, the ingest_twilio command) and the forms' text, as before the refactor
    assert str(rejected).startswith("Twilio rejected this API key and secret (error 20003). Check that the API Key")
    assert rejected.during_check.startswith("Twilio rejected this API key and secret (error 20003). Check that both")
    assert rejected.during_import == (
        "Twilio rejected this integration's API key (error 20003). Create a new API key in the Twilio console "
        "and enter it under Edit credentials."
    )
    missing = errors.AccountNotFound(code=20404, status=404)
    assert missing.field == "account_sid" and missing.during_check.startswith("This API key cannot read that Account")
    assert str(missing).startswith("Twilio says this API key cannot read that Account SID (error 20404).")
    for temporary in (errors.RateLimited(), errors.TransientError.timed_out("Today.json")):
        assert temporary.field is None and temporary.during_check == errors.CHECK_UNREACHABLE
        assert temporary.during_import == str(temporary)
    other = errors.error_for_status(400, 21481, "Daily.json")
    assert isinstance(other, errors.RequestRejected) and other.field is None
    assert other.during_check == f"Twilio did not accept the check: {other}" and "21481" in str(other)


@pytest.mark.parametrize(
    "status,code,expected,expected_code",
    [
        (401, None, errors.CredentialsRejected, 20003),
        (403, 20003, errors.CredentialsRejected, 20003),
        (404, None, errors.AccountNotFound, 20404),
        (429, None, errors.RateLimited, 20429),
        (503, None, errors.TransientError, 20500),
        (400, None, errors.RequestRejected, None),
    ],
)
def test_status_mapping(status, code, expected, expected_code):
    exc = errors.error_for_status(status, code, "Daily.json")
    assert type(exc) is expected and exc.status == status and exc.code == expected_code
