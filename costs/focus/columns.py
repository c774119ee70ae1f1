"""The FOCUS 1.2 columns the export writes, in order, with their kind (the Parquet type follows)."""

from __future__ import annotations

from enum import Enum


class Kind(Enum):
    TEXT = "text"
    MONEY = "money"  # an exact decimal (10 places, as stored)
    DATETIME = "datetime"  # UTC, to the second


COLUMNS: tuple[tuple[str, Kind], ...] = (
    ("BilledCost", Kind.MONEY),
    ("BillingAccountId", Kind.TEXT),
    ("BillingAccountName", Kind.TEXT),
    ("BillingCurrency", Kind.TEXT),
    ("BillingPeriodEnd", Kind.DATETIME),
    ("BillingPeriodStart", Kind.DATETIME),
    ("ChargeCategory", Kind.TEXT),
    ("ChargeClass", Kind.TEXT),
    ("ChargeDescription", Kind.TEXT),
    ("ChargeFrequency", Kind.TEXT),
    ("ChargePeriodEnd", Kind.DATETIME),
    ("ChargePeriodStart", Kind.DATETIME),
    ("ConsumedQuantity", Kind.MONEY),
    ("ConsumedUnit", Kind.TEXT),
    ("CommitmentDiscountStatus", Kind.TEXT),
    ("ContractedCost", Kind.MONEY),
    ("EffectiveCost", Kind.MONEY),
    ("InvoiceId", Kind.TEXT),
    ("InvoiceIssuerName", Kind.TEXT),
    ("ListCost", Kind.MONEY),
    ("PricingCategory", Kind.TEXT),
    ("PricingQuantity", Kind.MONEY),
    ("PricingUnit", Kind.TEXT),
    ("ProviderName", Kind.TEXT),
    ("PublisherName", Kind.TEXT),
    ("ServiceCategory", Kind.TEXT),
    ("ServiceName", Kind.TEXT),
    ("ServiceSubcategory", Kind.TEXT),
    ("SkuId", Kind.TEXT),
    ("SubAccountId", Kind.TEXT),
    ("SubAccountName", Kind.TEXT),
    ("Tags", Kind.TEXT),
)
NAMES = tuple(name for name, _ in COLUMNS)
