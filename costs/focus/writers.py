"""FOCUS rows -> CSV text or Parquet bytes, a chunk at a time (nothing holds more than one chunk).

CSV: text cells go through ``safe_cell`` (a spreadsheet never runs one as a formula); numbers are
exact decimals, date-times ``YYYY-MM-DDTHH:mm:ssZ``, nulls empty. Parquet: decimals as
``decimal128(28, 10)`` (the stored precision), date-times as UTC timestamps (whole seconds, in the
milliseconds Parquet counts in), text as strings.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq

from vantage.lib.csvcells import safe_cell

from ..formatting import plain
from .columns import COLUMNS, NAMES, Kind

CSV_CHUNK_ROWS = 1000
PARQUET_GROUP_ROWS = 50_000
ARROW_TYPES = {
    Kind.TEXT: pa.string(),
    Kind.MONEY: pa.decimal128(28, 10),
    Kind.DATETIME: pa.timestamp("ms", tz="UTC"),  # Parquet has no seconds unit: whole seconds in ms
}
SCHEMA = pa.schema([pa.field(name, ARROW_TYPES[kind]) for name, kind in COLUMNS])


def csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return safe_cell(value)


def csv_chunks(rows: Iterable[tuple], chunk_rows: int = CSV_CHUNK_ROWS) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(NAMES)
    pending = 0
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
        pending += 1
        if pending >= chunk_rows:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue()


class _Sink(io.RawIOBase):
    """A write-only file that hands back what was written since the last ``drain()``."""

    def __init__(self):
        super().__init__()
        self._parts: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def drain(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


def _table(batch: list[tuple]) -> pa.Table:
    columns = list(zip(*batch, strict=True)) if batch else [() for _ in NAMES]
    return pa.Table.from_arrays(
        [pa.array(list(values), type=field.type) for values, field in zip(columns, SCHEMA, strict=True)],
        schema=SCHEMA,
    )


def parquet_chunks(rows: Iterable[tuple], group_rows: int = PARQUET_GROUP_ROWS) -> Iterator[bytes]:
    """One Parquet file, a row group per ``group_rows`` rows, each yielded once written."""
    sink = _Sink()
    writer = pq.ParquetWriter(sink, SCHEMA, compression="zstd")
    batch: list[tuple] = []
    wrote = False
    for row in rows:
        batch.append(row)
        if len(batch) >= group_rows:
            writer.write_table(_table(batch))
            batch, wrote = [], True
            yield sink.drain()
    if batch or not wrote:
        writer.write_table(_table(batch))
    writer.close()
    yield sink.drain()
