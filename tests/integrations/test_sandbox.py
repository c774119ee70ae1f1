"""The local Twilio sandbox speaks Twilio's Usage Records wire format, over real loopback HTTP.

No database: the sandbox is plain Python. Responses are validated against the official OpenAPI
excerpt (``twilio_api_v2010_usage.openapi.json``) when it is available.
"""

import base64
import datetime as dt
import importlib.util
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
import requests

from integrations.twilio.catalog import read_catalog_file
from integrations.twilio.sandbox import (
    DUPLICATES,
    LEAF_CATEGORIES,
    ROLLUP_CATEGORIES,
    ROLLUPS,
    UNKNOWN_CATEGORIES,
    Sandbox,
    credentials_banner,
    serve_in_thread,
)
from integrations.twilio.sandbox import data as sandbox_data

pytestmark = pytest.mark.sandbox

ROOT = Path(__file__).resolve().parents[2]
SANDBOX_PACKAGE = ROOT / "integrations" / "twilio" / "sandbox"
REFERENCE = Path(os.environ.get("TWILIO_REFERENCE_DIR", "/work/shared/reference"))
SPEC_PATH = REFERENCE / "twilio_api_v2010_usage.openapi.json"
TSV_PATH = REFERENCE / "twilio_usage_categories.tsv"

TODAY = dt.date(2025, 6, 18)  # a Wednesday; usage exists from 2024-05-18
SUBRESOURCES = ["", "/Daily", "/Monthly", "/Yearly", "/AllTime", "/Today", "/Yesterday", "/ThisMonth", "/LastMonth"]
RECORD_FIELDS = {
    "account_sid", "api_version", "as_of", "category", "count", "count_unit", "description", "end_date",
    "price", "price_unit", "start_date", "subresource_uris", "uri", "usage", "usage_unit",
}
ENVELOPE_FIELDS = {
    "end", "first_page_uri", "next_page_uri", "page", "page_size", "previous_page_uri", "start", "uri",
    "usage_records",
}
# Twilio's error shape (not in the OpenAPI excerpt): exactly these four fields.
ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message", "more_info", "status"],
    "additionalProperties": False,
    "properties": {
        "code": {"type": "integer"},
        "message": {"type": "string", "minLength": 1},
        "more_info": {"type": "string", "pattern": r"^https://www\.twilio\.com/docs/errors/\d+$"},
        "status": {"type": "integer"},
    },
}


# --- fixtures and helpers -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    srv, base_url = serve_in_thread(seed=7, today=TODAY)
    srv.base_url = base_url
    yield srv
    srv.shutdown()


@pytest.fixture(scope="module")
def creds(server):
    return {c["kind"] if c["kind"] != "subaccount" else c["name"]: c for c in server.sandbox.credentials()}


@pytest.fixture(scope="module")
def main(creds):
    return creds["main"]


@pytest.fixture(scope="module")
def subs(creds):
    return [c for c in creds.values() if c["kind"] == "subaccount"]


@pytest.fixture(scope="module")
def http():
    with requests.Session() as s:
        yield s


def records_path(account_sid, sub=""):
    return f"/2010-04-01/Accounts/{account_sid}/Usage/Records{sub}.json"


def get(http, server, cred, path_or_uri, params=None, *, as_account=None, auth=None):
    """GET a path (or a next_page_uri, verbatim) with one account's API key."""
    # (30 s: a cold AllTime sums 36 months of days)
    if not path_or_uri.startswith("/2010-04-01/"):
        path_or_uri = records_path(as_account or cred["account_sid"], path_or_uri)
    auth = auth or (cred["api_key_sid"], cred["api_secret"])
    return http.get(server.base_url + path_or_uri, params=params, auth=auth, timeout=30)


def fetch_all(http, server, cred, sub, params, *, as_account=None):
    """Every record of a listing, following next_page_uri verbatim."""
    out, pages = [], 0
    r = get(http, server, cred, sub, params, as_account=as_account)
    while True:
        assert r.status_code == 200, r.text
        body = r.json()
        out += body["usage_records"]
        pages += 1
        if body["next_page_uri"] is None:
            return out, pages
        r = get(http, server, cred, body["next_page_uri"])


def by_category(records):
    return {r["category"]: r for r in records}


