"""Monthly summaries and dimension values: maintained with the line items, and reports read from them
give exactly the rows, totals and headlines the line items give (on SQLite and PostgreSQL alike)."""

import importlib
import random
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.db.models import Case, Q, Value, When
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import costs.writes
from costs.dimension_values import read_dimension_values, workspace_dimension_values
from costs.dimensions import Dimension, dimensions
from costs.filtersets import CostLineItemFilterSet
from costs.models import (
    BilledMonthlyTotal,
    BilledTotal,
    CostDimensionValue,
    CostLineItem,
    CostMonthlySummary,
    CostSummaryState,
)
from costs.reports import ReportQuery, build_report, summary_safe
from costs.scoping import workspace_cost_summary, workspace_line_items
from costs.services import ensure_default_report
from costs.writes import LineItemRow, rebuild_cost_summaries, refresh_cost_summaries, replace_window
from integrations.services import delete_integration
from vantage.lib.dates import month_start

from .factories import add_costs, item, make_integration
from .pages import report_query, report_table

SERVICES = {
    "SMS & MMS": ["sms-outbound", "sms-inbound"],
    "Programmable Voice": ["calls-outbound"],
    "Phone Numbers": ["phonenumbers-local"],
    "Lookup": ["lookups"],
}
UNITS = {"sms-outbound": "segments", "sms-inbound": " Segment", "calls-outbound": "Minute",
         "phonenumbers-local": "phonenumbers", "lookups": ""}  # fmt: skip
SUB_ACCOUNT = "AC" + "5b" * 16
PREFIX = "summarytest"  # a provider prefix of these tests' own (never the tagging app's "tag")


@pytest.fixture
def data(ws, other_ws):
    """Two integrations of ``ws`` (one with a sub-account, one partly in EUR) and one of another
    workspace, Oct 2025..Apr 2026, with unknown prices, credits and unit spellings."""
    rnd = random.Random(20261128)
    acme, beta = make_integration(ws, "Acme Twilio"), make_integration(ws, "Beta Twilio")
    globex = make_integration(other_ws, "Globex Twilio")
    for integration in (acme, beta, globex):
        specs, day = [], date(2025, 10, 1)
        while day <= date(2026, 4, 30):
            for service, categories in SERVICES.items():
                for category in categories:
                    for account in (None, SUB_ACCOUNT) if integration is acme else (None,):
                        if rnd.random() < 0.5:
                            continue
                        cost = None if rnd.random() < 0.05 else Decimal(rnd.randint(-300, 5000)) / 1000
                        usage = None if category == "lookups" and rnd.random() < 0.5 else Decimal(rnd.randint(1, 900))
                        currency = "EUR" if integration is beta and category == "lookups" else "USD"
                        specs.append(item(day, service, category, cost, usage=usage, unit=UNITS[category],
                                          currency=currency, account=account))  # fmt: skip
            day += timedelta(days=1)
        add_costs(integration, specs)
    return SimpleNamespace(acme=acme, beta=beta, globex=globex)


def expected_summaries(integration_ids=None):
    """What CostMonthlySummary must hold, added up here in Python from the line items."""
    out = {}
    items = CostLineItem.objects.all()
    if integration_ids is not None:
        items = items.filter(integration_id__in=integration_ids)
    for i in items:
        key = (i.integration_id, i.account_id, month_start(i.date), i.service, i.category, i.charge_type, i.currency,
               i.usage_unit)  # fmt: skip
        acc = out.setdefault(key, [None, None, None, 0])
        for n, value in enumerate((i.cost, i.usage, i.count)):
            if value is not None:
                acc[n] = (acc[n] or Decimal(0)) + value
        acc[3] += 1
    return {k: tuple(v) for k, v in out.items()}


def stored_summaries(integration_ids=None):
    rows = CostMonthlySummary.objects.all()
    if integration_ids is not None:
        rows = rows.filter(integration_id__in=integration_ids)
    out = {}
    for s in rows:
        key = (s.integration_id, s.account_id, s.date, s.service, s.category, s.charge_type, s.currency, s.usage_unit)
        assert key not in out, key
        out[key] = (s.cost, s.usage, s.count, s.line_items)
    return out


