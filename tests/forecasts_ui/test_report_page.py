"""The forecast on the report page: dashed line and band on the chart (daily, weekly, monthly, cumulative),
the headline's month figure with its accuracy, or why there is none; scoped to the workspace."""

import re
from datetime import date
from html import unescape

import pytest
from django.urls import reverse

from costs.forecasts.models import ForecastStatus
from costs.services import ensure_default_report
from tests.costs.factories import add_costs, item
from tests.costs.pages import report_query

from .conftest import client_of, write_forecast

NOV_TO_TODAY = {"start_date": "2026-11-01", "end_date": "2026-11-20"}


def page(client, report, **settings) -> str:
    response = client.get(f"{reverse('costs:report_detail', args=[report.pk])}?{report_query(**settings)}")
    assert response.status_code == 200
    return unescape(response.content.decode())


def forecast_titles(html: str) -> list[str]:
    """The hover titles of the forecast's points, in order."""
    return re.findall(r'<circle class="forecast-point"[^>]*><title>([^<]*)</title>', html)


def svg(html: str) -> str:
    return html[html.index("<svg"):html.index("</svg>")]


def headline(html: str) -> str:
    block = html[html.index('id="forecast-headline"'):]
    return " ".join(re.sub(r"<[^>]+>", " ", block[:block.index("</div>")]).split())


@pytest.fixture
def owner_page(owner, november, report):
    write_forecast(report)
    client = client_of(owner)
    return lambda **settings: page(client, report, **{**NOV_TO_TODAY, **settings})


def test_daily_line_and_band_continue_to_the_end_of_the_month(owner_page):
    html = owner_page(bin="day", chart="bar", group_by=["service"])
    chart = svg(html)
    assert 'class="forecast-line"' in chart and 'stroke-dasharray="6 4"' in chart
    assert '<polygon class="forecast-band"' in chart
    titles = forecast_titles(html)
    assert len(titles) == 11  # 20..30 Nov; the line starts from 19 Nov's actual cost, without a point of its own
    assert titles[0] == "Forecast (80% band) · 20 Nov 2026: 15.00 USD (12.00–18.00)"
    assert titles[-1] == "Forecast (80% band) · 30 Nov 2026: 15.00 USD (12.00–18.00)"
    last_x = float(re.findall(r'<circle class="forecast-point" cx="([0-9.]+)"', chart)[-1])
    assert last_x > 860  # 30 Nov is the last of 30 days on the axis, past the report's last day (20 Nov)
    assert "Forecast (80% band)" in html.split('id="legend-forecast"')[1][:300]
    assert "165.00 USD more expected by 30 Nov 2026" in chart  # the description screen readers get


def test_headline_has_the_month_with_its_band_and_accuracy(owner_page):
    text = headline(owner_page(bin="day"))
    assert "Forecast for Nov 2026: 450.00 USD (430.00–470.00)" in text
    assert "last 6 months: within 4.1% on day 10" in text


def test_a_line_chart_stops_the_actual_lines_where_the_forecast_starts(owner_page):
    chart = svg(owner_page(bin="day", chart="line", group_by=["service"]))
    actual_lines = re.findall(r'<polyline fill="none"[^>]*points="([^"]*)"', chart)
    assert len(actual_lines) == 2 and all(len(points.split()) == 19 for points in actual_lines)  # 1..19 Nov


def test_weekly_bins_add_actual_and_forecast_of_the_rest(owner_page):
    html = owner_page(bin="week")
    titles = forecast_titles(html)
    # 16..19 Nov actual (60) + 20..22 Nov forecast (45); the band adds up three daily bands
    assert "Forecast (80% band) · Week of 16 Nov 2026: 105.00 USD (96.00–114.00)" in titles
    assert titles[-1] == "Forecast (80% band) · Week of 30 Nov 2026: 15.00 USD (12.00–18.00)"
    assert "adds up the daily 80% bands" in html
    assert "The forecast reaches 30 Nov 2026: the last bin has no forecast after it." in html  # (to 6 Dec)


def test_the_current_month_bin_uses_the_band_of_the_months_total(owner_page):
    html = owner_page(bin="month")
    assert forecast_titles(html) == ["Forecast (80% band) · Nov 2026: 450.00 USD (430.00–470.00)"]
    assert '<rect class="forecast-band"' in svg(html)  # one bin: a bar of the band, not a polygon
    assert "adds up the daily 80% bands" not in html
    assert "The forecast reaches" not in html  # the bin ends with the month the forecast covers


def test_cumulative_continues_the_running_total(owner_page):
    titles = forecast_titles(owner_page(bin="cumulative"))
    assert titles[0] == "Forecast (80% band) · 20 Nov 2026: 300.00 USD (297.00–303.00)"
    assert titles[-1] == "Forecast (80% band) · 30 Nov 2026: 450.00 USD (417.00–483.00)"


def test_the_line_is_the_total_of_the_services_shown(owner_page):
    html = owner_page(bin="day", service=["SMS"], service_op="is")
    assert forecast_titles(html)[-1] == "Forecast (80% band) · 30 Nov 2026: 10.00 USD (8.00–12.00)"
    assert "for every service of this report" in headline(html)
    html = owner_page(bin="day", service=["SMS"], service_op="not")
    assert forecast_titles(html)[-1] == "Forecast (80% band) · 30 Nov 2026: 5.00 USD (4.00–6.00)"


def test_a_past_range_has_no_forecast(owner_page):
    html = owner_page(bin="day", start_date="2026-11-01", end_date="2026-11-15")
    assert "forecast" not in svg(html) and 'id="forecast-headline"' not in html


