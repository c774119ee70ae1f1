"""A person opens a report whose range reaches today: the stored forecast continues the chart as a dashed
line over its shaded 80% band, named in the legend, and the headline gives the month's expected total."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from costs.forecasts.models import ForecastMonth, ForecastPoint, ForecastStatus, ReportForecast
from costs.services import ensure_default_report
from tests.conftest import PASSWORD
from tests.costs.factories import add_costs, item, make_integration
from tests.e2e.conftest import sign_in
from vantage.lib.dates import month_start, utc_today

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1440, "height": 900}


@pytest.fixture
def forecast(ws):
    today = utc_today()
    integration = make_integration(ws, "Acme Twilio")
    days = [today - timedelta(days=d) for d in range(1, 21)]
    add_costs(integration, [item(day, "SMS & MMS", "sms-outbound", "10.00") for day in days])
    report = ensure_default_report(ws)
    stored = ReportForecast.objects.create(
        report=report, status=ForecastStatus.OK, history_start=today - timedelta(days=20),
        history_end=today - timedelta(days=1), horizon_end=today + timedelta(days=10),
        accuracy={"months": 6, "day": 10, "error_percent": 4.1}, computed_at=timezone.now(),
    )  # fmt: skip
    ForecastPoint.objects.bulk_create([
        ForecastPoint(forecast=stored, date=today + timedelta(days=d), service="SMS & MMS", currency="USD",
                      amount=Decimal(10 + d), low=Decimal(7 + d), high=Decimal(13 + d))  # rising: not a flat line
        for d in range(11)
    ])  # fmt: skip
    ForecastMonth.objects.create(forecast=stored, month=month_start(today), currency="USD", actual=Decimal(100),
                                 amount=Decimal(300), low=Decimal(280), high=Decimal(320))  # fmt: skip
    return report


def test_the_dashed_forecast_line_is_visible_on_the_chart(page, ws, owner, forecast):
    today = utc_today()
    page.set_viewport_size(DESKTOP)
    sign_in(page, owner.username, PASSWORD)
    page.wait_for_selector("h1")
    query = urlencode({"applied": "1", "date_range": "custom", "start_date": (today - timedelta(days=20)).isoformat(),
                       "end_date": today.isoformat(), "bin": "day", "chart": "bar", "mode": "spend"})  # fmt: skip
    page.goto(f"/reports/{forecast.pk}/?{query}")
    line = page.locator("svg.report-chart polyline.forecast-line")
    line.wait_for(state="visible")
    box = line.bounding_box()
    assert box["width"] > 20, box  # drawn across the days to come, not a dot
    assert line.evaluate("el => getComputedStyle(el).strokeDasharray").replace(",", "").split()[:2] == ["6px", "4px"]
    band = page.locator("svg.report-chart .forecast-band")
    assert band.is_visible() and band.bounding_box()["height"] > 1
    assert page.locator("#legend-forecast").inner_text().startswith("Forecast (80% band)")
    assert "300.00 USD (280.00–320.00)" in page.inner_text("#forecast-headline")
