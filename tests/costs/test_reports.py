"""ReportQuery: grouping and binning in SQL checked against sums computed here, in Python."""

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Case, Value, When
from django.test.utils import CaptureQueriesContext

from costs.dates import bin_start, previous_period
from costs.dimensions import Dimension, dimensions, normalise_unit
from costs.reports import ReportQuery, build_report
from costs.scoping import workspace_line_items
from tests.queries import data_queries as data_queries_of

from .factories import add_costs, item, make_integration

SERVICES = {
    "SMS & MMS": ["sms-outbound", "sms-inbound", "mms-outbound"],
    "Programmable Voice": ["calls-outbound", "calls-inbound"],
    "Phone Numbers": ["phonenumbers-local"],
    "Lookup": ["lookups"],
}
UNITS = {"sms-outbound": "segments", "sms-inbound": "Segment", "mms-outbound": "segments ", "calls-outbound": "minutes",
         "calls-inbound": "Minute", "phonenumbers-local": "phonenumbers", "lookups": "lookups"}  # fmt: skip
START, END = date(2025, 12, 15), date(2026, 4, 10)
CENT = Decimal("0.000001")


@pytest.fixture
def rows(ws, other_ws):
    """About 1,000 line items over two integrations (one partly in EUR) and another workspace's."""
    rnd = random.Random(20261127)
    acme, beta = make_integration(ws, "Acme Twilio"), make_integration(ws, "Beta Twilio")
    globex = make_integration(other_ws, "Globex Twilio")
    created = []
    for integration in (acme, beta, globex):
        specs = []
        day = START - timedelta(days=130)  # data in the previous period too
        while day <= END + timedelta(days=5):
            for service, categories in SERVICES.items():
                for category in categories:
                    if rnd.random() < 0.45:
                        currency = "EUR" if integration is beta and category == "lookups" else "USD"
                        cost = Decimal(rnd.randint(-200, 5000)) / 100
                        usage = None if category == "lookups" and rnd.random() < 0.5 else Decimal(rnd.randint(1, 900))
                        unit = UNITS[category]
                        specs.append(item(day, service, category, cost, usage=usage, unit=unit, currency=currency))
            day += timedelta(days=1)
        items = add_costs(integration, specs)
        if integration is not globex:
            created += [(integration, i) for i in items]
    return created


def expected(rows, *, start, end, bin, key):
    """{(bin start, *group, currency): Decimal} from the created rows, in Python."""
    out = defaultdict(Decimal)
    for integration, i in rows:
        if start <= i.date <= end and i.cost is not None:
            out[(bin_start(i.date, bin), *key(integration, i), i.currency)] += i.cost
    return dict(out)


def actual(query):
    return {(r.bin, *r.groups, r.currency): r.cost for r in query.rows()}


def same(a, b):
    assert set(a) == set(b)
    for k in a:
        assert a[k].quantize(CENT) == b[k].quantize(CENT), k


def query(ws, **kw):
    kw.setdefault("start", START)
    kw.setdefault("end", END)
    return ReportQuery(workspace_line_items(ws), workspace=ws, **kw)


@pytest.mark.parametrize("bin", ["day", "week", "month", "quarter"])
def test_group_by_service_per_bin(ws, rows, bin):
    q = query(ws, group_by=["service"], bin=bin)
    same(actual(q), expected(rows, start=START, end=END, bin=bin, key=lambda integ, i: (i.service,)))


@pytest.mark.parametrize("bin", ["week", "month"])
def test_group_by_service_then_category(ws, rows, bin):
    q = query(ws, group_by=["service", "category"], bin=bin)
    same(actual(q), expected(rows, start=START, end=END, bin=bin, key=lambda integ, i: (i.service, i.category)))


def test_group_by_billing_account_and_account(ws, rows):
    q = query(ws, group_by=["billing_account", "account_id"], bin="quarter")
    key = lambda integ, i: (integ.account_name, i.account_id)  # noqa: E731
    same(actual(q), expected(rows, start=START, end=END, bin="quarter", key=key))


