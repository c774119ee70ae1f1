"""The Overview ("/"): every figure against sums worked out by hand, the page from every side."""

from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from costs.models import UNATTRIBUTED_CATEGORY, UNATTRIBUTED_SERVICE
from costs.overview import Periods, build_overview
from costs.services import month_to_date_costs
from integrations.models import IngestionRun, IntegrationStatus, RunStatus
from tests.costs.test_fx import expected
from tests.queries import data_queries
from vantage.lib.dates import add_months, month_start, utc_today

from .factories import add_costs, item, make_integration

pytestmark = pytest.mark.django_db

NOV_20 = date(2026, 11, 20)
D = Decimal


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


@pytest.fixture
def two_currencies(ws):
    """USD and GBP accounts with costs in October and November 2026 (both months imported), read in their
    billing currencies side by side (the workspace has no reporting currency; converted: see below)."""
    ws.reporting_currency = ""
    ws.save()
    usd = make_integration(ws, "Acme Twilio")
    add_costs(usd, [
        item("2026-10-05", "SMS & MMS", "sms-outbound", "8.00"),
        item("2026-10-15", "Lookup", "lookups", "2.00"),
        item("2026-10-20", "Programmable Voice", "calls-outbound", "30.00"),
        item("2026-10-25", "Programmable Voice", "calls-outbound", "100.00"),  # after the same days
        item("2026-11-01", "SMS & MMS", "sms-outbound", "10.00"),
        item("2026-11-10", "Programmable Voice", "calls-outbound", "20.00"),
        item("2026-11-20", "SMS & MMS", "sms-outbound", "5.00"),
    ])  # fmt: skip
    gbp = make_integration(ws, "Acme UK")
    add_costs(gbp, [
        item("2026-10-03", "SMS & MMS", "sms-outbound", "3.00", currency="GBP"),
        item("2026-11-02", "SMS & MMS", "sms-outbound", "7.00", currency="GBP"),
    ])  # fmt: skip
    return usd, gbp


# --- the periods ---------------------------------------------------------------------------------------


def test_periods_on_an_ordinary_day():
    p = Periods.of(NOV_20)
    assert p.month_start == date(2026, 11, 1)
    assert (p.same_days_start, p.same_days_end) == (date(2026, 10, 1), date(2026, 10, 20))
    assert (p.last_month_start, p.last_month_end) == (date(2026, 10, 1), date(2026, 10, 31))
    assert p.last_days_start == date(2026, 10, 22)  # 30 days, today included


def test_periods_on_the_first_of_the_month():
    p = Periods.of(date(2026, 12, 1))
    assert p.month_start == date(2026, 12, 1)
    assert (p.same_days_start, p.same_days_end) == (date(2026, 11, 1), date(2026, 11, 1))
    assert (p.last_month_start, p.last_month_end) == (date(2026, 11, 1), date(2026, 11, 30))


@pytest.mark.parametrize("today", [date(2026, 3, 29), date(2026, 3, 30), date(2026, 3, 31)])
def test_periods_in_a_month_longer_than_the_one_before(today):
    p = Periods.of(today)
    assert (p.same_days_start, p.same_days_end) == (date(2026, 2, 1), date(2026, 2, 28))  # February has no 29th-31st


# --- the figures ---------------------------------------------------------------------------------------


def test_headline_per_currency(ws, two_currencies):
    overview = build_overview(ws, today=NOV_20)
    usd, gbp = sorted(overview.headlines, key=lambda h: h.currency, reverse=True)
    assert usd.currency == "USD"
    assert (usd.month_to_date, usd.same_days_last_month, usd.last_month) == (D("35"), D("40"), D("140"))
    assert usd.change == D("-5") and usd.change_percent == D("-12.5")
    assert gbp.currency == "GBP"
    assert (gbp.month_to_date, gbp.same_days_last_month, gbp.last_month) == (D("7"), D("3"), D("3"))
    assert gbp.change == D("4") and round(gbp.change_percent, 2) == D("133.33")


