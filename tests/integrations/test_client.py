"""The Twilio client at the HTTP boundary, with `responses`: method, path, query, auth and faults."""

import base64
from datetime import date
from decimal import Decimal

import pytest
import requests
import responses
from responses import matchers

from integrations.twilio import client as tw
from integrations.twilio.sandbox import serve_in_thread
from tests.fakes.twilio import ACCOUNT, BASE, DAILY_PATH, KEY, TODAY_PATH, error, page, record, secret


@pytest.fixture
def secret_value():
    return secret()


@pytest.fixture
def sleep_between_retries_as_urllib3_does(monkeypatch):
    """`responses` replays urllib3's ``Retry.increment()`` but never the ``Retry.sleep()`` urllib3's connection
    pool calls right after it: call it here, so the waits the client takes reach the test's ``sleep``.
    (``test_real_urllib3_sleeps_retry_after`` checks the same over real sockets, without `responses`.)"""
    increment = tw.BoundedRetry.increment

    def increment_then_sleep(self, *args, **kwargs):
        retry = increment(self, *args, **kwargs)
        retry.sleep(kwargs.get("response"))
        return retry

    monkeypatch.setattr(tw.BoundedRetry, "increment", increment_then_sleep)


@pytest.fixture
def make_client(secret_value, sleep_between_retries_as_urllib3_does):
    def build(**kw):
        kw.setdefault("sleep", lambda s: None)
        kw.setdefault("base_url", BASE)
        return tw.TwilioClient(KEY, secret_value, ACCOUNT, **kw)

    return build


def basic(secret_value):
    return "Basic " + base64.b64encode(f"{KEY}:{secret_value}".encode()).decode()


@responses.activate
def test_daily_records_sends_get_with_auth_query_and_follows_next_page_verbatim(make_client, secret_value):
    next_uri = DAILY_PATH + "?StartDate=2026-01-01&EndDate=2026-01-31&PageSize=1000&Page=1&PageToken=PAxyz"
    responses.get(
        BASE + DAILY_PATH,
        match=[
            matchers.query_param_matcher(
                {"StartDate": "2026-01-01", "EndDate": "2026-01-31", "PageSize": "1000", "IncludeSubaccounts": "true"}
            ),
            matchers.header_matcher({"Authorization": basic(secret_value)}),
        ],
        json=page([record("sms-outbound", "2026-01-01", "1.25")], next_page_uri=next_uri),
    )
    responses.get(
        BASE + next_uri,
        match=[matchers.query_string_matcher(next_uri.split("?", 1)[1])],
        json=page([record("totalprice", "2026-01-01", "1.25")]),
    )
    stats = tw.PageStats()
    records = list(make_client().daily_records(date(2026, 1, 1), date(2026, 1, 31), stats))
    assert [r.category for r in records] == ["sms-outbound", "totalprice"]
    assert stats.pages == 2 and stats.records == 2
    assert all(call.request.method == "GET" for call in responses.calls)
    assert responses.calls[1].request.url == BASE + next_uri


def test_no_other_method_can_be_sent(make_client):
    c = make_client()
    for method in ("POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"):
        with pytest.raises(tw.ReadOnlyViolation):
            c._session.request(method, BASE + DAILY_PATH)
        with pytest.raises(tw.ReadOnlyViolation):
            c._session.send(requests.Request(method, BASE + DAILY_PATH).prepare())
    public = [n for n in dir(tw.TwilioClient) if not n.startswith("_")]
    assert sorted(public) == ["check_credentials", "daily_records", "iter_daily_pages"]


@responses.activate
def test_credentials_check_is_one_cheap_call(make_client, secret_value):
    responses.get(
        BASE + TODAY_PATH,
        match=[
            matchers.query_param_matcher({"Category": "totalprice", "PageSize": "1"}),
            matchers.header_matcher({"Authorization": basic(secret_value)}),
        ],
        json=page([record("totalprice", "2026-11-27", "0")]),
    )
    make_client().check_credentials()
    assert len(responses.calls) == 1


