"""CSV exports of a report, streamed row by row from the grouped query (memory stays flat).

* ``wide``: exactly the table on the page: one row per group (and currency, and unit in usage
  mode), one column per date bin, a total column, then one total row per currency;
* ``long``: one row per date bin and group (and billing currency), with cost, currency, the billing
  cost and currency, usage and (normalised) unit.

A converted report (``ReportQuery(currency=...)``) shows costs in the reporting currency, as the page
does (the wide layout is the page's table); the long layout keeps what Twilio billed beside each row.

Amounts are exact decimals (the page rounds them to cents for display).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.db import transaction
from django.http import StreamingHttpResponse
from django.utils.text import slugify

from vantage.lib.csvcells import safe_row

from .choices import ExportLayout, Mode, Sort
from .dates import bin_label
from .dimensions import NONE_LABEL
from .formatting import plain
from .reports import ColumnTotal, ReportQuery, column_total, table_cells


class _Echo:
    def write(self, value):
        return value


def _label_columns(query: ReportQuery) -> list[str]:
    return [d.label for d in query.dimensions] or ["Costs"]


def _labels(query: ReportQuery, groups: tuple) -> list[str]:
    return query.labels(groups) or ["All costs"]


def _wide_row(query: ReportQuery, labels: list[str], currency: str, unit, cells, total, cost_total) -> list[str]:
    return [
        *labels,
        currency,
        *([unit or NONE_LABEL] if query.usage_mode else []),
        *(plain(v) for v in cells),
        *([] if query.cumulative else [plain(total)]),
        *([plain(cost_total)] if query.usage_mode else []),
    ]


def wide_rows(query: ReportQuery) -> Iterator[list[str]]:
    """The report table: same columns, same rows in the same order, then the per-currency totals."""
    columns = query.columns()
    label_columns = _label_columns(query)
    yield [
        *label_columns,
        "Currency",
        *(["Unit"] if query.usage_mode else []),
        *(bin_label(c, query.bin) for c in columns),
        *([] if query.cumulative else ["Total"]),
        *(["Cost"] if query.usage_mode else []),
    ]
    footers: dict[tuple, ColumnTotal] = {}
    for row in query.groups(stream=True):
        cells = table_cells(query, row, columns)
        yield _wide_row(query, _labels(query, row.groups), row.currency, row.unit, cells, row.total, row.cost_total)
        column_total(footers, row, len(columns)).add(cells, row)
    total_labels = ["Total", *[""] * (len(label_columns) - 1)]
    for f in footers.values():
        yield _wide_row(query, total_labels, f.currency, f.unit, f.cells, f.total, f.cost_total)


def long_rows(query: ReportQuery) -> Iterator[list[str]]:
    # Always split by unit so the usage column adds up like with like.
    query = query.replace(mode=Mode.USAGE, sort=Sort.NAME, by_billing=True)
    yield ["Date bin", *_label_columns(query), "Cost", "Currency", "Billing cost", "Billing currency", "Usage", "Unit"]
    if query.cumulative:
        span = f"{query.start.isoformat()}..{query.end.isoformat()}"
        for row in query.groups(stream=True):
            labels = _labels(query, row.groups)
            yield [span, *labels, plain(row.cost_total), row.currency, plain(row.billing_total), row.billing_currency,
                   plain(row.total), row.unit or ""]  # fmt: skip
        return
    for r in query.rows(stream=True, by_bin=True):
        yield [r.bin.isoformat(), *_labels(query, r.groups), plain(r.cost), r.currency, plain(r.billing_cost),
               r.billing_currency, plain(r.usage), r.unit or ""]  # fmt: skip


def _in_transaction(rows: Iterable[list[str]]) -> Iterator[list[str]]:
    # Inside a transaction PostgreSQL streams the server-side cursor instead of materialising it first.
    with transaction.atomic():
        yield from rows


def csv_response(rows: Iterable[list[str]], filename: str) -> StreamingHttpResponse:
    """Every CSV the product streams (report exports, ``/api/v2/costs.csv``): no cell a spreadsheet would run."""
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(safe_row(r)) for r in _in_transaction(rows)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_report(query: ReportQuery, layout: str, title: str) -> StreamingHttpResponse:
    rows = long_rows(query) if layout == ExportLayout.LONG else wide_rows(query)
    return csv_response(rows, f"{slugify(title) or 'report'}-{layout}.csv")
