"""The tag expression builder: the same labels as the plain CASE it replaced, row by row.

``compile_tag`` resolves billing accounts to integration ids, hashes lists on PostgreSQL, orders
conditions cheapest first, collapses ORed "is" sets and tests many values in guarded blocks. None
of that may change a single label: every line item (and summary row) is labelled here by the new
expression, by the previous one (kept below as the reference) and by a plain-Python reading of the
rules, over rules that exercise every operator, dimension and shape.
"""

import secrets
from datetime import date
from decimal import Decimal
from functools import reduce
from operator import and_, or_

import pytest
from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLWrapper
from django.db.models import Case, CharField, F, Q, Value, When

from costs.models import CostLineItem, CostMonthlySummary
from tagging.choices import NOT_TAGGED
from tagging.expressions import BLOCK_MIN_VALUES, SPLIT_MARKER, _AnyOf, compile_tag
from tagging.models import VirtualTag, VirtualTagValue
from tests.costs.factories import add_costs, item, make_integration

pytestmark = pytest.mark.django_db

NAMES = ["Acme Main", "acme EU", "Globex US", "Initech", "Billing 01", "Billing 10", "Billing 100", "Umbrella"]
PAIRS = [
    ("SMS & MMS", "sms-outbound"), ("SMS & MMS", "sms-inbound"), ("Programmable Voice", "calls-outbound"),
    ("Programmable Voice", "Calls-Inbound-TollFree"), ("Phone Numbers", "phonenumbers-local"), ("Lookup", "lookups"),
    ("Verify", "verify-sms"), ("Studio", "studio-engagements"), ("Email", "email-sent"),
]  # fmt: skip
DAYS = [date(2026, 1, 31), date(2026, 2, 1), date(2026, 2, 15), date(2026, 2, 28), date(2026, 3, 1)]


def c(dimension, operator, *values):
    return {"dimension": dimension, "operator": operator, "values": list(values)}


def sets(*condition_lists):
    return [{"conditions": list(conds)} for conds in condition_lists]


@pytest.fixture
def integrations(ws, other_ws):
    out = {name: make_integration(ws, name) for name in NAMES[:-1]}
    out["Umbrella"] = make_integration(other_ws, "Umbrella")  # another workspace: labelled all the same
    for n, integration in enumerate(out.values()):
        sub = "AC" + secrets.token_hex(16)
        specs = []
        for d, day in enumerate(DAYS):
            for p, (service, category) in enumerate(PAIRS):
                for account in (None, sub):
                    cost = Decimal(n * 100 + d * 10 + p) / 7
                    if (n + d + p) % 5 == 0:
                        cost = -cost  # a credit
                    specs.append(item(day, service, category, cost, account=account))
        add_costs(integration, specs)
    return out


