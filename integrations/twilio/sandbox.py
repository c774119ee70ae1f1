"""A local emulator of Twilio's Usage Records API (v2010), speaking exactly Twilio's wire format.

Standalone: only the standard library, no Django import, so it runs from ``manage.py twilio_sandbox``,
from a test (``serve_in_thread()``) or from a plain ``python -c``.

What it serves (GET only, HTTP Basic with an API Key SID ``SK…`` and its secret)::

    /2010-04-01/Accounts/{AC…}/Usage/Records.json                       one record per category, whole range
    /2010-04-01/Accounts/{AC…}/Usage/Records/Daily.json                 one record per category per UTC day
    …/Monthly.json  …/Yearly.json  …/AllTime.json                       per calendar month / year / all time
    …/Today.json  …/Yesterday.json  …/ThisMonth.json  …/LastMonth.json  fixed periods relative to "today"

Query parameters ``Category``, ``StartDate``/``EndDate`` (``YYYY-MM-DD`` or ``-30days``, GMT, both
inclusive), ``IncludeSubaccounts`` (default true), ``PageSize`` (1..1000, default 50), ``Page`` and
``PageToken``. Paging is Twilio's: follow ``next_page_uri`` verbatim; the ``PageToken`` in it is an
opaque HMAC the sandbox issued and checks, so a hand-built token fails with 400 / 21481, and so
does ``Page`` > 0 without a token (the spec says ``Page`` is "simply for client state").

Choices where Twilio's behaviour is not documented (all deliberate, all covered by tests):

* Records are ordered by period start, then category name. Every account reports every category
  every day (zeros included), like a live account does.
* Data exists from 13 months before "today" (the account's lifetime) to today; ranges outside give
  an empty page, not an error. Record ``start_date``/``end_date`` are the period clipped to the
  requested range and to the account's lifetime.
* Today is partial: its usage-driven volumes are scaled by the fraction of the UTC day elapsed
  (0.5 when ``today`` is fixed by the caller). Every earlier day is immutable for a given seed.
* Bad query parameters answer 400 / 20001 (the code Twilio's own SDK tests use for "Invalid
  PageSize."); other methods 405 / 20004; the ``Accounts`` resource 401 / 20003 because every key
  here is a Standard key, which Twilio does not let read it.

Synthetic data (see ``PRODUCTS`` and ``ROLLUPS`` below): a main account with two subaccounts and a
standalone account in GBP; ~60 leaf categories with realistic units and prices, weekday seasonality,
growth and noise; roll-ups that are exact ``Decimal`` sums of their children; ``totalprice`` equal to
the sum of the leaves; three duplicates part of no sum (``calls-text-to-speech`` mirrors
``amazon-polly``, ``verify-voice-sms`` ``authy-phone-verifications``, ``channels-whatsapp-inbound``
``channels-messaging-inbound``); two categories Twilio's published enum never listed; a credit with a
negative price on a few days. Leaves, roll-ups and duplicates have the roles ``catalog.csv`` gives
them (a test checks it), so ingesting sandbox data leaves exactly the two unlisted categories'
prices as ``unattributed``.
Every value is a pure function of (seed, account, category, day): independent of request order,
of ``today`` (except today's partial day) and of which endpoint asked.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import datetime as dt
import functools
import hashlib
import hmac
import json
import math
import random
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

API_VERSION = "2010-04-01"
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 50
HISTORY_MONTHS = 13
FIXED_TODAY_FRACTION = 0.5  # share of "today" already used when the caller fixes today

# Growth is anchored to a fixed date (not to "today") so that a day's values never depend on when
# the sandbox runs.
_GROWTH_EPOCH = dt.date(2024, 1, 1)
_GROWTH_PER_YEAR = 1.22
_NOISE_SIGMA = 0.12
_CREDIT_PROBABILITY = 0.04  # share of days with a bucket adjustment (a negative price)
_SETUP_PROBABILITY = 0.05

ZERO = Decimal(0)

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
_DUPLICATE_DESCRIPTIONS = {
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

_PRODUCT_BY_CATEGORY = {p.category: p for p in PRODUCTS}
_SORTED_CATEGORIES = tuple(sorted(ALL_CATEGORIES))


def _check_tree():
    seen = [c for r in ROLLUPS.values() for c in r.children]
    assert len(seen) == len(set(seen)), "a category has two parents"
    assert set(seen) == (LEAF_CATEGORIES | ROLLUP_CATEGORIES) - {TOTAL_CATEGORY}, "tree does not cover every category"
    assert UNKNOWN_CATEGORIES <= LEAF_CATEGORIES and CREDIT_CATEGORIES <= LEAF_CATEGORIES
    assert not (DUPLICATE_CATEGORIES & (LEAF_CATEGORIES | ROLLUP_CATEGORIES))
    assert set(DUPLICATES.values()) <= LEAF_CATEGORIES - UNKNOWN_CATEGORIES, "a duplicate must mirror a known leaf"
    for i, p in enumerate(PRODUCTS):
        assert all(_PRODUCT_BY_CATEGORY[s] in PRODUCTS[:i] for s in p.sources), p.category


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


_ROLLUP_ORDER = _rollup_order()


def leaves_under(category: str) -> frozenset:
    """The leaf categories a roll-up sums (the category itself for a leaf)."""
    if category in ROLLUPS:
        return frozenset().union(*(leaves_under(c) for c in ROLLUPS[category].children))
    return frozenset({category})


def _meta(category: str, currency: str) -> tuple[str, str, str]:
    """(description, count_unit, usage_unit) as Twilio prints them."""
    if category == TOTAL_CATEGORY:
        return "Total Price", "", currency
    if category in ROLLUPS:
        r = ROLLUPS[category]
        return r.description, r.count_unit, r.usage_unit
    if category in DUPLICATES:
        p = _PRODUCT_BY_CATEGORY[DUPLICATES[category]]
        return _DUPLICATE_DESCRIPTIONS[category], p.count_unit, p.usage_unit
    p = _PRODUCT_BY_CATEGORY[category]
    return p.description, p.count_unit, p.usage_unit


# --------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------

_WEEKDAY = {
    "business": (1.0, 1.04, 1.06, 1.03, 0.95, 0.42, 0.33),
    "consumer": (0.95, 0.97, 1.0, 1.0, 1.05, 1.08, 1.0),
    "flat": (1.0,) * 7,
}
_SEASON = (0.94, 0.95, 0.99, 1.0, 1.0, 0.98, 0.96, 0.97, 1.01, 1.03, 1.12, 1.2)  # Jan..Dec


def _add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.year * 12 + (d.month - 1) + months, 12)
    return dt.date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def _month_end(d: dt.date) -> dt.date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _fmt(value: Decimal) -> str:
    """Twilio's number strings: "0" for zero, plain notation otherwise (never exponent, never -0)."""
    if value == 0:
        return "0"
    return format(value, "f")


