"""The sandbox's synthetic world: accounts, products (the leaves) with their volumes and prices, the
roll-up tree, the duplicates and each category's metadata (description and units as Twilio prints them).

Plain data and the checks that keep it consistent; standard library only (see ``__init__``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

HISTORY_MONTHS = 36  # the accounts' lifetime: enough to demonstrate importing earlier history
FIXED_TODAY_FRACTION = 0.5  # share of "today" already used when the caller fixes today

# Growth is anchored to a fixed date (not to "today") so that a day's values never depend on when
# the sandbox runs.
GROWTH_EPOCH = dt.date(2024, 1, 1)
GROWTH_PER_YEAR = 1.22
NOISE_SIGMA = 0.12
CREDIT_PROBABILITY = 0.04  # share of days with a bucket adjustment (a negative price)
SETUP_PROBABILITY = 0.05
# Volume shapes: by weekday (Monday first) for each Product.profile, and by month (January first)
WEEKDAY_SHAPES = {
    "business": (1.0, 1.04, 1.06, 1.03, 0.95, 0.42, 0.33),
    "consumer": (0.95, 0.97, 1.0, 1.0, 1.05, 1.08, 1.0),
    "flat": (1.0,) * 7,
}
MONTH_SEASON = (0.94, 0.95, 0.99, 1.0, 1.0, 0.98, 0.96, 0.97, 1.01, 1.03, 1.12, 1.2)  # Jan..Dec
# Level shifts: from a fixed day (like GROWTH_EPOCH), one account's volume of one product steps to ``factor``
# times what it was (a fleet rolled out, traffic moved elsewhere, a contract won or lost), so forecasts meet
# the breaks real accounts have. (role, category, first day, factor)
LEVEL_SHIFTS = (
    ("sub2", "wireless-usage-data-europe", dt.date(2025, 10, 6), 3.0),  # a European IoT fleet rolled out
    ("main", "sms-outbound-tollfree", dt.date(2026, 2, 16), 0.35),  # most toll-free traffic moved to long codes
    ("standalone", "calls-outbound", dt.date(2026, 6, 8), 2.0),  # an outbound calling contract won
    ("sub1", "calls-inbound-local", dt.date(2026, 9, 14), 0.6),  # support calls deflected to chat
)

# --------------------------------------------------------------------------------------------------
# Accounts
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountSpec:
    role: str  # key into Product.base
    name: str
    currency: str  # lower case, as Twilio's price_unit
    kind: str  # "main" | "subaccount" | "standalone"
    parent_role: str | None = None


ACCOUNT_SPECS = (
    AccountSpec("main", "Acme Main", "usd", "main"),
    AccountSpec("sub1", "Acme Support Center", "usd", "subaccount", parent_role="main"),
    AccountSpec("sub2", "Acme Video & IoT", "usd", "subaccount", parent_role="main"),
    AccountSpec("standalone", "Globex UK", "gbp", "standalone"),
)

FX_FROM_USD = {"usd": Decimal(1), "gbp": Decimal("0.79")}

# --------------------------------------------------------------------------------------------------
# Products (the leaves) and the roll-up tree
# --------------------------------------------------------------------------------------------------

# kind:
#   volume   usage-driven: count ~ base x growth x weekday x season x noise; usage ~ count x usage_per_count
#   derived  count = round(sum(count of `sources`) x base[role]) (e.g. carrier fees per outbound message)
#   monthly  charged on the account's billing day only: count = base x growth (numbers, SIMs, campaigns)
#   storage  charged every day on what is stored: usage = base x growth (minutes), price per unit-day
#   setup    one-off fees on a few days
#   credit   a bucket adjustment on a few days: negative price (see CREDIT_CATEGORIES)


@dataclass(frozen=True)
class Product:
    category: str
    description: str
    count_unit: str
    usage_unit: str
    unit_price: Decimal  # USD per usage unit (converted for other currencies)
    kind: str = "volume"
    base: dict = field(default_factory=dict)  # account role -> mean daily count / stock / ratio
    usage_per_count: float = 1.0
    usage_places: int = 0
    price_places: int = 4
    profile: str = "business"  # weekday shape: business | consumer | flat
    sources: tuple = ()


def _p(category, description, count_unit, usage_unit, unit_price, **kw):
    return Product(category, description, count_unit, usage_unit, Decimal(unit_price), **kw)


# Order matters only for `derived` products: their sources come first.
PRODUCTS: tuple[Product, ...] = (
    # --- SMS ---------------------------------------------------------------------------------------
    _p("sms-outbound-longcode", "Outbound Longcode SMS", "messages", "segments", "0.0083",
       base=dict(main=42000, sub1=2500, sub2=300, standalone=6000), usage_per_count=1.35, profile="consumer"),
    _p("sms-outbound-tollfree", "Outbound Toll Free SMS", "messages", "segments", "0.0083",
       base=dict(main=12000, sub1=800), usage_per_count=1.3, profile="consumer"),
    _p("sms-outbound-shortcode", "Short Code Outbound SMS", "messages", "segments", "0.0083"),  # zeros
    _p("sms-inbound-longcode", "Inbound Longcode SMS", "messages", "segments", "0.0083",
       base=dict(main=5200, sub1=900, standalone=700), usage_per_count=1.05, profile="consumer"),
    _p("sms-inbound-tollfree", "Inbound Toll Free SMS", "messages", "segments", "0.0083",
       base=dict(main=1300, sub1=400), usage_per_count=1.05, profile="consumer"),
    _p("sms-inbound-shortcode", "Short Code Inbound SMS", "messages", "segments", "0.0083"),  # zeros
    _p("sms-messages-carrierfees", "SMS Carrier Fees", "messages", "messages", "0.0030", kind="derived",
       sources=("sms-outbound-longcode", "sms-outbound-tollfree"), base=dict(main=1.0, sub1=1.0, sub2=1.0)),
    _p("sms-pumping-protection-usca", "SMS Pumping Protection US/CA", "messages", "messages", "0.0005",
       kind="derived", sources=("sms-outbound-longcode", "sms-outbound-tollfree"), base=dict(main=0.96, sub1=1.0)),
    _p("sms-pumping-protection-non-usca", "SMS Pumping Protection Non US/CA", "messages", "messages", "0.0250",
       kind="derived", sources=("sms-outbound-longcode", "sms-outbound-tollfree"),
       base=dict(main=0.04, standalone=1.0)),
    # --- MMS ---------------------------------------------------------------------------------------
    # Long-code MMS exists only in the US and Canada: Twilio splits it by country, and the catalog
    # counts the two countries (mms-*-longcode are their roll-ups).
    _p("mms-outbound-longcode-unitedstates", "Outbound Longcode MMS United States", "messages", "messages",
       "0.0200", base=dict(main=3300, sub1=110), profile="consumer"),
    _p("mms-outbound-longcode-canada", "Outbound Longcode MMS Canada", "messages", "messages", "0.0200",
       base=dict(main=200, sub1=10), profile="consumer"),
    _p("mms-outbound-tollfree", "Outbound Toll Free MMS", "messages", "messages", "0.0200",
       base=dict(main=600), profile="consumer"),
    _p("mms-inbound-longcode-unitedstates", "Inbound Longcode MMS United States", "messages", "messages",
       "0.0165", base=dict(main=420), profile="consumer"),
    _p("mms-inbound-longcode-canada", "Inbound Longcode MMS Canada", "messages", "messages", "0.0165",
       base=dict(main=30), profile="consumer"),
    _p("mms-inbound-toll-free", "Inbound Toll Free MMS", "messages", "messages", "0.0165",
       base=dict(main=80), profile="consumer"),
    # US carrier fees: charged on messages to US handsets (none on the Canadian long-code traffic)
    _p("mms-messages-carrierfees", "MMS Carrier Fees", "messages", "messages", "0.0050", kind="derived",
       sources=("mms-outbound-longcode-unitedstates", "mms-outbound-tollfree"), base=dict(main=1.0, sub1=1.0)),
    # --- Voice -------------------------------------------------------------------------------------
    _p("calls-outbound", "Outbound Voice Minutes", "calls", "minutes", "0.0140",
       base=dict(main=1800, sub1=2400, standalone=300), usage_per_count=2.6),
    _p("calls-inbound-local", "Local Inbound Voice Minutes", "calls", "minutes", "0.0085",
       base=dict(main=900, sub1=1500, standalone=220), usage_per_count=3.1),
    _p("calls-inbound-mobile", "Mobile Inbound Voice Minutes", "calls", "minutes", "0.0085",
       base=dict(main=60, standalone=150), usage_per_count=2.2),
    # Toll-free inbound is priced by the caller's origin (calls-inbound-tollfree is their roll-up)
    _p("calls-inbound-tollfree-local", "Toll Free Inbound Voice Minutes from Local Numbers", "calls", "minutes",
       "0.0220", base=dict(main=280, sub1=2700), usage_per_count=4.8),
    _p("calls-inbound-tollfree-mobile", "Toll Free Inbound Voice Minutes from Mobile Numbers", "calls", "minutes",
       "0.0260", base=dict(main=120, sub1=1100), usage_per_count=4.6),
    _p("calls-media-stream-minutes", "Media Stream Minutes", "streams", "minutes", "0.0040",
       base=dict(main=40, sub1=600), usage_per_count=4.0),
    _p("calls-client", "Client Calls", "calls", "minutes", "0.0040",
       base=dict(sub1=1100), usage_per_count=6.5),
    _p("amazon-polly", "Amazon Polly", "requests", "characters", "0.000008",
       base=dict(main=2500, sub1=5200), usage_per_count=180, price_places=6),
    _p("answering-machine-detection", "Answering Machine Detection", "calls", "calls", "0.0075",
       base=dict(main=1100)),
    # `recordings` is the roll-up of the voice and the trunking recordings (Twilio's docs)
    _p("calls-recordings", "Call Recordings", "recordings", "minutes", "0.0025",
       base=dict(main=250, sub1=3300), usage_per_count=3.5),
    _p("trunking-recordings", "SIP Trunking Recordings", "recordings", "minutes", "0.0025",
       base=dict(sub1=900), usage_per_count=3.3),
    _p("recordingstorage", "Recording Storage", "recordings", "minutes", "0.0000167", kind="storage",
       base=dict(main=40000, sub1=600000), usage_per_count=3.5, price_places=5),
    _p("transcriptions", "Transcriptions", "transcriptions", "minutes", "0.0500",
       base=dict(sub1=300), usage_per_count=3.4),
    _p("trunking-termination", "SIP Trunking Termination Minutes", "calls", "minutes", "0.0045",
       base=dict(sub1=900), usage_per_count=3.3),
    # --- Phone numbers and registrations (monthly fees) --------------------------------------------
    _p("phonenumbers-local", "Local Phone Numbers", "phone-numbers", "phone-numbers", "1.1500", kind="monthly",
       base=dict(main=420, sub1=80, sub2=6, standalone=40)),
    _p("phonenumbers-tollfree", "Toll Free Phone Numbers", "phone-numbers", "phone-numbers", "2.1500",
       kind="monthly", base=dict(main=35, sub1=24)),
    _p("phonenumbers-mobile", "Mobile Phone Numbers", "phone-numbers", "phone-numbers", "1.1500", kind="monthly",
       base=dict(standalone=30)),
    _p("phonenumbers-setups", "Phone Number Setups", "phone-numbers", "phone-numbers", "1.0000", kind="setup",
       base=dict(standalone=1)),
    # `a2p-registration-fees` is the roll-up of the A2P 10DLC fees: campaign monthly fees plus
    # one-off brand registrations and campaign vettings
    _p("a2p-10dlc-registrationfees-monthly", "A2P 10DLC Campaign Monthly Fees", "registrations", "registrations",
       "10.0000", kind="monthly", base=dict(main=3, sub1=1)),
    _p("a2p-10dlc-registrationfees-brandregistration", "A2P 10DLC Brand Registration", "registrations",
       "registrations", "4.4100", kind="setup", base=dict(main=1)),
    _p("a2p-10dlc-registrationfees-campaignvetting", "A2P 10DLC Campaign Vetting", "registrations",
       "registrations", "15.0000", kind="setup", base=dict(main=1, sub1=1)),
    # --- Lookup, Verify ----------------------------------------------------------------------------
    # `lookups` is "all Lookups executed across all categories": carrier, caller name (CNAM, itself
    # the roll-up `calleridlookups`) and the free number-format lookups
    _p("carrier-lookups", "Carrier Lookups", "lookups", "lookups", "0.0050", base=dict(main=1700, standalone=400),
       profile="consumer"),
    _p("calleridlookups-api", "Caller ID Lookups via API", "lookups", "lookups", "0.0100", base=dict(main=600),
       profile="consumer"),
    _p("calleridlookups-programmablevoice", "Caller ID Lookups on Inbound Calls", "lookups", "lookups", "0.0100",
       kind="derived", sources=("calls-inbound-local",), base=dict(sub1=0.8)),
    _p("number-format-lookups", "Number Format Lookups", "lookups", "lookups", "0",
       base=dict(main=900, standalone=250), profile="consumer"),  # free
    _p("verify-push", "Verify Push", "verifications", "verifications", "0.0010", base=dict(main=1500),
       profile="consumer"),
    # Twilio documents this as "all Verify SMS and Voice verifications"; verify-voice-sms is emitted
    # as its alias (see DUPLICATES)
    _p("authy-phone-verifications", "Authy Phone Verifications", "verifications", "verifications", "0.0500",
       base=dict(main=2100, standalone=500), profile="consumer"),
    # --- Conversations, WhatsApp -------------------------------------------------------------------
    _p("conversations-participants", "Conversations Participants", "participants", "participants", "0.0016",
       base=dict(main=900)),
    _p("conversations-api-requests", "Conversations API Requests", "requests", "requests", "0",
       base=dict(main=26000)),  # usage but no price, like Twilio's free counters
    _p("channels-whatsapp-template-marketing", "WhatsApp Marketing Templates", "messages", "messages", "0.0250",
       base=dict(main=1500), profile="consumer"),
    _p("channels-whatsapp-template-utility", "WhatsApp Utility Templates", "messages", "messages", "0.0040",
       base=dict(main=4200), profile="consumer"),
    _p("channels-whatsapp-template-authentication", "WhatsApp Authentication Templates", "messages", "messages",
       "0.0135", base=dict(main=900, standalone=300), profile="consumer"),
    # Twilio's own flat per-message fee, on every WhatsApp message in either direction. Meta charges
    # nothing on inbound messages, so channels-whatsapp-inbound (emitted as a direction cut, see
    # DUPLICATES) carries exactly the inbound platform fee.
    _p("channels-messaging-inbound", "Channels Messaging Inbound", "messages", "messages", "0.0050",
       base=dict(main=2600), profile="consumer"),
    _p("channels-messaging-outbound", "Channels Messaging Outbound", "messages", "messages", "0.0050",
       kind="derived", sources=("channels-whatsapp-template-marketing", "channels-whatsapp-template-utility",
                                "channels-whatsapp-template-authentication"), base=dict(main=1.0, standalone=1.0)),
    # --- Video, IoT --------------------------------------------------------------------------------
    _p("group-rooms-participant-minutes", "Group Rooms Participant Minutes", "participants", "minutes", "0.0040",
       base=dict(sub2=700), usage_per_count=32),
    _p("group-rooms-recorded-minutes", "Group Rooms Recorded Minutes", "recordings", "minutes", "0.0040",
       base=dict(sub2=90), usage_per_count=28),
    # wireless-usage-data and wireless-usage-mrc are roll-ups of per-region data and per-plan fees
    _p("wireless-usage-data-northamerica", "Wireless Usage Data North America", "sims", "megabytes", "0.1000",
       base=dict(sub2=310), usage_per_count=2.2, usage_places=2, profile="flat"),
    _p("wireless-usage-data-europe", "Wireless Usage Data Europe", "sims", "megabytes", "0.2000",
       base=dict(sub2=40), usage_per_count=1.8, usage_places=2, profile="flat"),
    _p("wireless-usage-mrc-individual", "Wireless Usage MRC Individual Plans", "sims", "sims", "2.0000",
       kind="monthly", base=dict(sub2=400)),
    _p("wireless-usage-mrc-suspended", "Wireless Usage MRC Suspended SIMs", "sims", "sims", "0.1000",
       kind="monthly", base=dict(sub2=20)),
    _p("wireless-usage-sms", "Wireless Usage SMS Commands", "commands", "commands", "0.0100",
       base=dict(sub2=900), profile="flat"),
    # --- Credit (negative price on a few days) -----------------------------------------------------
    # The TSV has no "credit"/"promotion" category; `smsmessages-bucket-adjustments` is a top-level
    # leaf whose name (a prepaid SMS bucket being adjusted) plausibly carries a negative price, as
    # the TSV's note on adjustment-like names says. It credits messages back at the SMS rate.
    _p("smsmessages-bucket-adjustments", "SMS Messages Bucket Adjustments", "messages", "messages", "0.0083",
       kind="credit", base=dict(main=6000, standalone=800)),
    # --- Not in Twilio's published enum (launched after it was removed, 2025-09-04) ---------------
    # Names chosen so that no hyphen-prefix is a known category: they can only be top-level.
    _p("verify-passkeys", "Verify Passkeys", "verifications", "verifications", "0.0050",
       base=dict(main=180), profile="consumer"),
    _p("ai-voice-agents-minutes", "AI Voice Agents Minutes", "sessions", "minutes", "0.0700",
       base=dict(main=35, sub1=20), usage_per_count=3.2),
)


@dataclass(frozen=True)
class Rollup:
    description: str
    count_unit: str
    usage_unit: str  # "" for totalprice: the account's currency
    children: tuple


# Each roll-up is the EXACT sum (count, usage and price) of its children. The tree follows the TSV's
# parent column (`calls` = calls-inbound + calls-outbound + calls-media-stream-minutes, as observed),
# except where catalog.csv documents a different sum (`recordings` = calls-recordings +
# trunking-recordings, `lookups` over carrier-/calleridlookups/number-format-, `a2p-registration-fees`
# over the a2p-10dlc-registrationfees-* fees); `totalprice` is the sum of every leaf exactly once.
ROLLUPS: dict[str, Rollup] = {
    "totalprice": Rollup("Total Price", "", "", (
        "sms", "mms", "calls", "calls-client", "amazon-polly", "answering-machine-detection", "recordings",
        "recordingstorage", "transcriptions", "trunking-termination", "phonenumbers", "a2p-registration-fees",
        "lookups", "verify-push", "authy-phone-verifications", "conversations", "channels", "group-rooms", "wireless",
        "smsmessages-bucket-adjustments", "verify-passkeys", "ai-voice-agents-minutes",
    )),
    "sms": Rollup("SMS Messages", "messages", "messages", (
        "sms-outbound", "sms-inbound", "sms-messages-carrierfees", "sms-pumping-protection",
    )),
    "sms-outbound": Rollup("Outbound SMS", "messages", "segments", (
        "sms-outbound-longcode", "sms-outbound-tollfree", "sms-outbound-shortcode",
    )),
    "sms-inbound": Rollup("Inbound SMS", "messages", "segments", (
        "sms-inbound-longcode", "sms-inbound-tollfree", "sms-inbound-shortcode",
    )),
    "sms-pumping-protection": Rollup("SMS Pumping Protection", "messages", "messages", (
        "sms-pumping-protection-usca", "sms-pumping-protection-non-usca",
    )),
    "mms": Rollup("MMS Messages", "messages", "messages", ("mms-outbound", "mms-inbound", "mms-messages-carrierfees")),
    "mms-outbound": Rollup("Outbound MMS", "messages", "messages", ("mms-outbound-longcode", "mms-outbound-tollfree")),
    "mms-inbound": Rollup("Inbound MMS", "messages", "messages", ("mms-inbound-longcode", "mms-inbound-toll-free")),
    "mms-outbound-longcode": Rollup("Outbound Longcode MMS", "messages", "messages", (
        "mms-outbound-longcode-unitedstates", "mms-outbound-longcode-canada",
    )),
    "mms-inbound-longcode": Rollup("Inbound Longcode MMS", "messages", "messages", (
        "mms-inbound-longcode-unitedstates", "mms-inbound-longcode-canada",
    )),
    "calls": Rollup("Voice Minutes", "calls", "minutes", (
        "calls-inbound", "calls-outbound", "calls-media-stream-minutes",
    )),
    "calls-inbound": Rollup("Inbound Voice Minutes", "calls", "minutes", (
        "calls-inbound-local", "calls-inbound-mobile", "calls-inbound-tollfree",
    )),
    "calls-inbound-tollfree": Rollup("Toll Free Inbound Voice Minutes", "calls", "minutes", (
        "calls-inbound-tollfree-local", "calls-inbound-tollfree-mobile",
    )),
    "recordings": Rollup("Recordings", "recordings", "minutes", ("calls-recordings", "trunking-recordings")),
    "phonenumbers": Rollup("Phone Numbers", "phone-numbers", "phone-numbers", (
        "phonenumbers-local", "phonenumbers-tollfree", "phonenumbers-mobile", "phonenumbers-setups",
    )),
    "a2p-registration-fees": Rollup("A2P Registration Fees", "registrations", "registrations", (
        "a2p-10dlc-registrationfees-monthly", "a2p-10dlc-registrationfees-brandregistration",
        "a2p-10dlc-registrationfees-campaignvetting",
    )),
    "lookups": Rollup("Lookups", "lookups", "lookups", ("carrier-lookups", "calleridlookups", "number-format-lookups")),
    "calleridlookups": Rollup("Caller ID Lookups", "lookups", "lookups", (
        "calleridlookups-api", "calleridlookups-programmablevoice",
    )),
    "conversations": Rollup("Conversations", "participants", "participants", (
        "conversations-participants", "conversations-api-requests",
    )),
    "channels": Rollup("Channels", "messages", "messages", ("channels-messaging", "channels-whatsapp")),
    "channels-messaging": Rollup("Channels Messaging", "messages", "messages", (
        "channels-messaging-inbound", "channels-messaging-outbound",
    )),
    "channels-whatsapp": Rollup("WhatsApp", "messages", "messages", (
        "channels-whatsapp-template-marketing", "channels-whatsapp-template-utility",
        "channels-whatsapp-template-authentication",
    )),
    "group-rooms": Rollup("Group Rooms", "participants", "minutes", (
        "group-rooms-participant-minutes", "group-rooms-recorded-minutes",
    )),
    "wireless": Rollup("Wireless", "sims", "sims", ("wireless-usage",)),
    "wireless-usage": Rollup("Wireless Usage", "sims", "sims", (
        "wireless-usage-data", "wireless-usage-mrc", "wireless-usage-sms",
    )),
    "wireless-usage-data": Rollup("Wireless Usage Data", "sims", "megabytes", (
        "wireless-usage-data-northamerica", "wireless-usage-data-europe",
    )),
    "wireless-usage-mrc": Rollup("Wireless Usage Monthly Recurring Charges", "sims", "sims", (
        "wireless-usage-mrc-individual", "wireless-usage-mrc-suspended",
    )),
}

# Emitted with exactly the same count/usage/price as their twin (a leaf), and part of no sum:
# * `calls-text-to-speech` duplicates `amazon-polly` and is not inside `calls` (observed, per the TSV);
# * `verify-voice-sms` is an alias of `authy-phone-verifications` ("all Verify SMS and Voice
#   verifications" in Twilio's docs), which the catalog keeps as the leaf;
# * `channels-whatsapp-inbound` cuts WhatsApp usage by direction: on inbound messages Meta charges
#   nothing, so it is exactly Twilio's inbound per-message fee, `channels-messaging-inbound`.
DUPLICATES: dict[str, str] = {
    "calls-text-to-speech": "amazon-polly",
    "verify-voice-sms": "authy-phone-verifications",
    "channels-whatsapp-inbound": "channels-messaging-inbound",
}
DUPLICATE_DESCRIPTIONS = {
    "calls-text-to-speech": "Text To Speech",
    "verify-voice-sms": "Verify Voice & SMS",
    "channels-whatsapp-inbound": "WhatsApp Inbound Messages",
}

TOTAL_CATEGORY = "totalprice"
LEAF_CATEGORIES = frozenset(p.category for p in PRODUCTS)  # includes the unknowns and the credit
ROLLUP_CATEGORIES = frozenset(ROLLUPS)  # includes totalprice (the root)
UNKNOWN_CATEGORIES = frozenset({"verify-passkeys", "ai-voice-agents-minutes"})  # subset of LEAF_CATEGORIES
CREDIT_CATEGORIES = frozenset({"smsmessages-bucket-adjustments"})  # subset of LEAF_CATEGORIES
DUPLICATE_CATEGORIES = frozenset(DUPLICATES)
ALL_CATEGORIES = LEAF_CATEGORIES | ROLLUP_CATEGORIES | DUPLICATE_CATEGORIES
PARENTS: dict[str, str] = {child: parent for parent, r in ROLLUPS.items() for child in r.children}

PRODUCT_BY_CATEGORY = {p.category: p for p in PRODUCTS}
SORTED_CATEGORIES = tuple(sorted(ALL_CATEGORIES))


def _check_tree():
    seen = [c for r in ROLLUPS.values() for c in r.children]
    assert len(seen) == len(set(seen)), "a category has two parents"
    assert set(seen) == (LEAF_CATEGORIES | ROLLUP_CATEGORIES) - {TOTAL_CATEGORY}, "tree does not cover every category"
    assert UNKNOWN_CATEGORIES <= LEAF_CATEGORIES and CREDIT_CATEGORIES <= LEAF_CATEGORIES
    assert not (DUPLICATE_CATEGORIES & (LEAF_CATEGORIES | ROLLUP_CATEGORIES))
    assert set(DUPLICATES.values()) <= LEAF_CATEGORIES - UNKNOWN_CATEGORIES, "a duplicate must mirror a known leaf"
    for i, p in enumerate(PRODUCTS):
        assert all(PRODUCT_BY_CATEGORY[s] in PRODUCTS[:i] for s in p.sources), p.category


_check_tree()


def _rollup_order():
    """Roll-ups children-first, so each one is computed after all of its children."""
    order, done = [], set()

    def visit(name):
        if name in done or name not in ROLLUPS:
            return
        for child in ROLLUPS[name].children:
            visit(child)
        done.add(name)
        order.append(name)

    visit(TOTAL_CATEGORY)
    return tuple(order)


ROLLUP_ORDER = _rollup_order()


def category_meta(category: str, currency: str) -> tuple[str, str, str]:
    """(description, count_unit, usage_unit) as Twilio prints them."""
    if category == TOTAL_CATEGORY:
        return "Total Price", "", currency
    if category in ROLLUPS:
        r = ROLLUPS[category]
        return r.description, r.count_unit, r.usage_unit
    if category in DUPLICATES:
        p = PRODUCT_BY_CATEGORY[DUPLICATES[category]]
        return DUPLICATE_DESCRIPTIONS[category], p.count_unit, p.usage_unit
    p = PRODUCT_BY_CATEGORY[category]
    return p.description, p.count_unit, p.usage_unit
