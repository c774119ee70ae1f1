"""FOCUS rows -> CSV text or Parquet bytes, a chunk at a time (nothing holds more than one chunk).

CSV: text cells go through ``safe_cell`` (a spreadsheet never runs one as a formula); numbers are
exact decimals, date-times ``YYYY-MM-DDTHH:mm:ssZ``, nulls empty. Parquet: decimals as
``decimal128(28, 10)`` (the stored precision), date-times as UTC timestamps (whole seconds, in the
milliseconds Parquet counts in), text as strings.
"""

from __future__ import annotations

import csv
import functools
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
ARROW_BATCH_ROWS = 5_000
ARROW_TYPES = {
    Kind.TEXT: pa.string(),
    Kind.MONEY: pa.decimal128(28, 10),
    Kind.DATETIME: pa.timestamp("ms", tz="UTC"),  # Parquet has no seconds unit: whole seconds in ms
}
SCHEMA = pa.schema([pa.field(name, ARROW_TYPES[kind]) for name, kind in COLUMNS])


def _money(value: Decimal | None) -> str:
    return "" if value is None else plain(value)


@functools.lru_cache(maxsize=4096)
def _datetime(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: str | None) -> str:
    return "" if value is None else safe_cell(value)


# one formatter per column, chosen once by its kind (not by testing every value's type)
CSV_FORMATTERS = tuple({Kind.MONEY: _money, Kind.DATETIME: _datetime, Kind.TEXT: _text}[kind] for _, kind in COLUMNS)


def csv_chunks(rows: Iterable[tuple], chunk_rows: int = CSV_CHUNK_ROWS) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(NAMES)
    pending = 0
    formatters = CSV_FORMATTERS
    for row in rows:
        writer.writerow([f(v) for f, v in zip(formatters, row)])  # noqa: B905  (same length by construction)
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


def _batch(rows: list[tuple]) -> pa.RecordBatch:
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in NAMES]
    return pa.RecordBatch.from_arrays(
        [pa.array(values, type=field.type) for values, field in zip(columns, SCHEMA, strict=True)], schema=SCHEMA
    )


def parquet_chunks(
    rows: Iterable[tuple], group_rows: int = PARQUET_GROUP_ROWS, batch_rows: int = ARROW_BATCH_ROWS
) -> Iterator[bytes]:
    """One Parquet file, a row group per ``group_rows`` rows, each yielded once written. Rows become
    Arrow columns every ``batch_rows`` (compact), so a row group never waits as Python objects."""
    sink = _Sink()
    writer = pq.ParquetWriter(sink, SCHEMA, compression="zstd")
    batch_rows = min(batch_rows, group_rows)
    batches: list[pa.RecordBatch] = []
    pending: list[tuple] = []
    buffered, wrote = 0, False
    for row in rows:
        pending.append(row)
        if len(pending) < batch_rows:
            continue
        batches.append(_batch(pending))
        buffered, pending = buffered + len(pending), []
        if buffered >= group_rows:
            writer.write_table(pa.Table.from_batches(batches, schema=SCHEMA))
            batches, buffered, wrote = [], 0, True
            yield sink.drain()
    if pending or not (batches or wrote):
        batches.append(_batch(pending))
    if batches:
        writer.write_table(pa.Table.from_batches(batches, schema=SCHEMA))
    writer.close()
    yield sink.drain()