def _digest(*parts) -> bytes:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()


def _hex(n: int, *parts) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:n]


def _error_body(status: int, code: int, message: str) -> dict:
    more_info = f"https://www.twilio.com/docs/errors/{code}"
    return {"code": code, "message": message, "more_info": more_info, "status": status}


class _BadRequest(Exception):
    def __init__(self, message, code=20001):
        super().__init__(message)
        self.code = code


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_OFFSET_RE = re.compile(r"^([+-]?)(\d{1,5})days$")
_RECORDS_RE = re.compile(
    r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Usage/Records"
    r"(?:/(?P<sub>Daily|Monthly|Yearly|AllTime|Today|Yesterday|ThisMonth|LastMonth))?(?P<ext>\.json)?$"
)
_ACCOUNTS_RE = re.compile(r"^/2010-04-01/Accounts(?:/[^/]+)?\.json$")

# subresource path segment -> key in subresource_uris (in Twilio's order)
SUBRESOURCES = {
    "AllTime": "all_time",
    "Daily": "daily",
    "LastMonth": "last_month",
    "Monthly": "monthly",
    "ThisMonth": "this_month",
    "Today": "today",
    "Yearly": "yearly",
    "Yesterday": "yesterday",
}


@dataclass(frozen=True)
class Account:
    spec: AccountSpec
    sid: str
    api_key_sid: str
    api_secret: str
    billing_day: int
    subaccount_sids: tuple = ()

    @property
    def role(self):
        return self.spec.role

    @property
    def currency(self):
        return self.spec.currency


