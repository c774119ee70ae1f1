"""CSV and Parquet carry the same rows with the same types; CSV text cells are spreadsheet-safe."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from costs.filtersets import CostLineItemFilterSet
from costs.focus.columns import COLUMNS, NAMES, Kind
from costs.focus.services import export_focus
from costs.focus.writers import csv_chunks, parquet_chunks
from costs.models import CostLineItem
from costs.scoping import workspace_line_items

from .conftest import read_csv, read_parquet, rows_of

pytestmark = pytest.mark.django_db
RANGE = (date(2026, 1, 1), date(2026, 12, 31))


def export_bytes(ws, fmt) -> bytes:
    export = export_focus(workspace_line_items(ws), ws, *RANGE, fmt)
    chunks = list(export.chunks)
    return "".join(chunks).encode("utf-8") if fmt == "csv" else b"".join(chunks)


def as_text(value, kind: Kind) -> str:
    """A Parquet value written the CSV's way."""
    if value is None:
        return ""
    if kind == Kind.MONEY:
        return format(value.normalize(), "f") if value else "0"
    if kind == Kind.DATETIME:
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def test_csv_and_parquet_carry_the_same_rows_and_types(ws, data, team_tag):
    csv_rows = read_csv(export_bytes(ws, "csv"))
    table = read_parquet(export_bytes(ws, "parquet"))
    assert table.column_names == list(NAMES) == list(csv_rows[0])
    assert table.num_rows == len(csv_rows) == CostLineItem.objects.count() == 6
    kinds = dict(COLUMNS)
    for name in NAMES:
        arrow_type = table.schema.field(name).type
        expected = {Kind.MONEY: pa.decimal128(28, 10), Kind.DATETIME: pa.timestamp("ms", tz="UTC"),
                    Kind.TEXT: pa.string()}[kinds[name]]  # fmt: skip
        assert arrow_type == expected, name
    for csv_row, parquet_row in zip(csv_rows, table.to_pylist(), strict=True):
        assert csv_row == {name: as_text(parquet_row[name], kinds[name]) for name in NAMES}
    for row in csv_rows:  # numbers stay numbers in the CSV
        Decimal(row["BilledCost"])
        assert row["ChargePeriodStart"].endswith("Z")


def test_parquet_values_are_typed(ws, data):
    table = read_parquet(export_bytes(ws, "parquet")).to_pylist()
    gbp = next(r for r in table if r["BillingCurrency"] == "GBP")
    assert gbp["BilledCost"] == Decimal("7.25")
    assert gbp["ChargePeriodStart"] == datetime(2026, 12, 31, tzinfo=UTC)
    assert gbp["ConsumedQuantity"] == Decimal(9)


def test_csv_text_cells_cannot_run_as_formulas_parquet_keeps_them(ws, data):
    CostLineItem.objects.filter(category="sms-outbound").update(description="=HYPERLINK(\"http://x\")")
    csv_rows = read_csv(export_bytes(ws, "csv"))
    assert {r["ChargeDescription"] for r in csv_rows if r["SkuId"] == "sms-outbound"} == {"'=HYPERLINK(\"http://x\")"}
    assert any(r["BilledCost"] == "-1.5" for r in csv_rows)  # a negative number stays a number
    parquet = read_parquet(export_bytes(ws, "parquet")).to_pylist()
    assert {r["ChargeDescription"] for r in parquet if r["SkuId"] == "sms-outbound"} == {"=HYPERLINK(\"http://x\")"}


def test_empty_export_still_has_the_columns(ws):
    assert read_csv(export_bytes(ws, "csv")) == []
    assert export_bytes(ws, "csv").decode().splitlines() == [",".join(NAMES)]
    table = read_parquet(export_bytes(ws, "parquet"))
    assert (table.num_rows, table.column_names) == (0, list(NAMES))


def test_writers_stream_in_chunks(ws, data):
    rows = [tuple(r.values()) for r in rows_of(ws)]
    csv_parts = list(csv_chunks(rows * 5, chunk_rows=4))
    assert len(csv_parts) == 8  # 30 rows + header, 4 rows a chunk, then the rest
    parquet_parts = list(parquet_chunks(rows * 5, group_rows=7))
    assert len(parquet_parts) == 5  # each full row group of 7 as it is written, then the last 2 rows and the footer
    table = read_parquet(b"".join(parquet_parts))
    assert table.num_rows == 30
    assert read_parquet(b"".join(parquet_parts)).to_pylist()[0]["SkuId"] == rows[0][NAMES.index("SkuId")]


def test_a_split_labels_share_fits_the_parquet_decimals(ws, data, team_tag):
    CostLineItem.objects.filter(category="calls-outbound").update(cost=Decimal("20.0000000001"))
    fs = CostLineItemFilterSet({"tag": ["team:Team B"], "start_date": "2026-03-01", "end_date": "2026-03-31"},
                               queryset=workspace_line_items(ws), workspace=ws)  # fmt: skip
    assert fs.is_valid(), fs.errors
    export = export_focus(fs.filter_dimensions(), ws, date(2026, 3, 1), date(2026, 3, 31), "parquet")
    rows = read_parquet(b"".join(export.chunks)).to_pylist()
    assert [(r["SkuId"], r["BilledCost"]) for r in rows] == [("calls-outbound", Decimal("8.0000000000"))]
