"""Virtual tag rules -> SQL. Evaluated inside the report query, so a change shows on the next load.

For a tag, the expression is in effect ``CASE WHEN <value 1 filter> THEN 'Value 1' WHEN <value 2
filter> ... ELSE 'Not tagged' END``: the first matching value wins, and every line item gets exactly
one value per tag. A value that *splits* costs (60% "Team A", 40% "Team B") yields a marker instead
of a label; the report expands aggregated rows carrying that marker into its labels
(``split_amounts``), so splitting never multiplies cost rows and the parts add back exactly to the whole.

It runs once per cost row of a report (hundreds of thousands of summary rows at 10M line items), so
it is built to cost little per row, always with the same labels as the plain CASE:

* billing accounts become integration ids, looked up once per request (``_integration_ids``): no
  join to the integrations, no name or pattern test per row;
* every list of values is a hashed lookup on PostgreSQL (``_AnyOf``), and ORed filter sets that are
  each one "is" on the same dimension are one list;
* within a filter set the cheapest, most selective conditions come first (``_cost_rank``), and a
  value's date range before them: the database stops at the first false one;
* with many values, they are tested in blocks behind a cheap guard (``_labelling``), so a row skips
  the values that cannot match it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cached_property, reduce
from operator import and_, or_

from django.db.models import BooleanField, Case, CharField, ExpressionWrapper, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import In

from costs.models import integration_model

from .choices import DIMENSION_FIELDS, NOT_TAGGED, TagDimension, TagOperator

SPLIT_MARKER = "\x1fsplit:"


class _AnyOf(In):
    """``IN (...)`` that PostgreSQL looks up in a hash table built once per query instead of comparing
    each row with every value in turn (string comparisons, per row and per value, are what a tag's
    expression spends most of its time on). PostgreSQL (14+) hashes lists of 9 values or more, so a
    shorter list (of two values or more: one is a plain ``=``) is repeated up to that length: the
    same set of values. Other databases get the plain ``IN``."""

    HASHED_FROM = 9

    def process_rhs(self, compiler, connection):
        if connection.vendor != "postgresql" or not self.rhs_is_direct_value():
            return super().process_rhs(compiler, connection)
        values = [v for v in dict.fromkeys(self.rhs) if v is not None]
        if len(values) < 2:
            return super().process_rhs(compiler, connection)
        sqls, params = self.batch_process_rhs(compiler, connection, values)
        times = -(-self.HASHED_FROM // len(values))
        return "(" + ", ".join(list(sqls) * times) + ")", list(params) * times


def _any_of(field_name: str, values) -> Q:
    return Q(_AnyOf(F(field_name), list(values)))


def _name_key(cond: dict) -> tuple:
    """What a billing-account condition asks of an integration's name ("is not" negates "is")."""
    op = TagOperator.IS if cond["operator"] == TagOperator.IS_NOT else cond["operator"]
    return op, tuple(cond["values"])


def _pattern_matches(key: tuple) -> Q:
    """The integrations whose name contains / starts with one of the key's values, as the database
    compares them (ignoring case its way)."""
    op, values = key
    lookup = "icontains" if op == TagOperator.CONTAINS else "istartswith"
    return reduce(or_, (Q(**{f"account_name__{lookup}": v}) for v in values))


def _integration_ids(values) -> dict[tuple, list[int]]:
    """For every billing-account condition of ``values``: the ids of the integrations it matches, all
    in one query (every integration, not only the workspace's, so the expression stays exact whatever
    rows it is applied to). Read on every request, as the rules are: nothing stored goes stale.

    Names are compared in Python ("is": the same exact comparison as SQL's); patterns in SQL."""
    keys = list(
        dict.fromkeys(
            _name_key(cond)
            for value in values
            for fset in value.filters
            for cond in fset["conditions"]
            if cond["dimension"] == TagDimension.BILLING_ACCOUNT
        )
    )
    if not keys:
        return {}
    names = {name for op, vals in keys if op == TagOperator.IS for name in vals}
    patterns = [k for k in keys if k[0] != TagOperator.IS]
    flags = {
        f"m{i}": ExpressionWrapper(_pattern_matches(k), output_field=BooleanField()) for i, k in enumerate(patterns)
    }
    wanted = reduce(or_, [_pattern_matches(k) for k in patterns] + ([Q(account_name__in=names)] if names else []))
    integrations = integration_model().objects  # through costs' foreign key: tagging imports no integrations
    rows = integrations.filter(wanted).annotate(**flags).order_by().values_list("pk", "account_name", *flags)
    ids: dict[tuple, list[int]] = {k: [] for k in keys}
    for pk, name, *matched in rows:
        for k in keys:
            if k[0] == TagOperator.IS and name in k[1]:
                ids[k].append(pk)
        for k, hit in zip(patterns, matched, strict=True):
            if hit:
                ids[k].append(pk)
    return ids


