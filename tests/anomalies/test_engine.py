"""The detection model on synthetic series: weekday effects, resistance to past anomalies, level shifts,
drops, intermittent series and the floors."""

from datetime import date, timedelta

import numpy as np
import pytest

from costs.anomalies import engine

START = date(2026, 1, 5)  # a Monday
WEEK = np.array([100, 104, 106, 103, 95, 42, 33], dtype=float)  # a business week


def series(weeks=10, noise=0.03, seed=1):
    rng = np.random.default_rng(seed)
    values = np.tile(WEEK, weeks)
    return values * np.exp(rng.normal(0, noise, len(values)))


LOW_FLOORS = engine.Thresholds(5, 10)


def last_score(values, thresholds=LOW_FLOORS):
    return engine.score_series(values, START, len(values) - 1, thresholds)[-1]


def test_a_quiet_weekend_is_expected_not_a_drop():
    values = series()
    score = last_score(values[: 7 * 9 + 7])  # a Sunday
    assert score.day.weekday() == 6 and not score.is_anomaly
    assert score.expected == pytest.approx(33, rel=0.15)  # the weekday effect, not the weekly mean


def test_a_spike_on_a_weekday_is_flagged_with_its_band():
    values = series()
    values[-1] *= 2.0
    score = last_score(values)
    assert score.is_anomaly and score.direction == engine.SPIKE
    assert score.low < score.expected < score.high < score.actual
    assert score.previous == pytest.approx(values[-2])
    assert score.seven_day_average == pytest.approx(values[-8:-1].mean())


def test_a_product_that_stops_is_a_drop():
    values = series()
    values[-1] = 0
    score = last_score(values)
    assert score.is_anomaly and score.direction == engine.DROP


def test_past_anomalies_do_not_widen_the_band():
    values = series()
    values[20] *= 6  # an old spike and an old outage
    values[30] = 0
    values[-1] *= 1.6
    assert last_score(values).is_anomaly


def test_both_floors_must_be_crossed():
    values = series()
    values[-1] *= 2.0
    assert not last_score(values, engine.Thresholds(min_amount=500, min_percent=10)).is_anomaly
    assert not last_score(values, engine.Thresholds(min_amount=5, min_percent=150)).is_anomaly
    assert last_score(values, engine.Thresholds(min_amount=5, min_percent=50)).is_anomaly


def test_a_level_shift_is_flagged_only_on_its_first_days():
    values = series(weeks=12)
    shift = 7 * 9
    values[shift:] *= 1.8
    scores = engine.score_series(values, START, shift, engine.Thresholds(5, 10))
    flagged = [s.day for s in scores if s.is_anomaly]
    assert flagged and max(flagged) <= START + timedelta(days=shift + 5)


def test_intermittent_series_flag_only_far_above_their_history():
    values = np.zeros(70)
    values[::30] = 40.0  # a monthly fee
    values[60] = 40.0
    assert not last_score(values[:61]).is_anomaly
    values[60] = 400.0
    assert last_score(values[:61]).direction == engine.SPIKE
    values[60] = 0.0
    assert not last_score(values[:61]).is_anomaly  # no drop on a series that is usually zero


def test_too_little_history_is_not_scored():
    assert engine.score_series(series()[:10], START, 0, engine.Thresholds()) == []


def test_the_baseline_flags_a_weekend_as_a_drop():
    """Why the product beats it: a 7-day average ignores the weekday."""
    values = series()
    baseline = engine.baseline_score(values[: 7 * 9 + 6], START, 7 * 9 + 5, engine.Thresholds(5, 10))
    assert baseline[-1].is_anomaly and baseline[-1].direction == engine.DROP
