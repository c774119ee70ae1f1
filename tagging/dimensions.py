"""Virtual tags as report dimensions: ``tag:<key>`` for group-by, ``tag=key:value`` for filters.

Registered with the costs dimension registry in ``TaggingConfig.ready()``; the expression is the
tag's CASE, built from the current rules on every request, so nothing stored can go stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, DecimalField, Q, Value, When
from django.db.models.lookups import Exact, In

from costs.dimensions import Dimension

from .choices import NOT_TAGGED
from .expressions import CompiledTag, compile_tag, split_amounts
from .models import VirtualTag


@dataclass(frozen=True)
class VirtualTagDimension(Dimension):
    compiled: Any = None  # CompiledTag

    @property
    def has_splits(self) -> bool:  # the report shares split values out only when a tag has any
        return bool(self.compiled and self.compiled.splits)

    def split(self, value, amount):
        parts = self.compiled.splits.get(value) if self.compiled else None
        return split_amounts(amount, parts) if parts else None

    def q(self, values, *, exclude: bool = False) -> Q:
        """Rows labelled with any of ``values``, including rows of split values that feed them."""
        if exclude:
            # rows of split values stay, weighted by what the other labels get (``share``)
            plain = [v for v in values if v in self.compiled.plain] if self.compiled else list(values)
            return ~Q(In(self.resolve(), plain)) if plain else Q()
        outputs = self.compiled.outputs_for(values) if self.compiled else list(values)
        return Q(In(self.resolve(), outputs or [""]))

    def share(self, values, *, exclude: bool = False):
        """Per row, the part of its cost that the labels ``values`` (or all others, with ``exclude``)
        get: 1 for plain rows, the labels' split percentages for rows of a split value."""
        wanted = set(values)
        whens = []
        for marker, parts in self.compiled.splits.items():
            part = sum((fraction for label, fraction in parts if label in wanted), Decimal(0))
            whens.append(When(Exact(self.resolve(), marker), then=Value(1 - part if exclude else part)))
        return Case(*whens, default=Value(Decimal(1)), output_field=DecimalField(max_digits=28, decimal_places=10))

    def display(self, value) -> str:
        return str(value)


def tag_dimension(tag: VirtualTag) -> VirtualTagDimension:
    compiled: CompiledTag = compile_tag(tag, tag.values.order_by("position", "pk"))
    return VirtualTagDimension(
        key=f"tag:{tag.key}", label=tag.key, expression=compiled.expression, compiled=compiled, untagged=NOT_TAGGED
    )


class VirtualTagDimensions:
    def dimension(self, name: str, workspace) -> VirtualTagDimension | None:
        if workspace is None or not name:
            return None
        tag = VirtualTag.objects.filter(workspace=workspace, key__iexact=name).first()
        return tag_dimension(tag) if tag else None

    def catalog(self, workspace) -> list[tuple[str, str, list[str]]]:
        """``choices`` with each tag's labels (what its filter picker offers), from ONE query."""
        if workspace is None:
            return []
        labels: dict[str, list[str]] = {}
        rows = (
            VirtualTag.objects.filter(workspace=workspace)
            .order_by("key", "values__position", "values__pk")
            .values_list("key", "values__name", "values__splits")
        )
        for key, name, splits in rows:  # a tag without values comes once, with name None
            found = labels.setdefault(key, [])
            for label in [p.get("label") for p in splits] if splits else [name]:
                if label is not None and label not in found:
                    found.append(str(label))
        return [(f"tag:{key}", f"Tag: {key}", [*values, NOT_TAGGED]) for key, values in labels.items()]

    def choices(self, workspace) -> list[tuple[str, str]]:
        if workspace is None:
            return []
        return [(f"tag:{key}", f"Tag: {key}") for key in
                VirtualTag.objects.filter(workspace=workspace).order_by("key").values_list("key", flat=True)]