def billed_months(ids, *, stored: bool) -> dict:
    """{(integration, account, month, currency): (amount, attributed, days)}: stored, or added up here."""
    if stored:
        rows = BilledMonthlyTotal.objects.filter(integration_id__in=ids)
        return {(b.integration_id, b.account_id, b.date, b.currency): (b.amount, b.attributed, b.days) for b in rows}
    out = {}
    for b in BilledTotal.objects.filter(integration_id__in=ids):
        key = (b.integration_id, b.account_id, b.date.replace(day=1), b.currency)
        amount, attributed, days = out.get(key, (Decimal(0), Decimal(0), 0))
        out[key] = (amount + b.amount, attributed + b.attributed, days + 1)
    return out


def assert_maintained(*integrations):
    ids = [i.pk for i in integrations]
    assert stored_summaries(ids) == expected_summaries(ids)
    assert billed_months(ids, stored=True) == billed_months(ids, stored=False)
    for integration in integrations:
        items = CostLineItem.objects.filter(integration=integration)
        expected = {(c, v) for c in ("account_id", "service", "charge_type", "category", "usage_unit")
                    for v in items.values_list(c, flat=True)}  # fmt: skip
        stored = CostDimensionValue.objects.filter(integration=integration).values_list("dimension", "value")
        assert set(stored) == expected
        assert CostSummaryState.objects.get(integration=integration).line_items == items.count()


EVERYTHING = Q()


def report(ws, q=EVERYTHING, *, use_summary=True, **kw):
    summary = workspace_cost_summary(ws).filter(q) if use_summary else None
    return ReportQuery(workspace_line_items(ws).filter(q), workspace=ws, summary=summary, **kw)


def outcome(query):
    built = build_report(query, compare=True)
    return (
        list(query.rows()),
        [(r.groups, r.currency, r.unit, r.table_cells, r.total, r.cost_total) for r in built.rows],
        [(f.currency, f.unit, f.cells, f.total) for f in built.column_totals],
        [(h.currency, h.current, h.previous) for h in built.headlines],
        list(query.rows(by_bin=True)),
    )


def assert_same(ws, q=EVERYTHING, *, summary_used=True, **kw):
    """Both paths, same answer; and the summary path read no line item when ``summary_used``."""
    via_items = outcome(report(ws, q, use_summary=False, **kw))
    query = report(ws, q, **kw)
    assert query.uses_summary is summary_used
    with CaptureQueriesContext(connection) as ctx:
        via_summary = outcome(query)
    assert via_items[0], "an empty report proves nothing"
    assert via_summary == via_items
    read_items = any("costs_costlineitem" in c["sql"] for c in ctx.captured_queries)
    assert read_items == (not summary_used)
    return via_items


WHOLE = {"start": date(2025, 12, 1), "end": date(2026, 3, 31)}  # previous period: Aug..Nov 2025, whole months


@pytest.mark.parametrize(
    "group_by, bin, mode",
    [
        (["service"], "month", "spend"),
        (["service", "category"], "quarter", "spend"),
        (["billing_account", "account_id"], "month", "spend"),
        (["charge_type"], "quarter", "spend"),
        (["usage_unit"], "month", "usage"),
        (["category"], "month", "usage"),
        ([], "month", "spend"),
    ],
)
def test_reports_from_the_summary_equal_reports_from_line_items(ws, data, group_by, bin, mode):
    assert_same(ws, group_by=group_by, bin=bin, mode=mode, **WHOLE)


@pytest.mark.parametrize(
    "q",
    [
        Q(service__in=["SMS & MMS", "Lookup"]),
        ~Q(service__in=["SMS & MMS"]),
        Q(integration__account_name__in=["Beta Twilio"]),
        Q(account_id__in=[SUB_ACCOUNT]) | Q(category__istartswith="calls"),
        dimensions.get("usage_unit").q(["segments", "minutes"]),
        dimensions.get("charge_type").q(["Credit"], exclude=True),
    ],
)
def test_filtered_reports_are_equal(ws, data, q):
    assert_same(ws, q, group_by=["category"], bin="month", **WHOLE)


def test_totals_equal_the_line_items_to_the_cent_and_twilio_billed_totals(ws, data):
    query = report(ws, group_by=["service"], bin="month", start=date(2025, 10, 1), end=date(2026, 4, 30))
    assert query.uses_summary
    totals = build_report(query, compare=False).cost_totals
    for currency in ("USD", "EUR"):
        items = workspace_line_items(ws).filter(currency=currency).exclude(cost=None)
        assert totals[currency] == sum(items.values_list("cost", flat=True), Decimal(0))
    billed = BilledTotal.objects.filter(integration__workspaces=ws)
    assert sum(totals.values()) == sum(billed.values_list("amount", flat=True), Decimal(0))