def test_charge_type_grouping(ws, rows):
    q = query(ws, group_by=["charge_type"], bin="month")
    same(actual(q), expected(rows, start=START, end=END, bin="month", key=lambda integ, i: (i.charge_type,)))


def test_cumulative_is_one_total_per_group(ws, rows):
    report = build_report(query(ws, group_by=["service"], bin="cumulative"), compare=False)
    totals = defaultdict(Decimal)
    for _, i in rows:
        if START <= i.date <= END and i.cost is not None:
            totals[(i.service, i.currency)] += i.cost
    assert report.columns == [None]
    assert {(r.groups[0], r.currency): r.table_cells[0].quantize(CENT) for r in report.rows} == {
        k: v.quantize(CENT) for k, v in totals.items()
    }


def test_table_rows_columns_and_totals_add_up(ws, rows):
    report = build_report(query(ws, group_by=["service"], bin="month"), compare=True)
    assert report.columns == [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)]
    for row in report.rows:
        assert sum(v for v in row.table_cells if v is not None) == row.total
    for footer in report.column_totals:
        mine = [r for r in report.rows if r.currency == footer.currency]
        for n, value in enumerate(footer.cells):
            assert (value or 0) == sum((r.table_cells[n] or 0) for r in mine)
        assert footer.total == sum(r.total for r in mine)
    grand = defaultdict(Decimal)
    for _, i in rows:
        if START <= i.date <= END and i.cost is not None:
            grand[i.currency] += i.cost
    assert {h.currency: h.current.quantize(CENT) for h in report.headlines} == {
        c: v.quantize(CENT) for c, v in grand.items()
    }


def test_week_bins_split_sunday_from_monday(ws, integration):
    add_costs(integration, [
        item("2026-03-01", "SMS & MMS", "sms-outbound", 1),  # Sunday
        item("2026-03-02", "SMS & MMS", "sms-outbound", 2),  # Monday
        item("2026-03-08", "SMS & MMS", "sms-outbound", 4),  # Sunday
        item("2026-03-09", "SMS & MMS", "sms-outbound", 8),  # Monday
    ])  # fmt: skip
    q = query(ws, start=date(2026, 3, 1), end=date(2026, 3, 9), group_by=[], bin="week")
    assert {r.bin: r.cost for r in q.rows()} == {
        date(2026, 2, 23): Decimal(1), date(2026, 3, 2): Decimal(6), date(2026, 3, 9): Decimal(8)
    }  # fmt: skip


def test_quarter_bins_split_march_from_april(ws, integration):
    add_costs(integration, [
        item("2025-12-31", "Lookup", "lookups", 1),
        item("2026-01-01", "Lookup", "lookups", 2),
        item("2026-03-31", "Lookup", "lookups", 4),
        item("2026-04-01", "Lookup", "lookups", 8),
        item("2026-12-31", "Lookup", "lookups", 16),
    ])  # fmt: skip
    q = query(ws, start=date(2025, 12, 1), end=date(2026, 12, 31), group_by=[], bin="quarter")
    assert {r.bin: r.cost for r in q.rows()} == {
        date(2025, 10, 1): 1, date(2026, 1, 1): 6, date(2026, 4, 1): 8, date(2026, 10, 1): 16
    }  # fmt: skip


def test_previous_period_totals(ws, rows):
    report = build_report(query(ws, group_by=["service"], bin="month"), compare=True)
    p_start, p_end = previous_period(START, END)
    prev = defaultdict(Decimal)
    for _, i in rows:
        if p_start <= i.date <= p_end and i.cost is not None:
            prev[i.currency] += i.cost
    for h in report.headlines:
        assert h.previous.quantize(CENT) == prev[h.currency].quantize(CENT)
        assert h.change == h.current - h.previous
        assert h.percent == (h.current - h.previous) * 100 / abs(h.previous)


