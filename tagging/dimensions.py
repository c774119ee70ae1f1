"""Virtual tags as report dimensions: ``tag:<key>`` for group-by, ``tag=key:value`` for filters.

Registered with the costs dimension registry in ``TaggingConfig.ready()``; the expression is the
tag's CASE, built from the current rules on every request, so nothing stored can go stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.db.models.lookups import In

from costs.dimensions import Dimension

from .expressions import CompiledTag, compile_tag, split_amounts
from .models import VirtualTag


@dataclass(frozen=True)
class TagDimension(Dimension):
    compiled: Any = None  # CompiledTag

    @property
    def has_splits(self) -> bool:  # the report shares split values out only when a tag has any
        return bool(self.compiled and self.compiled.splits)

    def split(self, value, amount):
        parts = self.compiled.splits.get(value) if self.compiled else None
        return split_amounts(amount, parts) if parts else None

    def q(self, values, *, exclude: bool = False) -> Q:
        """Rows labelled with any of ``values``, including rows of split values that feed them."""
        outputs = self.compiled.outputs_for(values) if self.compiled else list(values)
        match = Q(In(self.resolve(), outputs or [""]))
        return ~match if exclude else match

    def display(self, value) -> str:
        return str(value)


def tag_dimension(tag: VirtualTag) -> TagDimension:
    compiled: CompiledTag = compile_tag(tag, tag.values.order_by("position", "pk"))
    return TagDimension(key=f"tag:{tag.key}", label=tag.key, expression=compiled.expression, compiled=compiled)


class VirtualTagDimensions:
    def dimension(self, name: str, workspace) -> TagDimension | None:
        if workspace is None or not name:
            return None
        tag = VirtualTag.objects.filter(workspace=workspace, key__iexact=name).first()
        return tag_dimension(tag) if tag else None

    def choices(self, workspace) -> list[tuple[str, str]]:
        if workspace is None:
            return []
        return [(f"tag:{key}", f"Tag: {key}") for key in
                VirtualTag.objects.filter(workspace=workspace).order_by("key").values_list("key", flat=True)]