@pytest.mark.parametrize(
    "start, end, bin, used",
    [
        (date(2025, 12, 1), date(2026, 3, 31), "month", True),
        (date(2025, 12, 1), date(2026, 3, 31), "quarter", True),
        (date(2025, 12, 1), date(2026, 3, 31), "week", False),  # weeks cut through months
        (date(2025, 12, 1), date(2026, 3, 31), "day", False),
        (date(2025, 12, 1), date(2026, 3, 31), "cumulative", False),  # the running line has daily points
        (date(2025, 12, 2), date(2026, 3, 31), "month", False),  # not whole months
        (date(2025, 12, 1), date(2026, 3, 30), "month", False),
    ],
)
def test_the_summary_is_read_only_when_it_gives_the_same_rows(ws, data, start, end, bin, used):
    rows = assert_same(ws, group_by=["service"], bin=bin, start=start, end=end, summary_used=used)
    if bin == "cumulative":
        assert {r.bin for r in rows[0]} == set(bins_between(start, end))


def bins_between(start, end):
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def test_previous_period_uses_the_summary_whatever_the_bins(ws, data):
    daily = report(ws, group_by=["category"], bin="day", **WHOLE)
    assert not daily.uses_summary and not daily.previous_in_one_statement()
    with CaptureQueriesContext(connection) as ctx:
        built = build_report(daily, compare=True)
    grouped, previous = (q["sql"] for q in ctx.captured_queries)  # daily bins: the line items; whole: summary
    assert "costs_costmonthlysummary" not in grouped and "costs_costmonthlysummary" in previous
    slow = build_report(report(ws, use_summary=False, group_by=["category"], bin="day", **WHOLE), compare=True)
    assert {r.groups: (r.previous, r.previous_cost) for r in built.rows} == {
        r.groups: (r.previous, r.previous_cost) for r in slow.rows
    }
    assert [(h.currency, h.previous) for h in built.headlines] == [(h.currency, h.previous) for h in slow.headlines]


def test_monthly_reports_read_both_periods_from_the_summary_in_one_statement(ws, data):
    monthly = report(ws, group_by=["service"], bin="month", **WHOLE)
    with CaptureQueriesContext(connection) as ctx:
        built = build_report(monthly, compare=True)
    (sql,) = (q["sql"] for q in ctx.captured_queries)
    assert "costs_costmonthlysummary" in sql
    slow = build_report(report(ws, use_summary=False, group_by=["service"], bin="month", **WHOLE), compare=True)
    assert [(r.groups, r.cells, r.previous) for r in built.rows] == [(r.groups, r.cells, r.previous) for r in slow.rows]
    assert built.headlines == slow.headlines


# --- virtual tags (a provider's CASE over the summary's columns and dates) ---------------------------


class CaseTags:
    """``<PREFIX>:aligned``: date ranges on month boundaries; ``<PREFIX>:mid_month``: not."""

    def dimension(self, name, workspace):
        if name == "aligned":
            dated = Q(date__gte=date(2026, 1, 1), date__lte=date(2026, 2, 28))
        elif name == "mid_month":
            dated = Q(date__gte=date(2026, 1, 15))
        elif name == "by_day":
            dated = Q(date=date(2026, 1, 1))
        else:
            return None
        expression = Case(
            When(Q(service="SMS & MMS") & dated, then=Value("Messaging")),
            When(Q(integration__account_name="Beta Twilio") | Q(account_id=SUB_ACCOUNT), then=Value("Beta & sub")),
            When(Q(charge_type="Credit") | Q(category__contains="phone"), then=Value("Other")),
            default=Value("Not tagged"),
        )
        return Dimension(key=f"{PREFIX}:{name}", label=name, expression=expression, nullable=True)

    def choices(self, workspace):
        return []


@pytest.fixture
def tags():
    dimensions.register_provider(PREFIX, CaseTags())
    yield
    dimensions.unregister_provider(PREFIX)


@pytest.mark.parametrize("name, used", [("aligned", True), ("mid_month", False), ("by_day", False)])
def test_virtual_tags_use_the_summary_only_on_month_boundaries(ws, data, tags, name, used):
    key = f"{PREFIX}:{name}"
    assert_same(ws, group_by=[key, "service"], bin="month", summary_used=used, **WHOLE)
    tag_filter = dimensions.get(key, ws).q(["Messaging", "Other"])
    assert_same(ws, tag_filter, group_by=["category"], bin="quarter", summary_used=used, **WHOLE)