def test_mixed_currencies_are_never_added(ws, integration):
    add_costs(integration, [
        item("2026-03-02", "Lookup", "lookups", "10.00", currency="USD"),
        item("2026-03-03", "Lookup", "lookups-premium", "7.00", currency="EUR"),
        item("2026-03-03", "SMS & MMS", "sms-outbound", "5.00", currency="USD"),
    ])  # fmt: skip
    report = build_report(query(ws, start=date(2026, 3, 1), end=date(2026, 3, 31), group_by=["service"]), compare=False)
    assert {(r.groups[0], r.currency): r.total for r in report.rows} == {
        ("Lookup", "USD"): Decimal(10), ("Lookup", "EUR"): Decimal(7), ("SMS & MMS", "USD"): Decimal(5)
    }  # fmt: skip
    assert {h.currency: h.current for h in report.headlines} == {"EUR": Decimal(7), "USD": Decimal(15)}
    assert {f.currency: f.total for f in report.column_totals} == {"EUR": Decimal(7), "USD": Decimal(15)}


def test_usage_mode_sums_usage_per_normalised_unit(ws, rows):
    report = build_report(query(ws, group_by=["service"], bin="quarter", mode="usage"), compare=False)
    usage, cost = defaultdict(Decimal), defaultdict(Decimal)
    for _, i in rows:
        if START <= i.date <= END:
            key = (i.service, i.currency, normalise_unit(i.usage_unit))
            usage[key] += i.usage or 0
            cost[key] += i.cost or 0
    got = {(r.groups[0], r.currency, r.unit): r for r in report.rows}
    assert set(got) == set(usage)
    assert {r.unit for r in report.rows} == {"segments", "minutes", "phone-numbers", "lookups"}
    for key, row in got.items():
        assert (row.total or 0) == usage[key]
        assert row.cost_total.quantize(CENT) == cost[key].quantize(CENT)


def test_usage_mode_keeps_units_apart(ws, integration):
    add_costs(integration, [
        item("2026-03-02", "SMS & MMS", "sms-outbound", 1, usage=100, unit="Segment"),
        item("2026-03-02", "SMS & MMS", "sms-inbound", 1, usage=50, unit=" segments"),
        item("2026-03-02", "SMS & MMS", "mms-outbound", 1, usage=7, unit="messages"),
    ])  # fmt: skip
    report = build_report(query(ws, start=date(2026, 3, 1), end=date(2026, 3, 31), group_by=["service"], mode="usage"),
                          compare=False)
    assert {r.unit: r.total for r in report.rows} == {"segments": Decimal(150), "messages": Decimal(7)}


def test_sorting(ws, integration):
    add_costs(integration, [item("2026-03-02", s, s.lower(), c) for s, c in [("B", 5), ("A", 1), ("C", 9)]])
    kw = dict(start=date(2026, 3, 1), end=date(2026, 3, 31), group_by=["service"])
    assert [g.groups[0] for g in query(ws, **kw).groups()] == ["C", "B", "A"]
    assert [g.groups[0] for g in query(ws, sort="total_asc", **kw).groups()] == ["A", "B", "C"]
    assert [g.groups[0] for g in query(ws, sort="name", **kw).groups()] == ["A", "B", "C"]


def data_queries(ctx) -> list[str]:
    """The captured queries: a plain grouping needs no planner settings, on either database (jit is off
    per connection: ``vantage.lib.db``)."""
    assert data_queries_of(ctx) == [q["sql"] for q in ctx.captured_queries]
    return data_queries_of(ctx)


def previous_by_group(rows, *, start, end, key):
    """{(*group, currency): cost} over the previous period of ``start..end``, in Python."""
    before_start, before_end = previous_period(start, end)
    out = defaultdict(Decimal)
    for integration, i in rows:
        if before_start <= i.date <= before_end and i.cost is not None:
            out[(*key(integration, i), i.currency)] += i.cost
    return dict(out)


