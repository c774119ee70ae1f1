"""The engine on synthetic series whose truth is known."""

from datetime import date, timedelta

import numpy as np
import pytest

from costs.forecasts import engine

SHAPE = (1.0, 1.04, 1.06, 1.03, 0.95, 0.42, 0.33)  # a business week: quiet weekends


def weekly(start: date, days: int, *, level=100.0, noise=0.05, seed=1, growth=0.0) -> dict:
    rng = np.random.default_rng(seed)
    out = {}
    for i in range(days):
        day = start + timedelta(days=i)
        out[day] = (level + growth * i) * SHAPE[day.weekday()] * (1 + rng.normal(0, noise))
    return out


def test_weekly_pattern_is_forecast_and_band_holds_most_held_out_days():
    full = weekly(date(2026, 1, 1), 180 + 28)
    end = date(2026, 1, 1) + timedelta(days=179)
    history = {d: v for d, v in full.items() if d <= end}
    forecast = engine.forecast_series(history, end=end, until=end + timedelta(days=28))
    assert forecast.ok and forecast.method == engine.ETS_METHOD
    assert forecast.dates[0] == end + timedelta(days=1) and len(forecast.dates) == 28
    truth = np.array([full[d] for d in forecast.dates])
    expected = np.array([100 * SHAPE[d.weekday()] for d in forecast.dates])
    assert np.abs(forecast.mean - expected).max() < 0.1 * 100  # the weekend dip is learnt, not averaged away
    assert forecast.mean[[d.weekday() >= 5 for d in forecast.dates]].max() < 50
    inside = ((truth >= forecast.low) & (truth <= forecast.high)).mean()
    assert inside >= 0.65  # an 80% band: most held-out days (not all: it is not a 100% band)
    assert (forecast.low <= forecast.mean).all() and (forecast.mean <= forecast.high).all()


def test_growth_is_followed():
    history = weekly(date(2026, 1, 1), 150, growth=1.0, noise=0.02)
    end = max(history)
    forecast = engine.forecast_series(history, end=end, until=end + timedelta(days=14))
    assert forecast.mean[7:].mean() > forecast.mean[:7].mean()
    assert forecast.mean[:7].mean() > np.mean([history[end - timedelta(days=i)] for i in range(7, 14)])


@pytest.mark.parametrize("days", [0, 1, 13])
def test_under_14_days_no_forecast_with_the_reason(days):
    history = weekly(date(2026, 3, 1), days)
    end = date(2026, 3, 1) + timedelta(days=max(days - 1, 0))
    forecast = engine.forecast_series(history, end=end, until=date(2026, 3, 31))
    assert not forecast.ok
    assert forecast.reason == f"Only {days} days of history: a forecast needs 14."
    assert len(forecast.dates) == 0


def test_fourteen_days_are_enough():
    history = weekly(date(2026, 3, 1), 14)
    forecast = engine.forecast_series(history, end=date(2026, 3, 14), until=date(2026, 3, 31))
    assert forecast.ok and len(forecast.dates) == 17
    assert "no trend" in forecast.method


def test_zeros_give_a_zero_forecast_stated_as_the_fallback():
    end = date(2026, 6, 30)
    history = {end - timedelta(days=i): 0 for i in range(60)}
    history[end - timedelta(days=50)] = 3.0  # one old charge: the rest is zeros
    forecast = engine.forecast_series(history, end=end, until=date(2026, 7, 31))
    assert forecast.ok and forecast.method.startswith(engine.FALLBACK_METHOD)
    assert (forecast.mean == 0).all() and (forecast.high == 0).all()


def test_constant_series_uses_the_fallback_with_no_band():
    end = date(2026, 6, 30)
    history = {end - timedelta(days=i): 5.0 for i in range(60)}
    forecast = engine.forecast_series(history, end=end, until=date(2026, 7, 10))
    assert "constant" in forecast.method
    assert np.allclose(forecast.mean, 5.0) and np.allclose(forecast.low, 5.0) and np.allclose(forecast.high, 5.0)


