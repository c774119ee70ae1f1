#!/usr/bin/env python
"""Benchmark: the anomaly detector's quality against labelled anomalies, and its speed on PostgreSQL.

    .venv/bin/python bench/anomalies.py quality [--seeds 1 2 3 4 5] [--noise 0.12]
    .venv/bin/python bench/anomalies.py speed --database-url postgres://postgres@127.0.0.1:5432/x [--integrations 200]

Quality: for each seed, the sandbox with its anomaly switch on (integrations.twilio.sandbox.anomalies:
spikes x1.3..x5 and drops to x0.5..x0 on single days, three legitimate level shifts, on top of the
sandbox's own noise, weekly shapes, growth, monthly fees, setups, credits and its four fixed level
shifts) and the same seed without it. Every (account, leaf category) daily cost series is scored over the
``WINDOW`` days before today, each day against the days before it only, by

* the product: ``costs.anomalies.engine`` with the default floors ($20 and 20%);
* the naive baseline: outside the previous 7 days' average +-30% (with the same $20 floor, else it
  flags every cent-sized series).

The truth is the difference between the two sandboxes: a series-day whose cost an injected spike or drop
moved (the product itself, and derived ones such as carrier fees that follow its volume), in the size
bucket its own change reaches (a x5 spike on toll-free SMS moves the carrier fees of all SMS by less: that
series-day counts as the smaller change it is). Printed: recall per size (over the moved series-days
whose change is at least $20, the issue's target
"spikes of at least +50% and $20"), the precision over every flag (a flag on a level shift's days or on
a day nothing was injected is a false alarm), for both methods.

Speed: a throwaway PostgreSQL database with ``--integrations`` integrations x 365 days x ``--series``
series each (one workspace); times the first scoring (every integration: its whole scored window) and a
re-score after one new day is imported (only that day is read and scored), with the rows each read.
Never collected by pytest.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from costs.anomalies import engine  # noqa: E402
from integrations.twilio.sandbox import Sandbox, data  # noqa: E402
from integrations.twilio.sandbox import anomalies as injected  # noqa: E402

TODAY = date(2026, 11, 27)
WINDOW = injected.WINDOW
SIZES = [("spike", 0.0)] + [("spike", f) for f in injected.SPIKES] + [("drop", f) for f in injected.DROPS] + [
    ("drop", 1.0)]
TARGET_SIZE = 1.5  # the target: recall >= 0.9 for spikes of at least +50% (and $20)


def series_of(sandbox: Sandbox, first: date, days: int) -> dict[tuple[str, str], list[float]]:
    out = defaultdict(lambda: [0.0] * days)
    for role in (a.role for a in sandbox.accounts):
        for offset in range(days):
            for category, (_, _, price) in sandbox._leaf_day(role, first + timedelta(days=offset), 1.0).items():
                out[(role, category)][offset] = float(price)
    return {key: values for key, values in out.items() if any(values)}


def size_of(kind: str, ratio: float) -> float:
    """The size bucket of a series-day's realised change (a derived product moves less than its source):
    the largest injected spike it reaches, the deepest drop; 0 for a spike milder than x1.3, 1 for a drop
    milder than x0.5."""
    if kind == "spike":
        return max((f for f in injected.SPIKES if ratio >= f - 0.02), default=0.0)
    return min((f for f in injected.DROPS if ratio <= f + 0.02), default=1.0)


def moves(category: str) -> set[str]:
    """The categories an injection on ``category`` moves: itself and the derived products counting it."""
    return {category} | {p.category for p in data.PRODUCTS if p.kind == "derived" and category in p.sources}


def truth_of(sandbox: Sandbox, clean: dict, dirty: dict, first: date) -> dict:
    """{(role, category, day): (kind, factor, delta)} for every series-day an injection moved."""
    truth = {}
    for key, values in dirty.items():
        role, category = key
        for offset, (a, b) in enumerate(zip(clean[key], values, strict=True)):
            if abs(a - b) < 0.01:
                continue
            day = first + timedelta(days=offset)
            mine = [i for i in sandbox.injections if i.role == role and category in moves(i.category)]
            single = [i for i in mine if i.day == day and i.kind != "level_shift"]
            shifts = [i for i in mine if i.kind == "level_shift" and day >= i.day]
            cause = (single or shifts)[0]
            label = cause.factor if cause.kind == "level_shift" else size_of(cause.kind, b / a if a else 0.0)
            truth[(role, category, day)] = (cause.kind, label, b - a)
    for role, category, start, factor in data.LEVEL_SHIFTS:  # the plain sandbox's own legitimate shifts
        for offset in range(max(0, (start - first).days), len(next(iter(dirty.values())))):
            day = first + timedelta(days=offset)
            for moved in moves(category):
                truth.setdefault((role, moved, day), ("level_shift", factor, 0.0))
    return truth


def run_seed(seed: int, scorer, noise: float | None = None) -> tuple[dict, list]:
    history = engine.HISTORY + 7
    first = TODAY - timedelta(days=WINDOW + history)
    days = WINDOW + history
    dirty_box = Sandbox(seed=seed, today=TODAY, anomalies=True, noise=noise)
    dirty = series_of(dirty_box, first, days)
    clean = series_of(Sandbox(seed=seed, today=TODAY, noise=dirty_box.noise), first, days)
    truth = truth_of(dirty_box, clean, dirty, first)
    flags = []
    for (role, category), values in dirty.items():
        for score in scorer(values, first, history, engine.Thresholds()):
            if score.is_anomaly:
                flags.append((role, category, score.day))
    return truth, flags


def quality(seeds, noise: float | None = None) -> None:
    methods = {"product": engine.score_series, "baseline": engine.baseline_score}
    results = {}
    for name, scorer in methods.items():
        found = defaultdict(lambda: [0, 0])  # (kind, factor) -> [detected, labelled] (changes >= $20)
        small = defaultdict(lambda: [0, 0])  # the same below $20
        true_flags = all_flags = shift_flags = 0
        started = time.perf_counter()
        for seed in seeds:
            truth, flags = run_seed(seed, scorer, noise)
            flagged = set(flags)
            for key, (kind, factor, delta) in truth.items():
                if kind == "level_shift":
                    continue
                bucket = found if abs(delta) >= 20 else small
                bucket[(kind, factor)][1] += 1
                bucket[(kind, factor)][0] += key in flagged
            for key in flags:
                label = truth.get(key)
                all_flags += 1
                true_flags += bool(label and label[0] != "level_shift")
                shift_flags += bool(label and label[0] == "level_shift")
        seconds = time.perf_counter() - started
        results[name] = (found, small, true_flags, all_flags, shift_flags, seconds)
    noise = injected.NOISE_SIGMA if noise is None else noise
    print(f"seeds {list(seeds)}, daily noise {noise:.0%}, {WINDOW} scored days per series, today {TODAY}")
    print(f"{'injected':>10} | {'product recall (>= $20)':>24} | {'baseline recall':>16} | {'< $20: product':>15}")
    for kind, factor in SIZES:
        p, b, s = results["product"][0][(kind, factor)], results["baseline"][0][(kind, factor)], \
            results["product"][1][(kind, factor)]
        label = f"{kind} x{factor:g}" if factor not in (0.0, 1.0) or kind == "drop" and factor == 0.0 else (
            "spike <1.3" if kind == "spike" else "drop >0.5")
        print(f"{label:>10} | {_ratio(p):>24} | {_ratio(b):>16} | {_ratio(s):>15}")
    for name, (found, _, true_flags, all_flags, shift_flags, seconds) in results.items():
        target = [found[(k, f)] for k, f in SIZES if k == "spike" and f >= TARGET_SIZE]
        recall = sum(d for d, _ in target) / max(1, sum(n for _, n in target))
        precision = true_flags / all_flags if all_flags else 1.0
        print(f"{name:>8}: recall (spikes >= +50%, >= $20) {recall:.3f}   precision {precision:.3f} "
              f"({true_flags}/{all_flags} flags true; {shift_flags} on legitimate level shifts)   {seconds:.1f} s")


def _ratio(pair) -> str:
    detected, labelled = pair
    return f"{detected}/{labelled} = {detected / labelled:.2f}" if labelled else "-"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    q.add_argument("--k", type=float, default=None, help=f"The band's width in sigmas (default {engine.K}).")
    q.add_argument("--trend", type=float, default=None,
                   help=f"Trend damping, 0: none (default {engine.TREND_DAMPING}).")
    q.add_argument("--noise", type=float, default=None,
                   help=f"Daily noise (log-normal sigma); default {injected.NOISE_SIGMA}, the plain sandbox's is 0.12.")
    s = sub.add_parser("speed")
    s.add_argument("--database-url", required=True)
    s.add_argument("--integrations", type=int, default=200)
    s.add_argument("--series", type=int, default=10)
    args = parser.parse_args()
    if args.command == "quality":
        engine.K = engine.K if args.k is None else args.k  # variants of the model, for choosing it
        engine.TREND_DAMPING = engine.TREND_DAMPING if args.trend is None else args.trend
        print(f"model: K {engine.K}, trend damping {engine.TREND_DAMPING}")
        quality(args.seeds, args.noise)
    else:
        speed(args.database_url, args.integrations, args.series)


def _fresh_database(database_url: str) -> None:
    """Drop and create the database named in ``database_url`` (a throwaway: the bench owns it)."""
    import psycopg

    base, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _setup_django(database_url: str) -> None:
    import secrets

    from cryptography.fernet import Fernet

    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("FIELD_ENCRYPTION_KEY", Fernet.generate_key().decode())
    os.environ["DJANGO_SETTINGS_MODULE"] = "vantage.settings_test"
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


INSERT = """
INSERT INTO costs_costlineitem (integration_id, account_id, date, service, category, charge_type, description,
                                cost, currency, usage, usage_unit, count, count_unit)
