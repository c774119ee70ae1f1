"""The sandbox's anomaly switch: off by default (the data other tests rely on), labelled and reproducible on."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from integrations.twilio.sandbox import Sandbox
from integrations.twilio.sandbox.anomalies import Injection, plan

TODAY = date(2026, 11, 27)


def price(sandbox, role, category, day):
    return sandbox._leaf_day(role, day, 1.0)[category][2]


def test_off_by_default_and_the_data_is_unchanged():
    plain, off = Sandbox(seed=3, today=TODAY), Sandbox(seed=3, today=TODAY, anomalies=False)
    assert plain.injections == () and plain.injected_anomalies() == []
    day = TODAY - timedelta(days=5)
    assert plain.daily_records(plain.accounts[0].sid, day) == off.daily_records(off.accounts[0].sid, day)


def test_an_injection_multiplies_one_series_on_its_day_only():
    day = TODAY - timedelta(days=10)
    spike = Injection("main", "sms-outbound-longcode", day, 3.0, "spike")
    plain, spiked = Sandbox(seed=3, today=TODAY), Sandbox(seed=3, today=TODAY, anomalies=[spike])
    ratio = price(spiked, "main", "sms-outbound-longcode", day) / price(plain, "main", "sms-outbound-longcode", day)
    assert Decimal("2.9") < ratio < Decimal("3.1")
    before = day - timedelta(days=1)
    sms = "sms-outbound-longcode"
    assert price(spiked, "main", sms, before) == price(plain, "main", sms, before)
    assert price(spiked, "main", "calls-outbound", day) == price(plain, "main", "calls-outbound", day)
    # derived products follow their source, as at Twilio; roll-ups still add up
    fees = "sms-messages-carrierfees"
    assert price(spiked, "main", fees, day) > price(plain, "main", fees, day)


def test_the_seed_plan_is_labelled_and_reproducible():
    roles = ["main", "sub1", "sub2", "standalone"]
    first, again, other = plan(1, TODAY, roles), plan(1, TODAY, roles), plan(2, TODAY, roles)
    assert first == again and first != other
    kinds = {i.kind for i in first}
    assert kinds == {"spike", "drop", "level_shift"}
    assert {i.factor for i in first if i.kind == "spike"} == {1.3, 1.5, 2.0, 3.0, 5.0}
    assert all(TODAY - timedelta(days=120) <= i.day < TODAY for i in first)


@pytest.mark.sandbox
def test_the_ground_truth_is_served():
    sandbox = Sandbox(seed=1, today=TODAY, anomalies=True)
    status, _, body = sandbox.handle("GET", "/sandbox/anomalies.json")
    truth = json.loads(body)["anomalies"]
    assert status == 200 and len(truth) == len(sandbox.injections) > 30
    assert {"account_sid", "category", "day", "factor", "kind"} <= set(truth[0])
    assert json.loads(Sandbox(seed=1, today=TODAY).handle("GET", "/sandbox/anomalies.json")[2]) == {"anomalies": []}