def test_credits_negative_series_may_stay_negative():
    end = date(2026, 6, 30)
    rng = np.random.default_rng(3)
    history = {end - timedelta(days=i): -20.0 + rng.normal(0, 1) for i in range(90)}
    forecast = engine.forecast_series(history, end=end, until=date(2026, 7, 31))
    assert forecast.ok and forecast.mean.max() < -15 and forecast.mean.min() > -25  # not clipped to zero


def test_sparse_credits_among_costs_keep_the_forecast_positive():
    history = weekly(date(2026, 1, 1), 120)
    end = max(history)
    for i in (10, 40, 80):
        history[date(2026, 1, 1) + timedelta(days=i)] = -300.0  # a bucket adjustment now and then
    forecast = engine.forecast_series(history, end=end, until=end + timedelta(days=30))
    assert forecast.ok and np.isfinite(forecast.mean).all()
    assert 2000 < forecast.mean.sum() < 3000  # about 30 days of ~85 a day


def test_month_total_band_is_narrower_than_the_sum_of_daily_bands():
    history = weekly(date(2026, 1, 1), 180)
    end = max(history)  # 2026-06-29
    forecast = engine.forecast_series(history, end=end, until=date(2026, 9, 30))
    months = engine.month_totals(history, [forecast], end=end, months=engine.months_between(end, date(2026, 9, 30)))
    assert [m.month for m in months] == [date(2026, 6, 1), date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)]
    june = months[0]
    assert june.actual == pytest.approx(sum(v for d, v in history.items() if d >= date(2026, 6, 1)))
    july = months[1]
    in_july = [i for i, d in enumerate(forecast.dates) if d.month == 7]
    assert july.actual == 0
    assert july.amount == pytest.approx(forecast.mean[in_july].sum())
    assert july.low < july.amount < july.high
    assert july.high - july.low < (forecast.high[in_july] - forecast.low[in_july]).sum()


def test_month_totals_add_several_series():
    a = weekly(date(2026, 1, 1), 120, seed=1)
    b = weekly(date(2026, 1, 1), 120, level=50, seed=2)
    end = max(a)
    fa = engine.forecast_series(a, end=end, until=date(2026, 5, 31), seed=1)
    fb = engine.forecast_series(b, end=end, until=date(2026, 5, 31), seed=2)
    actual = {d: a[d] + b[d] for d in a}
    both = engine.month_totals(actual, [fa, fb], end=end, months=[date(2026, 5, 1)])[0]
    alone = engine.month_totals(a, [fa], end=end, months=[date(2026, 5, 1)])[0]
    assert both.amount == pytest.approx(fa.mean.sum() + fb.mean.sum())
    assert both.amount > alone.amount * 1.3


def test_backtest_reports_a_small_error_on_a_regular_series():
    history = weekly(date(2025, 11, 1), 240, noise=0.03)
    end = max(history)
    accuracy = engine.backtest_month_end(history, end=end, day=10, months=6)
    assert accuracy["day"] == 10 and 4 <= accuracy["months"] <= 6
    assert 0 <= accuracy["error_percent"] < 3


def test_backtest_sees_a_wrong_forecast():
    """A level that quadruples mid-month in every other month cannot be forecast on day 10 (the weekday means of
    the last weeks, which would follow a jump every month, see the other month's): the error says so."""
    history = {}
    day = date(2025, 11, 1)
    while day <= date(2026, 6, 30):
        history[day] = 400.0 if day.day > 15 and day.month % 2 else 100.0
        day += timedelta(days=1)
    accuracy = engine.backtest_month_end(history, end=date(2026, 6, 30), day=10, months=6)
    assert accuracy["months"] == 6 and accuracy["error_percent"] > 20


def test_backtest_without_enough_history_is_none():
    history = weekly(date(2026, 6, 1), 20)
    assert engine.backtest_month_end(history, end=date(2026, 6, 20)) is None


def test_as_decimal():
    assert str(engine.as_decimal(1.23456789)) == "1.234568"
    with pytest.raises(ValueError):
        engine.as_decimal(float("nan"))


def test_weekday_means_continue_each_weekday_of_the_last_weeks():
    y = np.array([float(i % 7) for i in range(3, 3 + 40)])  # day k is weekday position (k + 3) % 7
    y[-7 * engine.WEEKDAY_WEEKS - 1] = 1000.0  # older than the window: ignored
    means = engine.weekday_means(y, 10)
    assert means.tolist() == [float((40 + 3 + i) % 7) for i in range(10)]