def test_one_reporting_currency_makes_one_figure_of_each(ws, two_currencies):
    """USD and GBP costs become one figure in the workspace's currency, each day's GBP at that day's ECB
    rate (computed here from the package's published rates, independently of the rate table)."""
    ws.reporting_currency = "USD"
    ws.save()
    overview = build_overview(ws, today=NOV_20)
    (headline,) = overview.headlines
    gbp_this_month = expected("7.00", "GBP", "USD", date(2026, 11, 2))
    gbp_same_days = expected("3.00", "GBP", "USD", date(2026, 10, 3))
    assert headline.currency == "USD"
    assert headline.month_to_date == D("35") + gbp_this_month
    assert headline.same_days_last_month == D("40") + gbp_same_days
    assert headline.last_month == D("140") + gbp_same_days
    sms = next(s for s in overview.top_services if s.service == "SMS & MMS")
    assert (sms.currency, sms.amount) == ("USD", D("15") + gbp_this_month)
    assert {a.currency for a in overview.accounts} == {"USD"}
    assert overview.currency_note.startswith("Converted to USD at ECB reference rates of each day, latest ")


def test_top_services_over_the_last_30_days(ws, two_currencies):
    overview = build_overview(ws, today=NOV_20)
    top = [(s.currency, s.service, s.amount) for s in overview.top_services]
    # Oct 22..Nov 20: Voice 100 + 20, SMS 10 + 5 (USD); SMS 7 (GBP); October's first days are out
    assert top == [("GBP", "SMS & MMS", D("7")), ("USD", "Programmable Voice", D("120")), ("USD", "SMS & MMS", D("15"))]
    voice = overview.top_services[1]
    assert round(voice.share_percent, 1) == D("88.9")
    params = query_of(voice.url)
    assert params["service"] == ["Programmable Voice"] and params["date_range"] == ["last_30_days"]


def test_movers_against_the_same_days_of_last_month(ws, two_currencies):
    overview = build_overview(ws, today=NOV_20)
    movers = [(m.currency, m.service, m.month_to_date, m.same_days_last_month, m.change) for m in overview.movers]
    assert movers == [
        ("GBP", "SMS & MMS", D("7"), D("3"), D("4")),
        ("USD", "Programmable Voice", D("20"), D("30"), D("-10")),
        ("USD", "SMS & MMS", D("15"), D("8"), D("7")),
        ("USD", "Lookup", D("0"), D("2"), D("-2")),  # gone this month: still a mover
    ]
    assert overview.movers[3].change_percent == D("-100")
    assert query_of(overview.movers[1].url)["date_range"] == ["this_month"]


def test_only_the_five_biggest_movers_per_currency(ws):
    integration = make_integration(ws, "Acme Twilio")
    specs = [item("2026-11-02", f"S{n}", f"c{n}", n) for n in range(1, 8)]
    specs += [item("2026-10-02", "S1", "c1", "1")]  # S1 did not move
    add_costs(integration, specs)
    overview = build_overview(ws, today=NOV_20)
    assert [m.service for m in overview.movers] == ["S7", "S6", "S5", "S4", "S3"]
    assert all(m.change_percent is None for m in overview.movers)  # new this month: no percentage


def test_spend_by_billing_account(ws, two_currencies):
    overview = build_overview(ws, today=NOV_20)
    rows = [(a.currency, a.billing_account, a.month_to_date, a.last_month) for a in overview.accounts]
    assert rows == [("GBP", "Acme UK", D("7"), D("3")), ("USD", "Acme Twilio", D("35"), D("140"))]
    params = query_of(overview.accounts[1].last_month_url)
    assert params["billing_account"] == ["Acme Twilio"] and params["date_range"] == ["last_month"]