def amounts(record):
    count = None if record["count"] is None else Decimal(record["count"])
    return count, Decimal(record["usage"]), Decimal(record["price"])


def _openapi_to_jsonschema(node):
    """OpenAPI 3.0 ``nullable: true`` is not JSON Schema: turn it into a ``[type, "null"]`` union."""
    if isinstance(node, list):
        return [_openapi_to_jsonschema(v) for v in node]
    if not isinstance(node, dict):
        return node
    node = {k: _openapi_to_jsonschema(v) for k, v in node.items()}
    if node.pop("nullable", False) and isinstance(node.get("type"), str):
        node["type"] = [node["type"], "null"]
    return node


@pytest.fixture(scope="module")
def spec():
    if not SPEC_PATH.is_file():
        pytest.skip(f"OpenAPI excerpt not found at {SPEC_PATH} (set TWILIO_REFERENCE_DIR)")
    spec = _openapi_to_jsonschema(json.loads(SPEC_PATH.read_text()))
    # The one documented patch: the spec types `price` as a number, but Twilio sends it as a string
    # (like `count` and `usage`, which the spec already types as strings). Allow the string here; the
    # tests separately assert that all three ARE strings.
    for name, schema in spec["components"]["schemas"].items():
        if name.startswith("api.v2010.account.usage.usage_record"):
            assert schema["properties"]["price"]["type"] == ["number", "null"]
            schema["properties"]["price"]["type"] = ["string", "null"]
    return spec


def validator_for(spec, sub):
    """A validator for one endpoint's 200 response, with the whole spec as the root for its $refs."""
    schema = spec["paths"][f"/2010-04-01/Accounts/{{AccountSid}}/Usage/Records{sub}.json"]["get"]["responses"]["200"]
    schema = dict(schema["content"]["application/json"]["schema"])
    schema["components"] = spec["components"]  # "#/components/schemas/..." resolves against this root
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def assert_twilio_error(response, status, code):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    jsonschema.validate(body, ERROR_SCHEMA)
    assert body["status"] == status and body["code"] == code
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    return body


# --- wire format ---------------------------------------------------------------------------------


@pytest.mark.parametrize("sub", SUBRESOURCES)
def test_every_endpoint_matches_the_openapi_schema(http, server, main, spec, sub):
    validator = validator_for(spec, sub)
    params = {"PageSize": 25}
    if sub in ("", "/Daily", "/Monthly", "/Yearly"):
        params.update(StartDate="2024-12-30", EndDate="2025-01-02")
    r = get(http, server, main, sub, params)
    for page in range(3):
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"] == "application/json; charset=utf-8"
        body = r.json()
        validator.validate(body)
        assert set(body) == ENVELOPE_FIELDS
        assert body["page"] == page and body["page_size"] == 25 and body["start"] == 25 * page
        assert body["end"] == body["start"] + len(body["usage_records"]) - 1
        assert body["first_page_uri"].startswith(records_path(main["account_sid"], sub) + "?")
        assert "Page=0" in body["first_page_uri"] and "PageToken" not in body["first_page_uri"]
        assert (body["previous_page_uri"] is None) == (page == 0)
        assert len(body["usage_records"]) == 25 or body["next_page_uri"] is None
        for rec in body["usage_records"]:
            assert set(rec) == RECORD_FIELDS
            assert rec["account_sid"] == main["account_sid"] and rec["api_version"] == "2010-04-01"
            assert isinstance(rec["price"], str) and isinstance(rec["usage"], str)
            assert rec["price_unit"] == "usd"
            Decimal(rec["price"]), Decimal(rec["usage"])  # noqa: B018 - parse as exact decimals
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", rec["as_of"])
            if rec["category"] == "totalprice":
                assert rec["count"] is None and rec["count_unit"] == "" and rec["usage_unit"] == "usd"
                assert rec["usage"] == rec["price"]
            else:
                assert isinstance(rec["count"], str) and re.fullmatch(r"\d+", rec["count"])
            cat = rec["category"]
            base = records_path(main["account_sid"], "")[: -len(".json")]
            dates = f"StartDate={rec['start_date']}&EndDate={rec['end_date']}"
            assert rec["uri"] == f"{base}{sub}.json?Category={cat}&{dates}"
            assert list(rec["subresource_uris"]) == [
                "all_time", "daily", "last_month", "monthly", "this_month", "today", "yearly", "yesterday"]
            assert rec["subresource_uris"]["daily"] == f"{base}/Daily.json?Category={cat}"
            assert rec["subresource_uris"]["all_time"] == f"{base}/AllTime.json?Category={cat}"
        if body["next_page_uri"] is None:
            break
        assert "PageToken=PA" in body["next_page_uri"] and f"Page={page + 1}" in body["next_page_uri"]
        r = get(http, server, main, body["next_page_uri"])
    assert page >= 1, "expected several pages"


