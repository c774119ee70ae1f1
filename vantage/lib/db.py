"""Planner settings for the few big aggregation queries of a report (PostgreSQL only).

A report groups hundreds of thousands of rows (monthly summaries, or line items) in one query. Two of
PostgreSQL's defaults hurt exactly there, most of all when the group is a virtual tag's CASE:

* JIT compilation. The planner switches it on by estimated cost, and a tag's CASE has a high one, so
  PostgreSQL spends more time compiling the expression to machine code (~300 ms for a 50-value tag,
  measured at 10M line items) than evaluating it on every row. JIT pays off for long analytic scans,
  never for a page that must answer in well under a second.
* Sorting to group. PostgreSQL cannot estimate how many groups a CASE yields (it assumes about one
  per row), so it sorts every row (on disk, with the default 4MB work_mem) instead of hashing the few
  thousand groups there are. For such queries ``enable_sort = off`` (a penalty, not a ban: the few
  aggregated rows are still sorted for the window and ORDER BY) and a larger ``work_mem`` make it
  hash; should the groups really be many, a hash aggregate spills to disk (PostgreSQL 13+).
  Measured at 10M line items: the 6-month monthly tag report 630 -> 530 ms, a 3-month daily one
  5.0 -> 3.4 s.

JIT is off for every connection the app opens (``vantage/settings.py`` passes ``-c jit=off`` when
connecting: no statement per query). ``planner_settings()`` sets, for a query grouping by an expression
the planner cannot estimate (``opaque_groups``), ``work_mem = settings.REPORT_WORK_MEM`` and
``enable_sort = off``, with ``set_config(..., is_local => true)`` inside a transaction: they hold for
that query only, never for the rest of the connection (persistent connections, poolers). A query on
plain columns runs as it is: no statement at all. work_mem applies per sort or hash
node and lasts as long as the query (a streamed CSV export: the whole download), so size
REPORT_WORK_MEM with concurrency in mind. On plain columns the planner's estimates are right and both
are left alone: more memory there only tempted it into a slower bitmap scan of the line items
(measured: 1.3 s instead of 0.7 s for a 3-month daily report at 10M line items). Other databases:
nothing to do.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings
from django.db import connections, transaction
from psycopg.pq import TransactionStatus


def _set(connection, names, values) -> tuple:
    """Set ``names`` to ``values`` until the end of the transaction; returns the values they had."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join("current_setting(%s), set_config(%s, %s, true)" for _ in names),
            [p for name, value in zip(names, values, strict=True) for p in (name, name, value)],
        )
        return cursor.fetchone()[::2]


@contextmanager
def planner_settings(using: str = "default", *, opaque_groups: bool = False):
    connection = connections[using]
    if connection.vendor != "postgresql" or not opaque_groups:
        yield
        return
    names = ["work_mem", "enable_sort"]
    values = [settings.REPORT_WORK_MEM, "off"]
    if not connection.in_atomic_block:
        # Our own transaction: its end (commit, or rollback on an error) ends the settings.
        with transaction.atomic(using=using):
            _set(connection, names, values)
            yield
        return
    # Inside the caller's transaction (a streamed CSV export, ATOMIC_REQUESTS): no savepoint of ours,
    # whose rollback on an error could come before an open server-side cursor is closed and leave the
    # caller's transaction broken. Put the values back by hand, while the transaction can still run a
    # statement; if it cannot, it will roll back, and the settings with it.
    previous = _set(connection, names, values)
    try:
        yield
    finally:
        if _usable(connection):
            _set(connection, names, previous)


def _usable(connection) -> bool:
    raw = connection.connection
    return raw is not None and not raw.closed and raw.info.transaction_status == TransactionStatus.INTRANS


MAX_BIGINT = 2**63 - 1


def parse_pk(raw) -> int | None:
    """A primary key from user input (``"42"``), or None for anything else (``abc``, ``1.5``, a number too big
    for the database's integers): look-ups then find nothing instead of raising."""
    raw = str(raw or "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if 0 < value <= MAX_BIGINT else None