def rules(integrations):
    subs = list(
        CostLineItem.objects.filter(integration__account_name__in=["Globex US", "Initech"])
        .exclude(account_id__in=[i.account_sid for i in integrations.values()])
        .values_list("account_id", flat=True)
        .distinct()
    )
    main_sids = [integrations[n].account_sid for n in ("Billing 01", "Umbrella")]
    return [
        ("Main SMS", sets([c("category", "is", "sms-outbound", "sms-inbound"),
                           c("billing_account", "is", "Acme Main")]), {}),
        ("EU", sets([c("service", "is_not", "Lookup"), c("billing_account", "contains", "EU")]), {}),
        ("Calls", sets([c("category", "starts_with", "CALLS-")]), {}),
        ("Billing 1x", sets([c("charge_type", "is", "Usage"), c("billing_account", "starts_with", "billing 1")]), {}),
        ("Sub accounts", sets([c("account_id", "is", *subs)]), {}),
        ("Checks", sets([c("service", "is", "Verify")], [c("service", "is", "Lookup")],
                        [c("category", "contains", "NUMBER"), c("billing_account", "is_not", "Initech")]), {}),
        ("Nobody", sets([c("billing_account", "is", "No Such Integration")]), {}),
        ("Not nobody", sets([c("billing_account", "is_not", "No Such Integration"), c("category", "is", "email-sent"),
                             c("account_id", "is", *main_sids)]), {}),
        ("February SMS", sets([c("service", "is", "SMS & MMS")]),
         {"date_from": date(2026, 2, 1), "date_to": date(2026, 2, 28)}),
        ("Late studio", sets([c("category", "is", "studio-engagements"), c("billing_account", "is", "Globex US")]),
         {"date_from": date(2026, 2, 15)}),
        ("Shared", sets([c("service", "is", "Studio")],
                        [c("billing_account", "is", "Globex US"), c("charge_type", "is", "Credit")]),
         {"splits": [{"label": "Team A", "percent": "60"}, {"label": "Team B", "percent": "40"}]}),
        ("Not the usual", sets([c("service", "is_not", "SMS & MMS", "Programmable Voice", "Phone Numbers"),
                                c("category", "is_not", "lookups", "verify-sms")]), {}),
        ("Credits", sets([c("charge_type", "is", "Credit")]), {}),
        ("Initech voice", sets([c("service", "contains", "voice"), c("billing_account", "is", "Initech")]), {}),
        ("Umbrella", sets([c("billing_account", "starts_with", "umb")],
                          [c("account_id", "starts_with", "ac0000")]), {}),
        ("Email", sets([c("service", "is", "Email")], [c("service", "is", "Studio", "Email")]), {}),
        ("SMS in", sets([c("category", "contains", "-in")]), {}),
        ("Everything else", sets([c("charge_type", "is", "Usage", "Credit"),
                                  c("billing_account", "is_not", "Globex US")]), {}),
    ]  # fmt: skip


def make_tag(ws, values):
    tag = VirtualTag.objects.create(workspace=ws, key="Team")
    for position, (name, filters, extra) in enumerate(values, 1):
        value = VirtualTagValue(tag=tag, position=position, name=name, filters=filters, **extra)
        value.full_clean()
        value.save()
    return tag


def legacy_expression(values):
    """The expression as it was built before (a plain CASE, billing accounts through a join)."""
    fields = {"billing_account": "integration__account_name", "account_id": "account_id", "service": "service",
              "charge_type": "charge_type", "category": "category"}  # fmt: skip

    def condition(cond):
        name, op = fields[cond["dimension"]], cond["operator"]
        if op in ("is", "is_not"):
            q = Q(**{f"{name}__in": cond["values"]})
            return ~q if op == "is_not" else q
        lookup = "icontains" if op == "contains" else "istartswith"
        return reduce(or_, (Q(**{f"{name}__{lookup}": v}) for v in cond["values"]))

    whens = []
    for v in values:
        q = reduce(or_, (reduce(and_, (condition(x) for x in fset["conditions"])) for fset in v.filters))
        if v.date_from:
            q &= Q(date__gte=v.date_from)
        if v.date_to:
            q &= Q(date__lte=v.date_to)
        whens.append(When(q, then=Value(f"{SPLIT_MARKER}{v.pk}" if v.splits else v.name)))
    return Case(*whens, default=Value(NOT_TAGGED), output_field=CharField())


def python_label(row, values):
    """The rules read in Python: first matching value wins; patterns ignore case."""
    fields = {"billing_account": row["integration__account_name"], "account_id": row["account_id"],
              "service": row["service"], "charge_type": row["charge_type"], "category": row["category"]}  # fmt: skip

    def holds(cond):
        field, wanted = fields[cond["dimension"]], cond["values"]
        if cond["operator"] == "is":
            return field in wanted
        if cond["operator"] == "is_not":
            return field not in wanted
        if cond["operator"] == "contains":
            return any(v.lower() in field.lower() for v in wanted)
        return any(field.lower().startswith(v.lower()) for v in wanted)

    for v in values:
        if (v.date_from and row["date"] < v.date_from) or (v.date_to and row["date"] > v.date_to):
            continue
        if any(all(holds(cond) for cond in fset["conditions"]) for fset in v.filters):
            return f"{SPLIT_MARKER}{v.pk}" if v.splits else v.name
    return NOT_TAGGED


