"""The detection model: pure functions over one daily cost series (numpy only, no Django).

For a day ``t`` of a series the model reads the ``HISTORY`` days before it (never ``t`` itself, never
the future) and predicts ``t``:

1. **weekday effects**: the history is cut into whole weeks ending the day before ``t``; each day is
   divided by the median of its week, and the weekday's factor is the median of those ratios over the
   weeks (normalised to average 1). Medians, so one spike, drop or credit in a week moves nothing.
2. **level and trend**: the deseasonalised values' median over the last 7 days is the level (it sits
   3 days before ``t``); the trend is the per-day slope the last three weekly medians agree on (two moves
   the same way; the smaller counts), applied over those 4 days. A ramp is followed; a single step (a
   level shift) is no trend, and the median absorbs it in four days. A day outside the band on the
   same side as the day before continues one event, so a level shift is one anomaly at most (its
   first day: no model that sees only the past can tell a new level from a spike on day one).
3. **bounds**: the noise is the model's own one-day-ahead error over the history, robustly (the MAD of
   the log ratio of each day to the median of the 7 days before it: past anomalies are single days the
   MAD ignores), floored at ``MIN_SIGMA``; the band is ``expected x exp(+-K x sigma)`` (multiplicative,
   as cost noise is; ``K`` chosen by ``bench/anomalies.py``).

A day is an anomaly when it is outside the band **and** its change against the expected value is at
least the minimum amount and the minimum percentage (the workspace's settings). Intermittent series
(cost on fewer than ``REGULAR_SHARE`` of the history's days: monthly number fees, one-off setups) have
no meaningful weekday model: a day is a spike there only above twice the history's largest day.

Chosen with ``bench/anomalies.py`` (labelled sandbox anomalies, several seeds) among: the trend term
off, as a plain two-week difference (it read every level shift as a slope and flagged the days after it),
and agreed over three weeks (kept); the band at K = 4, 4.5 and 5; the noise as the spread around a
centred median (too narrow: it ignores the error of the level itself) or of the one-day-ahead error
(kept). STL (statsmodels) was not tried, for lack of time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np

HISTORY = 56  # days read before a scored day (8 weeks)
MIN_HISTORY = 14  # fewer days before it: the day is not scored
K = 4.5  # band half-width in robust standard deviations (bench/anomalies.py: 4, 4.5 and 5 tried)
MIN_SIGMA = 0.04  # noise floor (log): a very smooth series still gets a band of x0.85..x1.17
TREND_DAMPING = 1.0
REGULAR_SHARE = 0.6
MAD_SCALE = 1.4826  # MAD x this = standard deviation of a normal distribution

SPIKE, DROP = "spike", "drop"


@dataclass(frozen=True)
class Thresholds:
    """Both floors must be crossed (the workspace's settings): an amount and a percentage of ``expected``."""

    min_amount: float = 20.0
    min_percent: float = 20.0


@dataclass(frozen=True)
class Score:
    """The model's verdict on one day (``is_anomaly`` already applies the thresholds)."""

    day: date
    actual: float
    expected: float
    low: float
    high: float
    previous: float | None
    seven_day_average: float | None
    is_anomaly: bool
    direction: str  # spike | drop ("" when inside the band)
    regular: bool = True  # False: an intermittent series (only spikes far above its history count)

    @property
    def delta(self) -> float:
        return self.actual - self.expected

    @property
    def percent(self) -> float | None:
        return None if self.expected == 0 else 100.0 * (self.actual - self.expected) / abs(self.expected)


def weekday_factors(history: np.ndarray) -> np.ndarray:
    """Seven factors, aligned so that ``factors[i % 7]`` belongs to ``history[i]`` (mean 1)."""
    n = len(history) // 7 * 7
    factors = np.ones(7)
    if n < 14:
        return factors
    offset = len(history) - n
    weeks = history[offset:].reshape(-1, 7)
    medians = np.median(weeks, axis=1)
    good = medians > 0
    if good.sum() < 2:
        return factors
    ratios = np.median(weeks[good] / medians[good, None], axis=0)
    if ratios.mean() <= 0:
        return factors
    ratios = np.clip(ratios / ratios.mean(), 0.05, None)
    # realign: column j of the reshaped weeks is history index offset + j (mod 7)
    return np.roll(ratios, offset % 7)


def noise(deseasonalised: np.ndarray) -> float:
    """The model's one-day-ahead error, robustly: the MAD of the log ratio of each history day to the median
    of the 7 days before it (what predicting it would have missed, level drift included)."""
    if len(deseasonalised) < 14:
        return MIN_SIGMA
    predicted = np.median(np.lib.stride_tricks.sliding_window_view(deseasonalised[:-1], 7), axis=1)
    actual = deseasonalised[7:]
    good = (predicted > 0) & (actual > 0)
    if good.sum() < 5:
        return MIN_SIGMA
    errors = np.log(actual[good] / predicted[good])
    mad = np.median(np.abs(errors - np.median(errors)))
    return max(MIN_SIGMA, MAD_SCALE * float(mad))


def trend(deseasonalised: np.ndarray) -> float:
    """The per-day slope the last three weeks agree on: their medians must move the same way twice, and the
    smaller of the two weekly moves counts (a single step, a level shift, is no trend), damped."""
    if len(deseasonalised) < 21:
        return 0.0
    m0, m1, m2 = (float(np.median(deseasonalised[len(deseasonalised) - 7 * (i + 1):len(deseasonalised) - 7 * i]))
                  for i in range(3))
    recent, earlier = m0 - m1, m1 - m2
    if recent * earlier <= 0:
        return 0.0
    return TREND_DAMPING * min(abs(recent), abs(earlier)) * (1 if recent > 0 else -1) / 7.0


def expect(history: np.ndarray) -> tuple[float, float, float]:
    """(expected, low, high) for the day right after ``history`` (at least ``MIN_HISTORY`` days)."""
    factors = weekday_factors(history)
    n = len(history)
    aligned = factors[np.arange(n) % 7]
    deseasonalised = history / aligned
    level = float(np.median(deseasonalised[-7:])) + 4 * trend(deseasonalised)
    level = max(0.0, level)
    expected = level * factors[n % 7]
    width = float(np.exp(K * noise(deseasonalised)))
    return expected, expected / width, expected * width


def is_regular(history: np.ndarray) -> bool:
    return len(history) > 0 and float(np.mean(history > 0)) >= REGULAR_SHARE


def judge(actual: float, expected: float, low: float, high: float, thresholds: Thresholds) -> str:
    """"spike", "drop" or "" (inside the band, or a change below either floor)."""
    delta = actual - expected
    if abs(delta) < thresholds.min_amount:
        return ""
    if expected > 0 and 100.0 * abs(delta) / expected < thresholds.min_percent:
        return ""
    if actual > high:
        return SPIKE
    if actual < low:
        return DROP
    return ""


def verdict(score: Score, thresholds: Thresholds) -> str:
    """The direction of ``score`` under other floors (a workspace's), "" when not an anomaly."""
    direction = judge(score.actual, score.expected, score.low, score.high, thresholds)
    return "" if direction == DROP and not score.regular else direction


def score_day(history: np.ndarray, actual: float, day: date, thresholds: Thresholds) -> Score | None:
    """Score ``actual`` on ``day`` against the days before it (oldest first); None: too little history."""
    history = history[-HISTORY:]
    if len(history) < MIN_HISTORY:
        return None
    previous = float(history[-1])
    average = float(np.mean(history[-7:]))
    regular = is_regular(history)
    if not history.any():  # a new cost: nothing to compare it with (not an anomaly of this series)
        return None
    if regular:
        expected, low, high = expect(history)
    else:  # intermittent: monthly fees, setups; only a day far above anything seen is a spike
        expected, low, high = float(np.median(history)), 0.0, 2.0 * float(np.max(history))
    score = Score(day, actual, expected, low, high, previous, average, False, "", regular)
    direction = verdict(score, thresholds)
    return Score(day, actual, expected, low, high, previous, average, bool(direction), direction, regular)


def score_series(values, first_day: date, score_from: int, thresholds: Thresholds) -> list[Score]:
    """Score ``values[score_from:]`` (a contiguous daily series starting on ``first_day``, missing days
    as 0), each day against the days before it. Returns one Score per scored day with enough history.

    A day outside the band in the same direction as the day before it continues that event (a level
    shift, or a runaway that lasts): it is scored but not an anomaly again, so one event is one anomaly.
    The day before ``score_from`` is scored too, for that rule only."""
    series = np.asarray(values, dtype=float)
    out = []
    before = ""  # the previous day's side of the band ("spike", "drop" or "")
    for index in range(max(score_from - 1, MIN_HISTORY), len(series)):
        score = score_day(series[max(0, index - HISTORY):index], float(series[index]),
                          first_day + timedelta(days=index), thresholds)
        if score is None:
            continue
        side = outside(score)
        if score.is_anomaly and side == before:
            score = replace(score, is_anomaly=False, direction="")
        before = side
        if index >= score_from:
            out.append(score)
    return out


def outside(score: Score) -> str:
    """Which side of the band the day is on, floors aside ("" inside)."""
    return SPIKE if score.actual > score.high else DROP if score.actual < score.low else ""


def baseline_score(values, first_day: date, score_from: int, thresholds: Thresholds, band: float = 0.30):
    """The naive baseline the bench compares with: outside the previous 7 days' average +-30%."""
    series = np.asarray(values, dtype=float)
    out = []
    for index in range(max(score_from, 7), len(series)):
        average = float(np.mean(series[index - 7:index]))
        actual = float(series[index])
        low, high = average * (1 - band), average * (1 + band)
        direction = SPIKE if actual > high else DROP if actual < low else ""
        if direction and abs(actual - average) < thresholds.min_amount:
            direction = ""
        out.append(Score(first_day + timedelta(days=index), actual, average, low, high,
                         float(series[index - 1]), average, bool(direction), direction))
    return out