def test_the_first_of_the_month(ws):
    integration = make_integration(ws, "Acme Twilio")
    add_costs(integration, [
        item("2026-11-01", "SMS & MMS", "sms-outbound", "3.00"),
        item("2026-11-15", "Programmable Voice", "calls-outbound", "50.00"),
        item("2026-12-01", "SMS & MMS", "sms-outbound", "4.00"),
    ])  # fmt: skip
    overview = build_overview(ws, today=date(2026, 12, 1))
    (h,) = overview.headlines
    assert (h.month_to_date, h.same_days_last_month, h.change, h.last_month) == (D("4"), D("3"), D("1"), D("53"))
    # the last 30 days reach back into November: the top services mean something on the 1st
    top = [(s.service, s.amount) for s in overview.top_services]
    assert top == [("Programmable Voice", D("50")), ("SMS & MMS", D("4"))]  # Nov 2..Dec 1


def test_a_month_longer_than_the_one_before(ws):
    integration = make_integration(ws, "Acme Twilio")
    add_costs(integration, [
        item("2026-02-28", "SMS & MMS", "sms-outbound", "6.00"),
        item("2026-03-30", "SMS & MMS", "sms-outbound", "1.00"),
        item("2026-03-31", "SMS & MMS", "sms-outbound", "2.00"),
    ])  # fmt: skip
    (h,) = build_overview(ws, today=date(2026, 3, 31)).headlines
    assert (h.month_to_date, h.same_days_last_month, h.change, h.last_month) == (D("3"), D("6"), D("-3"), D("6"))
    assert h.change_percent == D("-50")


def test_no_integration_is_the_empty_state(ws):
    overview = build_overview(ws, today=NOV_20)
    assert not overview.has_integrations
    assert overview.headlines == overview.top_services == overview.accounts == overview.attention == []


def test_an_integration_without_costs_or_imports(ws):
    make_integration(ws, "Acme Twilio")
    overview = build_overview(ws, today=NOV_20)
    assert overview.has_integrations and overview.headlines == [] and overview.movers == []
    assert not overview.previous_complete  # nothing was imported: no change figure, no movers
    (attention,) = overview.attention  # a new integration is pending
    assert attention.importing


def test_last_month_not_imported_shows_no_change(ws):
    integration = make_integration(ws, "Acme Twilio")
    add_costs(integration, [item("2026-11-03", "SMS & MMS", "sms-outbound", "9.00")])  # November only
    integration.status = IntegrationStatus.IMPORTED
    integration.save()
    overview = build_overview(ws, today=NOV_20)
    (h,) = overview.headlines
    assert h.month_to_date == D("9") and h.same_days_last_month is None and h.change is None and h.last_month is None
    assert overview.movers == [] and not overview.previous_complete
    (account,) = overview.accounts
    assert (account.billing_account, account.month_to_date, account.last_month) == ("Acme Twilio", D("9"), None)


def test_integrations_in_error_or_importing_need_attention(ws, two_currencies):
    usd, gbp = two_currencies
    usd.status, usd.status_message = IntegrationStatus.ERROR, "Twilio rejected this API key and secret (20003)."
    usd.save()
    gbp.status, gbp.import_windows_done, gbp.import_windows_total = IntegrationStatus.IMPORTING, 2, 6
    gbp.save()
    imported = make_integration(ws, "Acme Quiet")
    imported.status = IntegrationStatus.IMPORTED
    imported.save()
    attention = {a.billing_account: a for a in build_overview(ws, today=NOV_20).attention}
    assert set(attention) == {"Acme Twilio", "Acme UK"}
    assert attention["Acme Twilio"].error and "20003" in attention["Acme Twilio"].message
    assert attention["Acme UK"].importing and attention["Acme UK"].progress_percent == 33


def test_unknown_categories_waiting_in_unattributed(ws, two_currencies):
    usd, gbp = two_currencies
    for integration in (usd, gbp):
        integration.status = IntegrationStatus.IMPORTED
        integration.save()
    add_costs(usd, [
        item("2026-11-18", UNATTRIBUTED_SERVICE, UNATTRIBUTED_CATEGORY, "1.25"),
        item("2026-11-19", UNATTRIBUTED_SERVICE, UNATTRIBUTED_CATEGORY, "0.50"),
        item("2026-09-01", UNATTRIBUTED_SERVICE, UNATTRIBUTED_CATEGORY, "99.00"),  # older than 30 days
    ])  # fmt: skip
    (attention,) = build_overview(ws, today=NOV_20).attention
    assert attention.billing_account == "Acme Twilio" and not attention.error and not attention.importing
    ((currency, amount, url),) = attention.unattributed
    assert (currency, amount) == ("USD", D("1.75"))
    params = query_of(url)
    assert params["category"] == [UNATTRIBUTED_CATEGORY] and params["billing_account"] == ["Acme Twilio"]


