"""Report queries run with jit off (every connection the app opens) and, grouped by a virtual tag, more
work_mem for that query only, on PostgreSQL only. The suite runs on SQLite and again on PostgreSQL (CI):
each test asserts what its database must do, on both."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from costs.models import CostLineItem
from costs.reports import ReportQuery
from tagging.models import VirtualTag, VirtualTagValue
from tests.costs.factories import add_costs, item, make_integration
from vantage.lib.db import planner_settings

pytestmark = pytest.mark.django_db


def show(name):
    with connection.cursor() as cur:
        cur.execute(f"SHOW {name}")
        return cur.fetchone()[0]


def test_settings_hold_inside_the_block_only(settings):
    settings.REPORT_WORK_MEM = "48MB"
    if connection.vendor != "postgresql":
        with CaptureQueriesContext(connection) as ctx, planner_settings(opaque_groups=True):
            pass
        assert ctx.captured_queries == []  # nothing to tune on SQLite
        return
    assert show("jit") == "off"  # the connection's own setting (vantage/settings.py)
    before = show("work_mem"), show("enable_sort")
    with CaptureQueriesContext(connection) as ctx, planner_settings():
        assert (show("work_mem"), show("enable_sort")) == before  # plain columns: estimated well
    assert not any("set_config" in q["sql"] for q in ctx.captured_queries)  # and no statement for it
    with planner_settings(opaque_groups=True):
        assert (show("jit"), show("work_mem"), show("enable_sort")) == ("off", "48MB", "off")
    assert (show("work_mem"), show("enable_sort")) == before


def test_an_error_inside_leaves_the_connection_as_it_was():
    before = connection.vendor == "postgresql" and (show("jit"), show("work_mem"))
    with pytest.raises(ZeroDivisionError), planner_settings(opaque_groups=True):
        _ = 1 / 0
    if before:
        assert (show("jit"), show("work_mem")) == before
    assert CostLineItem.objects.count() == 0  # the connection still works


@pytest.mark.parametrize(
    "group_by,opaque", [(["service"], False), (["tag:Team"], True), (["tag:Team", "service"], True)]
)
def test_the_report_query_runs_with_them(ws, group_by, opaque):
    integration = make_integration(ws, "Acme")
    add_costs(integration, [item("2026-02-03", "SMS & MMS", "sms-outbound", "4.00"),
                            item("2026-02-04", "Programmable Voice", "calls", "6.00")])  # fmt: skip
    tag = VirtualTag.objects.create(workspace=ws, key="Team")
    VirtualTagValue.objects.create(tag=tag, position=1, name="Messaging",
                                   filters=[{"conditions": [{"dimension": "service", "operator": "is",
                                                             "values": ["SMS & MMS"]}]}])  # fmt: skip
    query = ReportQuery(CostLineItem.objects.filter(integration__workspaces=ws), start=date(2026, 2, 1),
                        end=date(2026, 2, 28), group_by=group_by, workspace=ws)  # fmt: skip
    assert query.opaque_groups is opaque
    before_jit = show("jit") if connection.vendor == "postgresql" else None
    with CaptureQueriesContext(connection) as ctx:
        rows = list(query.rows())
    assert sum(r.cost for r in rows) == 10
    sqls = [q["sql"] for q in ctx.captured_queries]
    tuning = [i for i, sql in enumerate(sqls) if "set_config" in sql]
    if connection.vendor != "postgresql" or not opaque:
        assert tuning == []  # SQLite, or plain columns: jit is off on the connection already
        assert before_jit in (None, "off")
        return
    grouped = next(i for i, sql in enumerate(sqls) if "GROUP BY" in sql)
    # set before the grouped query; the test runs inside a transaction (as under ATOMIC_REQUESTS), so
    # the previous values are put back right after it rather than at the commit
    assert len(tuning) == 2 and tuning[0] < grouped < tuning[1]
    params = [q["sql"] for q in ctx.captured_queries[tuning[0] : tuning[0] + 1]][0]
    assert "work_mem" in params and "enable_sort" in params
    assert show("jit") == before_jit  # not left behind on the connection


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_the_commit_ends_them():
    if connection.vendor != "postgresql":
        with CaptureQueriesContext(connection) as ctx, planner_settings(opaque_groups=True):
            pass
        assert ctx.captured_queries == []
        return
    before = show("enable_sort"), show("work_mem")
    with CaptureQueriesContext(connection) as ctx, planner_settings(opaque_groups=True):
        assert show("enable_sort") == "off"
    assert (show("enable_sort"), show("work_mem")) == before
    assert sum("set_config" in q["sql"] for q in ctx.captured_queries) == 1  # no restore needed


def test_a_stream_abandoned_by_an_error_leaves_the_callers_transaction_usable(ws):
    """A streamed report (server-side cursor still open) that ends in an error inside the caller's
    transaction: the caller catches it and goes on, on the same transaction, with its own settings."""
    from django.db import transaction

    integration = make_integration(ws, "Acme")
    add_costs(integration, [item(f"2026-02-{d:02d}", "SMS & MMS", f"c-{d}", d) for d in range(1, 20)])
    query = ReportQuery(CostLineItem.objects.filter(integration__workspaces=ws), start=date(2026, 2, 1),
                        end=date(2026, 2, 28), group_by=["category"],
                        bin="day", workspace=ws)  # fmt: skip
    with transaction.atomic():
        before = connection.vendor == "postgresql" and (show("jit"), show("work_mem"))
        rows = query.rows(stream=True)
        assert next(rows).cost is not None
        with pytest.raises(RuntimeError):
            rows.throw(RuntimeError("the CSV writer failed"))
        assert CostLineItem.objects.filter(integration=integration).count() == 19  # still usable
        if before:
            assert (show("jit"), show("work_mem")) == before