@responses.activate
@pytest.mark.parametrize(
    "status,body,exc,code",
    [
        (401, error(20003, 401, "Authenticate"), tw.CredentialsRejected, 20003),
        (404, error(20404, 404), tw.AccountNotFound, 20404),
        (400, error(21481, 400), tw.RequestRejected, 21481),
    ],
)
def test_permanent_errors_are_typed_and_not_retried(make_client, secret_value, status, body, exc, code):
    responses.get(BASE + TODAY_PATH, status=status, json=body)
    with pytest.raises(exc) as info:
        make_client().check_credentials()
    assert info.value.code == code
    assert str(code) in str(info.value)
    assert len(responses.calls) == 1
    assert secret_value not in str(info.value)
    assert "Authenticate" not in str(info.value) or status != 401  # the body is never echoed


@responses.activate
def test_429_honours_retry_after_then_succeeds(make_client):
    slept = []
    responses.get(BASE + TODAY_PATH, status=429, json=error(20429, 429), headers={"Retry-After": "7"})
    responses.get(BASE + TODAY_PATH, json=page([]))
    make_client(sleep=slept.append).check_credentials()
    assert slept and slept[0] >= 7
    assert len(responses.calls) == 2


@responses.activate
def test_429_storm_is_bounded_in_attempts(make_client):
    responses.get(BASE + TODAY_PATH, status=429, json=error(20429, 429), headers={"Retry-After": "1"})
    with pytest.raises(tw.RateLimited) as info:
        make_client(max_attempts=4).check_credentials()
    assert len(responses.calls) == 4
    assert info.value.retryable and "20429" in str(info.value)


@responses.activate
def test_retry_is_bounded_in_total_time(make_client):
    slept = []
    responses.get(BASE + TODAY_PATH, status=429, json=error(20429, 429), headers={"Retry-After": "50"})
    with pytest.raises(tw.RateLimited):
        make_client(max_attempts=100, max_total_wait=120, sleep=slept.append).check_credentials()
    assert sum(slept) <= 120
    assert len(responses.calls) == 3


@responses.activate
def test_500s_are_retried_with_jittered_backoff(make_client):
    slept = []
    responses.get(BASE + TODAY_PATH, status=500, json=error(20500, 500))
    responses.get(BASE + TODAY_PATH, status=503, body="<html>busy</html>")
    responses.get(BASE + TODAY_PATH, json=page([]))
    make_client(sleep=slept.append).check_credentials()
    assert len(slept) == 2 and all(0 <= s <= 30 for s in slept)


@pytest.mark.parametrize("header,least", [("1.5", 1.5), ("soon", 0), ("nan", 0), ("-3", 0)])
@responses.activate
def test_a_retry_after_that_is_not_whole_seconds_never_breaks_the_request(make_client, header, least):
    """Fractional seconds are honoured; garbage adds no wait (urllib3 alone would raise InvalidHeader)."""
    slept = []
    responses.get(BASE + TODAY_PATH, status=429, json=error(20429, 429), headers={"Retry-After": header})
    responses.get(BASE + TODAY_PATH, json=page([]))
    make_client(sleep=slept.append).check_credentials()
    assert len(slept) == 1 and least <= slept[0] <= 30 and slept[0] == slept[0]  # not NaN


@responses.activate
def test_backoff_is_full_jitter_up_to_base_times_two_to_the_failures(make_client, monkeypatch):
    """The n-th failure in a row waits a random time up to 0.5 x 2^(n-1) s, at most backoff_cap."""
    ceilings = []
    monkeypatch.setattr(tw.random, "uniform", lambda low, high: ceilings.append((low, high)) or high)
    responses.get(BASE + TODAY_PATH, status=503, json=error(20500, 503))
    slept = []
    with pytest.raises(tw.TransientError):
        make_client(max_attempts=9, max_total_wait=1000, sleep=slept.append).check_credentials()
    assert ceilings == [(0, 0.5), (0, 1.0), (0, 2.0), (0, 4.0), (0, 8.0), (0, 16.0), (0, 30.0), (0, 30.0)]
    assert slept == [high for _, high in ceilings]


@responses.activate
def test_500_storm_gives_a_transient_error(make_client):
    responses.get(BASE + TODAY_PATH, status=500, body="Internal Server Error: secret stack trace")
    with pytest.raises(tw.TransientError) as info:
        make_client(max_attempts=3).check_credentials()
    assert "stack trace" not in str(info.value)
    assert len(responses.calls) == 3


@responses.activate
def test_timeouts_and_refused_connections_are_transient(make_client):
    responses.get(BASE + TODAY_PATH, body=requests.ConnectTimeout("timed out"))
    responses.get(BASE + TODAY_PATH, body=requests.ConnectionError("refused"))
    with pytest.raises(tw.TransientError) as info:
        make_client(max_attempts=2).check_credentials()
    assert "try again" in str(info.value).lower()