COLUMNS = ["pk", "date", "integration__account_name", "account_id", "service", "category", "charge_type"]


def labels(model, expression):
    return dict(model.objects.annotate(label=expression).values_list("pk", "label"))


def test_same_labels_as_the_plain_case_and_the_rules_read_in_python(ws, integrations):
    tag = make_tag(ws, rules(integrations))
    values = list(tag.values.order_by("position", "pk"))
    assert len(values) >= 2 * BLOCK_MIN_VALUES  # guarded blocks, not one plain CASE
    compiled = compile_tag(tag, values)

    new = labels(CostLineItem, compiled.expression)
    old = labels(CostLineItem, legacy_expression(values))
    rows = CostLineItem.objects.values(*COLUMNS)
    expected = {r["pk"]: python_label(r, values) for r in rows}
    assert new == old == expected
    used = set(expected.values())
    assert len(used) >= len(values) - 2  # nearly every value labels something: the rules are all exercised
    assert {NOT_TAGGED, f"{SPLIT_MARKER}{values[10].pk}", "Credits", "February SMS", "Late studio"} <= used
    assert "Nobody" not in used

    # the monthly summary (what reports read for whole months): the same as the plain CASE there too
    assert CostMonthlySummary.objects.exists()
    assert labels(CostMonthlySummary, compiled.expression) == labels(CostMonthlySummary, legacy_expression(values))


@pytest.mark.parametrize("count", [1, BLOCK_MIN_VALUES - 1, BLOCK_MIN_VALUES, 50])
def test_same_labels_for_any_number_of_values(ws, integrations, count):
    base = rules(integrations)
    values = [(f"{name} {n}", filters, extra) for n in range(4) for name, filters, extra in base][:count]
    tag = make_tag(ws, values)
    values = list(tag.values.order_by("position", "pk"))
    compiled = compile_tag(tag, values)
    rows = CostLineItem.objects.values(*COLUMNS)
    assert labels(CostLineItem, compiled.expression) == {r["pk"]: python_label(r, values) for r in rows}


def test_no_join_and_one_lookup_of_integrations(ws, integrations, django_assert_num_queries):
    tag = make_tag(ws, rules(integrations))
    values = list(tag.values.order_by("position", "pk"))
    with django_assert_num_queries(1):  # the billing accounts' integration ids, all at once
        compiled = compile_tag(tag, values)
    sql = str(CostLineItem.objects.annotate(label=compiled.expression).values("label").query)
    assert "JOIN" not in sql and "integrations_integration" not in sql
    assert sql.count("COALESCE(") == 1


def test_a_report_query_compiles_it_once_and_can_still_be_pickled(ws, integrations, monkeypatch):
    import pickle

    from django.db.models import Func

    from costs.reports import ReportQuery
    from tagging.expressions import _Labels

    compiled = []
    as_sql = Func.as_sql

    def counting(self, *args, **kwargs):
        compiled.extend([self] if isinstance(self, _Labels) else [])
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(Func, "as_sql", counting)
    make_tag(ws, rules(integrations))
    query = ReportQuery(CostLineItem.objects.filter(integration__workspaces=ws), start=date(2026, 2, 1),
                        end=date(2026, 2, 28), group_by=["tag:Team", "service"], workspace=ws)  # fmt: skip
    grouped = query.grouped()
    sql = str(grouped.query)
    assert sql.count("COALESCE(") == 2 and len(compiled) == 1  # select list and PARTITION BY: compiled once
    assert str(grouped.query) == sql and len(compiled) == 2  # compiled anew for another compilation
    rows = list(grouped)
    assert rows and list(pickle.loads(pickle.dumps(grouped))) == rows


