"""Refreshing a report's forecast: what it reads (its filters, its workspace) and what it stores."""

from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db.models import Sum

from costs.forecasts import services
from costs.forecasts.models import ForecastMonth, ForecastPoint, ForecastStatus, ReportForecast
from costs.models import CostReport
from costs.services import ensure_default_report
from tests.costs.factories import add_costs, make_integration

from .conftest import TODAY, history_specs

pytestmark = pytest.mark.django_db


def test_refresh_stores_points_months_and_accuracy(report):
    forecast = services.refresh_report_forecast(report, today=TODAY)
    assert forecast.status == ForecastStatus.OK, forecast.reason
    assert forecast.method.startswith("Exponential smoothing")
    assert forecast.history_end == TODAY - timedelta(days=1)
    assert forecast.horizon_end == date(2026, 10, 31)  # the current month and the next three
    points = ForecastPoint.objects.filter(forecast=forecast)
    assert {p.service for p in points} == {"Programmable SMS", "Voice"}
    assert {p.currency for p in points} == {"USD"}
    assert points.filter(service="Voice").count() == (date(2026, 10, 31) - TODAY).days + 1
    assert points.order_by("date").first().date == TODAY
    sms_weekday = points.get(service="Programmable SMS", date=date(2026, 7, 21)).amount  # a Tuesday
    sms_sunday = points.get(service="Programmable SMS", date=date(2026, 7, 19)).amount
    assert Decimal(90) < sms_weekday < Decimal(115) and sms_sunday < Decimal(45)
    for p in points:
        assert p.low <= p.amount <= p.high
    months = {m.month: m for m in ForecastMonth.objects.filter(forecast=forecast)}
    assert sorted(months) == [date(2026, m, 1) for m in (7, 8, 9, 10)]
    july = months[date(2026, 7, 1)]
    assert july.actual == pytest.approx(
        Decimal(sum(float(s["cost"]) for s in history_specs(14))), rel=Decimal("1e-6"))
    future = points.filter(date__month=7).aggregate(s=Sum("amount"))["s"]
    assert july.amount == pytest.approx(july.actual + future, abs=Decimal("0.01"))
    assert july.low < july.amount < july.high
    august = months[date(2026, 8, 1)]
    band_sum = sum(p.high - p.low for p in points.filter(date__month=8))
    assert august.high - august.low < band_sum
    assert forecast.accuracy["day"] == 10 and forecast.accuracy["months"] == 6
    assert forecast.accuracy["currency"] == "USD" and forecast.accuracy["error_percent"] < 5


def test_refresh_follows_the_report_filters(report, voice_report):
    forecast = services.refresh_report_forecast(voice_report, today=TODAY)
    assert set(forecast.points.values_list("service", flat=True)) == {"Voice"}
    everything = services.refresh_report_forecast(report, today=TODAY)
    voice = forecast.months.get(month=date(2026, 8, 1)).amount
    total = everything.months.get(month=date(2026, 8, 1)).amount
    assert Decimal("0.2") < voice / total < Decimal("0.35")  # 40 of 140 a day


def test_another_workspaces_costs_are_not_read(report, other_ws):
    theirs = make_integration(other_ws, "Globex Twilio")
    add_costs(theirs, history_specs(200, services=(("Programmable SMS", 5000), ("Lookup", 9))))
    forecast = services.refresh_report_forecast(report, today=TODAY)
    assert "Lookup" not in set(forecast.points.values_list("service", flat=True))
    assert forecast.points.get(service="Programmable SMS", date=date(2026, 7, 21)).amount < 200
    their_report = ensure_default_report(other_ws)
    assert services.refresh_report_forecast(their_report, today=TODAY).points.filter(service="Lookup").exists()


def test_refresh_replaces_the_previous_forecast(report, integration):
    first = services.refresh_report_forecast(report, today=TODAY)
    count = first.points.count()
    assert first.points.filter(date=TODAY).count() == 2
    add_costs(integration, history_specs(1, end=TODAY))  # the next import brings TODAY's costs
    second = services.refresh_report_forecast(report, today=TODAY + timedelta(days=1))
    assert second.pk == first.pk and ReportForecast.objects.filter(report=report).count() == 1
    assert second.history_end == TODAY
    assert ForecastPoint.objects.filter(forecast__report=report).count() == count - 2  # replaced, not added
    assert not ForecastPoint.objects.filter(forecast__report=report, date=TODAY).exists()


def test_a_failing_write_keeps_the_previous_forecast_whole(report):
    first = services.refresh_report_forecast(report, today=TODAY)
    points, months, computed = first.points.count(), first.months.count(), first.computed_at
    with mock.patch.object(ForecastMonth.objects, "bulk_create", side_effect=RuntimeError("disk full")):
        with pytest.raises(RuntimeError):
            services.refresh_report_forecast(report, today=TODAY + timedelta(days=3))
    first.refresh_from_db()
    assert first.computed_at == computed
    assert first.points.count() == points and first.months.count() == months


