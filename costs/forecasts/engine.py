"""The forecasting itself: pure functions over daily series (no ORM, no Django).

``forecast_series(history, end=..., until=...)`` fits one daily cost series (one service in one currency)
and returns its daily forecast with an 80% band and simulated paths; ``month_totals`` adds the paths of
several series up per calendar month (so a month's band is the band of its TOTAL, narrower than the sum
of the daily bands); ``backtest_month_end`` measures, on the series' own history, how far the forecast of
a month-end total made on day N of each past month landed from the actual total.

Methods, chosen per series:

* statsmodels' ETS (``ETSModel``: additive errors, additive damped trend, weekly seasonality, fitted by
  maximum likelihood), each weekday's mean over the last ``WEEKDAY_WEEKS`` weeks (a seasonal-naive
  average), or the average of the two, whichever of the three had the smallest error on the series' own
  recent past: the sum of the next ``CHOICE_HORIZON`` days forecast from each of the last ``CHOICE_ORIGINS``
  days that have such a future (ETS from its filtered states at that day, with the parameters fitted up
  to the forecast origin: no refit, no data after the origin). ETS follows the last days closely (good
  after a level shift, costly when the last days were unusual); the weekday means average a month out
  (steady, slow after a shift); the average is the well-known robust middle, kept on ties. The band and
  the paths are the ETS model's simulated futures, moved by the difference between the chosen forecast
  and the ETS mean;
* last year's same days: where the series has costs a year and four weeks back, the forecast is the average
  of the above and of the same weekdays 52 weeks earlier scaled by the change of the last 28 days against the
  same 28 days a year before (a seasonal naive on the year). It carries what a weekly model cannot know:
  a month whose level or shape differs every year (holidays, seasons). Without that year: the above alone;
* a fallback for series ETS cannot describe (constant, mostly zero, or a fit that fails): every future
  day is the mean of the last 28 days, the band resampled from those days' own costs;
* under ``MIN_HISTORY_DAYS`` days of history: no forecast, with the reason.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from vantage.lib.dates import add_months, month_end, month_start

MIN_HISTORY_DAYS = 14
BAND = (0.10, 0.90)  # an 80% band
SIMULATIONS = 500
RECENT_DAYS = 28  # what the fallback averages
MOSTLY_ZERO = 0.5  # a share of zero days above which ETS is not used
WEEKDAY_WEEKS = 4  # the weekday means' window, in weeks
CHOICE_HORIZON = 14  # the choice between ETS, weekday means and their average: errors of 14-day sums...
CHOICE_ORIGINS = 28  # ...forecast from each of the last 28 days that have 14 days after them
ETS_WEIGHTS = (0.5, 0.0, 1.0)  # the weight of ETS against the weekday means (ties: the first)
ETS_METHOD = ("Exponential smoothing (ETS: additive damped trend, weekly seasonality) and/or "
              f"{WEEKDAY_WEEKS}-week weekday means")  # at most 120 characters, as stored
FALLBACK_METHOD = "Mean of the last 28 days (or fewer)"
FIT_MONTHS = 7  # ETS and the weekday means read the months before the forecast's month, and that month
YEAR_DAYS = 364  # 52 weeks: last year's same weekdays
YEAR_RATIO_DAYS = 28  # the recent change against last year: the last 28 days against the same 28 a year before
YEAR_RATIO_LIMITS = (0.2, 5.0)  # outside (a series that started or stopped): last year says nothing about this one
YEAR_NOTE = ", averaged with last year's same days scaled by the last 28 days' change"


@dataclass
class SeriesForecast:
    """One series' forecast: ``dates[i]`` -> ``mean[i]`` within ``low[i]..high[i]``; ``paths`` is
    (len(dates), SIMULATIONS) simulated futures, for the bands of sums. ``ok`` False: ``reason`` says why."""

    ok: bool
    method: str = ""
    reason: str = ""
    history_start: date | None = None
    history_end: date | None = None
    dates: list[date] = field(default_factory=list)
    mean: np.ndarray = field(default_factory=lambda: np.zeros(0))
    low: np.ndarray = field(default_factory=lambda: np.zeros(0))
    high: np.ndarray = field(default_factory=lambda: np.zeros(0))
    paths: np.ndarray = field(default_factory=lambda: np.zeros((0, SIMULATIONS)))

    def points(self) -> Iterable[tuple[date, float, float, float]]:
        return zip(self.dates, self.mean.tolist(), self.low.tolist(), self.high.tolist(), strict=True)


@dataclass(frozen=True)
class MonthTotal:
    month: date  # first day
    actual: float  # actual cost of the month up to the history's end
    amount: float  # actual + forecast of the month's remaining days
    low: float
    high: float


def daily_values(history: Mapping[date, Decimal | float], start: date, end: date) -> np.ndarray:
    """``history`` as one float per day of ``start..end`` (a day without costs is a zero)."""
    days = (end - start).days + 1
    out = np.zeros(max(days, 0))
    for day, value in history.items():
        if start <= day <= end and value is not None:
            out[(day - start).days] += float(value)
    return out


def too_short_reason(days: int) -> str:
    return f"Only {days} days of history: a forecast needs {MIN_HISTORY_DAYS}."


def _too_short(days: int, start: date | None, end: date) -> SeriesForecast:
    return SeriesForecast(ok=False, reason=too_short_reason(days), history_start=start, history_end=end)


def forecast_series(history: Mapping[date, Decimal | float], *, end: date, until: date, seed: int = 0,
                    start: date | None = None) -> SeriesForecast:
    """Forecast the days after ``end`` up to ``until`` from the daily ``history`` (its first day with costs,
    or ``start``, to ``end``; missing days are zeros)."""
    seen = [d for d, v in history.items() if v and d <= end]
    first = start or (min(seen) if seen else None)
    if first is None:
        return _too_short(0, None, end)
    y = daily_values(history, first, end)
    if len(y) < MIN_HISTORY_DAYS:
        return _too_short(len(y), first, end)
    horizon = (until - end).days
    dates = [end + timedelta(days=i + 1) for i in range(max(horizon, 0))]
    rng = np.random.default_rng(seed)
    fit_from = max(0, len(y) - ((end - add_months(month_start(end), -FIT_MONTHS)).days + 1))
    mean, paths, method = _fit(y[fit_from:], len(dates), rng)
    year = None if method.startswith(FALLBACK_METHOD) else last_year(y, len(dates))
    if year is not None:  # the average of the two; the band moves with the mean
        paths, mean = paths + ((year - mean) / 2)[:, None], (mean + year) / 2
        method += YEAR_NOTE
    if (y >= 0).all():  # a cost that never went negative does not forecast negative
        mean, paths = np.maximum(mean, 0), np.maximum(paths, 0)
    low, high = (np.quantile(paths, q, axis=1) if len(dates) else np.zeros(0) for q in BAND)
    return SeriesForecast(ok=True, method=method, history_start=first, history_end=end, dates=dates,
                          mean=mean, low=np.minimum(low, mean), high=np.maximum(high, mean), paths=paths)


def _fit(y: np.ndarray, horizon: int, rng) -> tuple[np.ndarray, np.ndarray, str]:
    """(mean, paths, method in words) for ``horizon`` days after ``y`` (from its first day with costs)."""
    y = y[int(np.flatnonzero(y)[0]):] if y.any() else y
    recent = y[-RECENT_DAYS:]
    if len(y) < MIN_HISTORY_DAYS:
        return (*_recent_mean(recent, horizon, rng), f"{FALLBACK_METHOD} (a series under {MIN_HISTORY_DAYS} days)")
    degenerate = np.ptp(recent) < 1e-9 or (y == 0).mean() > MOSTLY_ZERO
    if not degenerate:
        try:
            return _ets(y, horizon, rng)
        except (ValueError, np.linalg.LinAlgError, FloatingPointError):
            return (*_recent_mean(recent, horizon, rng), f"{FALLBACK_METHOD} (the ETS fit failed)")
    why = "constant" if np.ptp(recent) < 1e-9 else "mostly days without costs"
    return (*_recent_mean(recent, horizon, rng), f"{FALLBACK_METHOD} (the series is {why})")


def _ets(y: np.ndarray, horizon: int, rng) -> tuple[np.ndarray, np.ndarray, str]:
    trend = len(y) >= 4 * 7  # a trend needs a few weeks to be told from the weekly pattern
    model = ETSModel(y, error="add", trend="add" if trend else None, damped_trend=trend, seasonal="add",
                     seasonal_periods=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        fitted = model.fit(disp=False)
    if horizon == 0:
        return np.zeros(0), np.zeros((0, SIMULATIONS)), ETS_METHOD
    ets = np.asarray(fitted.forecast(horizon), dtype=float)
    sims = np.asarray(fitted.simulate(horizon, repetitions=SIMULATIONS, anchor="end",
                                      rng=rng), dtype=float)
    sims = sims.reshape(horizon, SIMULATIONS)
    if not (np.isfinite(ets).all() and np.isfinite(sims).all()):
        raise ValueError("ETS gave non-finite values")
    weight = ets_weight(y, fitted, trend)
    mean = weight * ets + (1 - weight) * weekday_means(y, horizon)
    method = ETS_METHOD if trend else ETS_METHOD.replace("additive damped trend, ", "no trend (under 4 weeks), ")
    return mean, sims + (mean - ets)[:, None], method


def last_year(y: np.ndarray, horizon: int) -> np.ndarray | None:
    """The ``horizon`` days after ``y`` as the same weekdays 52 weeks earlier times the change of the last 28
    days against the same 28 days a year before; None without that year (or with a change outside
    ``YEAR_RATIO_LIMITS``, or days without costs a year back)."""
    history = len(y) - int(np.flatnonzero(y)[0]) if y.any() else 0  # days since the first with costs
    if not 0 < horizon <= YEAR_DAYS or history < YEAR_DAYS + YEAR_RATIO_DAYS:
        return None
    now, then = float(y[-YEAR_RATIO_DAYS:].sum()), float(y[-YEAR_DAYS - YEAR_RATIO_DAYS:-YEAR_DAYS].sum())
    if then <= 0 or now <= 0 or not YEAR_RATIO_LIMITS[0] <= now / then <= YEAR_RATIO_LIMITS[1]:
        return None
    twins = len(y) - YEAR_DAYS + np.arange(horizon)  # each future day's last-year twin
    return y[twins] * (now / then)


def ets_weight(y: np.ndarray, fitted, trend: bool) -> float:
    """The weight of ETS against the weekday means (one of ``ETS_WEIGHTS``) whose forecasts of the next
    ``CHOICE_HORIZON`` days' sum had the smallest absolute error from the last ``CHOICE_ORIGINS`` days that
    have such a future in ``y``; ETS's forecasts come from its filtered states at each of those days."""
    last = len(y) - 1 - CHOICE_HORIZON
    origins = range(max(last - CHOICE_ORIGINS + 1, 7 * WEEKDAY_WEEKS), last + 1)
    if not origins:
        return ETS_WEIGHTS[0]
    errors = np.zeros(len(ETS_WEIGHTS))
    weights = np.asarray(ETS_WEIGHTS)
    for t in origins:
        ets = float(_ets_from_state(fitted, trend, t, CHOICE_HORIZON).sum())
        means = float(weekday_means(y[:t + 1], CHOICE_HORIZON).sum())
        errors += np.abs(weights * ets + (1 - weights) * means - y[t + 1:t + 1 + CHOICE_HORIZON].sum())
    return float(ETS_WEIGHTS[int(np.argmin(errors))])


