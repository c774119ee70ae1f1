"""costs.forecasts.read: what pages and budgets read, summed in the database."""

from datetime import date

from costs.forecasts import read
from costs.forecasts.models import ForecastStatus

from .conftest import MONTH_END, write_forecast


def test_forecast_of_is_none_before_any_fit(report):
    assert read.forecast_of(report) is None
    assert read.reason_text(None) == read.NO_FORECAST_YET


def test_daily_points_sum_the_services_asked_for(report):
    write_forecast(report)
    every = read.daily_points(report, date(2026, 11, 1), MONTH_END)
    assert [p.date for p in every] == [date(2026, 11, d) for d in range(20, 31)]
    assert (every[0].amount, every[0].low, every[0].high, every[0].currency) == (15, 12, 18, "USD")
    (sms,) = read.daily_points(report, date(2026, 11, 25), date(2026, 11, 25), ["SMS"])
    assert (sms.amount, sms.low, sms.high) == (10, 8, 12)
    (not_sms,) = read.daily_points(report, date(2026, 11, 25), date(2026, 11, 25), ["SMS"], exclude=True)
    assert not_sms.amount == 5
    assert read.daily_points(report, date(2026, 11, 1), MONTH_END, currency="GBP") == []
    assert len(read.daily_points(report, date(2026, 11, 1), MONTH_END, after=date(2026, 11, 28))) == 2


def test_month_forecast_per_currency(report):
    write_forecast(report)
    month = read.month_forecast(report, date(2026, 11, 17), "USD")
    assert (month.amount, month.low, month.high) == (450, 430, 470)
    assert read.month_forecast(report, date(2026, 11, 1), "GBP") is None
    assert [m.currency for m in read.month_forecasts(report, date(2026, 11, 1))] == ["USD"]


def test_a_failed_forecast_has_no_figures_and_says_why(report):
    reason = "Only 9 days of history: a forecast needs 14."
    forecast = write_forecast(report, status=ForecastStatus.TOO_SHORT, reason=reason)
    assert read.month_forecast(report, date(2026, 11, 1), "USD") is None
    assert read.daily_points(report, date(2026, 11, 1), MONTH_END) == []
    assert read.reason_text(forecast) == reason
    forecast.reason = ""
    assert "needs 14 days" in read.reason_text(forecast)
    forecast.status = ForecastStatus.FAILED
    assert "failed" in read.reason_text(forecast)


def test_accuracy_text(report):
    forecast = write_forecast(report)
    assert read.accuracy_text(forecast) == "last 6 months: within 4.1% on day 10"
    forecast.accuracy = {"months": 1, "day": 10, "error_percent": 4}
    assert read.accuracy_text(forecast) == "last 1 month: within 4% on day 10"
    forecast.accuracy = {}
    assert read.accuracy_text(forecast) == ""