def condition_q(cond: dict, integration_ids: dict) -> Q:
    """``integration_ids``: what ``_integration_ids`` found for the rules this condition is part of."""
    op, values = cond["operator"], cond["values"]
    if cond["dimension"] == TagDimension.BILLING_ACCOUNT:
        ids = integration_ids[_name_key(cond)]
        q = _any_of("integration_id", ids)  # no ids: never true (EmptyResultSet), "is not": always
    else:
        field_name = DIMENSION_FIELDS[cond["dimension"]]
        if op in (TagOperator.IS, TagOperator.IS_NOT):
            q = _any_of(field_name, values)
        else:
            lookup = "icontains" if op == TagOperator.CONTAINS else "istartswith"
            q = reduce(or_, (Q(**{f"{field_name}__{lookup}": v}) for v in values))
    return ~q if op == TagOperator.IS_NOT else q


def _cost_rank(cond: dict) -> int:
    """Cheap and selective first: the conditions of a filter set are ANDed, so the database stops at
    the first false one. Integration ids and lists are hashed lookups; "is not" is rarely false; a
    case-insensitive pattern (per row and per value) costs most. AND commutes, and no column involved
    is ever NULL, so the order never changes a label."""
    op = cond["operator"]
    if op == TagOperator.IS_NOT:
        return 2 if cond["dimension"] == TagDimension.BILLING_ACCOUNT else 3
    if cond["dimension"] == TagDimension.BILLING_ACCOUNT:
        return 0
    return 1 if op == TagOperator.IS else 4


def _filter_sets(filters: list[dict]) -> list[list[dict]]:
    """Filter sets as lists of conditions, cheapest first; ORed sets that are each one "is" on the
    same dimension collapse into one set (one list instead of several)."""
    sets, single_is = [], {}
    for fset in filters:
        conditions = fset["conditions"]
        if len(conditions) == 1 and conditions[0]["operator"] == TagOperator.IS:
            cond = conditions[0]
            merged = single_is.get(cond["dimension"])
            if merged is not None:
                merged["values"] += [v for v in cond["values"] if v not in merged["values"]]
                continue
            cond = single_is[cond["dimension"]] = {**cond, "values": list(cond["values"])}
            sets.append([cond])
        else:
            sets.append(sorted(conditions, key=_cost_rank))
    return sets


def _dates_q(value) -> Q:
    dates = Q()
    if value.date_from:
        dates &= Q(date__gte=value.date_from)
    if value.date_to:
        dates &= Q(date__lte=value.date_to)
    return dates


def value_q(value, integration_ids: dict) -> Q:
    """The value's filter: within its optional date range, filter sets ORed, conditions ANDed."""
    q = reduce(
        or_,
        (reduce(and_, (condition_q(c, integration_ids) for c in conds)) for conds in _filter_sets(value.filters)),
    )
    dates = _dates_q(value)
    return dates & q if dates else q  # a date comparison is cheaper than any condition


def matching_q(value) -> Q:
    """What one value's filter matches on its own (earlier values not taken into account): for the
    editor's count of matching line items."""
    return value_q(value, _integration_ids([value]))


def _guard(values, integration_ids: dict) -> Q | None:
    """A cheap condition true for every row any of ``values`` matches (``None``: none worth testing).

    Each condition of a filter set is necessary for it, so the guard ORs one per set: the first that
    is not "is not" (true almost everywhere), within the value's date range if it has one. Undated
    ones are merged: one lookup of integration ids, one list per dimension, patterns as they are. A
    set of "is not" only leaves no guard."""
    ids, lists, others = [], {}, []
    for value in values:
        dates = _dates_q(value)
        for conds in _filter_sets(value.filters):
            key = next((c for c in conds if c["operator"] != TagOperator.IS_NOT), None)
            if key is None:
                return None
            if dates:
                others.append(dates & condition_q(key, integration_ids))
            elif key["dimension"] == TagDimension.BILLING_ACCOUNT:
                ids += integration_ids[_name_key(key)]
            elif key["operator"] == TagOperator.IS:
                lists.setdefault(DIMENSION_FIELDS[key["dimension"]], []).extend(key["values"])
            else:
                others.append(condition_q(key, integration_ids))
    terms = [_any_of("integration_id", ids)] if ids else []
    terms += [_any_of(name, vals) for name, vals in lists.items()]
    terms += others
    return reduce(or_, terms) if terms else _any_of("integration_id", [])  # never true


class _CompiledOnce:
    """Compiled once per query: a report query uses the tag's expression twice (its select list and
    the window's PARTITION BY), and a big tag's takes milliseconds to compile. Its identity (what
    Django hashes and compares expressions by, e.g. to find a GROUP BY item in the select list) is
    the rules it was built from, not the walk of its whole tree."""

    rules_key = None  # set by compile_tag: everything the SQL is made from

    @cached_property
    def identity(self):
        return super().identity if self.rules_key is None else (type(self), self.rules_key)

    def as_sql(self, compiler, connection, **extra_context):
        cached = self.__dict__.get("_compiled")
        if cached and cached[0] is compiler and cached[1] == connection.alias and not extra_context:
            return cached[2]
        sql_params = super().as_sql(compiler, connection, **extra_context)
        self._compiled = (compiler, connection.alias, sql_params)
        return sql_params

    def copy(self):  # a copy (resolved into a query, relabelled) compiles for itself
        clone = super().copy()
        clone.__dict__.pop("_compiled", None)
        return clone

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_compiled", None)  # holds the compiler (and its connection): never pickled
        return state


