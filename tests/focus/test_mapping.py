"""The mapping, row by row, for each kind of charge (see costs/focus/mapping.py and the README table)."""

import csv
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from costs.filtersets import CostLineItemFilterSet
from costs.focus.categories import ServiceCategories, service_categories
from costs.focus.mapping import focus_unit
from costs.models import UNATTRIBUTED_CATEGORY
from costs.scoping import workspace_line_items
from integrations.twilio.catalog import CATALOG_FILE

from .conftest import SUB, by_sku, rows_of

pytestmark = pytest.mark.django_db


def test_usage_row(ws, data):
    usd, _ = data
    row = by_sku(rows_of(ws))[("USD", "sms-outbound")]
    assert row["ChargeCategory"] == "Usage"
    assert row["ChargeClass"] is None
    assert row["ChargeFrequency"] == "Usage-Based"
    assert row["PricingCategory"] == "Standard"
    assert row["BilledCost"] == row["EffectiveCost"] == row["ListCost"] == row["ContractedCost"] == Decimal("10.005")
    assert (row["ConsumedQuantity"], row["ConsumedUnit"]) == (Decimal(100), "Segments")
    assert (row["PricingQuantity"], row["PricingUnit"]) == (Decimal(100), "Segments")
    assert row["ChargePeriodStart"] == datetime(2026, 3, 3, tzinfo=UTC)
    assert row["ChargePeriodEnd"] == datetime(2026, 3, 4, tzinfo=UTC)  # the UTC day, end exclusive
    assert row["BillingPeriodStart"] == datetime(2026, 3, 1, tzinfo=UTC)
    assert row["BillingPeriodEnd"] == datetime(2026, 4, 1, tzinfo=UTC)
    assert (row["BillingAccountId"], row["BillingAccountName"]) == (usd.account_sid, "Acme Main")
    assert (row["SubAccountId"], row["SubAccountName"]) == (usd.account_sid, "Acme Main")
    assert (row["ServiceName"], row["ServiceCategory"], row["ServiceSubcategory"]) == (
        "SMS & MMS", "Integration", "Messaging",
    )  # fmt: skip
    assert row["ProviderName"] == row["PublisherName"] == row["InvoiceIssuerName"] == "Twilio"
    assert row["InvoiceId"] is None and row["CommitmentDiscountStatus"] is None
    assert row["ChargeDescription"] == "sms-outbound"
    assert row["Tags"] is None  # no virtual tags in this workspace


def test_subaccount_row_is_billed_to_the_integrations_account(ws, data):
    usd, _ = data
    row = by_sku(rows_of(ws))[("USD", "calls-outbound")]
    assert (row["BillingAccountId"], row["SubAccountId"], row["SubAccountName"]) == (usd.account_sid, SUB, SUB)


def test_credit_row_has_no_quantities(ws, data):
    row = by_sku(rows_of(ws))[("USD", "lookups")]
    assert row["ChargeCategory"] == "Credit"
    assert row["BilledCost"] == row["ListCost"] == Decimal("-1.50")
    assert row["ConsumedQuantity"] is row["PricingQuantity"] is row["PricingCategory"] is None
    assert row["ConsumedUnit"] is row["PricingUnit"] is None
    assert row["ServiceCategory"] == "Identity"


def test_null_price_is_zero_and_keeps_its_usage(ws, data):
    row = by_sku(rows_of(ws))[("USD", "phonenumbers-local")]
    assert row["ChargeCategory"] == "Usage"
    assert row["BilledCost"] == row["EffectiveCost"] == Decimal(0)
    assert (row["ConsumedQuantity"], row["ConsumedUnit"]) == (Decimal(2), "Phone Numbers")


def test_unattributed_residual_is_its_own_adjustment_row(ws, data):
    row = by_sku(rows_of(ws))[("USD", UNATTRIBUTED_CATEGORY)]
    assert row["ChargeCategory"] == "Adjustment"
    assert row["BilledCost"] == Decimal("0.4200000001")  # exact, as stored
    assert row["ConsumedQuantity"] is row["PricingQuantity"] is row["PricingCategory"] is None
    assert (row["ServiceName"], row["ServiceCategory"], row["ServiceSubcategory"]) == (
        "Unattributed", "Other", "Other (Other)",
    )  # fmt: skip


def test_gbp_account_and_december_billing_period(ws, data):
    _, gbp = data
    row = by_sku(rows_of(ws))[("GBP", "sms-outbound")]
    assert row["BillingCurrency"] == "GBP"
    assert row["BilledCost"] == Decimal("7.25")  # never converted: FOCUS costs are in the billing currency
    assert (row["BillingAccountId"], row["BillingAccountName"]) == (gbp.account_sid, "Acme UK")
    assert row["BillingPeriodStart"] == datetime(2026, 12, 1, tzinfo=UTC)
    assert row["BillingPeriodEnd"] == datetime(2027, 1, 1, tzinfo=UTC)
    assert row["ChargePeriodEnd"] == datetime(2027, 1, 1, tzinfo=UTC)
    assert row["ConsumedUnit"] == "Segments"  # "segment" spelt the one way


def test_tags_plain_split_and_untagged(ws, data, team_tag):
    rows = by_sku(rows_of(ws))
    assert json.loads(rows[("USD", "sms-outbound")]["Tags"]) == {"team": "Messaging"}
    assert json.loads(rows[("USD", "calls-outbound")]["Tags"]) == {"team": "Team A=60%;Team B=40%"}
    assert rows[("USD", "lookups")]["Tags"] is None  # "Not tagged": the key is left out


def test_filter_on_a_split_label_keeps_its_share(ws, data, team_tag):
    fs = CostLineItemFilterSet({"tag": ["team:Team A"], "start_date": "2026-03-01", "end_date": "2026-03-31"},
                               queryset=workspace_line_items(ws), workspace=ws)  # fmt: skip
    assert fs.is_valid(), fs.errors
    rows = rows_of(ws, date(2026, 3, 1), date(2026, 3, 31), fs.filter_dimensions())
    assert [(r["SkuId"], r["BilledCost"], r["ConsumedQuantity"]) for r in rows] == [
        ("calls-outbound", Decimal("12.00"), Decimal("18.0"))
    ]


def test_date_range_is_inclusive(ws, data):
    rows = rows_of(ws, date(2026, 3, 3), date(2026, 3, 5))
    assert sorted(r["SkuId"] for r in rows) == ["calls-outbound", "lookups", "sms-outbound"]


@pytest.mark.parametrize(("raw", "unit"), [
    ("segments", "Segments"), ("Segment", "Segments"), ("minutes", "Minutes"), ("phonenumbers", "Phone Numbers"),
    ("participant_minutes", "Participant Minutes"), ("", "Units"), (None, "Units"),
])  # fmt: skip
def test_units_follow_focus_unit_format(raw, unit):
    assert focus_unit(raw) == unit


def test_every_catalog_service_has_a_focus_category():
    with CATALOG_FILE.open(encoding="utf-8") as fh:
        services = {row["service"] for row in csv.DictReader(fh)}
    mapped = service_categories.as_dict()
    assert services - set(mapped) == set()
    assert mapped["Support"] == ("Management and Governance", "Support")


def test_unknown_service_is_other_and_wrong_categories_are_refused():
    categories = ServiceCategories()
    assert categories.of("Brand new product") == ("Other", "Other (Other)")
    with pytest.raises(ValueError, match="Telephony"):
        categories.register({"Voice": ("Telephony", "Other (Telephony)")})
    with pytest.raises(ValueError, match="Media Streaming"):
        categories.register({"Voice": ("Integration", "Media Streaming")})  # a subcategory of another parent
