"""CSV exports: the wide one is the table on the page; the long one adds up to the same totals."""

import csv
import io
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from costs.models import ExchangeRate
from vantage.lib.formatting import day

from .factories import add_costs, item
from .pages import report_query, report_table

MARCH = {"start_date": "2026-02-20", "end_date": "2026-03-31"}


@pytest.fixture
def data(integration):
    add_costs(integration, [
        item("2026-02-21", "SMS & MMS", "sms-outbound", "10.005", usage=100, unit="segments"),
        item("2026-03-03", "SMS & MMS", "sms-inbound", "5.12345", usage=50, unit="Segment"),
        item("2026-03-03", "Programmable Voice", "calls-outbound", "20.00", usage=30, unit="minutes"),
        item("2026-03-04", "Lookup", "lookups", "3.00", currency="EUR"),
        item("2026-03-05", "Lookup", "lookups", "-1.50", charge_type="Credit"),
        item("2026-03-06", "Phone Numbers", "phonenumbers-local", None, usage=2, unit="phonenumbers"),
    ])  # fmt: skip
    return integration


def fetch_csv(client, report, **settings):
    response = client.get(reverse("costs:report_export", args=[report.pk]) + "?" + report_query(**settings))
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def rounded(cell, usage=False):
    if cell == "":
        return "—"
    value = Decimal(cell).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{value:,}"
    return text[:-3] if usage and text.endswith(".00") else text


ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.mark.parametrize(
    "settings",
    [
        {"group_by": "service", "bin": "month"},
        {"group_by": ["service", "category"], "bin": "week", "sort": "name"},
        {"group_by": "charge_type", "bin": "cumulative"},
        {"bin": "day", "sort": "total_asc"},
        {"group_by": "service", "bin": "month", "mode": "usage"},
    ],
)
def test_wide_csv_is_the_table(owner_client, default_report, data, settings):
    settings = {**MARCH, **settings}
    pivot = report_query(**settings, columns="bins")  # the page's per-bin table is what the wide CSV holds
    page = owner_client.get(reverse("costs:report_detail", args=[default_report.pk]) + "?" + pivot)
    table = report_table(page.content.decode())
    rows = fetch_csv(owner_client, default_report, **settings, layout="wide")
    header, body = rows[0], rows[1:]
    # the same columns; the CSV writes days ISO (spreadsheets read them), the page in the one date format
    assert [ISO_DAY.sub(lambda m: day(date.fromisoformat(m[0])), h) for h in header] == table["thead"][0]
    usage = settings.get("mode") == "usage"
    assert usage or len(body) == len(table["tbody"]) + len(table["tfoot"])
    first_number = header.index("Unit" if usage else "Currency") + 1

    def as_shown(row):
        last = len(row) - first_number - 1
        numbers = [rounded(c, usage=usage and i < last) for i, c in enumerate(row[first_number:])]
        if usage:  # the last column is the cost, in money
            numbers[-1] = rounded(row[-1])
        return row[:first_number] + numbers

    if usage:  # the page reads units as words, puts unit-less rows last and totals a unit only over 2+ rows
        shown = [as_shown(r) for r in body]
        for r in shown:
            r[first_number - 1] = r[first_number - 1].replace("-", " ")
        rows_ = [r for r in shown if r[0] != "Total"]
        totals = [[f"Total {r[first_number - 1]}", *r[1:]] for r in shown if r[0] == "Total"]
        assert sorted(rows_) == sorted(table["tbody"]) and all(f in totals for f in table["tfoot"])
        return
    assert [as_shown(r) for r in body] == table["tbody"] + table["tfoot"]


def _totals(body, amount, currency):
    totals = {}
    for r in body:
        totals[r[currency]] = totals.get(r[currency], Decimal(0)) + (Decimal(r[amount]) if r[amount] else 0)
    return totals


def test_long_csv_adds_up_to_the_totals_and_keeps_the_billing_currency(owner_client, default_report, data):
    rows = fetch_csv(owner_client, default_report, **MARCH, group_by="service", bin="month", layout="long")
    assert rows[0] == ["Date bin", "Service", "Cost", "Currency", "Billing cost", "Billing currency", "Usage", "Unit"]
    body = rows[1:]
    assert [r[0] for r in body] == sorted(r[0] for r in body)  # chronological
    eur_in_usd = Decimal("3.4947")  # 1 EUR = 1.1649 USD on 4 Mar 2026 (the ECB's reference rate)
    assert ExchangeRate.objects.get(date="2026-03-04", currency="USD").per_eur == Decimal("1.1649")
    assert _totals(body, 2, 3) == {"USD": Decimal("33.62845") + eur_in_usd}  # the workspace's currency
    assert _totals(body, 4, 5) == {"USD": Decimal("33.62845"), "EUR": Decimal("3")}  # as Twilio billed
    [lookup] = [r for r in body if r[1] == "Lookup" and r[5] == "EUR"]
    assert (Decimal(lookup[2]), lookup[3], Decimal(lookup[4]), lookup[5]) == (eur_in_usd, "USD", 3, "EUR")
    assert ["2026-03-01", "SMS & MMS", "5.12345", "USD", "5.12345", "USD", "50", "segments"] in body
    assert ["2026-03-01", "Phone Numbers", "", "USD", "", "USD", "2", "phone-numbers"] in body  # unknown stays unknown


def test_long_csv_in_billing_currencies(owner_client, default_report, data):
    rows = fetch_csv(
        owner_client, default_report, **MARCH, group_by="service", bin="cumulative", layout="long", currency="billing"
    )
    body = rows[1:]
    assert _totals(body, 2, 3) == _totals(body, 4, 5) == {"USD": Decimal("33.62845"), "EUR": Decimal("3")}


def test_csv_keeps_exact_amounts(owner_client, default_report, data):
    rows = fetch_csv(owner_client, default_report, **MARCH, group_by="category", bin="cumulative", layout="wide")
    assert ["sms-outbound", "USD", "10.005"] in rows
    assert ["sms-inbound", "USD", "5.12345"] in rows


def test_export_refuses_invalid_settings(owner_client, default_report, data):
    url = reverse("costs:report_export", args=[default_report.pk])
    response = owner_client.get(url + "?" + report_query(start_date="2026-03-31", end_date="2026-03-01"))
    assert response.status_code == 400 and "end_date" in response.content.decode()
    response = owner_client.get(url + "?" + report_query(**MARCH, layout="xml"))
    assert response.status_code == 400
