"""A file's cells read by Apache Arrow's CSV parser, when that reading is provably the same as ours.

:func:`scoring.load.validate.parse_csv_bytes` reads a file with Python's ``csv`` module, one
physical line at a time, so that every malformed row (a quote never closed, a stray quote, a
row of the wrong width, a bad byte, an oversized field) is rejected with its line and the rest
loads. That costs about 15 s per million rows. Arrow's reader (C++, multithreaded) reads the
same million rows in half a second, but it is lenient where we are strict (``"x"y`` is read as
``xy``; it has no line numbers). So it is used only for files whose every line passes checks
done on the bytes with numpy, under which both readers split every row the same way:

* valid UTF-8 without NUL bytes; line ends ``\\n`` (``\\r\\n`` already normalised by the caller);
* no line longer than the ``csv`` module's field limit;
* every line holds an even number of quotes (no quoted field runs over a line end, so row ``k``
  is the ``k``-th non-empty line);
* every quote that opens a field follows a comma or starts the line, and every quote that
  closes one is followed by a comma, a line end or the quote that escapes it (what Python's
  ``strict`` mode demands; Arrow would silently glue ``"x"y`` together);
* Arrow finds no row of another width than the header's (it hands such rows to a handler,
  which gives up on the fast reading: the line-by-line reader rejects them with their lines).

Any other file returns ``None`` and takes the line-by-line reader, which says what is wrong
with each row. ``tests/load/test_fast_csv.py`` reads the hostile corpus and random files both
ways and requires the same frame wherever this reader accepts a file.
"""

from __future__ import annotations

import csv
import ctypes

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

# What Python's str.strip() removes (every character whose isspace() is true), so that Arrow's
# trim gives the cells the line-by-line reader gives.
# (tests/load/test_fast_csv.py checks it against every code point).
PY_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                 "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")

# The bytes a cell of valid UTF-8 can start or end with when it starts or ends with one of them:
# the ASCII ones themselves, or any byte of a multi-byte character (checked, not decided: such a
# column is trimmed).
_EDGE = np.zeros(256, dtype=bool)
_EDGE[[ord(c) for c in PY_WHITESPACE if ord(c) < 128]] = True
_EDGE[128:] = True
_QUOTE, _COMMA, _NL = 34, 44, 10
# bytes checked at a time: a boolean mask of a 200 MB file would be its size again
BLOCK = 1 << 24


