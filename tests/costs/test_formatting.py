"""Every display format helper: negative, zero, None, tiny, huge, rounding; and the template filters."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.utils import formats

from costs import formatting as f

D = Decimal


@pytest.mark.parametrize(("value", "expected"), [
    (None, "—"),
    (D("0"), "0.00"),
    (0, "0.00"),
    (D("1234.5"), "1,234.50"),
    (D("-1234.5"), "-1,234.50"),
    (D("1234567.891"), "1,234,567.89"),
    (D("0.125"), "0.13"),  # half up
    (D("-0.125"), "-0.13"),
    (D("0.0079"), "0.0079"),  # under a cent: two significant digits, never 0.00
    (D("0.00423"), "0.0042"),
    (D("0.005"), "0.005"),
    (D("-0.0042"), "-0.0042"),
    (D("0.00000012345"), "0.00000012"),
    (D("0.009999"), "0.01"),  # rounds up to a cent
    (D("-0.0000"), "0.00"),  # never "-0.00"
    (D("123456789012345.675"), "123,456,789,012,345.68"),
    (1.1, "1.10"),  # floats through their shortest text
    ("41.4075", "41.41"),
    ("not a number", "—"),
    (D("NaN"), "—"),
])  # fmt: skip
def test_money(value, expected):
    assert f.money(value) == expected


def test_money_with_currency():
    assert f.money(D("1234.5"), "USD") == "1,234.50 USD"
    assert f.money(None, "USD") == "—"


@pytest.mark.parametrize(("value", "expected"), [
    (None, "—"), (D("0"), "0.00"), (D("12.345"), "+12.35"), (D("-12.345"), "-12.35"),
    (D("0.004"), "+0.004"), (D("-0.001"), "-0.001"), (D("9876543.21"), "+9,876,543.21"),
])  # fmt: skip
def test_signed_money(value, expected):
    assert f.signed_money(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (None, "—"),
    (D("0"), "0"),
    (D("0.0000"), "0"),
    (D("-0.00001"), "0"),
    (D("36"), "36"),
    (D("36.0000000000"), "36"),
    (D("1234.5"), "1,234.5"),
    (D("-1234.50"), "-1,234.5"),
    (D("12.33333"), "12.3333"),  # at most four decimals
    (D("0.00005"), "0.0001"),  # half up
    (D("0.00004"), "0"),
    (D("98765432109876"), "98,765,432,109,876"),
])  # fmt: skip
def test_quantity(value, expected):
    assert f.quantity(value) == expected


def test_quantity_with_unit():
    assert f.quantity(D("1200.50"), "minutes") == "1,200.5 minutes"


@pytest.mark.parametrize(("value", "expected"), [
    (None, "—"), (0, "0"), (D("1234567"), "1,234,567"), (-1234, "-1,234"), (D("2.5"), "3"),
])  # fmt: skip
def test_integer(value, expected):
    assert f.integer(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (None, "—"), (D("0"), "0.0%"), (D("-0.04"), "0.0%"), (D("12.25"), "+12.3%"), (D("-3"), "-3.0%"),
    (D("0.05"), "+0.1%"), (D("123456.7"), "+123,456.7%"),
])  # fmt: skip
def test_percent(value, expected):
    assert f.percent(value) == expected


def test_day_month_and_span():
    assert f.day(date(2026, 12, 1)) == "1 Dec 2026"
    assert f.day(date(2027, 1, 31)) == "31 Jan 2027"
    assert f.month(date(2026, 12, 1)) == "Dec 2026"
    assert f.day(None) == f.month(None) == f.moment(None) == "—"
    assert f.day("2026-12-01") == "—"  # text is not a date
    assert f.day_span(date(2026, 12, 1), date(2026, 12, 31)) == "1 Dec 2026 – 31 Dec 2026"
    assert f.day_span(date(2026, 12, 1), date(2026, 12, 1)) == "1 Dec 2026"


def test_moment_is_shown_in_the_display_time_zone():
    at = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    assert f.moment(at) == "1 Dec 2026, 23:30 UTC"
    assert f.day(at) == "1 Dec 2026"
    with override_settings(TIME_ZONE="Europe/Paris"):
        assert f.moment(at) == "2 Dec 2026, 00:30 CET"
        assert f.day(at) == "2 Dec 2026"  # the day it is where the reader is
    assert f.moment(datetime(2026, 12, 1, 9, 5, tzinfo=timezone(timedelta(0)))).startswith("1 Dec 2026, 09:05")
    assert f.moment(date(2026, 12, 1)) == "1 Dec 2026"


def test_django_date_formats_are_the_same_one():
    """The admin and ``{{ value|date }}`` use Django's formats: the same "1 Dec 2026"."""
    assert formats.localize(date(2026, 12, 1)) == "1 Dec 2026"
    assert formats.localize(datetime(2026, 12, 1, 14, 5, tzinfo=UTC)).startswith("1 Dec 2026, 14:05")
    assert formats.get_format("DATE_INPUT_FORMATS")[0] == "%Y-%m-%d"  # date inputs stay ISO
    assert Template("{{ d|date }}").render(Context({"d": date(2026, 12, 1)})) == "1 Dec 2026"
    assert Template("{{ n }}").render(Context({"n": 1234})) == "1234"  # ids in URLs are never grouped


def test_template_filters():
    out = Template(
        "{% load costs_format %}{{ a|money }}|{{ a|money:'GBP' }}|{{ none|money }}|{{ q|quantity:'segments' }}|"
        "{{ n|integer }}|{{ c|percent }}|{{ s|signed_money:'USD' }}|{{ d|day }}|{{ d|month }}|{{ t|moment }}|"
        "{% day_span d e %}"
    ).render(Context({
        "a": D("1234.5"), "none": None, "q": D("220.00"), "n": 1234567, "c": D("-2.25"), "s": D("3.5"),
        "d": date(2026, 12, 1), "e": date(2026, 12, 31), "t": datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
    }))  # fmt: skip
    assert out.split("|") == [
        "1,234.50", "1,234.50 GBP", "—", "220 segments", "1,234,567", "-2.3%", "+3.50 USD", "1 Dec 2026",
        "Dec 2026", "1 Dec 2026, 08:00 UTC", "1 Dec 2026 – 31 Dec 2026",
    ]  # fmt: skip


def test_plain_stays_exact_for_exports():
    assert f.plain(D("114560.1059260000")) == "114560.105926"
    assert f.plain(D("0E-10")) == "0"
    assert f.plain(None) == ""