def test_connection_refused_over_real_sockets(secret_value):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    c = tw.TwilioClient(KEY, secret_value, ACCOUNT, base_url=f"http://127.0.0.1:{port}", sleep=lambda s: None,
                        max_attempts=2)
    with pytest.raises(tw.TransientError):
        c.check_credentials()
    assert c.retries == 1 and c.requests_sent == 2


def test_real_urllib3_sleeps_retry_after(secret_value):
    """Over real sockets (no `responses`): urllib3 retries, waits what Retry-After asks, then gives up typed."""
    server, base_url = serve_in_thread(seed=1, fail_429_rate=1.0)  # every answer: 429 with Retry-After: 1
    try:
        slept = []
        c = tw.TwilioClient(KEY, secret_value, ACCOUNT, base_url=base_url, sleep=slept.append, max_attempts=3)
        with pytest.raises(tw.RateLimited):
            c.check_credentials()
        assert server.sandbox.request_count == 3 and c.requests_sent == 3 and c.retries == 2
        assert len(slept) == 2 and slept[0] == 1.0 and all(1.0 <= s <= 30 for s in slept)
    finally:
        server.shutdown()


def test_read_timeouts_are_retried_then_transient(secret_value):
    server, base_url = serve_in_thread(seed=1, latency=0.5)  # answers after the client stopped waiting
    try:
        c = tw.TwilioClient(KEY, secret_value, ACCOUNT, base_url=base_url, sleep=lambda s: None, max_attempts=2,
                            timeout=(5, 0.1))
        with pytest.raises(tw.TransientError, match="did not answer in time"):
            c.check_credentials()
        assert c.retries == 1
    finally:
        server.shutdown()


@responses.activate
def test_malformed_json_is_a_typed_error_without_the_body(make_client):
    responses.get(BASE + DAILY_PATH, body="{not json at all: sk_live_body", status=200)
    with pytest.raises(tw.MalformedResponse) as info:
        list(make_client().daily_records(date(2026, 1, 1), date(2026, 1, 2)))
    assert "sk_live_body" not in str(info.value)


@responses.activate
def test_page_without_usage_records_is_malformed(make_client):
    responses.get(BASE + DAILY_PATH, json={"page": 0, "next_page_uri": None})
    with pytest.raises(tw.MalformedResponse, match="usage_records"):
        list(make_client().daily_records(date(2026, 1, 1), date(2026, 1, 2)))


@responses.activate
def test_next_page_uri_to_another_account_is_refused(make_client):
    other = "/2010-04-01/Accounts/AC" + "c3" * 16 + "/Usage/Records/Daily.json?PageToken=PA1"
    responses.get(BASE + DAILY_PATH, json=page([], next_page_uri=other))
    with pytest.raises(tw.MalformedResponse):
        list(make_client().daily_records(date(2026, 1, 1), date(2026, 1, 2)))
    assert len(responses.calls) == 1


def test_dates_out_of_order_are_refused(make_client):
    with pytest.raises(ValueError):
        list(make_client().daily_records(date(2026, 2, 1), date(2026, 1, 1)))


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("0.0075", Decimal("0.0075")),
        ("-12.50", Decimal("-12.50")),
        (3, Decimal(3)),
        (0.1, Decimal("0.1")),
        ("1e-7", Decimal("1e-7")),
        (None, None),
        ("", None),
        ("123456789.0123456789", Decimal("123456789.0123456789")),
    ],
)
def test_numbers_parse_into_decimal_without_loss(raw, expected):
    assert tw.parse_decimal(raw, "price") == expected


@pytest.mark.parametrize("raw", ["0.01x", "NaN", "Infinity", "1,000", True, [], {"a": 1}, "--1"])
def test_bad_numbers_are_malformed(raw):
    with pytest.raises(tw.MalformedResponse):
        tw.parse_decimal(raw, "price", "sms-outbound")


def test_record_parsing_keeps_nulls_and_uppercases_currency():
    r = tw.parse_record(record("totalprice", "2026-01-05", "-3.10", usage="-3.10", count=None, currency="usd"))
    assert r.price == Decimal("-3.10") and r.count is None and r.currency == "USD"
    assert r.start_date == date(2026, 1, 5)


def test_repr_never_contains_the_secret(make_client, secret_value):
    assert secret_value not in repr(make_client())