def test_the_figures_take_the_same_queries_whatever_the_data(ws, two_currencies):
    build_overview(ws, today=NOV_20)  # creates All Resources
    with CaptureQueriesContext(connection) as small:
        build_overview(ws, today=NOV_20)
    for n in range(5):
        extra = make_integration(ws, f"More {n}")
        days = [date(2026, m, d) for m in (10, 11) for d in range(1, 21)]
        add_costs(extra, [item(day, f"S{day.day % 7}", f"c{day.day}", day.day) for day in days])
    with CaptureQueriesContext(connection) as large:
        build_overview(ws, today=NOV_20)
    # 7 for the figures, 1 for the stored forecast (none here: its months are not read), 1 for the budgets,
    # 1 for the active anomalies
    assert len(data_queries(large)) == len(data_queries(small)) == 10


# --- the page -------------------------------------------------------------------------------------------


def test_page_query_count(owner_client, ws):
    today = utc_today()
    integration = make_integration(ws, "Acme Twilio")
    add_costs(integration, [
        item(add_months(month_start(today), -1), "SMS & MMS", "sms-outbound", "3.00"),
        item(today, "SMS & MMS", "sms-outbound", "4.00"),
    ])  # fmt: skip
    owner_client.get(reverse("home"))  # creates All Resources
    # 8 for the figures (see below), 2 for the forecast, 6 that every page makes (session, user, workspace,
    # role, switcher)
    with CaptureQueriesContext(connection) as captured:
        response = owner_client.get(reverse("home"))
    assert response.status_code == 200
    assert len(data_queries(captured)) <= 16, "\n".join(data_queries(captured))


def test_page_shows_the_figures_and_links_to_the_reports(owner_client, ws):
    today = utc_today()
    integration = make_integration(ws, "Acme Twilio")
    add_costs(integration, [
        item(add_months(month_start(today), -1), "Programmable Voice", "calls-outbound", "1234.50"),
        item(today, "SMS & MMS", "sms-outbound", "4.25"),
    ])  # fmt: skip
    response = owner_client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["overview"].headlines[0].month_to_date == D("4.25")
    assert "4.25" in html and "1,234.50" in html and "Programmable Voice" in html
    (service,) = [s for s in response.context["overview"].top_services if s.service == "SMS & MMS"]
    assert owner_client.get(service.url).status_code == 200
    for url in response.context["overview"].links.values():
        assert owner_client.get(url).status_code == 200


def test_empty_state_offers_connect_twilio(owner_client, ws):
    html = owner_client.get("/").content.decode()
    assert f'id="connect-twilio" href="{reverse("integrations:twilio")}"' in html


def test_viewer_sees_the_figures_but_no_connect_button(viewer_client, ws):
    html = viewer_client.get("/").content.decode()
    assert "No Twilio account connected yet" in html and 'id="connect-twilio"' not in html
    add_costs(make_integration(ws, "Acme Twilio"), [item(utc_today(), "SMS & MMS", "sms-outbound", "4.25")])
    response = viewer_client.get("/")
    assert response.status_code == 200 and response.context["overview"].headlines[0].month_to_date == D("4.25")


def test_outsider_sees_nothing_of_another_workspace(outsider_client, ws, other_ws):
    add_costs(make_integration(ws, "Acme Secret Account"), [item(utc_today(), "Secret Service", "secret", "777.77")])
    add_costs(make_integration(other_ws, "Globex Twilio"), [item(utc_today(), "SMS & MMS", "sms-outbound", "1.00")])
    response = outsider_client.get("/")
    html = response.content.decode()
    assert response.status_code == 200 and response.context["current_workspace"] == other_ws
    assert "777.77" not in html and "Acme Secret Account" not in html and "Secret Service" not in html
    assert [h.month_to_date for h in response.context["overview"].headlines] == [D("1")]