def _ets_from_state(fitted, trend: bool, t: int, horizon: int) -> np.ndarray:
    """The fitted ETS model's forecast of the ``horizon`` days after day ``t`` from its filtered states on day ``t``
    (level, [damped trend], weekly season)."""
    states, h = np.asarray(fitted.states), np.arange(1, horizon + 1)
    season = states[t + h - 7 * ((h - 1) // 7 + 1), -1]
    if not trend:
        return states[t, 0] + season
    return states[t, 0] + np.cumsum(fitted.damping_trend ** h) * states[t, 1] + season


def weekday_means(y: np.ndarray, horizon: int, weeks: int = WEEKDAY_WEEKS) -> np.ndarray:
    """Each of the ``horizon`` days after ``y``: the mean of the same weekday's last ``weeks`` values in ``y``
    (fewer in a shorter series; ``y`` has at least 7 days)."""
    last = y[-7 * weeks:]
    last = last[len(last) % 7:]  # whole weeks, ending on y's last day
    by_position = last.reshape(-1, 7).mean(axis=0)  # position k: the weekday of y's day -7 + k
    return by_position[np.arange(horizon) % 7]


def _recent_mean(recent: np.ndarray, horizon: int, rng) -> tuple[np.ndarray, np.ndarray]:
    mean = np.full(horizon, float(recent.mean()))
    paths = rng.choice(recent, size=(horizon, SIMULATIONS), replace=True) if horizon else np.zeros((0, SIMULATIONS))
    return mean, paths


def months_between(first: date, last: date) -> list[date]:
    out, month = [], month_start(first)
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def month_totals(actual: Mapping[date, Decimal | float], forecasts: list[SeriesForecast], *, end: date,
                 months: list[date]) -> list[MonthTotal]:
    """Each month's expected total over several series (e.g. every service of one currency): the actual
    cost up to ``end`` plus the forecast of the rest, with the 80% band of that total (the series' simulated
    paths added up, so they are treated as independent)."""
    ok = [f for f in forecasts if f.ok and f.dates]
    out = []
    for month in months:
        last = month_end(month)
        done = sum(float(v) for d, v in actual.items() if month <= d <= min(last, end) and v is not None)
        mean_sum, path_sum = 0.0, np.zeros(SIMULATIONS)
        for f in ok:
            picked = [i for i, d in enumerate(f.dates) if month <= d <= last]
            if picked:
                mean_sum += float(f.mean[picked].sum())
                path_sum = path_sum + f.paths[picked].sum(axis=0)
        low, high = (float(np.quantile(path_sum, q)) for q in BAND)
        out.append(MonthTotal(month, done, done + mean_sum, done + min(low, mean_sum), done + max(high, mean_sum)))
    return out


def month_end_forecast(history: Mapping[date, Decimal | float], *, end: date, seed: int = 0) -> float | None:
    """The month-end total of ``end``'s month forecast from ``history`` up to ``end`` (None: too short)."""
    forecast = forecast_series(history, end=end, until=month_end(end), seed=seed)
    if not forecast.ok:
        return None
    done = sum(float(v) for d, v in history.items() if month_start(end) <= d <= end and v is not None)
    return done + float(forecast.mean.sum())


def backtest_month_end(history: Mapping[date, Decimal | float], *, end: date, day: int = 10,
                       months: int = 6) -> dict | None:
    """The typical error of the month-end forecast made on ``day`` of each of the last ``months`` complete
    months of ``history`` (up to ``end``): ``{"months", "day", "error_percent"}`` (median absolute % error),
    or None when no month can be tested."""
    errors = []
    last_complete = month_start(end) if end == month_end(end) else add_months(month_start(end), -1)
    for i in range(months):
        month = add_months(last_complete, -i)
        cut = month + timedelta(days=day - 1)
        actual = sum(float(v) for d, v in history.items() if month <= d <= month_end(month) and v is not None)
        past = {d: v for d, v in history.items() if d <= cut}
        predicted = month_end_forecast(past, end=cut, seed=i) if actual else None
        if predicted is not None and month_end(month) <= end:
            errors.append(abs(predicted - actual) / abs(actual) * 100)
    if not errors:
        return None
    return {"months": len(errors), "day": day, "error_percent": round(float(np.median(errors)), 1)}


def as_decimal(value: float) -> Decimal:
    """A float figure as money (6 places, like the cost columns)."""
    if not math.isfinite(value):
        raise ValueError("not a finite amount")
    return Decimal(repr(round(value, 6))).quantize(Decimal("0.000001"))
