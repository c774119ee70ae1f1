"""The signature receivers check: right secret, untouched body, fresh timestamp."""

import time

from vantage.notifications.signing import new_secret, sign, verify_signature

BODY = b'{"id":1,"text":"hello"}'


def test_a_signature_verifies_only_with_the_same_secret_body_and_timestamp():
    secret, now = new_secret(), int(time.time())
    header = sign(secret, now, BODY)
    assert header.startswith("v1=") and len(header) == 3 + 64
    assert verify_signature(secret, str(now), BODY, header)
    assert verify_signature(secret, now, BODY.decode(), header)  # str or bytes, int or str
    assert not verify_signature(new_secret(), now, BODY, header)
    assert not verify_signature(secret, now, BODY + b" ", header)
    assert not verify_signature(secret, now + 1, BODY, header)  # the timestamp is signed too
    assert not verify_signature(secret, now, BODY, "v1=" + "0" * 64)
    assert not verify_signature(secret, now, BODY, "")


def test_old_or_garbled_timestamps_fail():
    secret, then = new_secret(), int(time.time()) - 301
    header = sign(secret, then, BODY)
    assert not verify_signature(secret, then, BODY, header)
    assert verify_signature(secret, then, BODY, header, tolerance=600)
    assert verify_signature(secret, then, BODY, header, now=then + 10)
    assert not verify_signature(secret, "yesterday", BODY, header)
    assert not verify_signature(secret, None, BODY, header)


def test_several_signatures_in_one_header_rotation():
    old, new, now = new_secret(), new_secret(), int(time.time())
    header = f"{sign(old, now, BODY)}, {sign(new, now, BODY)}"
    assert verify_signature(old, now, BODY, header) and verify_signature(new, now, BODY, header)


def test_known_vector():
    """A receiver in another language can check its implementation against this (HMAC-SHA256 of
    ``1764620000.{"text":"hi"}`` with the key ``whsec_test``)."""
    expected = "v1=929d0440a5f9524715bad54c476997f52c76f58e9e86128ec4cabd06b9606d9e"
    assert sign("whsec_test", 1764620000, b'{"text":"hi"}') == expected