def test_conditions_on_columns_the_summary_does_not_keep_fall_back(ws, data):
    base = workspace_cost_summary(ws)
    unsafe = (Q(cost__gt=0), Q(usage=None), Q(date__year=2026), Q(date__gt=date(2026, 1, 15)),
              Q(date__in=[date(2026, 1, 1)]))  # fmt: skip
    for q in unsafe:
        assert not summary_safe(base.filter(q).query.where, CostMonthlySummary), q
    safe = (Q(date__gt=date(2026, 1, 31)), Q(date__lt=date(2026, 2, 1)),
            Q(date__range=(date(2026, 1, 1), date(2026, 3, 31))))  # fmt: skip
    for q in safe:
        assert summary_safe(base.filter(q).query.where, CostMonthlySummary), q
    assert_same(ws, Q(cost__gt=0), group_by=["service"], bin="month", summary_used=False, **WHOLE)


# --- maintenance: imports, re-imports, deletions --------------------------------------------------------


def test_add_costs_and_a_second_batch_keep_summaries_and_values_in_step(ws, data):
    assert_maintained(data.acme, data.beta, data.globex)
    add_costs(data.acme, [item("2026-04-30", "Video", "video-rooms", "1.25", unit="Participant Minutes")], billed=False)
    assert_maintained(data.acme)
    assert "Video" in workspace_dimension_values(ws)["service"]


def window_rows(integration, specs):
    return [
        LineItemRow(integration.pk, integration.account_sid, date.fromisoformat(d), service, category,
                    "Credit" if Decimal(cost) < 0 else "Usage", category, Decimal(cost), "USD", None, unit, None, "")
        for d, service, category, cost, unit in specs
    ]  # fmt: skip


def test_a_reimported_window_replaces_its_months_summaries_and_values(ws, data):
    acme = data.acme
    before = outcome(report(ws, group_by=["service"], bin="month", **WHOLE))
    # Twilio now reports January 10..20 differently: one new category, the rest gone for those days.
    studio = ("2026-01-12", "Studio", "studio-engagements", "7.77", "Engagements")
    replace_window(acme, date(2026, 1, 10), date(2026, 1, 20), window_rows(acme, [studio]))
    assert_maintained(acme, data.beta, data.globex)
    values = workspace_dimension_values(ws)
    assert "Studio" in values["service"] and "engagements" in values["usage_unit"]
    after = assert_same(ws, group_by=["service"], bin="month", **WHOLE)
    assert after != before
    # ... and again, without the new category: its value goes, as it went from the line items
    replace_window(acme, date(2026, 1, 10), date(2026, 1, 20), window_rows(acme, []))
    assert_maintained(acme)
    assert "Studio" not in workspace_dimension_values(ws)["service"]
    assert_same(ws, group_by=["service"], bin="month", **WHOLE)


def test_a_failed_window_leaves_summaries_as_they_were(ws, data, monkeypatch):
    acme = data.acme
    before = stored_summaries([acme.pk])

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(costs.writes, "refresh_cost_summaries", broken)
    with pytest.raises(RuntimeError):
        replace_window(acme, date(2026, 1, 1), date(2026, 1, 31), window_rows(acme, []))
    assert stored_summaries([acme.pk]) == before
    assert_maintained(acme)


def test_deleting_an_integration_deletes_what_was_derived_from_it(ws, data):
    delete_integration(data.beta)
    assert not CostMonthlySummary.objects.filter(integration_id=data.beta.pk).exists()
    assert not BilledMonthlyTotal.objects.filter(integration_id=data.beta.pk).exists()
    assert not CostDimensionValue.objects.filter(integration_id=data.beta.pk).exists()
    assert not CostSummaryState.objects.filter(integration_id=data.beta.pk).exists()
    assert workspace_dimension_values(ws)["billing_account"] == ["Acme Twilio"]
    assert "EUR" not in {r.currency for r in report(ws, group_by=["service"], bin="month", **WHOLE).rows()}
    assert_same(ws, group_by=["billing_account", "service"], bin="month", **WHOLE)
    assert_maintained(data.acme, data.globex)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_refresh_outside_a_transaction_is_refused(ws):
    integration = make_integration(ws)
    with pytest.raises(RuntimeError, match="inside the transaction"):
        refresh_cost_summaries(integration, date(2026, 1, 1), date(2026, 1, 31))


