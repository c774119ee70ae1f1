#!/usr/bin/env python
"""Benchmark: cost report pages vs the best hand-written SQL for the same answer.

    .venv/bin/python bench/reports.py [--rows 1000000] [--database-url postgres://postgres@127.0.0.1:5432/vantage]
                                      [--repeat 5] [--keep]

Creates a throwaway database next to the one named (SQLite: a temporary file; PostgreSQL: a
database called ``<name>_bench_reports``, dropped afterwards unless ``--keep``), migrates it, fills
it with INSERT ... SELECT over a generated sequence (recursive CTE on SQLite, generate_series on
PostgreSQL): ``--rows`` cost line items spread evenly over 200 integrations, 365 days and 60
categories (12 services), plus their BilledTotals. Past 4,380,000 rows (one row per integration x day x
category) each integration gets as many (sub)accounts as it takes, so rows stay unique: 10,000,000 rows
are 3 accounts per integration. On PostgreSQL the line items' indexes and constraints are dropped for
the load and rebuilt after it (as a bulk load would), so ``--rows 10000000`` takes minutes, not hours. Then it times, as medians over ``--repeat`` runs
after one warm-up:

1. "All Resources": last 6 months, grouped by service, monthly bins, previous-period comparison;
2. a filtered report: one service, grouped by category, daily bins, last 3 months;

each through the report page (Django test Client, signed in, full HTML with chart and table) and
as the best hand-written SQL returning the same numbers (grouped rows + previous-period totals,
summed exactly: DECIMAL_SUM on SQLite as the app does, SUM on PostgreSQL), and prints the ratios.

The hand-written SQL reads the line items (the baseline). The page reads the monthly summary
(``CostMonthlySummary``, maintained at import, built here after the load) where a query allows it,
so a second hand-written SQL reads that same summary wherever the page does, and its ratio is
printed too: the first ratio says what the summary buys, the second what the app costs on top of it.
Never collected by pytest (it lives outside tests/ and has no test_ name).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

INTEGRATIONS, DAYS, CATEGORIES = 200, 365, 60
SERVICES = [
    "SMS & MMS", "Programmable Voice", "Phone Numbers", "Lookup", "Verify", "Conversations",
    "Studio", "Video", "SIP Trunking", "WhatsApp", "Email", "Flex",
]  # fmt: skip
UNITS = ["segments", "Segment", "minutes", "minute ", "phonenumbers", "phone-numbers", "messages", "requests", ""]
STRIDE = 1_000_003  # prime, coprime with 200*365*60: row k -> a distinct (integration, day, category)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000, help="cost line items to create (default 1,000,000)")
    p.add_argument("--database-url", default=None, help="sqlite:///… or postgres://… (default: a temporary SQLite file)")
    p.add_argument("--repeat", type=int, default=5, help="timed runs per measurement (default 5)")
    p.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    p.add_argument("--reuse", action="store_true", help="measure the database a previous --keep run left (no new data)")
    return p.parse_args()


def setup_django(args):
    tmpdir = None
    if not args.database_url:
        tmpdir = tempfile.mkdtemp(prefix="bench-reports-")
        args.database_url = f"sqlite:///{tmpdir}/source.sqlite3"
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vantage.settings_test")
    import django

    django.setup()
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        folder = tmpdir or tempfile.mkdtemp(prefix="bench-reports-")
        db["TEST"]["NAME"] = f"{folder}/bench.sqlite3"
    else:
        db["TEST"]["NAME"] = f"{db['NAME']}_bench_reports"

    if args.reuse:
        if db["ENGINE"].endswith("sqlite3"):
            db["TEST"]["NAME"] = args.database_url.removeprefix("sqlite:///")
        db["NAME"] = db["TEST"]["NAME"]
        connection.close()
        return connection
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return connection


def create_data(connection, rows):
    from django.contrib.auth import get_user_model

    from costs.dates import utc_today
    from integrations.models import Integration
    from vantage.models import Membership, Role, Workspace

    vendor = connection.vendor
    ws = Workspace.objects.create(name="Bench")
    user = get_user_model().objects.create_user(username="bench", password=None)
    Membership.objects.create(user=user, workspace=ws, role=Role.OWNER)
    integrations = Integration.objects.bulk_create(
        [
            Integration(
                account_name=f"Billing {i:03d}",
                account_sid=f"AC{i:032x}",
                api_key_sid=f"SK{i:032x}",
                api_secret=os.urandom(8).hex(),
            )
            for i in range(INTEGRATIONS)
        ]
    )
    if vendor == "sqlite":  # bulk_create returns ids on SQLite >= 3.35 too, but be sure
        integrations = list(Integration.objects.order_by("account_name"))
    Integration.workspaces.through.objects.bulk_create(
        [Integration.workspaces.through(integration_id=i.pk, workspace_id=ws.pk) for i in integrations]
    )
    first_day = utc_today() - timedelta(days=DAYS)
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE bench_integration (idx integer PRIMARY KEY, id bigint, account_id varchar(34), currency varchar(3))"
        )
        cur.execute(
            "CREATE TABLE bench_category (idx integer PRIMARY KEY, service varchar(64), category varchar(128), unit varchar(32))"
        )
        params = [(n, i.pk, i.account_sid, "EUR" if n % 20 == 0 else "USD") for n, i in enumerate(integrations)]
        cur.executemany("INSERT INTO bench_integration VALUES (%s, %s, %s, %s)", params)
        cats = [(n, SERVICES[n % len(SERVICES)], f"category-{n:02d}", UNITS[n % len(UNITS)]) for n in range(CATEGORIES)]
        cur.executemany("INSERT INTO bench_category VALUES (%s, %s, %s, %s)", cats)
        accounts = max(1, -(-rows // (INTEGRATIONS * DAYS * CATEGORIES)))  # (sub)accounts per integration
        cur.execute("CREATE TABLE bench_account (idx integer PRIMARY KEY, account_id varchar(34))")
        cur.executemany(
            "INSERT INTO bench_account VALUES (%s, %s)",
            [
                (n * accounts + a, i.account_sid if a == 0 else f"AC{n:016x}{a:016x}")
                for n, i in enumerate(integrations)
                for a in range(accounts)
            ],
        )
        total = INTEGRATIONS * accounts * DAYS * CATEGORIES
        assert total % STRIDE != 0
        rebuild = _drop_line_item_indexes(cur) if vendor == "postgresql" else []
        if vendor == "postgresql":
            seq = f"SELECT k::bigint AS k FROM generate_series(0, {rows - 1}) AS k"
            day = f"DATE '{first_day.isoformat()}' + ((s.c / {CATEGORIES}) % {DAYS})::int"
            cost = "(((s.k * 7919) % 10007) / 100.0)::numeric(28, 10)"
        else:
            seq = f"WITH RECURSIVE seq(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM seq WHERE k < {rows - 1}) SELECT k FROM seq"
            day = f"date('{first_day.isoformat()}', '+' || ((s.c / {CATEGORIES}) % {DAYS}) || ' days')"
            cost = "(((s.k * 7919) % 10007) / 100.0)"
        cur.execute(
            f"""
            INSERT INTO costs_costlineitem (integration_id, account_id, date, service, category, charge_type,
                                            description, cost, currency, usage, usage_unit, count, count_unit)
            SELECT bi.id, ba.account_id, {day}, bc.service, bc.category,
                   CASE WHEN s.k % 101 = 0 THEN 'Credit' ELSE 'Usage' END, '',
                   CASE WHEN s.k % 997 = 0 THEN NULL WHEN s.k % 101 = 0 THEN -{cost} ELSE {cost} END,
                   bi.currency, (s.k * 31) % 1000, bc.unit, NULL, ''
            FROM (SELECT q.k AS k, (q.k * {STRIDE}) % {total} AS c FROM ({seq}) q) s
            JOIN bench_integration bi ON bi.idx = s.c / {accounts * DAYS * CATEGORIES}
            JOIN bench_account ba ON ba.idx = s.c / {DAYS * CATEGORIES}
            JOIN bench_category bc ON bc.idx = s.c % {CATEGORIES}
            """
        )
        for statement in rebuild:
            cur.execute(statement)
        cur.execute(
            """
            INSERT INTO costs_billedtotal (integration_id, account_id, date, currency, amount, attributed)
            SELECT integration_id, account_id, date, currency, COALESCE(SUM(cost), 0), COALESCE(SUM(cost), 0)
            FROM costs_costlineitem GROUP BY integration_id, account_id, date, currency
            """
        )
        cur.execute("DROP TABLE bench_integration")
        cur.execute("DROP TABLE bench_category")
        cur.execute("DROP TABLE bench_account")
        cur.execute("VACUUM ANALYZE" if vendor == "postgresql" else "ANALYZE")  # as autovacuum would
    return ws, user


def _drop_line_item_indexes(cur) -> list[str]:
    """PostgreSQL: drop the line items' secondary indexes, unique and foreign-key constraints for the
    bulk load; returns the statements that rebuild them (all of them, exactly as migrated)."""
    cur.execute("SET maintenance_work_mem = '1GB'")  # this session only: faster index builds
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'costs_costlineitem'::regclass AND contype IN ('u', 'f')"
    )
    constraints = cur.fetchall()
    cur.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'costs_costlineitem' AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE conrelid = 'costs_costlineitem'::regclass)"
    )
    indexes = cur.fetchall()
    for name, _ in constraints:
        cur.execute(f'ALTER TABLE costs_costlineitem DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in indexes] + [
        f'ALTER TABLE costs_costlineitem ADD CONSTRAINT "{name}" {definition}' for name, definition in constraints
    ] + ["RESET maintenance_work_mem"]


LINE_ITEMS, SUMMARY = "costs_costlineitem", "costs_costmonthlysummary"


def hand_sql(vendor, ws_id, start, end, prev_start, prev_end, *, bin, group, service=None, summary=False):
    """The best plain SQL for the same numbers: grouped rows, then previous-period totals.

    Over the line items; with ``summary``, over the monthly summary wherever it gives the same numbers
    (monthly bins, whole months: the summary's ``date`` is its month's first day)."""

    def whole_months(a, b):
        return a.day == 1 and (b + timedelta(days=1)).day == 1

    grouped_table = SUMMARY if summary and bin == "month" and whole_months(start, end) else LINE_ITEMS
    previous_table = SUMMARY if summary and whole_months(prev_start, prev_end) else LINE_ITEMS
    trunc = {
        ("postgresql", "month"): "date_trunc('month', li.date)::date",
        ("postgresql", "day"): "li.date",
        ("sqlite", "month"): "date(li.date, 'start of month')",
        ("sqlite", "day"): "li.date",
    }[(vendor, bin)]
    if grouped_table == SUMMARY:
        trunc = "li.date"
    total = "DECIMAL_SUM" if vendor == "sqlite" else "SUM"  # exact on SQLite too, as the app (vantage.lib.money)
    where = "li.integration_id IN (SELECT integration_id FROM integrations_integration_workspaces WHERE workspace_id = %s)"
    params = [ws_id]
    if service:
        where += " AND li.service = %s"
        params.append(service)
    grouped = (
        f"SELECT {trunc} AS bin, li.{group}, li.currency, {total}(li.cost) FROM {grouped_table} li "
        f"WHERE {where} AND li.date BETWEEN %s AND %s GROUP BY 1, 2, 3"
    )
    previous = (
        f"SELECT li.currency, {total}(li.cost) FROM {previous_table} li WHERE {where} AND li.date BETWEEN %s AND %s "
        "GROUP BY li.currency"
    )
    return [(grouped, [*params, start, end]), (previous, [*params, prev_start, prev_end])]


def median_seconds(fn, repeat):
    fn()  # warm-up (caches, connections)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    args = parse_args()
    connection = setup_django(args)
    try:
        run(connection, args)
    finally:
        if args.reuse:
            pass
        elif not args.keep:
            connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
        else:
            print(f"Kept the benchmark database: {connection.settings_dict['NAME']}")


def run(connection, args):
    from django.db import connection as conn
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from costs.dates import previous_period, resolve_preset, utc_today
    from costs.models import CostLineItem, CostMonthlySummary, CostReport
    from costs.services import ensure_default_report, rebuild_cost_summaries

    t0 = time.perf_counter()
    if args.reuse:
        from django.contrib.auth import get_user_model

        from vantage.models import Workspace

        ws, user = Workspace.objects.get(name="Bench"), get_user_model().objects.get(username="bench")
    else:
        ws, user = create_data(connection, args.rows)
    created = time.perf_counter() - t0
    if not args.reuse:
        t0 = time.perf_counter()
        rebuild_cost_summaries()  # what imports maintain as they go; one pass after this bulk load
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE costs_costmonthlysummary" if connection.vendor == "postgresql" else "ANALYZE")
        print(f"monthly summaries built in {time.perf_counter() - t0:.1f}s")
    count = CostLineItem.objects.count()
    print(f"{connection.vendor}: {count:,} cost line items ({CostMonthlySummary.objects.count():,} monthly summary "
          f"rows), {INTEGRATIONS} integrations, {DAYS} days, {CATEGORIES} categories; data created in {created:.1f}s")

    report = ensure_default_report(ws)
    client = Client()
    client.force_login(user)
    today = utc_today()
    cases = [
        (
            "All Resources: 6 months, by service, monthly",
            {"date_range": "last_6_months", "group_by": "service", "bin": "month"},
            dict(bin="month", group="service"),
            "last_6_months",
        ),
        (
            "One service, by category, daily, 3 months",
            {"date_range": "last_3_months", "group_by": "category", "bin": "day", "service": SERVICES[0]},
            dict(bin="day", group="category", service=SERVICES[0]),
            "last_3_months",
        ),
    ]
    print(f"\nMedian of {args.repeat} runs (after a warm-up). Hand SQL over the line items; and over the")
    print("summary wherever the page reads it ('-': the page read no summary for this case).")
    print(f"{'case':46} {'page':>9} {'hand SQL':>9} {'ratio':>6} {'hand/sum':>9} {'ratio':>6}   page queries (SQL time)")
    for label, params, sql_args, preset in cases:
        url = f"/reports/{report.pk}/"
        query = {"applied": "1", "chart": "bar", "mode": "spend", "compare": "on", **params}

        def page():
            response = client.get(url, query)
            assert response.status_code == 200, response.status_code
            return response

        start, end = resolve_preset(preset, today)
        prev_start, prev_end = previous_period(start, end)
        def hand(statements):
            def run_statements():
                with conn.cursor() as cur:
                    for sql, sql_params in statements:
                        cur.execute(sql, sql_params)
                        cur.fetchall()

            return run_statements

        page_t = median_seconds(page, args.repeat)
        on_items = hand_sql(connection.vendor, ws.pk, start, end, prev_start, prev_end, **sql_args)
        hand_t = median_seconds(hand(on_items), args.repeat)
        with CaptureQueriesContext(conn) as ctx:
            page()
        sql_time = sum(float(q["time"]) for q in ctx.captured_queries)
        if any(SUMMARY in q["sql"] for q in ctx.captured_queries):
            on_summary = hand_sql(connection.vendor, ws.pk, start, end, prev_start, prev_end, summary=True, **sql_args)
            summary_t = median_seconds(hand(on_summary), args.repeat)
            vs_summary = f"{summary_t * 1000:8.0f}ms {page_t / summary_t:5.2f}x"
        else:
            vs_summary = f"{'-':>10} {'-':>6}"
        print(f"{label:46} {page_t * 1000:8.0f}ms {hand_t * 1000:8.0f}ms {page_t / hand_t:5.2f}x {vs_summary}   "
              f"{len(ctx.captured_queries)} ({sql_time * 1000:.0f}ms)")
        slowest = sorted(ctx.captured_queries, key=lambda q: float(q["time"]), reverse=True)[:3]
        for q in slowest:
            print(f"{'':48}{float(q['time']) * 1000:7.0f}ms  {q['sql'][:90]}")
    assert CostReport.objects.filter(workspace=ws).count() == 1


if __name__ == "__main__":
    main()
