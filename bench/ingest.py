"""Benchmark: a six-month import of the sandbox's largest account, against the floor of fetching and
parsing the same pages alone.

    .venv/bin/python bench/ingest.py [--database-url postgres://postgres@127.0.0.1:5432/vantage_bench] [--repeat 3]

Prints records per second and ratio = whole import time / fetch-and-parse time (target <= 1.5).
Uses its own throwaway database (SQLite file in a temp dir by default); never run by pytest.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup_django(database_url):
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    if url.startswith("postgres"):
        import psycopg

        base, _, name = url.rpartition("/")
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    setup_django(url)

    from django.conf import settings

    from costs.models import CostLineItem
    from integrations.models import Integration
    from integrations.twilio.client import PageStats, client_for
    from integrations.twilio.importer import history_range, import_range, month_windows
    from integrations.twilio.sandbox import serve_in_thread

    server, base_url = serve_in_thread(seed=1)
    settings.TWILIO_API_BASE_URL = base_url
    creds = next(c for c in server.sandbox.credentials() if c["kind"] == "main")
    integration, _ = Integration.objects.get_or_create(
        account_sid=creds["account_sid"],
        defaults={"account_name": "Bench Main", "api_key_sid": creds["api_key_sid"], "api_secret": creds["api_secret"]},
    )
    start, end = history_range()
    windows = month_windows(start, end, newest_first=True)

    # warm the sandbox's caches so both measurements see the same server cost
    for ws, we in windows:
        list(client_for(integration).daily_records(ws, we))

    floor, whole, records = [], [], 0
    for _ in range(args.repeat):
        t = time.perf_counter()
        stats = PageStats()
        for ws, we in windows:
            list(client_for(integration).daily_records(ws, we, stats))
        floor.append(time.perf_counter() - t)
        records = stats.records

        t = time.perf_counter()
        result = import_range(integration, start, end)
        whole.append(time.perf_counter() - t)
    server.shutdown()

    f, w = statistics.median(floor), statistics.median(whole)
    vendor = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(f"database            {vendor}")
    print(f"range               {start}..{end} ({len(windows)} windows)")
    print(f"records read        {records:,}  (line items written {result.line_items:,}; "
          f"stored {CostLineItem.objects.filter(integration=integration).count():,})")
    print(f"fetch+parse (floor) {f:.3f} s median of {args.repeat}  ({records / f:,.0f} records/s)")
    print(f"whole import        {w:.3f} s median of {args.repeat}  ({records / w:,.0f} records/s)")
    print(f"ratio               {w / f:.2f}  (target <= 1.5)")


if __name__ == "__main__":
    main()