@pytest.mark.parametrize("bin", ["day", "week", "month"])
def test_one_statement_reads_both_periods_and_each_row_gets_its_previous(ws, rows, bin):
    with CaptureQueriesContext(connection) as ctx:
        report = build_report(query(ws, group_by=["service", "category"], bin=bin), compare=True)
    assert len(data_queries(ctx)) == 1
    want = previous_by_group(rows, start=START, end=END, key=lambda integ, i: (i.service, i.category))
    got = {(*r.groups, r.currency): r.previous for r in report.rows}
    assert set(got) == set(want)  # the test data has every group in both periods
    same(got, want)
    assert all(r.previous == r.previous_cost for r in report.rows)  # spend mode: the measure is the cost
    # the table's own figures are the period's alone, the previous period left out
    same(
        {(r.groups[0], r.currency): r.total for r in build_report(query(ws, group_by=["service"], bin=bin)).rows},
        {k[1:]: v for k, v in _added(expected(rows, start=START, end=END, bin=bin, key=lambda g, i: (i.service,)))},
    )
    for h in report.headlines:
        assert h.previous.quantize(CENT) == sum(v for k, v in want.items() if k[-1] == h.currency).quantize(CENT)
    with CaptureQueriesContext(connection) as ctx:
        build_report(query(ws, group_by=["service"], bin="day"), compare=False)
    assert len(data_queries(ctx)) == 1


def _added(cells: dict) -> list:
    """{(bin, *group, currency): cost} added up over the bins: [((None, *group, currency), total)]."""
    out = defaultdict(Decimal)
    for (_, *key), cost in cells.items():
        out[(None, *key)] += cost
    return list(out.items())


def test_a_group_only_in_the_previous_period_counts_in_its_totals_not_as_a_row(ws, integration):
    add_costs(integration, [
        item("2026-02-10", "SMS & MMS", "sms-outbound", 5),
        item("2026-02-11", "Lookup", "lookups", 2),  # gone in March
        item("2026-03-10", "SMS & MMS", "sms-outbound", 7),
    ])  # fmt: skip
    report = build_report(query(ws, start=date(2026, 3, 1), end=date(2026, 3, 28), group_by=["service"], bin="week"))
    assert [(r.groups, r.total, r.previous) for r in report.rows] == [(("SMS & MMS",), Decimal(7), Decimal(5))]
    assert [(h.current, h.previous) for h in report.headlines] == [(Decimal(7), Decimal(7))]
    assert [(f.total, f.previous) for f in report.column_totals] == [(Decimal(7), Decimal(7))]
    assert sum(c for c in report.rows[0].table_cells if c) == 7  # no cell holds the previous period


def test_a_week_bin_before_a_short_report_is_not_mistaken_for_the_previous_period(ws, integration):
    # Wed 4 - Thu 5 March: the week's bin is Monday 2 March, the previous period's first day Monday 2 March
    add_costs(integration, [item("2026-03-02", "SMS & MMS", "sms-outbound", 3),
                            item("2026-03-04", "SMS & MMS", "sms-outbound", 4)])  # fmt: skip
    report = build_report(query(ws, start=date(2026, 3, 4), end=date(2026, 3, 5), group_by=["service"], bin="week"))
    (row,) = report.rows
    assert (row.cells, row.previous) == ({date(2026, 3, 2): Decimal(4)}, Decimal(3))


def test_unknown_dimension_and_bin_are_refused(ws):
    with pytest.raises(KeyError):
        query(ws, group_by=["colour"])
    with pytest.raises(ValueError):
        query(ws, bin="fortnight")
    with pytest.raises(ValueError):
        query(ws, start=date(2026, 2, 1), end=date(2026, 1, 1))


class SplitTeams(Dimension):
    """Like a virtual tag whose "Shared" value splits costs 60/40 between Team A and Team B."""

    has_splits = True

    def split(self, value, amount):
        if value != "shared":
            return None
        if amount is None:
            return [("Team A", None), ("Team B", None)]
        a = (amount * Decimal("0.6")).quantize(Decimal("0.0000000001"))
        return [("Team A", a), ("Team B", amount - a)]


class SplitProvider:
    def dimension(self, name, workspace):
        expression = Case(When(service="SMS & MMS", then=Value("shared")), default=Value("Team A"))
        return SplitTeams(key="tag:team", label="team", expression=expression) if name == "team" else None

    def choices(self, workspace):
        return [("tag:team", "team")]