def read(raw, offsets: np.ndarray, *, text_dtype, max_columns: int, first_line: int = 0,
         one_chunk: bool = False) -> pd.DataFrame | None:
    """The frame :func:`scoring.load.validate._parse_lines` would give for ``raw`` (``\\n`` line
    ends, no byte-order mark), or None when this file needs the line-by-line reader.
    ``raw``: bytes or any buffer of them (a block of a file read into a reused buffer).
    ``offsets`` are the lines' start offsets followed by the end of the data. ``first_line`` is
    added to the rows' line numbers (a block of a file read as a stream: its header, then the
    lines that follow line ``first_line + 1`` of the file). ``one_chunk`` joins each column's
    chunks: the checks of a 600k-row block take 1.38 s instead of 2.24 s, for a copy of the
    block's cells (a whole 1M-row file read this way peaked at 1,161 MiB instead of 952 MiB)."""
    n_lines = len(offsets) - 1
    view = np.frombuffer(raw, dtype=np.uint8)
    # (\r: for a caller that left line ends as they were)
    if n_lines < 2 or has_byte(view, 0) or has_byte(view, 13) or not _utf8(raw):
        return None
    lengths = np.diff(offsets)
    if int(lengths.max()) > csv.field_size_limit():
        return None
    header_text = bytes(raw[offsets[0]:offsets[1]]).decode("utf-8")     # valid: checked above
    if not header_text.strip():
        return None
    try:
        header = next(csv.reader([header_text.rstrip("\n")], strict=True))
    except (csv.Error, StopIteration):
        return None
    width = len(header)
    if width < 2 or width > max_columns:
        return None
    header = [h.strip().lstrip("\ufeff") for h in header]
    if len(set(header)) < width:         # a repeated name: the line reader says which
        return None
    if not _rows_are_lines(view, offsets):
        return None
    # the data lines: every non-empty line after the header (Arrow skips the empty ones)
    content = lengths[1:] - (view[offsets[2:] - 1] == _NL)
    data_lines = np.flatnonzero(content > 0) + 2          # 1-based line numbers
    body = pa.py_buffer(raw)[int(offsets[1]):]
    names = [f"c{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=True, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(delimiter=",", quote_char='"', double_quote=True, escape_char=False,
                                             newlines_in_values=False, ignore_empty_lines=True,
                                             invalid_row_handler=_refuse),
            convert_options=pacsv.ConvertOptions(column_types={c: pa.large_string() for c in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except pa.ArrowInvalid:        # a row of another width than the header's
        return None
    if table.num_rows != len(data_lines):
        return None
    columns = {}
    blank = None
    for name, label in zip(names, header):
        col = table.column(name)
        table = table.drop_columns([name])
        if _maybe_padded(col):                  # trimmed only where it may be needed (a copy)
            col = pc.utf8_trim(col, characters=PY_WHITESPACE)
        empty = pc.equal(pc.binary_length(col), 0)
        blank = empty if blank is None else pc.and_(blank, empty)
        columns[label] = col
    keep = pc.invert(blank)
    if not pc.all(keep).as_py():                  # rows whose every cell is blank are skipped
        columns = {k: v.filter(keep) for k, v in columns.items()}
        data_lines = data_lines[keep.to_numpy(zero_copy_only=False)]
    if one_chunk:
        # one chunk per column: Arrow's `take` (pandas' boolean .loc, the rejected rows' cells)
        # joins a chunked column's chunks on every call, and the checks' Arrow views joined them
        # again (one column at a time, each chunked original dropped as its copy is made)
        for k in list(columns):
            if columns[k].num_chunks > 1:
                columns[k] = pa.chunked_array([columns[k].combine_chunks()])
    frame = pd.DataFrame({k: pd.array(v, dtype=text_dtype) for k, v in columns.items()}, copy=False)
    frame["_line"] = data_lines.astype("int64") + first_line
    frame.attrs["ragged"] = []
    return frame


def _maybe_padded(col: pa.ChunkedArray) -> bool:
    """Whether some cell of the column may start or end with whitespace, from the first and last
    byte of every cell (a regular expression over ten million cells per column took 8 s)."""
    for chunk in col.chunks:
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64)[chunk.offset:chunk.offset + len(chunk) + 1]
        data = chunk.buffers()[2]
        if data is None:
            continue
        data = np.frombuffer(data, dtype=np.uint8)
        filled = offsets[1:] > offsets[:-1]
        if _EDGE[data[offsets[:-1][filled]]].any() or _EDGE[data[offsets[1:][filled] - 1]].any():
            return True
    return False


def has_byte(view: np.ndarray, byte: int) -> bool:
    """Whether the bytes hold ``byte``: C's memchr where the C library is at hand (a comparison
    of the whole array would allocate a mask its size)."""
    if _MEMCHR is not None:
        return bool(view.size) and _MEMCHR(view.ctypes.data, byte, view.size) is not None
    return bool((view == byte).any())


def _memchr():
    try:
        f = ctypes.CDLL(None).memchr
    except (OSError, AttributeError):
        return None
    f.restype, f.argtypes = ctypes.c_void_p, (ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t)
    return f


_MEMCHR = _memchr()


def _utf8(raw) -> bool:
    """Whether the bytes are valid UTF-8: Arrow's validation of one string holding all of them
    (no copy; 20 ms for 200 MB)."""
    ends = pa.py_buffer(np.array([0, len(raw)], dtype=np.int64))
    try:
        pa.LargeStringArray.from_buffers(1, ends, pa.py_buffer(raw)).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _refuse(row) -> str:
    return "error"        # a row of another width: the reading stops (ArrowInvalid), we decline


def _rows_are_lines(view: np.ndarray, offsets: np.ndarray) -> bool:
    """True when no quoted field crosses a line end and every quote stands where ``csv``'s
    strict mode accepts it (see the module's docstring). Only the quotes are looked at."""
    n = len(offsets) - 1
    at = 0
    while at < n:
        # a block of whole lines: quoted spans never cross its edges once each line is even
        stop = int(np.searchsorted(offsets, offsets[at] + BLOCK, side="right")) - 1
        stop = min(max(stop, at + 1), n)
        lo, hi = int(offsets[at]), int(offsets[stop])
        part = view[lo:hi]
        quotes = np.flatnonzero(part == _QUOTE)
        if len(quotes):
            line_of = np.searchsorted(offsets[at:stop] - lo, quotes, side="right") - 1
            if (np.bincount(line_of) & 1).any():
                return False                         # a quoted field runs over a line end
            opening = quotes[0::2]                   # an even count before it: opens a quoted span
            closing = quotes[1::2]
            before = np.where(opening > 0, part[np.maximum(opening - 1, 0)], _NL)
            after = np.where(closing + 1 < len(part), part[np.minimum(closing + 1, len(part) - 1)], _NL)
            if not (np.isin(before, (_COMMA, _NL, _QUOTE)).all() and np.isin(after, (_COMMA, _NL, _QUOTE)).all()):
                return False
            # a quote right after a quote opens a span only as the second of an escaped pair ("")
            glued = opening[before == _QUOTE]
            if len(glued) and not np.isin(glued - 1, closing).all():
                return False
        at = stop
    return True
