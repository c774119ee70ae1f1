"""The Twilio usage category catalog file (integrations/twilio/catalog.csv): shape and counting rules.

No database: these tests read the CSV that seeds ``TwilioUsageCategory`` and check the rules that keep
each Twilio dollar counted exactly once (only ``leaf`` rows become line items).
"""

import csv
from decimal import Decimal
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CATALOG = REPO / "integrations" / "twilio" / "catalog.csv"
REFERENCE_TSV = Path("/work/shared/reference/twilio_usage_categories.tsv")

HEADER = ["category", "service", "role", "comment"]
ROLES = {"total", "rollup", "leaf"}
SERVICES = {
    "Programmable Voice",
    "SMS & MMS",
    "Phone Numbers",
    "Lookup",
    "Verify",
    "Conversations",
    "WhatsApp",
    "Video",
    "Recordings & Storage",
    "Elastic SIP Trunking",
    "Fax",
    "Flex",
    "Serverless",
    "Wireless/IoT",
    "Marketplace",
    "Support",
    "Other",
}


def _read():
    with CATALOG.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [dict(zip(header, r, strict=True)) for r in reader]
    return header, rows


@pytest.fixture(scope="module")
def rows():
    return _read()[1]


@pytest.fixture(scope="module")
def by_name(rows):
    return {r["category"]: r for r in rows}


def test_csv_parses_with_the_exact_header():
    header, rows = _read()
    assert header == HEADER
    assert rows, "catalog is empty"
    for r in rows:
        assert r["category"] == r["category"].strip() and r["category"], r
        assert r["category"] == r["category"].lower(), r


def test_categories_are_unique_and_sorted(rows):
    names = [r["category"] for r in rows]
    assert len(names) == len(set(names)), "duplicate category rows"
    assert names == sorted(names)


@pytest.mark.skipif(not REFERENCE_TSV.exists(), reason="reference TSV lives outside the repo (shared/reference)")
def test_every_reference_category_is_present_exactly_once(rows):
    lines = [ln for ln in REFERENCE_TSV.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    reference = [ln.split("\t")[0] for ln in lines[1:]]  # lines[0] is the column header
    names = [r["category"] for r in rows]
    assert len(reference) == len(set(reference)) == 646
    assert sorted(names) == sorted(reference), {
        "missing": sorted(set(reference) - set(names)),
        "extra": sorted(set(names) - set(reference)),
    }


def test_roles_and_services_are_from_the_allowed_lists(rows):
    assert {r["role"] for r in rows} <= ROLES
    assert {r["service"] for r in rows} <= SERVICES


def test_exactly_one_total_and_it_is_totalprice(rows):
    assert [r["category"] for r in rows if r["role"] == "total"] == ["totalprice"]


def test_every_rollup_has_a_child_or_says_what_it_sums(rows, by_name):
    bad = [
        r["category"]
        for r in rows
        if r["role"] == "rollup"
        and not r["comment"].strip()
        and not any(other.startswith(r["category"] + "-") for other in by_name)
    ]
    assert not bad, f"roll-ups with neither a child category nor an explanation: {bad}"


def test_no_leaf_is_the_prefix_parent_of_another_leaf_without_a_reason(rows, by_name):
    """Two leaves where one name extends the other usually means the parent is a sum: double counting."""
    bad = [
        (r["category"], child)
        for r in rows
        if r["role"] == "leaf" and not r["comment"].strip()
        for child, c in by_name.items()
        if child.startswith(r["category"] + "-") and c["role"] == "leaf"
    ]
    assert not bad, f"leaf parents of leaves without a comment: {bad}"


def test_polly_and_calls_text_to_speech_are_not_both_counted(by_name):
    roles = {by_name["amazon-polly"]["role"], by_name["calls-text-to-speech"]["role"]}
    assert roles == {"leaf", "rollup"}


@pytest.mark.parametrize(
    "name, role",
    [
        ("calls", "rollup"),
        ("calls-inbound", "rollup"),
        ("calls-inbound-tollfree", "rollup"),
        ("calls-inbound-local", "leaf"),
        ("calls-outbound", "leaf"),
        ("calls-media-stream-minutes", "leaf"),
        ("calls-client", "leaf"),
        ("sms", "rollup"),
        ("sms-inbound", "rollup"),
        ("sms-outbound", "rollup"),
        ("sms-outbound-longcode", "leaf"),
        ("mms", "rollup"),
        ("phonenumbers", "rollup"),
        ("phonenumbers-local", "leaf"),
        ("recordings", "rollup"),
        ("calls-recordings", "leaf"),
        ("lookups", "rollup"),
        ("pv", "rollup"),
        ("authy-sms-outbound", "rollup"),
        ("authy-calls-outbound", "rollup"),
        ("usage-functions", "rollup"),
        ("functions", "leaf"),
        ("sync-endpoint-hours", "leaf"),
    ],
)
def test_documented_and_observed_relations_are_kept(by_name, name, role):
    assert by_name[name]["role"] == role, by_name[name]


def test_a_day_of_overlapping_records_counts_each_dollar_once(by_name):
    """A synthetic day that follows the documented/observed relations: the leaves add up to totalprice."""
    leaves = {
        "calls-inbound-local": "1.00",
        "calls-inbound-mobile": "0.50",
        "calls-inbound-tollfree-local": "0.20",
        "calls-inbound-tollfree-mobile": "0.10",
        "calls-outbound": "2.00",
        "calls-media-stream-minutes": "0.40",
        "amazon-polly": "0.05",
        "sms-outbound-longcode": "3.00",  # includes 0.10 of Verify SMS (authy-sms-outbound)
        "sms-inbound-longcode": "0.25",
        "phonenumbers-local": "1.15",
        "calls-recordings": "0.30",
        "trunking-recordings": "0.10",
        "carrier-lookups": "0.20",
    }
    records = {k: Decimal(v) for k, v in leaves.items()}
    records |= {
        "calls-inbound-tollfree": Decimal("0.30"),
        "calls-inbound": Decimal("1.80"),
        "calls": Decimal("4.20"),
        "calls-text-to-speech": Decimal("0.05"),
        "sms-outbound": Decimal("3.00"),
        "sms-inbound": Decimal("0.25"),
        "sms": Decimal("3.25"),
        "authy-sms-outbound": Decimal("0.10"),
        "phonenumbers": Decimal("1.15"),
        "recordings": Decimal("0.40"),
        "lookups": Decimal("0.20"),
    }
    total = sum((Decimal(v) for v in leaves.values()), Decimal(0))
    records["totalprice"] = total

    counted = sum((p for c, p in records.items() if by_name[c]["role"] == "leaf"), Decimal(0))
    assert counted == total
    assert sum(records.values()) > 2 * total  # what summing every category would have reported


def test_the_app_reader_loads_every_row():
    from integrations.twilio.catalog import CATALOG_FILE, read_catalog_file

    assert CATALOG_FILE == CATALOG
    loaded = read_catalog_file()
    assert len(loaded) == len(_read()[1])
    assert all(set(row) == set(HEADER) for row in loaded)
