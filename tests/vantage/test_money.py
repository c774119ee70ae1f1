from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from costs.models import CostLineItem
from integrations.models import Integration
from vantage.lib.money import ExactSum


@pytest.mark.django_db
def test_exact_sum_has_no_float_drift(ws):
    i = Integration.objects.create(account_name="x", account_sid="AC" + "0" * 32, api_key_sid="k", api_secret="s")
    values = [Decimal("0.1"), Decimal("0.2"), Decimal("687055.854840000"), Decimal("-0.0000000001"),
              Decimal("123456789.0123456789")]
    CostLineItem.objects.bulk_create(
        CostLineItem(integration=i, account_id="a", date=date(2026, 1, n + 1), service="s", category="c",
                     cost=v, currency="USD") for n, v in enumerate(values * 3)
    )
    exact = sum(values * 3)
    got = CostLineItem.objects.aggregate(s=ExactSum("cost"))["s"]
    assert got.quantize(Decimal("0.000001")) == exact.quantize(Decimal("0.000001"))
    assert CostLineItem.objects.filter(pk__lt=0).aggregate(s=ExactSum("cost"))["s"] is None
    grouped = CostLineItem.objects.values("currency").annotate(s=ExactSum("cost"), n=Sum("pk"))
    assert grouped[0]["s"].quantize(Decimal("0.01")) == exact.quantize(Decimal("0.01"))


def test_percent_of_a_change_keeps_its_sign_and_refuses_nothing():
    from vantage.lib.money import percent_of

    assert percent_of(Decimal("5"), Decimal("20")) == Decimal("25")
    assert percent_of(Decimal("5"), Decimal("-20")) == Decimal("25")  # less negative: up
    assert percent_of(Decimal("-5"), Decimal("20")) == Decimal("-25")
    assert percent_of(Decimal("5"), Decimal("0")) is None and percent_of(None, Decimal("1")) is None
    assert percent_of(Decimal("5"), None) is None
