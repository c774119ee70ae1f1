#!/usr/bin/env python
"""Benchmark: the FOCUS export's speed (rows per second) and peak memory, CSV and Parquet.

    .venv/bin/python bench/focus.py [--rows 1000000] [--database-url postgres://postgres@127.0.0.1:5432/vantage]
                                    [--keep] [--reuse]

Builds its data the way bench/reports.py does (``create_data``: ``--rows`` line items over 200
integrations x 365 days x 60 categories, credits and unknown prices among them) in a throwaway
database ``<name>_bench_reports`` (``--keep`` keeps it, ``--reuse`` measures a kept one), adds a
two-value virtual tag (one value splits 60/40) so every row's Tags are computed, then exports the
whole year as the API does (``export_focus`` over the workspace's line items), discarding the bytes:

* once timed over the whole range: rows per second of wall clock and of this process's CPU time (the
  CPU figure is the one to compare on a shared machine), and how much the process's peak RSS grew;
* under ``tracemalloc`` (the peak of Python memory) for 5% and for 20% of the range: a flat export
  peaks the same at both (one chunk / row group in memory, never all rows). Kept to a fraction of the
  rows because tracemalloc makes every allocation several times slower.

Never collected by pytest (it lives outside tests/ and has no test_ name).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reports import create_data, setup_django  # noqa: E402  (bench/reports.py, beside this file)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000, help="cost line items to create (default 1,000,000)")
    p.add_argument("--database-url", default=None, help="postgres://… (default: a temporary SQLite file)")
    p.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    p.add_argument("--reuse", action="store_true", help="measure the database a previous --keep run left")
    return p.parse_args()


def add_tag(ws):
    from tagging.models import VirtualTag, VirtualTagValue

    tag, _ = VirtualTag.objects.get_or_create(workspace=ws, key="team")
    tag.values.all().delete()

    def service(*names):
        return [{"conditions": [{"dimension": "service", "operator": "is", "values": list(names)}]}]

    VirtualTagValue.objects.create(tag=tag, position=1, name="Messaging", filters=service("SMS & MMS", "WhatsApp"))
    VirtualTagValue.objects.create(
        tag=tag, position=2, name="Shared", filters=service("Programmable Voice", "Flex"),
        splits=[{"label": "Support", "percent": "60"}, {"label": "Sales", "percent": "40"}],
    )  # fmt: skip


def export(ws, start, end, fmt) -> tuple[int, int]:
    """(rows, bytes) of one export, its chunks discarded as they come."""
    from costs.focus.services import export_focus
    from costs.scoping import workspace_line_items

    size = 0
    for chunk in export_focus(workspace_line_items(ws), ws, start, end, fmt).chunks:
        size += len(chunk)
    rows = workspace_line_items(ws).filter(date__gte=start, date__lte=end).count()
    return rows, size


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(ws, start, end, fmt) -> tuple[int, int, float, float, float]:
    """(rows, bytes, wall seconds, CPU seconds, MiB the peak RSS grew by)."""
    rss, t0, c0 = max_rss_mib(), time.perf_counter(), time.process_time()
    rows, size = export(ws, start, end, fmt)
    return rows, size, time.perf_counter() - t0, time.process_time() - c0, max_rss_mib() - rss


def peak_mib(ws, start, end, fmt) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        export(ws, start, end, fmt)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def run(connection, args):
    from django.contrib.auth import get_user_model

    from costs.models import CostLineItem
    from vantage.models import Workspace

    if args.reuse:
        ws = Workspace.objects.get(name="Bench")
        get_user_model().objects.get(username="bench")
    else:
        t0 = time.perf_counter()
        ws, _ = create_data(connection, args.rows)
        print(f"created {args.rows:,} line items in {time.perf_counter() - t0:.0f} s")
    add_tag(ws)
    first = CostLineItem.objects.order_by("date").values_list("date", flat=True).first()
    last = CostLineItem.objects.order_by("-date").values_list("date", flat=True).first()
    days = (last - first).days
    part = {share: first + timedelta(days=max(0, days * share // 100)) for share in (5, 20)}
    print(f"database: {connection.vendor}; line items: {CostLineItem.objects.count():,}; {first} .. {last}")
    print(f"{'format':8} {'rows':>10} {'wall s':>7} {'rows/s':>8} {'CPU s':>6} {'rows/CPU s':>10} {'MB out':>7} "
          f"{'RSS +MiB':>8} {'peak MiB 5%':>11} {'peak MiB 20%':>12}")  # fmt: skip
    for fmt in ("csv", "parquet"):
        rows, size, wall, cpu, rss = timed(ws, first, last, fmt)
        small, larger = peak_mib(ws, first, part[5], fmt), peak_mib(ws, first, part[20], fmt)
        print(f"{fmt:8} {rows:>10,} {wall:>7.1f} {rows / wall:>8,.0f} {cpu:>6.1f} {rows / cpu:>10,.0f} "
              f"{size / 1e6:>7.1f} {rss:>8.1f} {small:>11.1f} {larger:>12.1f}")  # fmt: skip
    print(f"process max RSS: {max_rss_mib():.0f} MiB")


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


if __name__ == "__main__":
    main()
