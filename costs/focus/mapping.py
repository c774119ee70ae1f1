"""One cost line item -> one FOCUS 1.2 Cost and Usage row (the README's "FOCUS export" table says why
each column is what it is).

Three kinds of charge:

* usage (``charge_type`` Usage): ChargeCategory "Usage", quantities from Twilio's usage (or count)
  and unit, PricingCategory "Standard" (Twilio bills the account's own rates, known in advance);
* credits (``charge_type`` Credit): ChargeCategory "Credit", no quantities (FOCUS allows none);
* the day's unattributed residual (Twilio's ``totalprice`` minus its known categories, which the
  import stores as its own line item): ChargeCategory "Adjustment", no quantities: it is billed
  money the categories do not itemise, so there is no usage to state. Keeping it as a row is what
  makes BilledCost add up to Twilio's total.

No list or negotiated prices are known, so ListCost, ContractedCost and EffectiveCost equal BilledCost,
as FOCUS requires then. A price Twilio did not report (``cost`` NULL) is 0 here: the residual row of
that day carries whatever Twilio billed for it, so nothing is counted twice.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from ..dimensions import Dimension, normalise_unit
from ..models import UNATTRIBUTED_CATEGORY, ChargeType
from .categories import ServiceCategories, service_categories

PROVIDER = "Twilio"
ZERO = Decimal(0)
QUANTUM = Decimal("1e-10")  # the stored precision (MONEY): a share of an amount is rounded back to it
HUNDRED = Decimal(100)
USAGE, CREDIT, ADJUSTMENT = "Usage", "Credit", "Adjustment"


@dataclass
class TagColumns:
    """The workspace's virtual tags, each read from the row's ``alias`` annotation (its CASE in SQL)."""

    dimensions: list[tuple[str, str, Dimension]] = field(default_factory=list)  # (key, alias, dimension)
    _splits: dict[tuple[str, str], str] = field(default_factory=dict)

    def annotations(self) -> dict:
        return {alias: dim.resolve() for _, alias, dim in self.dimensions}

    def as_json(self, row: dict) -> str | None:
        """``{"team": "Web", "env": "prod"}``; a split value is one text value listing its labels with
        their percentages (``"Team A=60%;Team B=40%"``: FOCUS tag values are single strings, and a row
        is one charge, never cut in parts). Keys whose rules leave the row untagged are left out."""
        tags = {}
        for key, alias, dim in self.dimensions:
            value = row[alias]
            if value is None or value == dim.untagged:
                continue
            tags[key] = self._split_text(key, dim, value) if dim.has_splits else value
        return json.dumps(tags, ensure_ascii=False, sort_keys=True) if tags else None

    def _split_text(self, key: str, dim: Dimension, value: str) -> str:
        cached = self._splits.get((key, value))
        if cached is None:
            parts = dim.split(value, HUNDRED)
            cached = value if parts is None else ";".join(f"{label}={plain_percent(p)}%" for label, p in parts)
            self._splits[(key, value)] = cached
        return cached


def plain_percent(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


@functools.lru_cache(maxsize=1024)
def focus_unit(raw: str | None) -> str:
    """Twilio's unit in FOCUS's UnitFormat: one spelling (``costs.dimensions.UNIT_ALIASES``), plural,
    title case, words joined by spaces ("phone-numbers" -> "Phone Numbers")."""
    unit = normalise_unit(raw).replace("-", " ").replace("_", " ")
    return " ".join(word.capitalize() for word in unit.split()) or "Units"


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@functools.lru_cache(maxsize=4096)
def periods(day: date) -> tuple[datetime, datetime, datetime, datetime]:
    """(ChargePeriodStart, ChargePeriodEnd, BillingPeriodStart, BillingPeriodEnd) of a UTC day: the day
    (end exclusive) and its calendar month. Cached: an export has few days and many rows per day."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return _utc(day), _utc(day + timedelta(days=1)), _utc(first), _utc(following)


def _quantities(row: dict, share: Decimal | None):
    """(quantity, unit) of a usage row: Twilio's usage in its unit, else its count, else 0 units."""
    if row["usage"] is not None:
        quantity, unit = row["usage"], row["usage_unit"]
    elif row["count"] is not None:
        quantity, unit = row["count"], row["count_unit"]
    else:
        quantity, unit = ZERO, ""
    return (quantity if share is None else (quantity * share).quantize(QUANTUM)), focus_unit(unit)


def charge_category(row: dict) -> str:
    if row["category"] == UNATTRIBUTED_CATEGORY:
        return ADJUSTMENT
    return CREDIT if row["charge_type"] == ChargeType.CREDIT else USAGE


def focus_row(row: dict, tags: TagColumns, categories: ServiceCategories = service_categories) -> tuple:
    """The values of ``columns.COLUMNS``, in order, for one line item (``source.FIELDS`` + tag aliases)."""
    share = row.get("focus_share")
    cost = row["cost"] if row["cost"] is not None else ZERO
    if share is not None:
        cost = (cost * share).quantize(QUANTUM)
    kind = charge_category(row)
    quantity, unit = _quantities(row, share) if kind == USAGE else (None, None)
    charge_start, charge_end, billing_start, billing_end = periods(row["date"])
    sub_account = row["account_id"]
    service_category, service_subcategory = categories.of(row["service"])
    billing_sid, billing_name = row["integration__account_sid"], row["integration__account_name"]
    return (
        cost,  # BilledCost
        billing_sid,  # BillingAccountId
        billing_name,  # BillingAccountName
        row["currency"],  # BillingCurrency
        billing_end,  # BillingPeriodEnd
        billing_start,  # BillingPeriodStart
        kind,  # ChargeCategory
        None,  # ChargeClass: no corrections of earlier invoices
        row["description"] or row["category"],  # ChargeDescription
        "Usage-Based",  # ChargeFrequency
        charge_end,  # ChargePeriodEnd (exclusive)
        charge_start,  # ChargePeriodStart
        quantity,  # ConsumedQuantity
        unit,  # ConsumedUnit
        None,  # CommitmentDiscountStatus: Twilio's usage records know no commitment discounts
        cost,  # ContractedCost
        cost,  # EffectiveCost
        None,  # InvoiceId: Twilio's usage records name no invoice
        PROVIDER,  # InvoiceIssuerName
        cost,  # ListCost
        "Standard" if kind == USAGE else None,  # PricingCategory
        quantity,  # PricingQuantity
        unit,  # PricingUnit
        PROVIDER,  # ProviderName
        PROVIDER,  # PublisherName
        service_category,  # ServiceCategory
        row["service"],  # ServiceName
        service_subcategory,  # ServiceSubcategory
        row["category"],  # SkuId
        sub_account,  # SubAccountId
        billing_name if sub_account == billing_sid else sub_account,  # SubAccountName
        tags.as_json(row),  # Tags
    )