def test_someone_in_no_workspace_is_told_so(client, django_user_model):
    user = django_user_model.objects.create_user(username="loner", password="x" * 20)
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200 and "do not belong to any workspace" in response.content.decode()


def test_the_page_is_get_only(owner_client):
    assert owner_client.post("/").status_code == 405


# --- the report list: month to date and last month --------------------------------------------------------


def test_report_list_costs_on_the_first_of_the_month(ws, default_report):
    integration = make_integration(ws, "Acme Twilio")
    add_costs(integration, [
        item("2026-10-31", "SMS & MMS", "sms-outbound", "100.00"),  # not last month
        item("2026-11-01", "SMS & MMS", "sms-outbound", "3.00"),
        item("2026-11-30", "Lookup", "lookups", "2.00", currency="EUR"),
        item("2026-12-01", "SMS & MMS", "sms-outbound", "4.00"),
    ])  # fmt: skip
    costs = month_to_date_costs(ws, [default_report], today=date(2026, 12, 1))
    assert costs[default_report.pk] == {"month_to_date": {"USD": D("4")}, "last_month": {"USD": D("3"), "EUR": D("2")}}


def test_report_list_shows_both_columns(owner_client, ws, default_report):
    today = utc_today()
    add_costs(make_integration(ws, "Acme Twilio"), [
        item(add_months(month_start(today), -1), "SMS & MMS", "sms-outbound", "1234.50"),
        item(today, "SMS & MMS", "sms-outbound", "4.25"),
    ])  # fmt: skip
    html = owner_client.get(reverse("costs:report_list")).content.decode()
    assert "Month to date" in html and "Last month" in html
    assert html.index("4.25 USD") < html.index("1,234.50 USD")


def test_costs_written_without_summaries_still_add_up(ws):
    """An integration whose monthly summary is not maintained is read from its line items (same figures)."""
    integration = make_integration(ws, "Acme Twilio")
    add_costs(integration, [
        item("2026-10-07", "SMS & MMS", "sms-outbound", "11.00"),
        item("2026-10-31", "SMS & MMS", "sms-outbound", "0.10"),
        item("2026-11-07", "SMS & MMS", "sms-outbound", "12.00"),
    ], maintained=False)  # fmt: skip
    IngestionRun.objects.create(integration=integration, start_date=date(2026, 10, 1), end_date=date(2026, 11, 30),
                                status=RunStatus.SUCCEEDED)  # fmt: skip
    overview = build_overview(ws, today=NOV_20)
    assert overview.headlines[0].last_month == D("11.10")
    assert overview.accounts[0].last_month == D("11.10") and overview.accounts[0].month_to_date == D("12")


def test_page_shows_what_needs_attention(owner_client, ws, owner):
    today = utc_today()
    broken = make_integration(ws, "Acme Broken")
    broken.status, broken.status_message = IntegrationStatus.ERROR, "Twilio rejected this API key and secret (20003)."
    broken.save()
    busy = make_integration(ws, "Acme Busy")
    busy.status, busy.import_windows_done, busy.import_windows_total = IntegrationStatus.IMPORTING, 3, 6
    busy.save()
    add_costs(busy, [item(today, UNATTRIBUTED_SERVICE, UNATTRIBUTED_CATEGORY, "2.40")])
    html = owner_client.get("/").content.decode()
    attention = html[html.index('id="attention"'):]
    assert "Acme Broken" in attention and "20003" in attention and "Acme Busy" in attention
    assert 'aria-valuenow="50"' in attention and "2.40 USD" in attention
    assert reverse("integrations:detail", args=[broken.pk]) in attention
    assert "Classify them" not in attention  # the admin link is for staff
    owner.is_staff = True
    owner.save()
    assert "Classify them" in owner_client.get("/").content.decode()