def test_a_forecast_in_another_currency_is_not_drawn(owner, november, report):
    write_forecast(report, currency="GBP")
    html = page(client_of(owner), report, **NOV_TO_TODAY, bin="day")
    assert "forecast" not in svg(html)
    assert "None in USD: this report's forecast is in other currencies." in headline(html)


def test_too_short_history_says_why(owner, november, report):
    write_forecast(report, status=ForecastStatus.TOO_SHORT, reason="Only 9 days of history: a forecast needs 14.")
    html = page(client_of(owner), report, **NOV_TO_TODAY, bin="day")
    assert "forecast" not in svg(html)
    assert "No forecast for Nov 2026: Only 9 days of history: a forecast needs 14." in headline(html)


def test_no_forecast_yet_says_so(owner, november, report):
    html = page(client_of(owner), report, **NOV_TO_TODAY, bin="day")
    assert "forecast" not in svg(html)
    assert "No forecast yet" in headline(html)


def test_a_viewer_sees_it(viewer, november, report):
    write_forecast(report)
    assert forecast_titles(page(client_of(viewer), report, **NOV_TO_TODAY, bin="day"))


def test_another_workspaces_forecast_is_never_shown(owner, outsider, other_ws, november, report):
    theirs = ensure_default_report(other_ws)
    write_forecast(theirs)
    html = page(client_of(owner), report, **NOV_TO_TODAY, bin="day")
    assert "No forecast yet" in headline(html) and "450.00" not in html
    url = f"{reverse('costs:report_detail', args=[report.pk])}?{report_query(**NOV_TO_TODAY)}"
    assert client_of(outsider).get(url).status_code == 404


def test_the_forecast_costs_three_small_queries(owner, november, report, django_assert_max_num_queries):
    client = client_of(owner)
    url = f"{reverse('costs:report_detail', args=[report.pk])}?{report_query(**NOV_TO_TODAY, bin='day')}"
    client.get(url)
    with django_assert_max_num_queries(30) as without:
        client.get(url)
    write_forecast(report)
    with django_assert_max_num_queries(len(without.captured_queries) + 3):
        assert "forecast-line" in client.get(url).content.decode()


def test_quarterly_bins_add_the_rest_of_the_quarter(owner_page):
    html = owner_page(bin="quarter")
    titles = forecast_titles(html)
    assert titles == ["Forecast (80% band) · 2026 Q4: 450.00 USD (417.00–483.00)"]  # daily bands added up
    assert "The forecast reaches 30 Nov 2026" in html


def test_a_range_ending_later_keeps_its_own_days(owner_page):
    html = owner_page(bin="day", chart="line", end_date="2026-11-30", group_by=["service"])
    assert len(forecast_titles(html)) == 11
    actual_lines = re.findall(r'<polyline fill="none"[^>]*points="([^"]*)"', svg(html))
    assert all(len(points.split()) == 19 for points in actual_lines)  # no drop to zero after the last actual day


def test_usage_mode_has_no_forecast(owner_page):
    html = owner_page(bin="day", mode="usage")
    assert 'id="forecast-headline"' not in html and "forecast-line" not in html


def test_without_a_measured_accuracy_it_says_so(owner, november, report):
    write_forecast(report, accuracy={})
    text = headline(page(client_of(owner), report, **NOV_TO_TODAY, bin="day"))
    assert "Forecast for Nov 2026: 450.00 USD" in text and "Accuracy not measured yet" in text


def test_other_filters_than_the_saved_ones_are_noted(owner_page):
    html = owner_page(bin="day", billing_account=["Acme Twilio"], billing_account_op="is")
    assert forecast_titles(html)
    assert "The forecast follows the saved report's filters" in html
    assert "The forecast follows the saved report's filters" not in owner_page(bin="day")


def test_today_partly_imported_is_never_counted_twice(owner, november, report):
    """Today (20 Nov) has 7.00 imported so far; the forecast starts on 20 Nov (history ends the 19th)."""
    add_costs(november, [item(date(2026, 11, 20), "SMS", "sms", "7.00")])
    write_forecast(report)
    client = client_of(owner)
    weekly = forecast_titles(page(client, report, **NOV_TO_TODAY, bin="week"))
    # 16..19 Nov (60) and today's 7.00 so far, then 21..22 Nov forecast (30): not today's forecast as well
    assert "Forecast (80% band) · Week of 16 Nov 2026: 97.00 USD (91.00–103.00)" in weekly
    daily = forecast_titles(page(client, report, **NOV_TO_TODAY, bin="day"))
    # a day wholly after the history: the forecast stands for it (today's 7.00 so far is not added to it)
    assert "Forecast (80% band) · 20 Nov 2026: 15.00 USD (12.00–18.00)" in daily
    # the month's bin is the headline's figure: actual to the 19th plus the forecast from the 20th
    assert forecast_titles(page(client, report, **NOV_TO_TODAY, bin="month")) == [
        "Forecast (80% band) · Nov 2026: 450.00 USD (430.00–470.00)"
    ]


def test_the_billing_currency_view_of_a_converting_workspace_draws_no_forecast(owner, november, report, ws):
    assert ws.reporting_currency  # the forecast is of the converted costs (every account's, in one currency)
    write_forecast(report, currency=ws.reporting_currency)
    html = page(client_of(owner), report, **NOV_TO_TODAY, bin="day", currency="billing")
    assert 'class="forecast-line"' not in svg(html)
    assert f"Forecasts and budgets are of the costs converted to {ws.reporting_currency}" in headline(html)
