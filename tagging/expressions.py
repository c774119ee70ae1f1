"""Virtual tag rules -> SQL. Evaluated inside the report query, so a change shows on the next load.

For a tag, ``tag_case`` is ``CASE WHEN <value 1 filter> THEN 'Value 1' WHEN <value 2 filter> ... ELSE
'Not tagged' END``: the first matching value wins, and every line item gets exactly one value per
tag. A value that *splits* costs (60% "Team A", 40% "Team B") yields a marker instead of a label;
the report expands aggregated rows carrying that marker into its labels (``split_amounts``), so
splitting never multiplies cost rows and the parts add back exactly to the whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from functools import reduce
from operator import and_, or_

from django.db.models import Case, CharField, Q, Value, When

from .choices import DIMENSION_FIELDS, NOT_TAGGED, TagOperator

SPLIT_MARKER = "\x1fsplit:"


def condition_q(cond: dict) -> Q:
    field_name = DIMENSION_FIELDS[cond["dimension"]]
    values = cond["values"]
    op = cond["operator"]
    if op in (TagOperator.IS, TagOperator.IS_NOT):
        q = Q(**{f"{field_name}__in": values})
        return ~q if op == TagOperator.IS_NOT else q
    lookup = "icontains" if op == TagOperator.CONTAINS else "istartswith"
    return reduce(or_, (Q(**{f"{field_name}__{lookup}": v}) for v in values))


def value_q(value) -> Q:
    """The value's filter: filter sets ORed, conditions ANDed, within its optional date range."""
    q = reduce(or_, (reduce(and_, (condition_q(c) for c in fset["conditions"])) for fset in value.filters))
    if value.date_from:
        q &= Q(date__gte=value.date_from)
    if value.date_to:
        q &= Q(date__lte=value.date_to)
    return q


@dataclass
class CompiledTag:
    key: str
    expression: Case
    labels: list[str]                                   # in rule order, then "Not tagged"
    splits: dict[str, list[tuple[str, Decimal]]] = field(default_factory=dict)  # marker -> [(label, fraction)]

    def outputs_for(self, labels) -> list[str]:
        """CASE outputs whose rows contribute to any of ``labels`` (plain labels and split markers)."""
        wanted = set(labels)
        out = [lbl for lbl in wanted if lbl not in self.split_labels]
        out += [m for m, parts in self.splits.items() if any(lbl in wanted for lbl, _ in parts)]
        return out

    @property
    def split_labels(self) -> set[str]:
        plain = set(self.labels) - {lbl for parts in self.splits.values() for lbl, _ in parts}
        return set(self.labels) - plain



def compile_tag(tag, values=None) -> CompiledTag:
    values = list(values if values is not None else tag.values.all())
    whens, labels, splits = [], [], {}
    for v in values:
        if v.splits:
            marker = f"{SPLIT_MARKER}{v.pk}"
            splits[marker] = [(s["label"], Decimal(s["percent"]) / 100) for s in v.splits]
            whens.append(When(value_q(v), then=Value(marker)))
            labels += [s["label"] for s in v.splits]
        else:
            whens.append(When(value_q(v), then=Value(v.name)))
            labels.append(v.name)
    seen, ordered = set(), []
    for lbl in labels + [NOT_TAGGED]:
        if lbl not in seen:
            seen.add(lbl)
            ordered.append(lbl)
    expression = Case(*whens, default=Value(NOT_TAGGED), output_field=CharField()) if whens else Value(
        NOT_TAGGED, output_field=CharField()
    )
    return CompiledTag(key=tag.key, expression=expression, labels=ordered, splits=splits)


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