def test_ets_from_its_states_on_the_last_day_is_its_forecast():
    """The choice between ETS and the weekday means reads ETS's past forecasts from its filtered states: on the
    last day they must be the fitted model's own forecast (with and without a trend)."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    y = engine.daily_values(weekly(date(2026, 1, 1), 90, growth=0.3), date(2026, 1, 1), date(2026, 3, 31))
    for trend in (True, False):
        fitted = ETSModel(y, error="add", trend="add" if trend else None, damped_trend=trend, seasonal="add",
                          seasonal_periods=7).fit(disp=False)
        assert np.allclose(engine._ets_from_state(fitted, trend, len(y) - 1, 14), fitted.forecast(14))
        assert engine.ets_weight(y, fitted, trend) in engine.ETS_WEIGHTS


def test_a_level_shift_is_followed_and_the_method_fits_its_column():
    """A level that doubled three weeks ago and stayed: the forecast is near the new level (within 20%; half-way
    between the levels would be 25% off), whichever of ETS, the weekday means or their average is chosen."""
    history = weekly(date(2026, 1, 1), 120)
    for day in list(history)[-21:]:
        history[day] *= 2
    end = max(history)
    forecast = engine.forecast_series(history, end=end, until=end + timedelta(days=7))
    expected = np.array([200 * SHAPE[d.weekday()] for d in forecast.dates])
    assert np.abs(forecast.mean.sum() / expected.sum() - 1) < 0.2
    assert len(engine.ETS_METHOD) <= 120 and len(forecast.method) <= 120  # ForecastRun.method's max_length


def yearly(start: date, days: int, *, seed=3, noise=0.03) -> dict:
    """A weekly shape on a level that doubles for the second half of every year's December (a holiday
    season): what only last year's same days can know on 10 December."""
    rng = np.random.default_rng(seed)
    return {start + timedelta(days=i): 100 * SHAPE[(start + timedelta(days=i)).weekday()]
            * (2.0 if (start + timedelta(days=i)).month == 12 and (start + timedelta(days=i)).day > 15 else 1.0)
            * (1 + rng.normal(0, noise)) for i in range(days)}


def test_last_years_same_days_carry_a_yearly_season_the_weekly_model_cannot_know():
    full = yearly(date(2024, 11, 1), 425 + 21)
    end = date(2025, 12, 10)
    history = {d: v for d, v in full.items() if d <= end}
    forecast = engine.forecast_series(history, end=end, until=date(2025, 12, 31))
    assert forecast.method == engine.ETS_METHOD + engine.YEAR_NOTE
    season = [i for i, d in enumerate(forecast.dates) if d.day > 15]
    truth = np.array([full[forecast.dates[i]] for i in season])
    # half of the doubling is carried (the forecast is the average of the weekly model and last year)
    assert forecast.mean[season].sum() > 1.35 * truth.sum() / 2
    without = engine.forecast_series({d: v for d, v in history.items() if d > end - timedelta(days=380)},
                                     end=end, until=date(2025, 12, 31))
    assert without.method == engine.ETS_METHOD  # under a year and 28 days: the weekly model alone
    assert without.mean[season].sum() < forecast.mean[season].sum() * 0.85


def test_last_year_is_not_used_where_the_series_had_no_costs_or_changed_beyond_recognition():
    y = np.array([100.0 * SHAPE[i % 7] for i in range(420)])
    assert engine.last_year(y, 20) is not None
    assert engine.last_year(y, 0) is None and engine.last_year(y, 365) is None  # nothing, or beyond the year
    started = y.copy()
    started[:40] = 0  # costs began 380 days ago: no whole 28 days a year back
    assert engine.last_year(started, 20) is None
    grown = y.copy()
    grown[-28:] *= 6  # six times last year's level: last year says nothing about this series
    assert engine.last_year(grown, 20) is None
    doubled = y.copy()
    doubled[-28:] *= 2
    twin = len(y) - engine.YEAR_DAYS
    assert engine.last_year(doubled, 20)[0] == pytest.approx(2 * y[twin])  # scaled by the recent change