def test_a_failing_fit_is_stored_as_failed_without_details(report):
    with mock.patch.object(services.engine, "forecast_series", side_effect=ValueError("secret-ish detail")):
        forecast = services.refresh_report_forecast(report, today=TODAY)
    assert forecast.status == ForecastStatus.FAILED
    assert "secret-ish" not in forecast.reason and forecast.points.count() == 0


def test_short_history_is_too_short_with_the_reason(ws, integration):
    add_costs(integration, history_specs(9))
    forecast = services.refresh_report_forecast(ensure_default_report(ws), today=TODAY)
    assert forecast.status == ForecastStatus.TOO_SHORT
    assert forecast.reason == "Only 9 days of history: a forecast needs 14."
    assert forecast.points.count() == 0 and forecast.months.count() == 0


def test_no_costs_at_all(ws):
    forecast = services.refresh_report_forecast(ensure_default_report(ws), today=TODAY)
    assert forecast.status == ForecastStatus.TOO_SHORT and forecast.reason.startswith("Only 0 days")


def test_a_filter_on_a_vanished_dimension_fails_clearly(report, ws, owner):
    gone = CostReport.objects.create(workspace=ws, title="Gone tag", created_by=owner,
                                     filters={"tag": {"values": ["nope:x"], "op": "is"}})
    forecast = services.refresh_report_forecast(gone, today=TODAY)
    assert forecast.status == ForecastStatus.FAILED and "no longer exists" in forecast.reason


def test_month_forecast_for_budgets(report):
    assert services.month_forecast(report, date(2026, 8, 1)) == []
    services.refresh_report_forecast(report, today=TODAY)
    [august] = services.month_forecast(report, date(2026, 8, 17))
    assert august.month == date(2026, 8, 1) and august.currency == "USD" and august.amount > 0


def test_refresh_workspace_forecasts_every_report(report, voice_report):
    forecasts = services.refresh_workspace_forecasts(report.workspace, today=TODAY)
    assert {f.report_id for f in forecasts} == {report.pk, voice_report.pk}


def test_one_query_for_many_reports_reads_what_each_reportquery_reads(report, voice_report, ws, owner, other_ws,
                                                                     django_assert_max_num_queries):
    add_costs(make_integration(other_ws, "Globex"), history_specs(30, services=(("Voice", 999),)))
    gone = CostReport.objects.create(workspace=ws, title="Gone", created_by=owner,
                                     filters={"billing_account": {"values": ["Acme Twilio"], "op": "not"},
                                              "tag": {"values": ["nope:x"], "op": "is"}})
    reports = [report, voice_report, gone]
    with django_assert_max_num_queries(8):
        batched = services.workspace_histories(ws, reports, TODAY)
    assert batched[gone.pk] == services.VANISHED
    for r in (report, voice_report):
        end, series = batched[r.pk]
        one_end, one = services.report_history(r, TODAY)
        assert end == one_end == TODAY - timedelta(days=1)
        assert {k: {d: v for d, v in h.items() if v} for k, h in series.items()} == {
            k: {d: v for d, v in h.items() if v} for k, h in one.items()}
    assert set(batched[voice_report.pk][1]) == {("Voice", "USD")}


def test_the_method_says_each_model_once_with_its_series_whole():
    from costs.forecasts import engine
    from costs.forecasts.services import method_summary

    fallback = engine.FALLBACK_METHOD
    methods = [engine.ETS_METHOD] * 5 + [f"{fallback} (the series is mostly empty)", f"{fallback} (the series is flat)"]
    summary = method_summary(methods)
    assert summary == f"{engine.ETS_METHOD}: 5 series; {fallback}: 2 series"
    assert method_summary([engine.ETS_METHOD] * 3) == engine.ETS_METHOD and method_summary([]) == fallback


def test_the_method_says_how_many_series_last_year_was_averaged_in_whole_parts_only():
    from costs.forecasts import engine
    from costs.forecasts.services import METHOD_LENGTH, method_summary

    ets, yearly, fallback = engine.ETS_METHOD, engine.ETS_METHOD + engine.YEAR_NOTE, engine.FALLBACK_METHOD
    assert method_summary([yearly] * 2) == yearly
    assert method_summary([ets, yearly, yearly]) == f"{ets}; last year's same days averaged in for 2 of 3 series"
    summary = method_summary([yearly, ets, f"{fallback} (the series is flat)"])
    assert summary == f"{ets}: 2 series; {fallback}: 1 series; last year's same days averaged in for 1 of 3 series"
    short = ets.replace("additive damped trend, ", "no trend (under 4 weeks), ")
    crowded = method_summary([yearly, ets, short, f"{fallback} (the series is flat)"])
    assert len(crowded) <= METHOD_LENGTH and crowded.endswith("averaged in for 1 of 4 series")
    assert all(part.endswith("series") for part in crowded.split("; "))
