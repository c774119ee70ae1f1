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
the load and rebuilt after it (as a bulk load would), so ``--rows 10000000`` takes minutes, not hours.
Then it times, as medians over ``--repeat`` runs after one warm-up:

1. "All Resources": last 6 months, grouped by service, monthly bins, previous-period comparison;
2. a filtered report: one service, grouped by category, daily bins, last 3 months;
3. "All Resources" again (6 months, monthly) grouped by a 50-value virtual tag (``tag_rules``: ``is`` on
   category lists, ``starts_with`` and ``contains``, a few ``is not``, billing accounts and accounts,
   ANDed conditions and ORed filter sets, two values dated at month boundaries, one 60/40 split);

each through the report page (Django test Client, signed in, full HTML with chart and table) and
as the best hand-written SQL returning the same numbers (grouped rows + previous-period totals,
summed exactly: DECIMAL_SUM on SQLite as the app does, SUM on PostgreSQL), and prints the ratios.

The hand-written SQL reads the line items (the baseline). The page reads the monthly summary
(``CostMonthlySummary``, maintained at import, built here after the load) where a query allows it,
so a second hand-written SQL reads that same summary wherever the page does, and its ratio is
printed too: the first ratio says what the summary buys, the second what the app costs on top of it.
For the tag, the hand-written SQL is a CASE written directly from the rules (billing accounts resolved
to integration ids beforehand); a last table sets the tag report against the Service report (target:
at most 2x) and the page's tag totals are checked, label by label and month by month, against that CASE.
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
    p.add_argument(
        "--database-url", default=None, help="sqlite:///… or postgres://… (default: a temporary SQLite file)"
    )
    p.add_argument("--repeat", type=int, default=5, help="timed runs per measurement (default 5)")
    p.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    p.add_argument("--reuse", action="store_true", help="measure the database a previous --keep run left (no new data)")
    p.add_argument(
        "--currency", default="billing",
        help="the workspace's reporting currency, e.g. GBP (every cost converted at the day's ECB rate); "
        "default: billing (not converted)",
    )  # fmt: skip
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

    from integrations.models import Integration
    from vantage.lib.dates import utc_today
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
            "CREATE TABLE bench_integration"
            " (idx integer PRIMARY KEY, id bigint, account_id varchar(34), currency varchar(3))"
        )
        cur.execute(
            "CREATE TABLE bench_category"
            " (idx integer PRIMARY KEY, service varchar(64), category varchar(128), unit varchar(32))"
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
            seq = (
                f"WITH RECURSIVE seq(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM seq WHERE k < {rows - 1})"
                " SELECT k FROM seq"
            )
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


LINE_ITEMS, SUMMARY, CONVERTED = "costs_costlineitem", "costs_costmonthlysummary", "costs_costconvertedsummary"
SUMMARIES = (SUMMARY, CONVERTED)  # what the page reads instead of the line items


def hand_sql(vendor, ws_id, start, end, prev_start, prev_end, *, bin, group, service=None, summary=False,
             group_sql=None, currency=None, billed=()):  # fmt: skip
    """The best plain SQL for the same numbers: grouped rows, then previous-period totals.

    Over the line items; with ``summary``, over the monthly summary wherever it gives the same numbers
    (monthly bins, whole months: the summary's ``date`` is its month's first day). ``group_sql``: an SQL
    expression over ``li`` to group by instead of the column ``group`` (a virtual tag's CASE).
    ``currency``: converted to it, as the page shows it: the line items joined to the day's rates and
    converted one by one (``billed``: the billing currencies in the data), or the converted summary."""

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
    where = (
        "li.integration_id IN"
        " (SELECT integration_id FROM integrations_integration_workspaces WHERE workspace_id = %s)"
    )
    params = [ws_id]
    if service:
        where += " AND li.service = %s"
        params.append(service)
    def source(table):  # (FROM ..., the currency shown, the cost shown[, the converted summary's target])
        if not currency:
            return f"{table} li", "li.currency", "li.cost"
        if table == SUMMARY:
            return f"{CONVERTED} li", "li.reported_currency", "li.converted_cost", "li.target = %s"
        to = f"r.{rate_column(currency)}"
        rate = "CASE li.currency " + " ".join(f"WHEN '{c}' THEN r.{rate_column(c)}" for c in billed) + " END"
        converted = (f"FX_CONVERT(li.cost, {to}, {rate})" if vendor == "sqlite"
                     else f"ROUND(li.cost * {to} / {rate}, 10)")  # fmt: skip
        return (
            f"{LINE_ITEMS} li JOIN costs_rateday r ON r.date = li.date",
            f"CASE WHEN li.currency = '{currency}' OR {to} IS NULL OR {rate} IS NULL THEN li.currency "
            f"ELSE '{currency}' END",
            f"CASE WHEN li.currency = '{currency}' THEN li.cost ELSE COALESCE({converted}, li.cost) END",
        )

    def statement(table, select, group_by, first, last):
        from_, cur, cost, *target = source(table)
        conditions = [where, *target, "li.date BETWEEN %s AND %s"]
        sql = f"SELECT {select.format(cur=cur, cost=f'{total}({cost})')} FROM {from_} WHERE {' AND '.join(conditions)}"
        return f"{sql} GROUP BY {group_by}", [*params, *([currency] if target else []), first, last]

    return [
        statement(grouped_table, f"{trunc} AS bin, {group_sql or 'li.' + group}, {{cur}}, {{cost}}", "1, 2, 3",
                  start, end),
        statement(previous_table, "{cur}, {cost}", "1", prev_start, prev_end),
    ]  # fmt: skip


def rate_column(currency: str) -> str:
    from costs.models import RateDay

    return RateDay.column(currency)


TAG_KEY = "Team"


def tag_rules(start):
    """The 50 values of a realistic virtual tag, in rule order: ``(name, filters, extra)``.

    Mostly teams owning a few billing accounts (4 integrations each) for some categories, the way
    people write them: ``is`` on category lists, ``starts_with`` on category prefixes, ``contains``,
    a few ``is not``, billing accounts and accounts, ANDed conditions, ORed filter sets; plus two
    values dated at month boundaries of the report (``start``: its first month) and one 60/40 split
    over three services. Many line items fall through to late values or to "Not tagged"."""
    from vantage.lib.dates import add_months, month_end

    def c(dimension, operator, *values):
        return {"dimension": dimension, "operator": operator, "values": list(values)}

    def names(lo, hi):
        return [f"Billing {i:03d}" for i in range(lo, hi)]

    def sids(lo, hi):
        return [f"AC{i:032x}" for i in range(lo, hi)]

    def cats(*ns):
        return [f"category-{n % CATEGORIES:02d}" for n in ns]

    rules = []
    for g in range(46):
        lo, hi = 4 * g, 4 * g + 4
        kind = g % 8
        if kind == 0:
            sets = [[c("category", "is", *cats(g, g + 12, g + 24)), c("billing_account", "is", *names(lo, hi))]]
        elif kind == 1:
            sets = [[c("category", "starts_with", f"category-{g % 6}"), c("billing_account", "is", *names(lo, hi))]]
        elif kind == 2:
            sets = [[c("category", "contains", str(g % 10)), c("account_id", "is", *sids(lo, hi))]]
        elif kind == 3:
            sets = [[c("service", "is_not", "SMS & MMS", "Programmable Voice"),
                     c("billing_account", "starts_with", f"Billing {lo // 10:02d}")]]
        elif kind == 4:
            sets = [[c("service", "is", "Verify", "Lookup"), c("billing_account", "is", *names(lo, hi))],
                    [c("category", "is", *cats(g + 1, g + 2)), c("account_id", "is", *sids(lo, hi + 8))]]
        elif kind == 5:
            sets = [[c("charge_type", "is", "Credit"), c("billing_account", "contains", f"{lo // 10:02d}")],
                    [c("service", "contains", "Phone", "Video"), c("billing_account", "is", *names(lo, hi))]]
        elif kind == 6:
            sets = [[c("category", "is_not", *cats(g, g + 1, g + 2, g + 3)), c("account_id", "is", *sids(lo, hi)),
                     c("charge_type", "is", "Usage")]]
        else:
            sets = [[c("service", "contains", "voice", "SIP"), c("billing_account", "is", *names(lo, hi))],
                    [c("category", "starts_with", "category-5"), c("billing_account", "is", *names(lo, hi))]]
        rules.append((f"Team {g + 1:02d}", [{"conditions": conds} for conds in sets], {}))
    dated = [
        ("Spring campaign", [{"conditions": [c("service", "is", "SMS & MMS"),
                                             c("billing_account", "starts_with", "Billing 1")]}],
         {"date_from": add_months(start, 1), "date_to": month_end(add_months(start, 2))}),
        ("Migration", [{"conditions": [c("category", "is", *cats(3, 4, 5, 15, 16, 17)),
                                       c("billing_account", "is", *names(184, 200))]}],
         {"date_from": add_months(start, 4)}),
    ]  # fmt: skip
    shared = ("Shared platform", [{"conditions": [c("service", "is", "Studio", "Flex", "Conversations")]}],
              {"splits": [{"label": "Platform A", "percent": "60"}, {"label": "Platform B", "percent": "40"}]})
    support = ("Support", [{"conditions": [c("service", "is", "Email"),
                                           c("billing_account", "is_not", *names(0, 100))]}], {})  # fmt: skip
    rules[30:30] = [shared]
    rules[20:20] = [dated[0]]
    rules[40:40] = [dated[1]]
    rules.append(support)
    assert len(rules) == 50
    return rules


def create_tag(ws, start):
    """The workspace's 50-value tag (replaced if a kept database has one), validated as the pages do."""
    from tagging.models import VirtualTag, VirtualTagValue

    VirtualTag.objects.filter(workspace=ws, key__iexact=TAG_KEY).delete()
    tag = VirtualTag.objects.create(workspace=ws, key=TAG_KEY)
    for position, (name, filters, extra) in enumerate(tag_rules(start), 1):
        value = VirtualTagValue(tag=tag, position=position, name=name, filters=filters, **extra)
        value.full_clean()
        value.save()
    return tag


def tag_case_sql(vendor, tag) -> str:
    """The tag's rules as the CASE one would write by hand over ``li`` (a line item or summary row):
    billing account names resolved to integration ids first, ``is`` as IN, patterns as (I)LIKE, and
    in each filter set the date range, then the cheap and selective tests first (ids, IN lists, then
    NOT IN, then patterns). A split value yields its own name (shared out afterwards, as the page does)."""
    from integrations.models import Integration

    ids_by_name = dict(Integration.objects.values_list("account_name", "id"))
    like = "ILIKE" if vendor == "postgresql" else "LIKE"  # SQLite's LIKE ignores ASCII case already

    def lit(value) -> str:  # '%%': the statement is run with parameters
        return "'" + str(value).replace("'", "''").replace("%", "%%") + "'"

    def condition(cond) -> str:
        dimension, operator, values = cond["dimension"], cond["operator"], cond["values"]
        if dimension == "billing_account":
            if operator in ("is", "is_not"):
                matched = [i for n, i in ids_by_name.items() if n in values]
            else:
                test = str.startswith if operator == "starts_with" else str.__contains__
                matched = [i for n, i in ids_by_name.items() if any(test(n.lower(), v.lower()) for v in values)]
            inside = f"li.integration_id IN ({', '.join(map(str, matched)) or 'NULL'})"
            return f"NOT ({inside})" if operator == "is_not" else inside
        column = f"li.{dimension}"
        if operator in ("is", "is_not"):
            return f"{column} {'NOT IN' if operator == 'is_not' else 'IN'} ({', '.join(map(lit, values))})"
        pattern = "{}%" if operator == "starts_with" else "%{}%"
        return "(" + " OR ".join(f"{column} {like} {lit(pattern.format(v))}" for v in values) + ")"

    def cheap_first(cond) -> int:
        negated, pattern = cond["operator"] == "is_not", cond["operator"] in ("contains", "starts_with")
        if pattern and cond["dimension"] != "billing_account":
            return 4
        return 2 * negated + (cond["dimension"] != "billing_account")

    whens = []
    for value in tag.values.order_by("position", "pk"):
        test = " OR ".join(
            "(" + " AND ".join(condition(cond) for cond in sorted(fset["conditions"], key=cheap_first)) + ")"
            for fset in value.filters
        )
        dates = [f"li.date >= {lit(value.date_from.isoformat())}"] if value.date_from else []
        dates += [f"li.date <= {lit(value.date_to.isoformat())}"] if value.date_to else []
        test = " AND ".join([*dates, f"({test})"])
        whens.append(f"WHEN {test} THEN {lit(value.name)}")
    return "CASE " + " ".join(whens) + " ELSE 'Not tagged' END"


def check_tag_report(conn, tag, result, statements):
    """The page's tag report equals the hand-written CASE over the line items, label by label and bin
    by bin (split values shared out), and adds up to the same totals as the report by service."""
    from decimal import Decimal

    from tagging.expressions import split_amounts

    splits = {
        v.name: [(s["label"], Decimal(s["percent"]) / 100) for s in v.splits]
        for v in tag.values.exclude(splits=None)
        if v.splits
    }
    expected: dict[tuple, Decimal] = {}
    with conn.cursor() as cur:
        sql, params = statements[0]
        cur.execute(sql, params)
        for bin_, label, currency, amount in cur.fetchall():
            amount = None if amount is None else Decimal(repr(amount) if isinstance(amount, float) else str(amount))
            parts = split_amounts(amount, splits[label]) if label in splits else [(label, amount)]
            for part, share in parts:
                key = (str(bin_)[:10], part, currency)
                expected[key] = expected.get(key, Decimal(0)) + (share or 0)
    got: dict[tuple, Decimal] = {}
    for row in result.rows:
        for bin_, cost in row.costs.items():
            got[(str(bin_)[:10], row.groups[0], row.currency)] = cost or Decimal(0)
    q = Decimal("0.000001")
    expected = {k: v.quantize(q) for k, v in expected.items() if v}
    got = {k: v.quantize(q) for k, v in got.items() if v}
    if expected != got:
        diff = sorted(set(expected.items()) ^ set(got.items()))[:10]
        raise AssertionError(f"tag report differs from the hand-written CASE: {diff}")
    return len({k[1] for k in got})


def cover_with_runs(ws):
    """A successful import run per integration over the days its line items cover, as real imports leave:
    without them every account reads as "not imported", the page hatches every bin and skips the
    previous period (unknown, not zero) that the hand-written SQL computes. Idempotent (--reuse too)."""
    from django.db.models import Max, Min

    from costs.models import CostLineItem
    from integrations.models import IngestionRun, Integration, RunStatus

    if IngestionRun.objects.filter(integration__workspaces=ws, status=RunStatus.SUCCEEDED).exists():
        return
    span = CostLineItem.objects.aggregate(low=Min("date"), high=Max("date"))
    runs = [
        IngestionRun(integration=i, start_date=span["low"], end_date=span["high"], status=RunStatus.SUCCEEDED)
        for i in Integration.objects.filter(workspaces=ws)
    ]
    IngestionRun.objects.bulk_create(runs)
    print(f"{len(runs)} successful import runs, {span['low']} to {span['high']} (the imports' coverage)")


def alternate_medians(fns, repeat):
    """Median seconds of each of ``fns``, run in turn ``repeat`` times after a warm-up of each: so that
    all of them see the same machine (its caches, other load, frequency), not one its quiet minute."""
    for fn in fns:
        fn()
    times = [[] for _ in fns]
    for _ in range(repeat):
        for fn, spent in zip(fns, times, strict=True):
            t0 = time.perf_counter()
            fn()
            spent.append(time.perf_counter() - t0)
    return [statistics.median(t) for t in times]


def median_seconds(fn, repeat, warm_up=True):
    if warm_up:
        fn()  # warm-up (caches, connections)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def check_conversion(ws, today):
    """The converted summary adds up to exactly what converting every line item gives (6 months by service)."""
    from costs.dates import resolve_preset
    from costs.reports import ReportQuery
    from costs.scoping import workspace_converted_summary, workspace_line_items

    start, end = resolve_preset("last_6_months", today)
    kwargs = dict(start=start, end=end, group_by=["service"], bin="month", workspace=ws, currency=ws.reporting_currency)
    fast = ReportQuery(workspace_line_items(ws), summary=lambda currency: workspace_converted_summary(ws, currency),
                       **kwargs)  # fmt: skip
    slow = ReportQuery(workspace_line_items(ws), **kwargs)
    assert fast.uses_summary and not slow.uses_summary
    t0 = time.perf_counter()
    rows = list(slow.rows())
    took = time.perf_counter() - t0
    assert list(fast.rows()) == rows, "the converted summary differs from the line items converted one by one"
    print(f"converted summary checked against every line item converted at its day's rate ({took:.1f}s): "
          f"the same {len(rows)} rows, to the last decimal")


def query_alone(ws, preset, today, sql_args, baseline, repeat):
    """The report's own SQL work without the page: ReportQuery's grouped query and previous-period totals
    (what the page's headline and table need), in the workspace's currency, against ``baseline``."""
    if sql_args.get("group_sql"):
        return
    from costs.dates import resolve_preset
    from costs.reports import ReportQuery, build_report
    from costs.scoping import workspace_converted_summary, workspace_cost_summary, workspace_line_items

    start, end = resolve_preset(preset, today)
    items = workspace_line_items(ws)
    if sql_args.get("service"):
        items = items.filter(service=sql_args["service"])

    def summary(currency=None):
        rows = workspace_converted_summary(ws, currency) if currency else workspace_cost_summary(ws)
        return rows.filter(service=sql_args["service"]) if rows is not None and sql_args.get("service") else rows

    def run_query():
        q = ReportQuery(items, start=start, end=end, group_by=[sql_args["group"]], bin=sql_args["bin"], workspace=ws,
                        summary=summary, currency=ws.reporting_currency or None)  # fmt: skip
        return build_report(q, compare=True)

    t = median_seconds(run_query, repeat)
    report = run_query()
    source = "summary" if report.query.uses_summary else "line items"
    print(f"{'':4}ReportQuery alone ({report.currency or 'billing'}, {source}): {t * 1000:.0f}ms, "
          f"{t / baseline:.2f}x the hand SQL   headline: "
          + ", ".join(f"{h.current:,.2f} {h.currency}" for h in report.headlines))


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
    from django.test.utils import CaptureQueriesContext, setup_test_environment, teardown_test_environment

    from costs.dates import previous_period, resolve_preset
    from costs.models import CostConversionState, CostConvertedSummary, CostLineItem, CostMonthlySummary, CostReport
    from costs.services import ensure_default_report
    from costs.tasks import convert_summaries
    from costs.writes import rebuild_cost_summaries
    from vantage.lib.dates import utc_today
    from vantage.models import Workspace

    t0 = time.perf_counter()
    if args.reuse:
        from django.contrib.auth import get_user_model

        from vantage.models import Workspace

        ws, user = Workspace.objects.get(name="Bench"), get_user_model().objects.get(username="bench")
    else:
        ws, user = create_data(connection, args.rows)
    created = time.perf_counter() - t0
    currency = "" if args.currency.lower() == "billing" else args.currency.upper()
    # one reporting currency in use (the migrations' Default workspace too): converted below, no signal
    Workspace.objects.update(reporting_currency=currency)
    ws.refresh_from_db()
    CostConvertedSummary.objects.exclude(target=currency).delete()  # from an earlier run in another currency
    CostConversionState.objects.exclude(target=currency).delete()
    if not args.reuse:
        t0 = time.perf_counter()
        rebuild_cost_summaries()  # what imports maintain as they go; one pass after this bulk load
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE costs_costmonthlysummary" if connection.vendor == "postgresql" else "ANALYZE")
            if connection.vendor == "postgresql":
                cur.execute("VACUUM ANALYZE costs_costconvertedsummary")
        print(f"monthly summaries (and converted to {currency or 'nothing'}) built in {time.perf_counter() - t0:.1f}s")
    elif currency:
        t0 = time.perf_counter()
        convert_summaries(currency)
        print(f"summaries converted to {currency} in {time.perf_counter() - t0:.1f}s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE costs_costconvertedsummary")
    print(f"reporting currency: {currency or 'billing currencies (not converted)'}; "
          f"{CostConvertedSummary.objects.filter(target=currency).count():,} converted summary rows")
    count = CostLineItem.objects.count()
    print(f"{connection.vendor}: {count:,} cost line items ({CostMonthlySummary.objects.count():,} monthly summary "
          f"rows), {INTEGRATIONS} integrations, {DAYS} days, {CATEGORIES} categories; data created in {created:.1f}s")

    cover_with_runs(ws)
    report = ensure_default_report(ws)
    client = Client()
    client.force_login(user)
    today = utc_today()
    tag = create_tag(ws, resolve_preset("last_6_months", today)[0])
    tag_sql = tag_case_sql(connection.vendor, tag)
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
        (
            f"All Resources: 6 months, by tag ({tag.values.count()} values)",
            {"date_range": "last_6_months", "group_by": f"tag:{TAG_KEY}", "bin": "month"},
            dict(bin="month", group="tag", group_sql=tag_sql),
            "last_6_months",
        ),
    ]
    billed = sorted(CostLineItem.objects.values_list("currency", flat=True).distinct().order_by())
    converting = {"currency": currency, "billed": billed} if currency else {}
    timings = {}
    print(f"\nMedian of {args.repeat} runs (after a warm-up). Hand SQL over the line items; and over the")
    print("summary wherever the page reads it ('-': the page read no summary for this case), timed in turn with")
    print("the page" + (f"; both converted to {currency} as the page is." if currency else "."))
    print(
        f"{'case':46} {'page':>9} {'hand SQL':>9} {'ratio':>6} {'hand/sum':>9} {'ratio':>6}   page queries (SQL time)"
    )
    for label, params, sql_args, preset in cases:
        url = f"/reports/{report.pk}/"
        query = {"applied": "1", "chart": "bar", "mode": "spend", "compare": "on", **params}

        def page(url=url, query=query):
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
        on_items = hand_sql(connection.vendor, ws.pk, start, end, prev_start, prev_end, **sql_args, **converting)
        slow = "group_sql" in sql_args  # a CASE over every line item of 6 months: once is enough
        hand_t = median_seconds(hand(on_items), 1 if slow else args.repeat, warm_up=not slow)
        with CaptureQueriesContext(conn) as ctx:
            page()
        captured = ctx.captured_queries  # (the next request starts a new query log)
        sql_time = sum(float(q["time"]) for q in captured)
        if any(table in q["sql"] for q in captured for table in SUMMARIES):
            on_summary = hand_sql(connection.vendor, ws.pk, start, end, prev_start, prev_end, summary=True, **sql_args,
                                  **converting)  # fmt: skip
            # the page and this hand SQL timed in turn: the page's time printed is this one
            page_t, summary_t = alternate_medians([page, hand(on_summary)], args.repeat)
            vs_summary = f"{summary_t * 1000:8.0f}ms {page_t / summary_t:5.2f}x"
        else:
            summary_t, vs_summary = None, f"{'-':>10} {'-':>6}"
        print(f"{label:46} {page_t * 1000:8.0f}ms {hand_t * 1000:8.0f}ms {page_t / hand_t:5.2f}x {vs_summary}   "
              f"{len(captured)} ({sql_time * 1000:.0f}ms)")
        slowest = sorted(captured, key=lambda q: float(q["time"]), reverse=True)[:3]
        for q in slowest:
            print(f"{'':48}{float(q['time']) * 1000:7.0f}ms  {q['sql'][:90]}")
        timings[sql_args["group"]] = (page_t, hand_t, summary_t or hand_t, page, on_items, query)
        query_alone(ws, preset, today, sql_args, summary_t or hand_t, args.repeat)

    setup_test_environment()  # response.context, for the check only (after the timings)
    try:  # the hand-written CASE converts as the page does (each line item at its day's rate)
        results = {
            key: client.get(f"/reports/{report.pk}/", timings[key][5]).context["result"] for key in ("service", "tag")
        }
    finally:
        teardown_test_environment()
    if currency:
        check_conversion(ws, today)
    labels = check_tag_report(conn, tag, results["tag"], timings["tag"][4])
    assert results["tag"].cost_totals == results["service"].cost_totals, "tag and service totals differ"
    # the two pages again, alternately, so that both see the same machine (caches, other load)
    alternate = {"service": [], "tag": []}
    for _ in range(max(args.repeat, 5)):
        for key in alternate:
            t0 = time.perf_counter()
            timings[key][3]()
            alternate[key].append(time.perf_counter() - t0)
    service_t, tag_t = (statistics.median(alternate[key]) for key in ("service", "tag"))
    print(f"\nAll Resources, 6 months, monthly: by a {tag.values.count()}-value virtual tag vs by Service "
          f"(target: tag at most 2x; pages timed alternately, medians of {len(alternate['tag'])})")
    print(f"{'':12} {'service':>9} {'tag':>9} {'ratio':>6} {'hand CASE':>10} {'(line items)':>13}")
    print(f"{connection.vendor:12} {service_t * 1000:8.0f}ms {tag_t * 1000:8.0f}ms {tag_t / service_t:5.2f}x "
          f"{timings['tag'][2] * 1000:9.0f}ms {timings['tag'][1] * 1000:12.0f}ms"
          f"   {'OK' if tag_t <= 2 * service_t else 'OVER 2x'}")
    print(f"tag report checked against the hand-written CASE: same totals per label, month and currency "
          f"({labels} labels), same totals as by Service")
    assert CostReport.objects.filter(workspace=ws).count() == 1


if __name__ == "__main__":
    main()