def test_line_items_written_without_the_hook_are_read_from_the_line_items(ws, data):
    stray = make_integration(ws, "Stray Twilio")
    add_costs(stray, [item("2026-01-05", "Fax", "fax-outbound", "4.00", unit="pages")], maintained=False)
    values, maintained = read_dimension_values(ws)
    assert not maintained and "Fax" in values["service"] and "Stray Twilio" in values["billing_account"]
    assert workspace_cost_summary(ws) is None
    with transaction.atomic():
        refresh_cost_summaries(stray)  # first time: everything, then maintained
    assert read_dimension_values(ws) == (values, True)
    assert_same(ws, group_by=["service"], bin="month", **WHOLE)
    # an integration without line items (not imported yet) does not stop the summary being used
    make_integration(ws, "New Twilio")
    assert workspace_cost_summary(ws) is not None and read_dimension_values(ws)[1]


def test_the_migration_builds_the_same_summaries_for_existing_line_items(ws, data):
    migration = importlib.import_module("costs.migrations.0006_cost_summaries")
    expected = stored_summaries()
    values = set(CostDimensionValue.objects.values_list("integration_id", "dimension", "value"))
    for model in (CostMonthlySummary, CostDimensionValue, CostSummaryState):
        model.objects.all().delete()
    migration.build_summaries(None, SimpleNamespace(connection=connection))
    assert stored_summaries() == expected
    assert set(CostDimensionValue.objects.values_list("integration_id", "dimension", "value")) == values
    assert_maintained(data.acme, data.beta, data.globex)


def test_the_migration_adds_up_existing_billed_totals_per_month(ws, data):
    migration = importlib.import_module("costs.migrations.0009_billed_monthly_totals")
    ids = [data.acme.pk, data.beta.pk, data.globex.pk]
    expected = billed_months(ids, stored=False)
    assert len(expected) > 10
    BilledMonthlyTotal.objects.all().delete()
    migration.build_billed_months(None, SimpleNamespace(connection=connection))
    assert billed_months(ids, stored=True) == expected


def test_rebuilding_everything_at_once_gives_the_same_as_maintaining(ws, data):
    expected = stored_summaries()
    values = set(CostDimensionValue.objects.values_list("integration_id", "dimension", "value"))
    stray = make_integration(ws, "Stray Twilio")
    add_costs(stray, [item("2026-01-05", "Fax", "fax-outbound", "4.00", unit="pages")], maintained=False)
    rebuild_cost_summaries()
    assert {k: v for k, v in stored_summaries().items() if k[0] != stray.pk} == expected
    assert values < set(CostDimensionValue.objects.values_list("integration_id", "dimension", "value"))
    assert_maintained(data.acme, data.beta, data.globex, stray)
    rebuild_cost_summaries([data.acme])
    assert_maintained(data.acme)


# --- the page ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [
        {"group_by": ["service"], "bin": "month"},
        {"group_by": ["billing_account", "category"], "bin": "quarter", "mode": "usage"},
        {"group_by": ["service"], "bin": "month", "service": ["Lookup"], "service_op": "not"},
        {"group_by": ["account_id"], "bin": "month", "billing_account": ["Acme Twilio"]},
    ],
)
def test_report_pages_are_the_same_from_either_source(client_for_user, owner, ws, data, settings):
    compare_pages(client_for_user(owner), ws, settings)


def compare_pages(client, ws, settings, *, summary_used=True):
    """The report page and both CSV exports, read with the summaries, then with the line items only."""
    report = ensure_default_report(ws)
    url = f"{reverse('costs:report_detail', args=[report.pk])}?" + report_query(
        start_date="2025-12-01", end_date="2026-03-31", **settings
    )
    exports = [f"{reverse('costs:report_export', args=[report.pk])}?{url.split('?')[1]}&layout={layout}"
               for layout in ("wide", "long")]  # fmt: skip

    def fetch():
        html = client.get(url).content.decode()
        return html, [b"".join(client.get(e).streaming_content) for e in exports]

    with CaptureQueriesContext(connection) as ctx:
        html, csvs = fetch()
    grouped = [q["sql"] for q in ctx.captured_queries if "GROUP BY" in q["sql"] and "costs_billedtotal" not in q["sql"]]
    assert grouped and any("costs_costlineitem" in sql for sql in grouped) is not summary_used
    CostSummaryState.objects.all().delete()  # as if never maintained: everything from the line items
    with CaptureQueriesContext(connection) as ctx:
        html_items, csvs_items = fetch()
    assert not any("costs_costmonthlysummary" in q["sql"] for q in ctx.captured_queries)
    table = report_table(html)
    assert table["tbody"] and table == report_table(html_items)
    assert csvs == csvs_items
    for section in ("headline", "reconciliation"):
        assert _section(html, section) == _section(html_items, section)
    rebuild_cost_summaries()  # maintained again
    return table