def test_reports_still_read_the_monthly_summary(ws, integrations):
    """Whole months and month-aligned date ranges: the report reads the summary, with the same rows."""
    from costs.reports import ReportQuery

    month_aligned = [r for r in rules(integrations) if r[0] != "Late studio"]  # Feb 15: inside a month
    ghost = sets([c("billing_account", "is", "No Such Integration"), c("service", "is", "Email")])
    month_aligned.insert(1, ("Ghost", ghost, {}))
    make_tag(ws, month_aligned)
    kwargs = dict(start=date(2026, 1, 1), end=date(2026, 3, 31), group_by=["tag:Team"], workspace=ws, bin="month")
    items = CostLineItem.objects.filter(integration__workspaces=ws)
    summary = ReportQuery(items, summary=CostMonthlySummary.objects.filter(integration__workspaces=ws), **kwargs)
    assert summary.uses_summary
    line_items = ReportQuery(items, **kwargs)
    assert not line_items.uses_summary
    assert list(summary.rows()) == list(line_items.rows())


def test_identity_is_the_rules(ws, integrations):
    tag = make_tag(ws, rules(integrations))
    values = list(tag.values.order_by("position", "pk"))
    first, again = compile_tag(tag, values).expression, compile_tag(tag, values).expression
    assert first == again and hash(first) == hash(again)  # what Django matches GROUP BY items by
    values[3].date_to = date(2026, 2, 27)
    assert compile_tag(tag, values).expression != first
    values[3].date_to = None
    values[5].filters[0]["conditions"][0]["values"] = ["Lookup"]
    assert compile_tag(tag, values).expression != first


def test_tag_without_values_or_billing_accounts_reads_no_integrations(ws, integrations, django_assert_num_queries):
    tag = VirtualTag.objects.create(workspace=ws, key="Plain")
    with django_assert_num_queries(0):
        assert compile_tag(tag, []).expression.value == NOT_TAGGED
    value = VirtualTagValue(tag=tag, position=1, name="SMS", filters=sets([c("service", "is", "SMS & MMS")]))
    with django_assert_num_queries(0):
        compiled = compile_tag(tag, [value])
    out = CostLineItem.objects.annotate(t=compiled.expression).values_list("service", "t").distinct()
    assert {(s, t) for s, t in out} == {(s, "SMS" if s == "SMS & MMS" else NOT_TAGGED) for s, _ in PAIRS}


def _postgresql():
    settings = {"ENGINE": "django.db.backends.postgresql", "NAME": "offline", "USER": "", "PASSWORD": "", "HOST": "",
                "PORT": "", "OPTIONS": {}, "TIME_ZONE": None, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False,
                "AUTOCOMMIT": True, "ATOMIC_REQUESTS": False, "TEST": {}}  # fmt: skip
    return PostgreSQLWrapper(settings, alias="offline")  # compiles SQL only: never connects


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["a"], ["a"]),  # one value: a plain "=" in PostgreSQL's eyes
        (["a", "b", "a"], ["a", "b"] * 5),  # repeated up to 9 or more: PostgreSQL hashes the list
        ([f"v{i}" for i in range(9)], [f"v{i}" for i in range(9)]),
    ],
)
def test_lists_are_hashed_on_postgresql_and_plain_elsewhere(values, expected):
    qs = CostLineItem.objects.filter(Q(_AnyOf(F("category"), values)))
    sql, params = qs.query.get_compiler(connection=_postgresql()).as_sql()
    assert list(params) == expected and sql.count("%s") == len(expected)
    from django.db import connection as default_connection

    sql, params = qs.query.get_compiler(using="default").as_sql()
    plain = list(dict.fromkeys(values))
    assert list(params) == (expected if default_connection.vendor == "postgresql" else plain)
