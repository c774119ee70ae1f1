"""The line items a FOCUS export writes: the workspace's, filtered, streamed from the database.

One row per line item, ordered by the unique index (integration, account, day, category), read with
``iterator(chunk_size=...)``: a server-side cursor on PostgreSQL (inside a transaction, so it streams
instead of materialising), chunked fetches elsewhere. Virtual tags are evaluated in SQL, each as its
CASE expression, exactly as reports label rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.db import transaction
from django.db.models import F

from ..dimensions import UnknownDimension, dimensions
from ..reports.splits import SHARE_ALIAS
from .mapping import TagColumns

FIELDS = (
    "integration__account_sid", "integration__account_name", "account_id", "date", "service", "category",
    "charge_type", "description", "cost", "currency", "usage", "usage_unit", "count", "count_unit",
)  # fmt: skip
ORDER = ("integration_id", "account_id", "date", "category")
CHUNK_SIZE = 2000
TAG_PREFIX = "tag:"


def workspace_tags(workspace, registry=dimensions) -> TagColumns:
    """Every virtual tag of the workspace, as the dimension registry's tag provider builds it."""
    columns = TagColumns()
    keys = [key for key, _, _ in registry.catalog(workspace) if key.startswith(TAG_PREFIX)]
    for i, key in enumerate(keys):
        try:
            dim = registry.get(key, workspace)
        except UnknownDimension:  # deleted meanwhile
            continue
        columns.dimensions.append((key[len(TAG_PREFIX):], f"focus_tag_{i}", dim))
    return columns


def export_queryset(line_items, start: date, end: date, tags: TagColumns):
    """``line_items`` (already scoped and filtered) in ``[start, end]`` with what the mapping reads.

    A filter on split virtual-tag labels (``SHARE_ALIAS``) keeps each row at the share those labels
    get, as reports do, so the export of "Team A" adds up to the report of "Team A"."""
    qs = line_items.filter(date__gte=start, date__lte=end).annotate(**tags.annotations())
    extra = list(tags.annotations())
    if SHARE_ALIAS in qs.query.annotations:
        qs = qs.annotate(focus_share=F(SHARE_ALIAS))
        extra.append("focus_share")
    return qs.order_by(*ORDER).values(*FIELDS, *extra)


def stream(queryset, chunk_size: int = CHUNK_SIZE) -> Iterator[dict]:
    with transaction.atomic():
        yield from queryset.iterator(chunk_size=chunk_size)