class _Labels(_CompiledOnce, Coalesce):
    pass


class _LabelCase(_CompiledOnce, Case):
    pass


BLOCK_MIN_VALUES = 8  # fewer values: one plain CASE


def _labelling(whens: list[tuple[object, Q, str]], integration_ids: dict) -> Coalesce | Case | Value:
    """First match wins, in rule order. A plain ``CASE`` tests every value in turn for each row that
    matches none of the earlier ones (most rows, for most values). With many values they are tested in
    blocks of about sqrt(n): ``COALESCE(CASE WHEN <block 1 guard> THEN CASE WHEN <value 1> THEN ...
    END END, ..., 'Not tagged')``. A row skips a block whose guard (a necessary condition of each of its
    values, see ``_guard``) is false with one test; COALESCE stops at the first block that labels it,
    and a block labels a row exactly as the plain CASE would, so the labels are the same."""
    text = CharField()
    if not whens:
        return Value(NOT_TAGGED, output_field=text)
    if len(whens) < BLOCK_MIN_VALUES:
        return _LabelCase(
            *(When(q, then=Value(out)) for _, q, out in whens), default=Value(NOT_TAGGED), output_field=text
        )
    size = math.isqrt(len(whens) - 1) + 1
    blocks = []
    for i in range(0, len(whens), size):
        chunk = whens[i : i + size]
        inner = Case(*(When(q, then=Value(out)) for _, q, out in chunk), output_field=text)  # else NULL
        guard = _guard([v for v, _, _ in chunk], integration_ids)
        blocks.append(inner if guard is None else Case(When(guard, then=inner), output_field=text))
    return _Labels(*blocks, Value(NOT_TAGGED), output_field=text)


@dataclass
class CompiledTag:
    key: str
    expression: Case | Coalesce | Value
    labels: list[str]                                   # in rule order, then "Not tagged"
    splits: dict[str, list[tuple[str, Decimal]]] = field(default_factory=dict)  # marker -> [(label, fraction)]

    plain: set[str] = field(default_factory=set)       # CASE outputs that are labels themselves

    def outputs_for(self, labels) -> list[str]:
        """CASE outputs whose rows contribute to any of ``labels``: the plain values of those names and
        the markers of split values sharing into them (a name may be both)."""
        wanted = set(labels)
        out = [lbl for lbl in wanted if lbl in self.plain]
        out += [m for m, parts in self.splits.items() if any(lbl in wanted for lbl, _ in parts)]
        return out


def compile_tag(tag, values=None) -> CompiledTag:
    values = list(values if values is not None else tag.values.all())
    integration_ids = _integration_ids(values)
    whens, labels, splits, plain = [], [], {}, {NOT_TAGGED}
    for v in values:
        if v.splits:
            marker = f"{SPLIT_MARKER}{v.pk}"
            splits[marker] = [(s["label"], Decimal(s["percent"]) / 100) for s in v.splits]
            whens.append((v, value_q(v, integration_ids), marker))
            labels += [s["label"] for s in v.splits]
        else:
            whens.append((v, value_q(v, integration_ids), v.name))
            labels.append(v.name)
            plain.add(v.name)
    seen, ordered = set(), []
    for lbl in labels + [NOT_TAGGED]:
        if lbl not in seen:
            seen.add(lbl)
            ordered.append(lbl)
    expression = _labelling(whens, integration_ids)
    if isinstance(expression, _CompiledOnce):
        expression.rules_key = repr(
            (
                [(out, v.filters, v.date_from, v.date_to) for v, _, out in whens],
                sorted(integration_ids.items()),
                BLOCK_MIN_VALUES,
            )
        )
    return CompiledTag(key=tag.key, expression=expression, labels=ordered, splits=splits, plain=plain)


def split_amounts(total: Decimal | None, parts: list[tuple[str, Decimal]], quantum=Decimal("0.0000000001")):
    """Allocate ``total`` across ``parts`` so the pieces add back exactly (largest remainder)."""
    if total is None:
        return [(label, None) for label, _ in parts]
    raw = [(label, total * f) for label, f in parts]
    rounded = [(label, amount.quantize(quantum, rounding=ROUND_HALF_EVEN)) for label, amount in raw]
    drift = total - sum((a for _, a in rounded), Decimal(0))
    if drift:
        # give the rounding remainder to the largest share, so the parts sum to the whole exactly
        i = max(range(len(parts)), key=lambda k: parts[k][1])
        rounded[i] = (rounded[i][0], rounded[i][1] + drift)
    return rounded
