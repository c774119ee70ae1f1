#!/usr/bin/env python
"""Benchmark: evaluating a workspace's cost alerts and report digests over a large database.

    .venv/bin/python bench/alerts.py [--rows 250000] [--database-url postgres://postgres@127.0.0.1:5432/x]

A throwaway database filled by bench/reports.py's ``create_data`` (``--rows`` line items over 200
integrations, 365 days, 12 services), one successful import run per integration (so every period is
complete), the workspace's All Resources plus one report per service and one per ten billing accounts;
then four cost alerts (day, week, month, quarter; 10 reports each, 1% either way: every group fires) and
a daily, weekly and monthly digest of every report. Printed: the time and number of queries of the first
evaluation (records and queues everything), of a second one (finds everything recorded: what every later
import costs), and of the digests. The database aggregates: one grouped query per alert and report.
Never collected by pytest (it lives outside tests/ and has no test_ name).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def timed(label, work):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        t0 = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - t0
    print(f"{label:58} {seconds:7.2f}s {len(queries):6} queries  -> {result}")


def run(connection, data_bench, rows) -> None:
    from datetime import UTC, datetime, timedelta

    from django.db.models import Min

    from costs.alerting import alerts, digests, services
    from costs.alerting.validation import AlertInput, DigestInput
    from costs.models import CostLineItem, CostReport
    from costs.services import ensure_default_report
    from costs.writes import rebuild_cost_summaries
    from integrations.models import IngestionRun, Integration, RunStatus
    from vantage.lib.dates import add_months, utc_today

    t0 = time.perf_counter()
    ws, user = data_bench.create_data(connection, rows)
    rebuild_cost_summaries()
    first = CostLineItem.objects.aggregate(first=Min("date"))["first"]
    started = datetime.now(UTC)
    IngestionRun.objects.bulk_create(
        IngestionRun(integration=i, start_date=first, end_date=utc_today(), status=RunStatus.SUCCEEDED,
                     finished_at=started) for i in Integration.objects.all())  # fmt: skip
    count = CostLineItem.objects.count()
    print(f"{connection.vendor}: {count:,} line items, {data_bench.INTEGRATIONS} integrations, "
          f"created in {time.perf_counter() - t0:.0f}s")
    reports = [ensure_default_report(ws)]
    reports += [CostReport.objects.create(workspace=ws, title=s, groupings=["category"],
                                          filters={"service": {"op": "is", "values": [s]}})
                for s in data_bench.SERVICES]  # fmt: skip
    for n in range(0, data_bench.INTEGRATIONS, 10):
        names = [f"Billing {i:03d}" for i in range(n, n + 10)]
        reports.append(CostReport.objects.create(workspace=ws, title=f"Accounts {n}", groupings=["service"],
                                                 filters={"billing_account": {"op": "is", "values": names}}))
    for period in ("day", "week", "month", "quarter"):
        services.save_alert(ws, user, AlertInput(name=period, reports=reports[:10], percent=1, direction="either",
                                                 period=period, recipients=[user]))
    for frequency in ("daily", "weekly", "monthly"):
        for report in reports:
            services.save_digest(ws, user, DigestInput(report=report, frequency=frequency, recipients=[user]))
    today = utc_today()
    monday = today - timedelta(days=today.weekday())
    second = today.replace(day=2) if today.day >= 2 else add_months(today.replace(day=2), -1)
    print(f"{len(reports)} reports; 4 alerts x 10 reports; {3 * len(reports)} digests")
    timed("cost alerts, first evaluation (records, sends)", lambda: len(alerts.evaluate(ws, today)))
    timed("cost alerts, again (everything recorded already)", lambda: len(alerts.evaluate(ws, today)))
    timed("digests due on a Monday (daily + weekly)", lambda: digests.send_due(ws, monday))
    timed("digests due on the 2nd (daily + monthly)", lambda: digests.send_due(ws, second))
    timed("digests, again (sent already)", lambda: digests.send_due(ws, second))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=250_000)
    p.add_argument("--database-url", default=None)
    args = p.parse_args()
    args.reuse, args.keep, args.currency = False, False, "billing"
    import reports as data_bench  # bench/reports.py: the same throwaway database and data

    connection = data_bench.setup_django(args)
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # tasks run inline: no real mail
    try:
        run(connection, data_bench, args.rows)
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