@pytest.mark.parametrize("date_from, summary_used", [(date(2026, 1, 1), True), (date(2026, 1, 15), False)])
def test_virtual_tags_on_the_page(client_for_user, owner, ws, data, date_from, summary_used):
    from tagging.models import VirtualTag, VirtualTagValue

    def rule(dimension, operator, *values):
        return [{"conditions": [{"dimension": dimension, "operator": operator, "values": list(values)}]}]

    tag = VirtualTag.objects.create(workspace=ws, key="Team")
    VirtualTagValue.objects.create(tag=tag, position=1, name="Messaging", filters=rule("service", "is", "SMS & MMS"),
                                   date_from=date_from, date_to=date(2026, 2, 28))  # fmt: skip
    VirtualTagValue.objects.create(tag=tag, position=2, name="Shared",
                                   filters=rule("billing_account", "is", "Beta Twilio"),
                                   splits=[{"label": "Team A", "percent": "60"},
                                           {"label": "Team B", "percent": "40"}])  # fmt: skip
    VirtualTagValue.objects.create(tag=tag, position=3, name="Voice", filters=rule("category", "contains", "calls"))
    table = compare_pages(client_for_user(owner), ws, {"group_by": ["tag:Team", "service"], "bin": "month"},
                          summary_used=summary_used)  # fmt: skip
    assert {row[0] for row in table["tbody"]} >= {"Messaging", "Team A", "Team B", "Voice", "Not tagged"}
    filtered = compare_pages(client_for_user(owner), ws,
                             {"group_by": ["service"], "bin": "quarter", "tag": ["Team:Team A"]},
                             summary_used=summary_used)  # fmt: skip
    assert {row[0] for row in filtered["tbody"]} == set(SERVICES)  # Beta's costs, 60% of each


def _section(html, marker):
    start = html.find(f'class="{marker}')
    return None if start < 0 else html[start : html.index("</div>", start)]


def test_the_page_learns_whether_summaries_are_maintained_from_the_values_query(ws, data, rf):
    request = rf.get("/reports/", {"date_range": "last_month"})
    request.workspace = ws
    fs = CostLineItemFilterSet(request.GET, queryset=workspace_line_items(ws), request=request)
    with CaptureQueriesContext(connection) as ctx:
        assert fs.is_valid() and fs.summaries_maintained() is True
        fs.dimension_values()
    assert len(ctx.captured_queries) == 2  # the integrations (and whether they are maintained), their values
    fs = CostLineItemFilterSet(request.GET, queryset=workspace_line_items(ws), request=request)
    with CaptureQueriesContext(connection) as ctx:
        assert fs.is_valid() and fs.summaries_maintained() is True
    assert len(ctx.captured_queries) == 1  # the values come from the cache


@pytest.mark.parametrize(
    "start, end, maintained, table",
    [
        (date(2025, 12, 1), date(2026, 3, 31), True, "costs_billedmonthlytotal"),  # whole months
        (date(2025, 12, 2), date(2026, 3, 31), True, "costs_billedtotal"),  # days
        (date(2025, 12, 1), date(2026, 3, 31), False, "costs_billedtotal"),  # not known to be kept up
    ],
)
def test_reconciliation_reads_billed_totals_per_month_over_whole_months(ws, data, start, end, maintained, table):
    from costs.reconciliation import reconcile

    not_beta = {"billing_account": {"values": ["Beta Twilio"], "op": "not"}}
    for q, filters in ((EVERYTHING, {}), (~Q(integration__account_name="Beta Twilio"), not_beta)):
        built = build_report(report(ws, q, group_by=["service"], bin="month", start=start, end=end), compare=False)
        with CaptureQueriesContext(connection) as ctx:
            checked = reconcile(built, filters, ws, maintained=maintained)
        (sql,) = (c["sql"] for c in ctx.captured_queries)  # it matches: no per-day queries
        assert table in sql and checked.matches
        days = reconcile(built, filters, ws, maintained=False)  # the same sums, read per day
        assert [(c.currency, c.billed_total) for c in checked.checks] == [
            (c.currency, c.billed_total) for c in days.checks
        ]