def test_a_provider_can_share_split_values_out_after_aggregation(ws, integration):
    add_costs(integration, [
        item("2026-03-02", "SMS & MMS", "sms-outbound", "10.00", usage=100, unit="segments"),
        item("2026-03-03", "Programmable Voice", "calls-outbound", "5.00", usage=8, unit="minutes"),
        item("2026-04-03", "SMS & MMS", "sms-outbound", "1.00", usage=10, unit="segments"),
    ])  # fmt: skip
    with dimensions.provider_override("tag", SplitProvider()):
        q = query(ws, start=date(2026, 3, 1), end=date(2026, 4, 30), group_by=["tag:team"], bin="month")
        report = build_report(q, compare=False)
        usage = build_report(q.replace(mode="usage"), compare=False)
    assert [(r.groups, r.table_cells, r.total) for r in report.rows] == [
        (("Team A",), [Decimal("11.00"), Decimal("0.60")], Decimal("11.60")),
        (("Team B",), [Decimal("4.00"), Decimal("0.40")], Decimal("4.40")),
    ]
    assert report.cost_totals == {"USD": Decimal("16.00")}  # the parts add back to the whole
    assert {(r.groups[0], r.unit): r.total for r in usage.rows} == {
        ("Team A", "segments"): Decimal(66), ("Team A", "minutes"): Decimal(8), ("Team B", "segments"): Decimal(44)
    }  # fmt: skip


def test_split_values_share_out_the_previous_period_too(ws, integration):
    add_costs(integration, [
        item("2026-02-02", "SMS & MMS", "sms-outbound", "20.00"),  # previous period: Team A 12, Team B 8
        item("2026-03-02", "SMS & MMS", "sms-outbound", "10.00"),
        item("2026-03-03", "Programmable Voice", "calls-outbound", "5.00"),
    ])  # fmt: skip
    with dimensions.provider_override("tag", SplitProvider()):
        q = query(ws, start=date(2026, 3, 1), end=date(2026, 3, 31), group_by=["tag:team"], bin="month")
        report = build_report(q, compare=True)
    assert [(r.groups, r.total, r.previous) for r in report.rows] == [
        (("Team A",), Decimal("11.00"), Decimal("12.00")),
        (("Team B",), Decimal("4.00"), Decimal("8.00")),
    ]  # ordered by this period's totals, the previous one left out of them
    assert [(h.current, h.previous) for h in report.headlines] == [(Decimal("15.00"), Decimal("20.00"))]


@pytest.mark.parametrize("sort", ["total_desc", "total_asc", "name"])
def test_groups_with_their_previous_period_keep_the_order_of_their_own_totals(ws, integration, sort):
    add_costs(integration, [
        item("2026-02-10", "A", "a", 100), item("2026-03-10", "A", "a", 1),  # big before, small now
        item("2026-03-10", "B", "b", 5), item("2026-03-11", "C", "c", 3), item("2026-02-11", "D", "d", 7),
    ])  # fmt: skip
    q = query(ws, start=date(2026, 3, 1), end=date(2026, 3, 31), group_by=["service"], sort=sort)
    alone = [g.groups for g in q.groups()]
    assert alone == {"total_desc": [("B",), ("C",), ("A",)], "total_asc": [("A",), ("C",), ("B",)],
                     "name": [("A",), ("B",), ("C",)]}[sort]  # fmt: skip
    both = [g.groups for g in q.groups(previous=True) if g.current]
    assert both == alone
    assert [g.groups for g in build_report(q).rows] == alone


def test_a_partial_month_compares_with_the_same_days_of_the_month_before_not_the_days_between(ws, integration):
    add_costs(integration, [
        item("2026-10-05", "SMS", "sms", 3), item("2026-10-20", "SMS", "sms", 100),  # the 20th: not compared
        item("2026-11-05", "SMS", "sms", 4), item("2026-11-20", "SMS", "sms", 50),  # after the range
    ])  # fmt: skip
    for bin in ("day", "month"):
        report = build_report(query(ws, start=date(2026, 11, 1), end=date(2026, 11, 10), group_by=["service"], bin=bin))
        assert [(r.total, r.previous) for r in report.rows] == [(Decimal(4), Decimal(3))]  # Oct 1..10 only
        assert [(h.current, h.previous) for h in report.headlines] == [(Decimal(4), Decimal(3))]
