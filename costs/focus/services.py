"""What the report page, the API and ``manage.py export_focus`` call: an export as chunks to stream."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.db import models
from django.http import StreamingHttpResponse

from .mapping import focus_row
from .source import export_queryset, stream, workspace_tags
from .writers import csv_chunks, parquet_chunks


class FocusFormat(models.TextChoices):
    CSV = "csv", "CSV"
    PARQUET = "parquet", "Parquet"


CONTENT_TYPES = {FocusFormat.CSV: "text/csv; charset=utf-8", FocusFormat.PARQUET: "application/vnd.apache.parquet"}
FORMAT_ERROR = "Choose csv or parquet, not “%s”."


@dataclass
class FocusExport:
    chunks: Iterator  # str (CSV) or bytes (Parquet)
    filename: str
    content_type: str


def focus_rows(line_items, workspace, start: date, end: date) -> Iterator[tuple]:
    """The FOCUS rows of ``line_items`` (scoped to ``workspace`` and filtered) from ``start`` to ``end``."""
    tags = workspace_tags(workspace)
    for row in stream(export_queryset(line_items, start, end, tags)):
        yield focus_row(row, tags)


def export_focus(line_items, workspace, start: date, end: date, fmt: str, name: str = "") -> FocusExport:
    fmt = FocusFormat(fmt)
    rows = focus_rows(line_items, workspace, start, end)
    chunks = csv_chunks(rows) if fmt == FocusFormat.CSV else parquet_chunks(rows)
    stem = f"focus-{name or workspace.pk}-{start.isoformat()}-{end.isoformat()}"
    return FocusExport(chunks, f"{stem}.{fmt.value}", CONTENT_TYPES[fmt])


def focus_response(export: FocusExport) -> StreamingHttpResponse:
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response