# --------------------------------------------------------------------------------------------------
# The sandbox: data + request handling, no sockets
# --------------------------------------------------------------------------------------------------


class Sandbox:
    """Twilio's Usage Records API in memory. ``handle()`` turns one HTTP request into a response."""

    def __init__(self, seed=1, today=None, fail_429_rate=0.0, fail_500_rate=0.0, latency=0.0):
        self.seed = seed
        if isinstance(today, str):
            today = dt.date.fromisoformat(today)
        self._fixed_today = today
        self.fail_429_rate = float(fail_429_rate)
        self.fail_500_rate = float(fail_500_rate)
        self.latency = float(latency)
        self.request_count = 0
        self._lock = threading.Lock()
        self._fault_rng = random.Random(int.from_bytes(_digest("sandbox", seed, "faults")[:8], "big"))
        self._token_key = _digest("sandbox", seed, "page-token")

        by_role = {}
        for spec in ACCOUNT_SPECS:
            by_role[spec.role] = Account(
                spec=spec,
                sid="AC" + _hex(32, "sandbox", seed, "account", spec.role),
                api_key_sid="SK" + _hex(32, "sandbox", seed, "api-key", spec.role),
                api_secret=_hex(32, "sandbox", seed, "api-secret", spec.role),
                billing_day=1 + int.from_bytes(_digest("sandbox", seed, "billing-day", spec.role)[:4], "big") % 28,
            )
        for role, acct in list(by_role.items()):
            subs = tuple(a.sid for a in by_role.values() if a.spec.parent_role == role)
            if subs:
                by_role[role] = Account(acct.spec, acct.sid, acct.api_key_sid, acct.api_secret, acct.billing_day, subs)
        self.accounts: tuple[Account, ...] = tuple(by_role[s.role] for s in ACCOUNT_SPECS)
        self._by_sid = {a.sid: a for a in self.accounts}
        self._by_key = {a.api_key_sid: a for a in self.accounts}

        self._leaf_day = functools.lru_cache(maxsize=8192)(self._compute_leaf_day)
        self._combined_day = functools.lru_cache(maxsize=2048)(self._compute_combined_day)
        self._period_values = functools.lru_cache(maxsize=256)(self._compute_period_values)

    # --- public helpers ---------------------------------------------------------------------------

    @property
    def today(self) -> dt.date:
        return self._fixed_today or dt.datetime.now(dt.timezone.utc).date()

    @property
    def data_start(self) -> dt.date:
        """First day with usage: the accounts' "creation", 13 months before today."""
        return _add_months(self.today, -HISTORY_MONTHS)

    def credentials(self) -> list[dict]:
        return [
            {
                "name": a.spec.name,
                "account_sid": a.sid,
                "api_key_sid": a.api_key_sid,
                "api_secret": a.api_secret,
                "currency": a.currency,
                "kind": a.spec.kind,
            }
            for a in self.accounts
        ]

    def account(self, kind_or_sid: str) -> Account:
        """An account by SID, or by kind ("main", "standalone") / role ("sub1", "sub2")."""
        if kind_or_sid in self._by_sid:
            return self._by_sid[kind_or_sid]
        for a in self.accounts:
            if kind_or_sid in (a.role, a.spec.kind):
                return a
        raise KeyError(kind_or_sid)

    def daily_records(self, account_sid, day, include_subaccounts=True) -> list[dict]:
        """The Daily.json records of one account and UTC day (every category, sorted), as on the wire."""
        account = self._by_sid[account_sid]
        if isinstance(day, str):
            day = dt.date.fromisoformat(day)
        if not (self.data_start <= day <= self.today):
            return []
        values = self._combined_day(account.sid, bool(include_subaccounts), day, self._fraction(day))
        as_of = self._as_of()
        return [self._record(account, "Daily", c, day, day, values[c], as_of) for c in _SORTED_CATEGORIES]

    # --- synthetic data ---------------------------------------------------------------------------

    def _fraction(self, day: dt.date) -> float:
        if day != self.today:
            return 1.0
        if self._fixed_today is not None:
            return FIXED_TODAY_FRACTION
        now = dt.datetime.now(dt.timezone.utc)
        return round((now.hour * 3600 + now.minute * 60 + now.second) / 86400, 3) or 0.001

    def _unit_price(self, product: Product, currency: str) -> Decimal:
        usd = product.unit_price
        if currency == "usd" or usd == 0:
            return usd
        return (usd * FX_FROM_USD[currency]).quantize(Decimal(1).scaleb(usd.as_tuple().exponent - 1), ROUND_HALF_UP)

    def _compute_leaf_day(self, role: str, day: dt.date, fraction: float) -> dict:
        """{leaf: (count:int, usage:Decimal, price:Decimal)} of ONE account (no subaccounts) on one day."""
        account = self.account(role)
        currency = account.currency
        days = (day - _GROWTH_EPOCH).days
        growth = _GROWTH_PER_YEAR ** (days / 365.25)
        season = _SEASON[day.month - 1]
        out = {}
        for p in PRODUCTS:
            base = p.base.get(role, 0)
            rng = random.Random(int.from_bytes(_digest(self.seed, role, p.category, day.isoformat())[:8], "big"))
            unit = self._unit_price(p, currency)
            quantum = Decimal(1).scaleb(-p.price_places)
            count, usage, price = 0, ZERO, ZERO
            if base and p.kind == "volume":
                mean = base * growth * season * _WEEKDAY[p.profile][day.weekday()] * fraction
                x = mean * math.exp(rng.gauss(0.0, _NOISE_SIGMA) - _NOISE_SIGMA**2 / 2)
                count = int(x) + (1 if rng.random() < x - int(x) else 0)
                if p.usage_per_count == 1.0:
                    usage = Decimal(count)
                else:
                    u = count * p.usage_per_count * math.exp(rng.gauss(0.0, 0.04))
                    if p.usage_places:
                        usage = Decimal(f"{u:.{p.usage_places}f}")
                    else:  # billed per started unit (minutes, segments): never less than one per event
                        usage = Decimal(max(count, round(u)))
            elif base and p.kind == "derived":
                count = round(sum(out[s][0] for s in p.sources) * base)
                usage = Decimal(count)
            elif base and p.kind == "monthly":
                if day.day == account.billing_day:
                    count = max(1, round(base * growth))
                    usage = Decimal(count)
            elif base and p.kind == "storage":
                usage = Decimal(round(base * growth))
                count = round(float(usage) / p.usage_per_count)
            elif base and p.kind == "setup":
                if rng.random() < _SETUP_PROBABILITY:
                    count = rng.randint(1, 3) * base
                    usage = Decimal(count)
            elif base and p.kind == "credit":
                if rng.random() < _CREDIT_PROBABILITY:
                    count = max(1, round(base * growth * rng.uniform(0.5, 1.5)))
                    usage = Decimal(count)
            price = (usage * unit).quantize(quantum, ROUND_HALF_UP)
            if p.kind == "credit":
                price = -price
            out[p.category] = (count, usage, price)
        return out

    def _compute_combined_day(self, sid: str, include_subaccounts: bool, day: dt.date, fraction: float) -> dict:
        """Every category (leaves, roll-ups, duplicates, totalprice) of an account on one day."""
        account = self._by_sid[sid]
        roles = [account.role]
        if include_subaccounts:
            roles += [self._by_sid[s].role for s in account.subaccount_sids]
        values = {}
        for role in roles:
            for cat, (c, u, pr) in self._leaf_day(role, day, fraction).items():
                if cat in values:
                    c0, u0, p0 = values[cat]
                    values[cat] = (c0 + c, u0 + u, p0 + pr)
                else:
                    values[cat] = (c, u, pr)
        for name in _ROLLUP_ORDER:
            kids = [values[k] for k in ROLLUPS[name].children]
            price = sum((k[2] for k in kids), ZERO)
            if name == TOTAL_CATEGORY:
                values[name] = (None, price, price)
            else:
                values[name] = (sum(k[0] for k in kids), sum((k[1] for k in kids), ZERO), price)
        for dup, twin in DUPLICATES.items():
            values[dup] = values[twin]
        return values

    def _compute_period_values(self, sid: str, include_subaccounts: bool, start: dt.date, end: dt.date, today: dt.date):
        total = None
        day = start
        while day <= end:
            values = self._combined_day(sid, include_subaccounts, day, self._fraction(day))
            if total is None:
                total = dict(values)
            else:
                for cat, (c, u, p) in values.items():
                    c0, u0, p0 = total[cat]
                    total[cat] = (None if c0 is None else c0 + c, u0 + u, p0 + p)
            day += dt.timedelta(days=1)
        return total

    def _values(self, account: Account, include: bool, start: dt.date, end: dt.date) -> dict:
        if start == end:
            return self._combined_day(account.sid, include, start, self._fraction(start))
        if end >= self.today and self._fixed_today is None:  # today is still moving: do not cache
            return self._compute_period_values(account.sid, include, start, end, self.today)
        return self._period_values(account.sid, include, start, end, self.today)

    # --- wire format ------------------------------------------------------------------------------

    @staticmethod
    def _as_of() -> str:
        return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")

    def _record(self, account: Account, sub: str | None, category: str, start, end, values, as_of) -> dict:
        count, usage, price = values
        description, count_unit, usage_unit = _meta(category, account.currency)
        base = f"/{API_VERSION}/Accounts/{account.sid}/Usage/Records"
        q = quote(category, safe="")
        return {
            "account_sid": account.sid,
            "api_version": API_VERSION,
            "as_of": as_of,
            "category": category,
            "count": None if count is None else str(count),
            "count_unit": count_unit,
            "description": description,
            "end_date": end.isoformat(),
            "price": _fmt(price),
            "price_unit": account.currency,
            "start_date": start.isoformat(),
            "subresource_uris": {key: f"{base}/{seg}.json?Category={q}" for seg, key in SUBRESOURCES.items()},
            "uri": f"{base}{'/' + sub if sub else ''}.json?Category={q}&StartDate={start}&EndDate={end}",
            "usage": _fmt(usage),
            "usage_unit": usage_unit,
        }

    # --- HTTP -------------------------------------------------------------------------------------

    def handle(self, method: str, target: str, authorization: str | None = None):
        """One request -> (status, headers, body bytes). ``target`` is the request path with its query."""
        with self._lock:
            self.request_count += 1
            draw = self._fault_rng.random()
        if self.latency:
            time.sleep(self.latency)
        if draw < self.fail_429_rate:
            return self._error(429, 20429, "Too Many Requests", {"Retry-After": "1"})
        if draw < self.fail_429_rate + self.fail_500_rate:
            return self._error(500, 20500, "An internal server error has occurred")

        split = urlsplit(target)
        path = split.path
        not_found = f"The requested resource {path} was not found"
        if not path.startswith(f"/{API_VERSION}/"):
            return self._error(404, 20404, not_found)
        key = self._authenticate(authorization)
        if key is None:
            return self._error(401, 20003, "Authenticate")
        if _ACCOUNTS_RE.match(path):  # every sandbox key is a Standard key: no Accounts resource
            return self._error(401, 20003, "Authenticate")
        match = _RECORDS_RE.match(path)
        if not match or not match.group("ext"):
            return self._error(404, 20404, not_found)
        if method != "GET":
            return self._error(405, 20004, "Method not allowed", {"Allow": "GET"})
        account = self._by_sid.get(match.group("sid"))
        if account is None or not (account is key or account.sid in key.subaccount_sids):
            return self._error(404, 20404, not_found)
        try:
            body = self._list(account, match.group("sub"), path, split.query)
        except _BadRequest as exc:
            return self._error(400, exc.code, str(exc))
        return 200, self._headers(), json.dumps(body).encode()

    def _authenticate(self, authorization):
        if not authorization or not authorization.startswith("Basic "):
            return None
        try:
            user, _, password = base64.b64decode(authorization[6:].strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        key = self._by_key.get(user)
        if key is None or not hmac.compare_digest(key.api_secret.encode(), password.encode()):
            return None
        return key

    def _headers(self, extra=None):
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Twilio-Request-Id": "RQ" + uuid.uuid4().hex,
            "Access-Control-Allow-Origin": "*",
        }
        headers.update(extra or {})
        return headers

    def _error(self, status, code, message, extra_headers=None):
        return status, self._headers(extra_headers), json.dumps(_error_body(status, code, message)).encode()

    def _date_param(self, name, raw):
        today = self.today
        m = _OFFSET_RE.match(raw)
        if m:
            n = int(m.group(2))
            return today - dt.timedelta(days=n) if m.group(1) == "-" else today + dt.timedelta(days=n)
        if _DATE_RE.match(raw):
            try:
                return dt.date.fromisoformat(raw)
            except ValueError:
                pass
        raise _BadRequest(f"{name} must be a date in the format YYYY-MM-DD (or an offset such as -30days), not {raw!r}")

    def _token(self, kind, path, canonical, page_size, page):
        msg = f"{kind}|{path}|{canonical}|{page_size}|{page}".encode()
        return kind + hmac.new(self._token_key, msg, hashlib.sha256).hexdigest()[:32]

    def _periods(self, sub, lo, hi):
        """The [start, end] periods of a subresource inside [lo, hi] (already clipped)."""
        if lo > hi:
            return []
        if sub == "Daily":
            return [(lo + dt.timedelta(days=i), lo + dt.timedelta(days=i)) for i in range((hi - lo).days + 1)]
        if sub == "Monthly":
            out, d = [], lo
            while d <= hi:
                end = min(_month_end(d), hi)
                out.append((d, end))
                d = end + dt.timedelta(days=1)
            return out
        if sub == "Yearly":
            out, d = [], lo
            while d <= hi:
                end = min(dt.date(d.year, 12, 31), hi)
                out.append((d, end))
                d = end + dt.timedelta(days=1)
            return out
        return [(lo, hi)]  # Records, AllTime, Today, Yesterday, ThisMonth, LastMonth

    def _list(self, account, sub, path, query):
        params = {}
        for k, v in parse_qsl(query, keep_blank_values=True):
            if v != "":
                params[k] = v

        category = params.get("Category")
        include = True
        if "IncludeSubaccounts" in params:
            raw = params["IncludeSubaccounts"].lower()
            if raw not in ("true", "false"):
                raise _BadRequest("IncludeSubaccounts must be true or false")
            include = raw == "true"
        try:
            page_size = int(params.get("PageSize", DEFAULT_PAGE_SIZE))
        except ValueError:
            raise _BadRequest("Invalid PageSize.") from None
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise _BadRequest("Invalid PageSize.")
        try:
            page = int(params.get("Page", 0))
        except ValueError:
            raise _BadRequest("Invalid Page.") from None
        if page < 0:
            raise _BadRequest("Invalid Page.")
        req_start = self._date_param("StartDate", params["StartDate"]) if "StartDate" in params else None
        req_end = self._date_param("EndDate", params["EndDate"]) if "EndDate" in params else None

        canonical = "&".join(
            f"{k}={quote(params[k], safe='')}" for k in ("Category", "StartDate", "EndDate", "IncludeSubaccounts")
            if k in params
        )
        token = params.get("PageToken")
        if token is not None:
            expected = self._token(token[:2], path, canonical, page_size, page) if token[:2] in ("PA", "PB") else ""
            if not expected or not hmac.compare_digest(expected, token):
                raise _BadRequest("Invalid Page Token.", code=21481)
        elif page > 0:
            # `Page` is "simply for client state": only a PageToken the API issued moves past page 0.
            raise _BadRequest("A PageToken issued by the API is required for Page > 0.", code=21481)

        today = self.today
        lo, hi = self.data_start, today
        if sub == "Today":
            lo = max(lo, today)
        elif sub == "Yesterday":
            lo, hi = max(lo, today - dt.timedelta(days=1)), min(hi, today - dt.timedelta(days=1))
        elif sub == "ThisMonth":
            lo = max(lo, today.replace(day=1))
        elif sub == "LastMonth":
            first = _add_months(today.replace(day=1), -1)
            lo, hi = max(lo, first), min(hi, _month_end(first))
        if req_start:
            lo = max(lo, req_start)
        if req_end:
            hi = min(hi, req_end)

        periods = self._periods(sub, lo, hi)
        if category is None:
            cats = _SORTED_CATEGORIES
        else:
            cats = (category,) if category in ALL_CATEGORIES else ()
        total = len(periods) * len(cats)
        start = page * page_size
        records, as_of, cache = [], self._as_of(), {}
        for i in range(start, min(start + page_size, total)):
            p_start, p_end = periods[i // len(cats)]
            if (p_start, p_end) not in cache:
                cache[(p_start, p_end)] = self._values(account, include, p_start, p_end)
            cat = cats[i % len(cats)]
            records.append(self._record(account, sub, cat, p_start, p_end, cache[(p_start, p_end)][cat], as_of))

        prefix = f"{path}?{canonical + '&' if canonical else ''}PageSize={page_size}"

        def page_uri(n, tok=None):
            return f"{prefix}&Page={n}" + (f"&PageToken={tok}" if tok else "")

        has_next = start + page_size < total
        return {
            "end": start + len(records) - 1 if records else start,
            "first_page_uri": page_uri(0),
            "next_page_uri": page_uri(page + 1, self._token("PA", path, canonical, page_size, page + 1))
            if has_next else None,
            "page": page,
            "page_size": page_size,
            "previous_page_uri": page_uri(page - 1, self._token("PB", path, canonical, page_size, page - 1))
            if page > 0 else None,
            "start": start,
            "uri": page_uri(page, token),
            "usage_records": records,
        }


# --------------------------------------------------------------------------------------------------
# Sockets
# --------------------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like api.twilio.com
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
    server_version = "TwilioSandbox/1.0"

    def version_string(self):
        return self.server_version

    def _dispatch(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        status, headers, body = self.server.sandbox.handle(self.command, self.path, self.headers.get("Authorization"))
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        if getattr(self.server, "log_requests", False):
            # method, path and status only: never headers (the Authorization header carries the secret)
            print(f"{self.command} {self.path} -> {status}", flush=True)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch

    def log_message(self, format, *args):  # noqa: A002 - quiet: no per-request lines on stderr
        pass


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    log_requests = False
    sandbox: Sandbox

    def shutdown(self):
        """Stop ``serve_forever`` (from another thread) and close the listening socket."""
        super().shutdown()
        self.server_close()


def make_server(host="127.0.0.1", port=0, **sandbox_kwargs) -> SandboxHTTPServer:
    """An HTTP server bound to host:port (0 = a free port); ``server.sandbox`` is its Sandbox."""
    server = SandboxHTTPServer((host, port), _Handler)
    server.sandbox = Sandbox(**sandbox_kwargs)
    return server


def base_url_of(server) -> str:
    host, port = server.server_address[:2]
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://{host}:{port}"


def serve_in_thread(**kwargs):
    """Start a sandbox server in a daemon thread: returns (server, base_url). Stop with server.shutdown()."""
    server = make_server(**kwargs)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True,
                              name="twilio-sandbox")
    thread.start()
    return server, base_url_of(server)


def credentials_banner(sandbox: Sandbox, base_url: str) -> str:
    """What to paste into the Connect form, one block per account."""
    lines = [
        f"Twilio sandbox listening on {base_url}  (seed {sandbox.seed}, today {sandbox.today}, "
        f"usage from {sandbox.data_start})",
        f"Point the app at it with TWILIO_API_BASE_URL={base_url}",
        "Connect one of these accounts (Account SID, API Key SID, API Secret):",
        "",
    ]
    kinds = {"main": "main account, rolls up its 2 subaccounts", "subaccount": "subaccount of Acme Main",
             "standalone": "standalone account"}
    for c in sandbox.credentials():
        lines += [
            f"  {c['name']}  ({kinds[c['kind']]}, {c['currency'].upper()})",
            f"    Account SID  {c['account_sid']}",
            f"    API Key SID  {c['api_key_sid']}",
            f"    API Secret   {c['api_secret']}",
            "",
        ]
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)
