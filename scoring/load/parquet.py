"""A user's Parquet file read as the same frames a CSV file gives, so that every format's checks
apply unchanged.

Parquet holds typed columns (integers, floats, dates, timestamps, text, dictionaries); the
checks read cells as text, the way a CSV file holds them. Each column is turned into text the
way a spreadsheet's CSV export would write it: integers as digits, floats in their shortest
exact form (``2.0`` as ``2``), dates as ``YYYY-MM-DD``, timestamps at midnight as their date
(others as ``YYYY-MM-DD HH:MM:SS``, which the date checks then refuse with a reason), booleans as
``true``/``false``; a null (or a float NaN) is an empty cell, so missing stays missing. Text is
trimmed as the CSV reader trims it, and a row whose every cell is empty is skipped as a blank
line is. A column of another kind (lists, structs, binary) makes the file unreadable, with the
column's name and type in the message.

Row ``k`` of the file (counting from 1) is reported as line ``k + 1``: the line it holds in the
same table exported as CSV with its header, so that a rejected row has the same number in
either form of the file.

Apache Arrow reads the file (``pyarrow.parquet``, already a dependency of pandas' Arrow-backed
text): one row group's worth of rows at a time for a large file, so that memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from scoring.errors import FormatError
from scoring.load.fast_csv import PY_WHITESPACE

MAGIC = b"PAR1"
ROWS_PER_BLOCK = 500_000


def is_parquet(path: Path) -> bool:
    """Whether ``path`` starts and ends with Parquet's magic bytes (whatever its name)."""
    try:
        with open(path, "rb") as f:
            head = f.read(4)
            if head != MAGIC:
                return False
            f.seek(-4, 2)
            return f.read(4) == MAGIC
    except OSError:
        return False


def _open(path: Path) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise FormatError(f"{path}: is not a readable Parquet file ({str(exc).splitlines()[0][:200]})") from None


def _header(pf: pq.ParquetFile, path: Path, max_columns: int) -> list[str]:
    names = [str(n).strip().lstrip("\ufeff") for n in pf.schema_arrow.names]
    if len(names) < 2:
        raise FormatError(f"{path}: has {len(names)} column(s); this is not an export of the expected kind")
    if len(names) > max_columns:
        raise FormatError(f"{path}: has {len(names):,} columns, more than the {max_columns:,} a file may have")
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise FormatError(f"{path}: repeated column name(s) {dup}")
    for field in pf.schema_arrow:
        if not _readable(field.type):
            raise FormatError(f"{path}: column {field.name!r} holds {field.type}, which no column of an import "
                              "can hold; write it as text, a number or a date")
    return names


def _readable(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        return _readable(t.value_type)
    return (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_integer(t)
            or pa.types.is_floating(t) or pa.types.is_boolean(t) or pa.types.is_date(t)
            or pa.types.is_timestamp(t) or pa.types.is_decimal(t) or pa.types.is_null(t)
            or getattr(pa.types, "is_string_view", lambda _t: False)(t))


def as_text(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One column as the text cells a CSV export holds (see the module's notes); nulls as ''."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    t = arr.type
    if pa.types.is_dictionary(t):
        arr = arr.dictionary_decode()
        t = arr.type
    if pa.types.is_null(t):
        return pa.array([""] * len(arr), type=pa.large_string())
    if pa.types.is_floating(t):
        arr = pc.if_else(pc.is_nan(arr), pa.scalar(None, t), arr)
    elif pa.types.is_timestamp(t):
        if t.tz is not None:
            arr = arr.cast(pa.timestamp(t.unit))
        day = arr.cast(pa.timestamp("s")).cast(pa.int64())
        if pc.all(pc.equal(pc.remainder(day, 86_400), 0)).as_py() in (True, None):
            arr = arr.cast(pa.timestamp("s")).cast(pa.date32())
        else:
            arr = pc.strftime(arr.cast(pa.timestamp("s"), safe=False), format="%Y-%m-%d %H:%M:%S")
    elif pa.types.is_boolean(t):
        arr = pc.if_else(arr, "true", "false")
    out = arr.cast(pa.large_string())
    if pa.types.is_string(t) or pa.types.is_large_string(t) or str(t) == "string_view":
        out = pc.utf8_trim(out, characters=PY_WHITESPACE)
    return pc.fill_null(out, "")


def frames(path: Path, *, text_dtype, max_columns: int, rows: int | None = None) -> Iterator[pd.DataFrame]:
    """The file's rows as frames of text cells (``text_dtype``) with their ``_line`` numbers,
    ``rows`` at a time (a whole row group when it is larger). The first frame comes with an
    empty file too (its columns and no rows)."""
    pf = _open(path)
    names = _header(pf, path, max_columns)
    line = 1
    sent = False
    try:
        batches = pf.iter_batches(batch_size=rows or ROWS_PER_BLOCK)
        for batch in batches:
            cols = [as_text(c) for c in batch.columns]
            n = batch.num_rows
            del batch
            lines = np.arange(line + 1, line + 1 + n, dtype=np.int64)
            line += n
            if cols:
                blank = pc.equal(pc.binary_length(cols[0]), 0)
                for c in cols[1:]:
                    blank = pc.and_(blank, pc.equal(pc.binary_length(c), 0))
                if pc.any(blank).as_py():
                    keep = pc.invert(blank)
                    cols = [c.filter(keep) for c in cols]
                    lines = lines[keep.to_numpy(zero_copy_only=False)]
            frame = pd.DataFrame({k: pd.array(c, dtype=text_dtype) for k, c in zip(names, cols)}, copy=False)
            frame["_line"] = lines
            frame.attrs["ragged"] = []
            sent = True
            yield frame
    except pa.ArrowException as exc:
        raise FormatError(f"{path}: could not be read past line {line} ({str(exc).splitlines()[0][:200]})") from None
    if not sent:
        frame = pd.DataFrame({k: pd.array([], dtype=text_dtype) for k in names})
        frame["_line"] = np.zeros(0, dtype=np.int64)
        frame.attrs["ragged"] = []
        yield frame


def read(path: Path, *, text_dtype, max_columns: int) -> pd.DataFrame:
    """The whole file as one frame (the formats imported whole)."""
    parts = list(frames(path, text_dtype=text_dtype, max_columns=max_columns))
    frame = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    frame.attrs["ragged"] = []
    return frame
