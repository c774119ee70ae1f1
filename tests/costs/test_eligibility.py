"""Pins the parts of Django's private query classes that costs/reports/eligibility.py reads.

Whether a report may read the monthly summary instead of the line items is decided by walking the
resolved query (``sql.Query.where``, ``WhereNode.children``, ``Lookup.lhs/rhs/lookup_name``,
``Col.target``, ``ResolvedOuterRef``). None of this is public API: if a Django upgrade changes it,
these tests fail with a message saying what to review, instead of reports silently reading the line
items (slow) or, worse, the summary where it does not add up (wrong).
"""

from datetime import date

import pytest
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.db.models.expressions import Col, ResolvedOuterRef
from django.db.models.lookups import Lookup
from django.db.models.sql.query import Query
from django.db.models.sql.where import AND, OR, WhereNode

from costs.models import BilledTotal, CostLineItem, CostMonthlySummary
from costs.reports.eligibility import annotations_safe, filters_safe, summary_safe

INTEGRATION = CostMonthlySummary._meta.get_field("integration").related_model


def review(what: str) -> str:
    return (
        f"Django's private query classes changed ({what}). Review costs/reports/eligibility.py "
        "(summary_safe, _month_aligned, _outer_safe) against this Django version: it decides when "
        "reports may read CostMonthlySummary instead of the line items."
    )


def where_of(*args, **kwargs) -> WhereNode:
    return CostMonthlySummary.objects.filter(*args, **kwargs).query.where


def only_child(node):
    assert isinstance(node, WhereNode) and len(node.children) == 1, review("one filter is one WhereNode child")
    return node.children[0]


def test_a_queryset_holds_a_sql_query_with_where_and_annotations():
    rows = CostMonthlySummary.objects.filter(service="Lookup").annotate(g0=F("service"))
    assert isinstance(rows.query, Query), review("QuerySet.query is no longer a sql.Query")
    assert isinstance(rows.query.where, WhereNode), review("Query.where is no longer a WhereNode")
    assert isinstance(rows.query.annotations, dict) and "g0" in rows.query.annotations, review(
        "Query.annotations is no longer a dict of the annotated expressions by name"
    )
    assert rows.model is CostMonthlySummary, review("QuerySet.model")


def test_where_nodes_have_children_a_connector_and_negation():
    node = where_of(Q(service="Lookup") | Q(service="Verify"))
    for attribute in ("children", "connector", "negated"):
        assert hasattr(node, attribute), review(f"WhereNode.{attribute} is gone")
    inner = only_child(node)
    assert isinstance(inner, WhereNode) and inner.connector == OR and len(inner.children) == 2, review(
        "an OR of two conditions is no longer a WhereNode with connector OR and two children"
    )
    negated = only_child(where_of(~Q(service="Lookup")))
    assert isinstance(negated, WhereNode) and negated.negated is True, review("~Q() is no longer a negated WhereNode")
    assert where_of(service="Lookup", currency="USD").connector == AND, review("filter() conditions are ANDed")


def test_a_condition_on_a_column_is_a_lookup_on_a_col_with_its_raw_value():
    lookup = only_child(where_of(date__gte=date(2026, 1, 1)))
    assert isinstance(lookup, Lookup), review("a field condition is no longer a Lookup")
    assert lookup.lookup_name == "gte", review("Lookup.lookup_name")
    assert isinstance(lookup.lhs, Col), review("Lookup.lhs of a plain field is no longer a Col")
    assert lookup.lhs.target.model is CostMonthlySummary and lookup.lhs.target.name == "date", review(
        "Col.target is no longer the model field (with .model and .name)"
    )
    assert lookup.rhs == date(2026, 1, 1) and type(lookup.rhs) is date, review(
        "Lookup.rhs of a date condition is no longer the plain date given"
    )
    ranged = only_child(where_of(date__range=(date(2026, 1, 1), date(2026, 3, 31))))
    assert ranged.lookup_name == "range" and isinstance(ranged.rhs, (list, tuple)), review(
        "a range condition's rhs is no longer a pair of values"
    )
    assert list(ranged.rhs) == [date(2026, 1, 1), date(2026, 3, 31)], review("range rhs values")


def test_a_joined_column_is_a_col_of_the_joined_model():
    lookup = only_child(where_of(integration__account_name="Acme"))
    assert isinstance(lookup.lhs, Col), review("a joined field's lhs is no longer a Col")
    assert lookup.lhs.target.model is INTEGRATION and lookup.lhs.target.name == "account_name", review(
        "a joined field's Col.target is no longer the joined model's field"
    )


def cols_in(node) -> list[Col]:
    """Every Col reachable from a resolved condition or expression, through subqueries too."""
    if isinstance(node, Col):
        return [node]
    if isinstance(node, Query):
        parts = [node.where, *node.annotations.values()]
    elif isinstance(node, WhereNode):
        parts = node.children
    elif isinstance(node, Lookup):
        parts = [node.lhs, node.rhs]
    else:
        parts = node.get_source_expressions() if hasattr(node, "get_source_expressions") else []
    return [col for part in parts for col in cols_in(part)]