def test_as_of_is_the_current_time(http, server, main):
    rec = get(http, server, main, "/Today", {"PageSize": 1}).json()["usage_records"][0]
    as_of = dt.datetime.strptime(rec["as_of"], "%Y-%m-%dT%H:%M:%S+00:00").replace(tzinfo=dt.UTC)
    assert abs((dt.datetime.now(dt.UTC) - as_of).total_seconds()) < 60


def test_error_responses_have_twilio_shape(http, server, main, creds, spec):
    base = server.base_url + records_path(main["account_sid"], "/Daily")
    ok_auth = (main["api_key_sid"], main["api_secret"])
    # 401: wrong secret, unknown key, no credentials at all
    body = assert_twilio_error(http.get(base, auth=(main["api_key_sid"], "x" * 32)), 401, 20003)
    assert body["message"] == "Authenticate"
    assert_twilio_error(http.get(base, auth=("SK" + "0" * 32, main["api_secret"])), 401, 20003)
    assert_twilio_error(http.get(base), 401, 20003)
    # a Standard key may not read the Accounts resource
    assert_twilio_error(http.get(server.base_url + "/2010-04-01/Accounts.json", auth=ok_auth), 401, 20003)
    # 404: unknown account, another customer's account, missing .json, unknown resource
    unknown = "AC" + "0" * 32
    body = assert_twilio_error(http.get(server.base_url + records_path(unknown), auth=ok_auth), 404, 20404)
    assert body["message"] == f"The requested resource {records_path(unknown)} was not found"
    standalone = creds["standalone"]["account_sid"]
    assert_twilio_error(http.get(server.base_url + records_path(standalone, "/Daily"), auth=ok_auth), 404, 20404)
    assert_twilio_error(http.get(base[: -len(".json")], auth=ok_auth), 404, 20404)
    assert_twilio_error(http.get(base.replace("Daily", "Weekly"), auth=ok_auth), 404, 20404)
    # 405: anything but GET
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        r = http.request(method, base, auth=ok_auth, data={"x": "1"})
        assert_twilio_error(r, 405, 20004)
        assert r.headers["Allow"] == "GET"
    # 400: bad parameters
    for params in ({"PageSize": 1001}, {"PageSize": 0}, {"PageSize": "ten"}, {"Page": -1},
                   {"StartDate": "2025-02-30"}, {"EndDate": "18/06/2025"}, {"IncludeSubaccounts": "maybe"}):
        assert_twilio_error(http.get(base, params=params, auth=ok_auth), 400, 20001)
    assert_twilio_error(http.get(base, params={"PageSize": 50, "Page": 1, "PageToken": "PAhandmade"}, auth=ok_auth),
                        400, 21481)


# --- paging --------------------------------------------------------------------------------------


