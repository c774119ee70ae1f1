"""Virtual tag workflows: preview, reorder, save values."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count

from costs.dimension_values import workspace_dimension_values
from costs.scoping import workspace_line_items
from vantage.lib.dates import utc_today
from vantage.lib.money import ExactSum

from .choices import NOT_TAGGED, TagDimension
from .expressions import compile_tag, matching_q, split_amounts
from .models import VirtualTag, VirtualTagValue

PREVIEW_DAYS = 30


def preview(workspace, tag: VirtualTag, values=None, *, today=None):
    """Per label: matched cost (per currency) and line items over the last 30 days; one grouped query."""
    today = today or utc_today()
    start = today - timedelta(days=PREVIEW_DAYS - 1)
    compiled = compile_tag(tag, values)
    rows = (
        workspace_line_items(workspace)
        .filter(date__gte=start, date__lte=today)
        .annotate(_tag=compiled.expression)
        .values("_tag", "currency")
        .annotate(cost=ExactSum("cost"), items=Count("pk"))
        .order_by()
    )
    by_label = {label: {"label": label, "costs": defaultdict(Decimal), "items": 0} for label in compiled.labels}
    for r in rows:
        parts = compiled.splits.get(r["_tag"])
        if parts:
            for label, amount in split_amounts(r["cost"], parts):
                by_label[label]["costs"][r["currency"]] += amount or 0
                by_label[label]["items"] += r["items"]  # a shared item counts towards each label it feeds
        else:
            entry = by_label.setdefault(r["_tag"], {"label": r["_tag"], "costs": defaultdict(Decimal), "items": 0})
            entry["costs"][r["currency"]] += r["cost"] or 0
            entry["items"] += r["items"]
    out = []
    for label in compiled.labels:
        e = by_label[label]
        out.append({"label": label, "costs": dict(sorted(e["costs"].items())), "items": e["items"],
                    "not_tagged": label == NOT_TAGGED})
    return {"start": start, "end": today, "rows": out}


def dimension_values(workspace) -> dict[str, list[str]]:
    """The values each tag dimension has in the workspace's costs (what the editor offers to pick)."""
    values = workspace_dimension_values(workspace)
    return {dimension: values.get(dimension, []) for dimension in TagDimension.values}


def match_count(workspace, value: VirtualTagValue) -> int:
    """How many of the workspace's line items (all imported days) the value's filter matches on its own:
    one COUNT in the database."""
    return workspace_line_items(workspace).filter(matching_q(value)).count()


def move_value(value: VirtualTagValue, direction: str) -> None:
    """Swap a value with its neighbour ("up" or "down"), renumbering positions 1..n."""
    with transaction.atomic():
        values = list(VirtualTagValue.objects.select_for_update().filter(tag=value.tag).order_by("position", "pk"))
        i = next(k for k, v in enumerate(values) if v.pk == value.pk)
        j = i - 1 if direction == "up" else i + 1
        if 0 <= j < len(values):
            values[i], values[j] = values[j], values[i]
        for pos, v in enumerate(values, 1):
            if v.position != pos:
                v.position = pos
                v.save(update_fields=["position"])


def renumber(tag: VirtualTag) -> None:
    for pos, v in enumerate(tag.values.order_by("position", "pk"), 1):
        if v.position != pos:
            VirtualTagValue.objects.filter(pk=v.pk).update(position=pos)


class TagValueInvalid(Exception):
    """A value at ``index`` (0-based) failed validation; ``error`` is the Django ValidationError."""

    def __init__(self, index, error):
        super().__init__(str(error))
        self.index, self.error = index, error


def save_tag(tag: VirtualTag, *, key: str, description: str, values: list[dict]) -> VirtualTag:
    """Save the tag and replace its values, in order, in one transaction (all or nothing).

    Raises django ValidationError for the tag itself, ``TagValueInvalid`` naming the failing value, and
    IntegrityError when a concurrent request took the key.
    """
    tag.key, tag.description = key, description
    with transaction.atomic():
        tag.full_clean()
        tag.save()
        tag.values.all().delete()
        for position, item in enumerate(values, 1):
            value = VirtualTagValue(tag=tag, position=position, name=item["name"], filters=item["filters"],
                                    date_from=item.get("date_from"), date_to=item.get("date_to"),
                                    splits=item.get("splits"))
            try:
                value.full_clean()
            except ValidationError as exc:
                raise TagValueInvalid(position - 1, exc) from None
            value.save()
    return tag