def test_a_subquery_is_a_query_and_a_correlated_one_names_outer_columns_as_cols():
    ids = INTEGRATION.objects.filter(account_name="Acme").values("pk")
    lookup = only_child(where_of(integration__in=ids))
    assert isinstance(lookup.rhs, Query), review("the rhs of __in=<queryset> is no longer a sql.Query")
    inner = CostLineItem.objects.filter(integration=OuterRef("integration"), date=OuterRef("date"))
    assert any(isinstance(c.rhs, ResolvedOuterRef) for c in inner.query.where.children), review(
        "OuterRef in a queryset not yet used as a subquery is no longer a ResolvedOuterRef"
    )
    correlated = where_of(Exists(inner))
    outer = sorted(c.target.name for c in cols_in(correlated) if c.target.model is CostMonthlySummary)
    assert outer == ["date", "integration"], review(
        "OuterRef inside a resolved subquery no longer becomes a Col of the outer model reachable from where "
        f"(found {outer}); eligibility._outer_safe relies on it"
    )


def test_expressions_expose_their_parts():
    case = Case(When(service="Lookup", then=Value("x")), default=F("category"))
    rows = CostMonthlySummary.objects.annotate(g0=case)
    resolved = rows.query.annotations["g0"]
    assert hasattr(resolved, "get_source_expressions"), review("expressions no longer list their parts")
    cols = []

    def walk(node):
        if isinstance(node, Col):
            cols.append(node.target.name)
        elif isinstance(node, WhereNode):
            for child in node.children:
                walk(child)
        elif isinstance(node, Lookup):
            walk(node.lhs)
        elif hasattr(node, "get_source_expressions"):
            for e in node.get_source_expressions():
                walk(e)

    walk(resolved)
    assert sorted(cols) == ["category", "service"], review("a resolved CASE no longer reaches its Cols")


@pytest.mark.parametrize(
    "condition, safe",
    [
        (Q(service="Lookup"), True),
        (~Q(service="Lookup") | Q(currency="EUR"), True),
        (Q(integration__account_name="Acme"), True),
        (Q(date__gte=date(2026, 1, 1), date__lte=date(2026, 3, 31)), True),
        (Q(date__gt=date(2026, 1, 31), date__lt=date(2026, 3, 1)), True),
        (Q(date__range=(date(2026, 1, 1), date(2026, 2, 28))), True),
        (Q(date__gte=date(2026, 1, 2)), False),
        (Q(date__lte=date(2026, 1, 30)), False),
        (Q(date=date(2026, 1, 1)), False),
        (Q(date__year=2026), False),
        (Q(cost__gt=0), False),
        (Q(usage=None), False),
        (Q(line_items__gt=1), False),
    ],
)
def test_which_conditions_read_only_what_the_summary_keeps(condition, safe):
    rows = CostMonthlySummary.objects.filter(condition)
    assert filters_safe(rows) is safe, review(f"summary_safe({condition}) is no longer {safe}")


def test_subqueries_are_safe_unless_correlated():
    ids = INTEGRATION.objects.filter(account_name="Acme").values("pk")
    assert filters_safe(CostMonthlySummary.objects.filter(integration__in=ids)), review("plain subquery")
    on_integration = Exists(CostLineItem.objects.filter(integration=OuterRef("integration"), date=date(2026, 1, 5)))
    assert filters_safe(CostMonthlySummary.objects.filter(on_integration)), review("correlated on a kept column")
    on_date = Exists(BilledTotal.objects.filter(integration=OuterRef("integration"), date=OuterRef("date")))
    assert not filters_safe(CostMonthlySummary.objects.filter(on_date)), review("correlated on the month's date")
    on_cost = Exists(CostLineItem.objects.filter(cost=OuterRef("cost")))
    assert not filters_safe(CostMonthlySummary.objects.filter(on_cost)), review("correlated on the summed cost")


def test_groupings_read_only_what_the_summary_keeps():
    by_column = CostMonthlySummary.objects.annotate(g0=F("service"), g1=F("integration__account_name"))
    assert annotations_safe(by_column, ["g0", "g1"]), review("groupings on kept columns")
    by_case = CostMonthlySummary.objects.annotate(
        g0=Case(When(service="Lookup", date__gte=date(2026, 2, 1), then=Value("x")), default=Value("y"))
    )
    assert annotations_safe(by_case, ["g0"]), review("a CASE on kept columns and a month boundary")
    by_cost = CostMonthlySummary.objects.annotate(g0=Case(When(cost__gt=1, then=Value("big")), default=Value("small")))
    assert not annotations_safe(by_cost, ["g0"]), review("a CASE on the summed cost")
    assert summary_safe(None, CostMonthlySummary) and summary_safe("plain", CostMonthlySummary), review("plain values")