SELECT i.id, i.account_sid, DATE %(first)s + d, 'Service ' || (s %% 4), 'category-' || s, 'Usage', '',
       ((10 + s * 25) * (CASE WHEN extract(isodow FROM DATE %(first)s + d) >= 6 THEN 0.5 ELSE 1.0 END)
        * (0.95 + ((i.id * 7919 + s * 104729 + d * 31) %% 1000) / 10000.0))::numeric(28, 10),
       'USD', NULL, '', NULL, ''
FROM integrations_integration i CROSS JOIN generate_series(0, %(series)s - 1) s
CROSS JOIN generate_series(%(lo)s, %(hi)s) d
"""


def speed(database_url: str, integrations: int, series: int) -> None:
    _fresh_database(database_url)
    _setup_django(database_url)
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from costs.anomalies import services
    from integrations.models import Integration
    from vantage.models import Workspace

    days = 365
    today = date(2026, 11, 27)
    first = today - timedelta(days=days)
    ws = Workspace.objects.create(name="Bench")
    made = Integration.objects.bulk_create(Integration(account_name=f"Billing {n:03d}", account_sid=f"AC{n:032x}",
                                                       api_key_sid=f"SK{n:032x}", api_secret=os.urandom(8).hex())
                                           for n in range(integrations))
    Integration.workspaces.through.objects.bulk_create(
        Integration.workspaces.through(integration_id=i.pk, workspace_id=ws.pk) for i in made)
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(INSERT, {"first": first, "series": series, "lo": 0, "hi": days - 1})
        cur.execute("ANALYZE costs_costlineitem")
    rows = integrations * series * days
    print(f"{rows:,} line items ({integrations} integrations x {series} series x {days} days) "
          f"written in {time.perf_counter() - started:.1f} s")
    ids = [i.pk for i in made]

    def run(label, on_day):
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            found = sum(len(services.score_integration(pk, on_day)) for pk in ids)
            seconds = time.perf_counter() - started
        print(f"{label:<46} {seconds:7.2f} s  {seconds / len(ids) * 1000:6.1f} ms per integration  "
              f"{len(queries):5d} queries  {found} anomalies")

    run(f"first scoring (the last {services.FIRST_SCORE_DAYS} days of each)", today)
    run("re-import, nothing new (marker up to date)", today)
    with connection.cursor() as cur:
        cur.execute(INSERT, {"first": first, "series": series, "lo": days, "hi": days})
    run("one new day imported: scores that day only", today + timedelta(days=1))


if __name__ == "__main__":
    main()