def test_following_next_page_uri_visits_every_record_once(http, server, main):
    params = {"StartDate": "2025-01-01", "EndDate": "2025-01-30"}
    records, pages = fetch_all(http, server, main, "/Daily", {**params, "PageSize": 97})
    keys = [(r["start_date"], r["category"]) for r in records]
    assert len(keys) == len(set(keys)) == 30 * len(sandbox_data.ALL_CATEGORIES)
    assert pages == -(-len(keys) // 97)
    big, big_pages = fetch_all(http, server, main, "/Daily", {**params, "PageSize": 1000})
    assert big_pages == -(-len(keys) // 1000) > 1 and [(r["start_date"], r["category"]) for r in big] == keys
    assert {r["start_date"] for r in records} == {str(dt.date(2025, 1, d)) for d in range(1, 31)}
    # previous_page_uri leads back to the same page
    first = get(http, server, main, "/Daily", {**params, "PageSize": 97}).json()
    second = get(http, server, main, first["next_page_uri"]).json()
    back = get(http, server, main, second["previous_page_uri"]).json()
    assert [r["category"] for r in back["usage_records"]] == [r["category"] for r in first["usage_records"]]


def test_page_size_limits_and_default(http, server, main):
    r = get(http, server, main, "/Daily", {"StartDate": "2025-01-01", "EndDate": "2025-02-28", "PageSize": 1000})
    assert r.status_code == 200 and len(r.json()["usage_records"]) == 1000
    r = get(http, server, main, "/Daily", {"StartDate": "2025-01-01", "EndDate": "2025-02-28"})
    assert r.json()["page_size"] == 50 and len(r.json()["usage_records"]) == 50
    assert_twilio_error(get(http, server, main, "/Daily", {"PageSize": 1001}), 400, 20001)


def test_only_issued_page_tokens_are_accepted(http, server, main, creds):
    params = {"StartDate": "2025-01-01", "EndDate": "2025-01-10", "PageSize": 100}
    first = get(http, server, main, "/Daily", params).json()
    next_uri = first["next_page_uri"]
    token = parse_qs(urlsplit(next_uri).query)["PageToken"][0]
    assert re.fullmatch(r"PA[0-9a-f]{32}", token)
    assert get(http, server, main, next_uri).status_code == 200
    for bad in (
        next_uri.replace(token, "PA" + "0" * 32),  # hand-built
        next_uri.replace(token, token[:-1] + ("0" if token[-1] != "0" else "1")),  # tampered
        next_uri.replace("Page=1", "Page=2"),  # a token for another page
        next_uri.replace("StartDate=2025-01-01", "StartDate=2025-01-02"),  # for another query
        next_uri.replace("Daily.json", "Monthly.json"),  # for another resource
        re.sub(r"&PageToken=[^&]+", "", next_uri),  # Page alone is only client state
    ):
        assert_twilio_error(get(http, server, main, bad), 400, 21481)
    # a token issued for one account does not work for another (the main key can read its subaccount)
    sub_sid = next(c for c in creds.values() if c["kind"] == "subaccount")["account_sid"]
    assert_twilio_error(get(http, server, main, next_uri.replace(main["account_sid"], sub_sid)), 400, 21481)


# --- the numbers ---------------------------------------------------------------------------------


def _credit_day(sandbox, account_sid):
    for i in range(400):
        day = TODAY - dt.timedelta(days=i + 1)
        rec = by_category(sandbox.daily_records(account_sid, day))["smsmessages-bucket-adjustments"]
        if Decimal(rec["price"]) < 0:
            return day
    raise AssertionError("no credit day in the last 400 days")


def assert_rollups_exact(records_by_cat):
    for name, rollup in ROLLUPS.items():
        kids = [amounts(records_by_cat[c]) for c in rollup.children]
        count, usage, price = amounts(records_by_cat[name])
        assert price == sum((k[2] for k in kids), Decimal(0)), name
        if name == "totalprice":
            assert count is None and usage == price
        else:
            assert count == sum(k[0] for k in kids) and usage == sum((k[1] for k in kids), Decimal(0)), name
    leaves = sum((amounts(records_by_cat[c])[2] for c in LEAF_CATEGORIES), Decimal(0))
    assert amounts(records_by_cat["totalprice"])[2] == leaves
    for dup, twin in DUPLICATES.items():
        assert amounts(records_by_cat[dup]) == amounts(records_by_cat[twin])


def test_rollups_are_exact_sums_and_totalprice_is_the_sum_of_leaves(http, server, main):
    credit_day = _credit_day(server.sandbox, main["account_sid"])
    checked_credit = False
    for start, end in ((credit_day, credit_day), (dt.date(2025, 3, 1), dt.date(2025, 3, 14)), (TODAY, TODAY)):
        records, _ = fetch_all(http, server, main, "/Daily", {"StartDate": str(start), "EndDate": str(end),
                                                               "PageSize": 1000})
        days = {}
        for rec in records:
            days.setdefault(rec["start_date"], {})[rec["category"]] = rec
        assert len(days) == (end - start).days + 1
        for recs in days.values():
            assert set(recs) == sandbox_data.ALL_CATEGORIES
            assert_rollups_exact(recs)
            unknown_prices = [Decimal(recs[c]["price"]) for c in UNKNOWN_CATEGORIES]
            assert all(p > 0 for p in unknown_prices)
            if Decimal(recs["smsmessages-bucket-adjustments"]["price"]) < 0:
                checked_credit = True
            assert any(recs[c]["price"] == "0" for c in LEAF_CATEGORIES)  # Twilio lists zero categories too
    assert checked_credit
    # aggregated endpoints keep the same arithmetic
    for sub in ("", "/Monthly", "/AllTime", "/LastMonth"):
        records, _ = fetch_all(http, server, main, sub, {"PageSize": 1000})
        periods = {}
        for rec in records:
            periods.setdefault((rec["start_date"], rec["end_date"]), {})[rec["category"]] = rec
        for recs in periods.values():
            assert_rollups_exact(recs)


def test_aggregates_equal_the_sum_of_their_days(http, server, main):
    daily, _ = fetch_all(http, server, main, "/Daily", {"StartDate": "2025-02-01", "EndDate": "2025-02-28",
                                                        "PageSize": 1000})
    monthly, _ = fetch_all(http, server, main, "/Monthly", {"StartDate": "2025-02-01", "EndDate": "2025-02-28"})
    records, _ = fetch_all(http, server, main, "", {"StartDate": "2025-02-01", "EndDate": "2025-02-28"})
    assert len(monthly) == len(records) == len(sandbox_data.ALL_CATEGORIES)
    for agg in (monthly, records):
        for rec in agg:
            assert (rec["start_date"], rec["end_date"]) == ("2025-02-01", "2025-02-28")
            days = [amounts(d) for d in daily if d["category"] == rec["category"]]
            assert len(days) == 28
            assert Decimal(rec["price"]) == sum((d[2] for d in days), Decimal(0))
            assert Decimal(rec["usage"]) == sum((d[1] for d in days), Decimal(0))


def test_period_endpoints_cover_the_right_dates(http, server, main):
    def dates(sub, params=None):
        recs, _ = fetch_all(http, server, main, sub, {"PageSize": 1000, **(params or {})})
        return sorted({(r["start_date"], r["end_date"]) for r in recs})

    start = server.sandbox.data_start
    assert start == dt.date(2022, 6, 18)  # 36 months of lifetime: earlier history can be demonstrated
    assert dates("/Today") == [("2025-06-18", "2025-06-18")]
    assert dates("/Yesterday") == [("2025-06-17", "2025-06-17")]
    assert dates("/ThisMonth") == [("2025-06-01", "2025-06-18")]
    assert dates("/LastMonth") == [("2025-05-01", "2025-05-31")]
    assert dates("/AllTime") == [(str(start), "2025-06-18")]
    assert dates("") == [(str(start), "2025-06-18")]
    assert dates("/Yearly") == [(str(start), "2022-12-31"), ("2023-01-01", "2023-12-31"),
                                ("2024-01-01", "2024-12-31"), ("2025-01-01", "2025-06-18")]
    monthly = dates("/Monthly")
    assert monthly[0] == (str(start), "2022-06-30") and monthly[-1] == ("2025-06-01", "2025-06-18")
    assert len(monthly) == 37
    assert dates("/Daily", {"StartDate": "-2days"}) == [(f"2025-06-{d}", f"2025-06-{d}") for d in (16, 17, 18)]
    # outside the account's lifetime: an empty page, not an error
    for params in ({"StartDate": "2020-01-01", "EndDate": "2020-01-31"}, {"StartDate": "2025-07-01"}):
        body = get(http, server, main, "/Daily", params).json()
        assert body["usage_records"] == [] and body["next_page_uri"] is None and body["end"] == 0
    # one category only; an unknown category gives no records
    recs, _ = fetch_all(http, server, main, "/Daily", {"Category": "sms", "StartDate": "2025-06-01"})
    assert [r["category"] for r in recs] == ["sms"] * 18
    assert fetch_all(http, server, main, "/Daily", {"Category": "no-such-thing"})[0] == []


def test_subaccounts_roll_into_the_main_account(http, server, main, subs):
    params = {"StartDate": "2025-04-05", "EndDate": "2025-04-07", "PageSize": 1000}
    with_subs, _ = fetch_all(http, server, main, "/Daily", params)
    own, _ = fetch_all(http, server, main, "/Daily", {**params, "IncludeSubaccounts": "false"})
    sub_records = [fetch_all(http, server, s, "/Daily", params)[0] for s in subs]  # each with its own key
    assert {r["account_sid"] for r in with_subs} == {r["account_sid"] for r in own} == {main["account_sid"]}
    for s, recs in zip(subs, sub_records, strict=True):
        assert {r["account_sid"] for r in recs} == {s["account_sid"]}
        # the main key reads its subaccounts too
        via_main, _ = fetch_all(http, server, main, "/Daily", params, as_account=s["account_sid"])
        assert [amounts(r) for r in via_main] == [amounts(r) for r in recs]

    def index(recs):
        return {(r["start_date"], r["category"]): amounts(r) for r in recs}

    total, mine, parts = index(with_subs), index(own), [index(r) for r in sub_records]
    assert set(total) == set(mine)
    for key, (count, usage, price) in total.items():
        if key[1] not in LEAF_CATEGORIES:
            continue
        pieces = [mine[key]] + [p[key] for p in parts]
        assert count == sum(p[0] for p in pieces)
        assert usage == sum((p[1] for p in pieces), Decimal(0))
        assert price == sum((p[2] for p in pieces), Decimal(0))
    # the subaccounts add real usage, and the main account is the largest
    day = ("2025-04-07", "totalprice")
    assert total[day][2] > mine[day][2] > max(p[day][2] for p in parts) > 0


def test_key_scopes(http, server, main, subs, creds):
    standalone = creds["standalone"]
    sub1, sub2 = subs
    assert_twilio_error(get(http, server, sub1, "/Today", as_account=main["account_sid"]), 404, 20404)
    assert_twilio_error(get(http, server, sub1, "/Today", as_account=sub2["account_sid"]), 404, 20404)
    assert_twilio_error(get(http, server, standalone, "/Today", as_account=main["account_sid"]), 404, 20404)
    assert_twilio_error(get(http, server, main, "/Today", auth=(main["api_key_sid"], sub1["api_secret"])), 401, 20003)
    recs = get(http, server, standalone, "/Today", {"PageSize": 1000}).json()["usage_records"]
    assert {r["price_unit"] for r in recs} == {"gbp"}
    assert by_category(recs)["totalprice"]["usage_unit"] == "gbp"


def test_same_seed_same_data_and_different_seed_different_data():
    day = dt.date(2025, 3, 3)
    a, b = Sandbox(seed=11, today=TODAY), Sandbox(seed=11, today=dt.date(2025, 9, 1))
    c = Sandbox(seed=12, today=TODAY)
    assert a.credentials() == b.credentials() != c.credentials()
    sid = a.credentials()[0]["account_sid"]

    def numbers(sandbox, account_sid):
        return [(r["category"], r["count"], r["usage"], r["price"]) for r in sandbox.daily_records(account_sid, day)]

    assert numbers(a, sid) == numbers(b, sid)
    assert numbers(a, sid) != numbers(c, c.credentials()[0]["account_sid"])
    # asking in another order (a month first, then the day) changes nothing
    fresh = Sandbox(seed=11, today=TODAY)
    fresh.handle("GET", records_path(sid, "/Monthly") + "?PageSize=1000",
                 "Basic " + base64.b64encode(
                     f"{a.credentials()[0]['api_key_sid']}:{a.credentials()[0]['api_secret']}".encode()).decode())
    assert numbers(fresh, sid) == numbers(a, sid)


def _documents_child(comment, child):
    """Does a catalog comment name ``child``, or a ``prefix-`` / ``prefix-*`` pattern covering it?"""
    return any(t == child or (t.endswith("-") and child.startswith(t)) for t in re.findall(r"[a-z0-9-]+", comment))


def test_categories_follow_the_reference_catalog():
    if not TSV_PATH.is_file():
        pytest.skip(f"category TSV not found at {TSV_PATH}")
    parents, bases = {}, {}
    for line in TSV_PATH.read_text().splitlines():
        if line.startswith("#") or line.startswith("category\t"):
            continue
        cols = line.split("\t")
        parents[cols[0]], bases[cols[0]] = cols[1], cols[2]
    assert not UNKNOWN_CATEGORIES & set(parents)
    for unknown in UNKNOWN_CATEGORIES:  # no hyphen-prefix of a new category is a known category
        parts = unknown.split("-")
        assert not any("-".join(parts[:i]) in parents for i in range(1, len(parts)))
    comments = {r["category"]: r["comment"] for r in read_catalog_file()}
    for cat in sandbox_data.ALL_CATEGORIES - UNKNOWN_CATEGORIES:
        assert cat in parents, cat
        if cat == "totalprice" or cat in sandbox_data.DUPLICATE_CATEGORIES:  # duplicates are part of no sum
            continue
        parent = sandbox_data.PARENTS.get(cat, "totalprice")
        # the sandbox's tree is the TSV's parent column, except where the TSV only infers the parent
        # and catalog.csv documents another sum that names this child
        if parents[cat] != parent:
            assert "observed" not in bases[cat] and "billingRecords" not in bases[cat], cat
            assert _documents_child(comments[parent], cat), (cat, parent, comments[parent])
    assert 30 <= len(LEAF_CATEGORIES - UNKNOWN_CATEGORIES) <= 70
    assert 60 <= len(sandbox_data.ALL_CATEGORIES) <= 120
    assert ROLLUP_CATEGORIES >= {"totalprice", "sms", "mms", "calls", "calls-inbound", "phonenumbers"}


def test_every_category_has_its_catalog_role():
    """catalog.csv (what ingestion trusts) and the sandbox agree on every category the sandbox emits."""
    roles = {r["category"]: r["role"] for r in read_catalog_file()}
    expected = {c: "leaf" for c in LEAF_CATEGORIES - UNKNOWN_CATEGORIES}
    expected |= {c: "rollup" for c in ROLLUP_CATEGORIES | sandbox_data.DUPLICATE_CATEGORIES}  # duplicates: never leaves
    expected["totalprice"] = "total"
    assert set(expected) == sandbox_data.ALL_CATEGORIES - UNKNOWN_CATEGORIES
    assert {c: roles.get(c) for c in expected if roles.get(c) != expected[c]} == {}
    assert not UNKNOWN_CATEGORIES & set(roles), "the unknown categories must be unknown to the catalog"
    # so, counting the catalog's leaves, every day's gap to totalprice is exactly the unknown categories
    # (a whole month covers every account's billing day, one-off fees and credits; today is partial)
    sandbox = Sandbox(seed=7, today=TODAY)
    days = [dt.date(2025, 5, d) for d in range(1, 32)] + [TODAY]
    for account in sandbox.accounts:
        for include in (True, False):
            for day in days:
                recs = {r["category"]: Decimal(r["price"]) for r in sandbox.daily_records(account.sid, day, include)}
                leaves = sum((p for c, p in recs.items() if roles.get(c) == "leaf"), Decimal(0))
                unknown = sum((recs[c] for c in UNKNOWN_CATEGORIES), Decimal(0))
                assert recs["totalprice"] - leaves == unknown, (account.role, include, day)


def test_realistic_units_and_monthly_fees():
    sandbox = Sandbox(seed=7, today=TODAY)
    main = sandbox.account("main")
    may = [by_category(sandbox.daily_records(main.sid, dt.date(2025, 5, d), include_subaccounts=False))
           for d in range(1, 32)]
    sms = may[0]["sms-outbound-longcode"]
    assert (sms["count_unit"], sms["usage_unit"]) == ("messages", "segments")
    assert (may[0]["calls-outbound"]["count_unit"], may[0]["calls-outbound"]["usage_unit"]) == ("calls", "minutes")
    charged = [d for d in may if d["phonenumbers-local"]["price"] != "0"]
    assert len(charged) == 1 and charged[0]["phonenumbers-local"]["count_unit"] == "phone-numbers"
    assert charged[0]["phonenumbers-local"]["start_date"] == f"2025-05-{main.billing_day:02d}"
    # weekday seasonality: a Wednesday has more outbound calls than the Sunday after it
    wed, sun = may[13], may[17]  # 2025-05-14 and 2025-05-18
    assert Decimal(wed["calls-outbound"]["usage"]) > Decimal(sun["calls-outbound"]["usage"])
    # growth: a year later the same month costs more
    def month_total(year, month):
        return sum(Decimal(by_category(sandbox.daily_records(main.sid, dt.date(year, month, d)))["totalprice"]["price"])
                   for d in range(1, 29))
    assert month_total(2025, 5) > month_total(2024, 6)


def test_fault_injection_and_latency():
    srv, base_url = serve_in_thread(seed=3, today=TODAY, fail_429_rate=0.2, fail_500_rate=0.1)
    try:
        c = srv.sandbox.credentials()[0]
        url = base_url + records_path(c["account_sid"], "/Today")
        statuses = []
        with requests.Session() as http:
            for _ in range(300):
                r = http.get(url, params={"PageSize": 5}, auth=(c["api_key_sid"], c["api_secret"]), timeout=10)
                statuses.append(r.status_code)
                if r.status_code == 429:
                    assert r.headers["Retry-After"] == "1"
                    assert_twilio_error(r, 429, 20429)
                elif r.status_code == 500:
                    assert_twilio_error(r, 500, 20500)
        assert 35 <= statuses.count(429) <= 85
        assert 12 <= statuses.count(500) <= 50
        assert statuses.count(200) == 300 - statuses.count(429) - statuses.count(500)
        assert srv.sandbox.request_count == 300
    finally:
        srv.shutdown()

    slow = Sandbox(seed=3, today=TODAY, latency=0.05)
    t0 = time.monotonic()
    status, _, _ = slow.handle("GET", "/2010-04-01/Accounts.json")
    assert status == 401 and time.monotonic() - t0 >= 0.05


# --- packaging, credentials, the command ---------------------------------------------------------


def test_sandbox_module_imports_without_django():
    path = SANDBOX_PACKAGE / "__init__.py"
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('standalone_sandbox', {str(path)!r},\n"
        f"    submodule_search_locations=[{str(SANDBOX_PACKAGE)!r}])\n"
        "m = importlib.util.module_from_spec(spec); sys.modules[spec.name] = m; spec.loader.exec_module(m)\n"
        "assert not [k for k in sys.modules if k == 'django' or k.startswith('django.')], 'django imported'\n"
        "assert m.Sandbox(seed=1).credentials()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30, cwd="/")
    assert importlib.util.find_spec("integrations.twilio.sandbox") is not None


def test_credentials_are_derived_not_written_in_the_source():
    source = "".join(path.read_text() for path in sorted(SANDBOX_PACKAGE.glob("*.py")))
    assert "class Sandbox" in source and "PRODUCTS" in source
    creds = Sandbox(seed=1).credentials()
    assert [c["kind"] for c in creds] == ["main", "subaccount", "subaccount", "standalone"]
    assert [c["currency"] for c in creds] == ["usd", "usd", "usd", "gbp"]
    for c in creds:
        assert re.fullmatch(r"AC[0-9a-f]{32}", c["account_sid"]) and re.fullmatch(r"SK[0-9a-f]{32}", c["api_key_sid"])
        assert len(c["api_secret"]) == 32 and c["api_secret"] not in source
    banner = credentials_banner(Sandbox(seed=1), "http://127.0.0.1:8089")
    for c in creds:
        for value in (c["name"], c["account_sid"], c["api_key_sid"], c["api_secret"]):
            assert value in banner


def test_management_command_prints_the_banner_and_serves_until_ctrl_c():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "vantage.settings_test", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "twilio_sandbox", "--port", "0", "--seed", "5", "--today", "2025-06-18"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True)
    reader.start()
    try:
        out = []
        deadline = time.monotonic() + 30
        while not out or "Ctrl-C" not in out[-1]:
            out.append(lines.get(timeout=max(0.1, deadline - time.monotonic())))
        banner = "".join(out)
        base_url = re.search(r"listening on (http://127\.0\.0\.1:\d+)", banner).group(1)
        expected = Sandbox(seed=5, today=TODAY).credentials()
        for c in expected:
            assert c["name"] in banner and c["account_sid"] in banner
            assert c["api_key_sid"] in banner and c["api_secret"] in banner
        main = expected[0]
        r = requests.get(base_url + records_path(main["account_sid"], "/Today"),
                         auth=(main["api_key_sid"], main["api_secret"]), timeout=10)
        assert r.status_code == 200 and r.json()["usage_records"][0]["start_date"] == "2025-06-18"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        reader.join(timeout=5)
        rest = []
        while not lines.empty():
            rest.append(lines.get_nowait())
        assert "stopped" in "".join(rest)
        assert main["api_secret"] not in "".join(rest)  # no request logging of credentials
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
