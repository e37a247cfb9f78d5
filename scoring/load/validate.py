"""Row validation shared by the build (strict) and the importers (lenient).

A file is read as text (every column a string, blanks kept as ''), then each declared
:class:`Field` is checked column-wise. The result is the good rows, converted to their
types, and one :class:`Reject` per bad row naming its line, field and reason. The build
stops on the first reject; an import keeps the good rows and records the rejects.
"""

from __future__ import annotations

import collections
import contextlib
import csv
import ctypes
import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scoring.errors import DataError, FormatError
from scoring.load import fast_csv

# A file's cells: pandas' default string dtype with Arrow storage, named rather than left to the
# global option (the dashboard stores its own small frames' strings as Python objects, which
# would cost several times the memory for a large upload parsed in the server).
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)
DATES = pd.ArrowDtype(pa.date32())


@dataclass(frozen=True)
class Field:
    """One column's rule.

    kind: ``str``, ``int``, ``float``, ``date`` (YYYY-MM-DD), ``month`` (YYYY-MM or YYYY-MM-DD)
    or ``choice``. ``required`` refuses blanks; ``choices`` limits values; ``min``/``max``
    bound numbers; ``pattern`` is a regular expression the whole value must match.
    """

    name: str
    kind: str = "str"
    required: bool = False
    choices: Sequence[str] | None = None
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    unique: bool = False


@dataclass(frozen=True)
class Reject:
    line: int
    field: str | None
    reason: str
    raw: str

    def message(self, file) -> str:
        where = f"{file}, line {self.line}"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.reason}"


@dataclass
class Checked:
    """Good rows (typed) and the rejects of one file."""

    rows: pd.DataFrame
    rejects: list[Reject] = field(default_factory=list)


def read_text_csv(path, *, encoding: str | None = None, required_columns: Sequence[str] = ()) -> pd.DataFrame:
    """Read a CSV with every cell as text. Adds ``_line`` (1-based line of the row, header = 1).

    Raises FormatError naming the file when it cannot be decoded or parsed, or when a
    required column is missing.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FormatError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    text = decode_bytes(raw, path, encoding)
    return parse_text_csv(text, path, required_columns=required_columns)


def decode_bytes(raw: bytes, path, encoding: str | None = None) -> str:
    """UTF-16 (with or without BOM), else UTF-8 (with or without BOM); a file that is not valid
    UTF-8 is decoded line by line (a line that is not UTF-8 is read as Windows-1252/Latin-1), so
    one stray Latin-1 byte never turns every 'Culiacán' of a UTF-8 file into 'CuliacÃ¡n'."""
    utf16 = _utf16(raw)
    if encoding is None and utf16:
        try:
            return raw.decode(utf16).lstrip("\ufeff")
        except UnicodeDecodeError as exc:
            raise FormatError(f"{path}: looks like UTF-16 text but is not valid UTF-16 at byte {exc.start}") from None
    if b"\x00" in raw[:4096]:
        raise FormatError(f"{path}: is a binary file, not CSV text")
    if encoding:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise FormatError(f"{path}: not valid {encoding} at byte {exc.start}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        if not _mostly_text(raw):
            _bad_encoding(path)
    return "\n".join(_decode_line(line) for line in raw.split(b"\n")).lstrip("\ufeff")


def _decode_line(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("cp1252", errors="replace")


def _utf16(raw: bytes) -> str | None:
    """'utf-16' for a file with a UTF-16 byte-order mark, 'utf-16-le'/'-be' for one without whose
    every other byte is zero (CSV text is mostly ASCII), else None."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    sample = raw[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) >= 0.6 * len(odd) and even.count(0) <= 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) >= 0.6 * len(even) and odd.count(0) <= 0.05 * len(odd):
        return "utf-16-be"
    return None


def _mostly_text(raw: bytes) -> bool:
    sample = raw[:65536]
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return control <= len(sample) * 0.001


def _bad_encoding(path):
    raise FormatError(f"{path}: is neither UTF-8 nor Latin-1 text")


# A header wider than this is not a table of ours (and an attack on the parser's time).
MAX_COLUMNS = 1000


def _csv_problem(exc: csv.Error) -> str:
    text = str(exc)
    if "end of data" in text:
        return "opens a quote that is never closed; the row is skipped"
    if "field larger than field limit" in text:
        return f"has a field longer than {csv.field_size_limit():,} characters; the row is skipped"
    return f"is not valid CSV ({text}); the row is skipped"


# Rows are turned into string columns this many at a time, so a file's cells never all live as
# Python strings at once (a 200 MB file would take about 2 GB that way).
CHUNK_ROWS = 10_000


def parse_text_csv(text: str, path, *, required_columns: Sequence[str] = ()) -> pd.DataFrame:
    """Parse CSV text into an all-string frame with a ``_line`` column."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise FormatError(f"{path}: is empty")
    # Lines are slices of the text by offset (no list of every line is kept).
    offsets = [0] + [m.end() for m in re.finditer("\n", text)]
    if offsets[-1] < len(text):
        offsets.append(len(text))

    def line(k: int) -> str:
        return text[offsets[k]:offsets[k + 1]]

    return _parse_lines(line, len(offsets) - 1, path, required_columns)


def parse_csv_bytes(raw: bytes, path, *, required_columns: Sequence[str] = (), fast: bool = True) -> pd.DataFrame:
    """:func:`parse_text_csv` of a file's bytes, decoding one line at a time.

    The same reading as ``parse_text_csv(decode_bytes(raw))`` (UTF-16 with or without BOM;
    UTF-8 with or without BOM; a line that is not UTF-8 read as Windows-1252), without ever
    holding the decoded text of the whole file: a 220 MB UTF-8 file with one accented letter is
    440 MB of Python text (two bytes a character), which with the bytes and the parsed columns
    made most of an import's peak memory. Line offsets are kept in a numpy array.
    """
    if _utf16(raw):                       # rare: decoded whole, then read as UTF-8 lines
        raw = decode_bytes(raw, path).encode("utf-8")
    elif b"\x00" in raw[:4096]:
        raise FormatError(f"{path}: is a binary file, not CSV text")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if not raw or raw.isspace():       # (not raw.strip(): a copy of the whole file)
        raise FormatError(f"{path}: is empty")
    offsets = line_offsets(raw)
    # Arrow's reader where it provably splits rows as the lines below do (`fast=False` for tests)
    frame = fast_csv.read(raw, offsets, text_dtype=TEXT, max_columns=MAX_COLUMNS) if fast else None
    if frame is not None:
        _check_header([c for c in frame.columns if c != "_line"], path, required_columns)
        return frame
    checked = [False]

    def line(k: int) -> str:
        b = raw[offsets[k]:offsets[k + 1]]
        try:
            return b.decode("utf-8")
        except UnicodeDecodeError:
            if not checked[0]:
                checked[0] = True
                if not _mostly_text(raw):
                    _bad_encoding(path)
            return b.decode("cp1252", errors="replace")

    return _parse_lines(line, len(offsets) - 1, path, required_columns)


def line_offsets(raw: bytes) -> np.ndarray:
    """Where each line of ``raw`` starts, followed by the end of the data (``\\n`` line ends)."""
    ends = [np.zeros(1, dtype=np.int64)]
    view = np.frombuffer(raw, dtype=np.uint8)
    block = 1 << 24
    for at in range(0, len(view), block):    # by block: a boolean mask of the whole file is its size again
        ends.append(np.flatnonzero(view[at:at + block] == 10).astype(np.int64) + at + 1)
    offsets = np.concatenate(ends)
    if offsets[-1] < len(raw):
        offsets = np.append(offsets, len(raw))
    return offsets


def _parse_lines(line: Callable[[int], str], n: int, path, required_columns: Sequence[str]) -> pd.DataFrame:
    """The CSV reader over ``n`` physical lines given by ``line(k)`` (each with its newline).

    csv.reader yields logical rows; a quoted field may span several physical lines, so
    record the physical line each row starts on. A row the reader cannot parse (a quote
    never closed, a field over the size limit), or a row spanning several lines whose width
    is wrong (a stray quote that swallowed the lines after it), is rejected on its first
    line and reading goes on from the next physical line: one bad row never costs the file.
    """
    first = line(0) if n else ""
    if '"' not in first and first.count(",") >= MAX_COLUMNS:   # refused before splitting it
        raise FormatError(f"{path}: has {first.count(',') + 1:,} columns in its header; at most "
                          f"{MAX_COLUMNS:,} are read (is this the right file?)")
    consumed = [0]

    def feed(start):
        for k in range(start, n):
            consumed[0] = k + 1
            yield line(k)

    header: list[str] | None = None
    width = None
    broken, ragged = [], []
    chunk: list[list[str]] = []
    chunk_lines: list[int] = []
    frames: list[pd.DataFrame] = []

    def flush():
        if chunk:
            f = pd.DataFrame(chunk, columns=header, dtype=TEXT)
            f["_line"] = np.asarray(chunk_lines, dtype="int64")
            frames.append(f)
            chunk.clear()
            chunk_lines.clear()

    def take(row: list[str], at: int) -> None:
        nonlocal header
        if header is None:
            header = [h.strip().lstrip("\ufeff") for h in row]
            _check_header(header, path, required_columns)
            return
        if not row or all(not c.strip() for c in row):
            return
        if len(row) != width:
            ragged.append(Reject(at, None, f"has {len(row)} fields, expected {width}", ",".join(row)))
            return
        chunk.append([c.strip() for c in row])
        chunk_lines.append(at)
        if len(chunk) >= CHUNK_ROWS:
            flush()

    i = 0
    while i < n:
        reader = csv.reader(feed(i), strict=True)
        row_start = i
        restart = None
        try:
            for row in reader:
                if width is None:
                    width = len(row)
                    if width > MAX_COLUMNS:
                        raise FormatError(f"{path}: has {width:,} columns in its header; at most "
                                          f"{MAX_COLUMNS:,} are read (is this the right file?)")
                elif consumed[0] - row_start > 1 and len(row) != width and any(c.strip() for c in row):
                    broken.append(Reject(row_start + 1, None, f"has {len(row)} fields, expected {width}, in a "
                                         f"quoted field running over {consumed[0] - row_start} lines; the row "
                                         "is skipped", line(row_start).rstrip("\n")))
                    restart = row_start + 1
                    break
                take(row, row_start + 1)
                row_start = consumed[0]
        except csv.Error as exc:
            if width is None:
                raise FormatError(f"{path}: is not valid CSV (line {row_start + 1}: {exc})") from None
            span = consumed[0] - row_start
            why = (f"opens a quote that runs over {span} lines and is not closed properly; the row is skipped"
                   if span > 1 else _csv_problem(exc))
            broken.append(Reject(row_start + 1, None, why, line(row_start).rstrip("\n")))
            restart = row_start + 1
        if restart is None:
            break
        i = restart
    if header is None:
        raise FormatError(f"{path}: is empty")
    flush()
    if frames:
        df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    else:
        df = pd.DataFrame(columns=header, dtype=TEXT)
        df["_line"] = np.asarray([], dtype="int64")
    df.attrs["ragged"] = sorted(broken + ragged, key=lambda r: r.line)
    return df


def _check_header(header: list[str], path, required_columns: Sequence[str]) -> None:
    missing = [c for c in required_columns if c not in header]
    if missing:
        raise FormatError(
            f"{path}: missing column(s) {', '.join(repr(m) for m in missing)}; "
            f"the header has {', '.join(repr(h) for h in header[:12])}"
        )
    if len(set(header)) != len(header):
        counts = collections.Counter(header)
        dup = sorted(h for h, k in counts.items() if k > 1)
        raise FormatError(f"{path}: repeated column name(s) {dup}")


# A count or code as written: digits, thousands commas removed, at most a '.0' an export adds.
WHOLE_NUMBER = r"[+-]?\d+(\.0*)?"
# No record of ours predates 1900; a date more than a month ahead is a typo or an attack (it
# would move every default as-of date).
DATE_MIN = dt.date(1900, 1, 1)
FUTURE_DAYS = 31


def date_max() -> dt.date:
    """The latest date a row may carry: today plus a month (publication dates run a little ahead)."""
    return dt.date.today() + dt.timedelta(days=FUTURE_DAYS)


def current_month() -> tuple[int, int]:
    today = dt.date.today()
    return today.year, today.month


def date_out_of_range(parsed: pd.Series, raw: pd.Series) -> pd.Series:
    """Per row: '' for a date from 1900 to :func:`date_max`, else the reason (NaT counts as '')."""
    early = parsed.notna() & (parsed < pd.Timestamp(DATE_MIN))
    late = parsed.notna() & (parsed > pd.Timestamp(date_max()))
    reason = pd.Series("", index=parsed.index, dtype="str")
    if early.any():
        reason = reason.mask(early, "date " + raw[early].map(repr) + " is before 1900")
    if late.any():
        reason = reason.mask(late, "date " + raw[late].map(repr) + f" is in the future (after {date_max()})")
    return reason


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH_RE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


def repeated(s: pd.Series) -> np.ndarray:
    """True for each value that an earlier row already holds (``Series.duplicated``; missing
    cells count as one value), from a sort of the column in Arrow: equal values end up side by
    side, and in each run of equal values every row but the earliest is a repeat.

    On a million Arrow-backed ids this takes 0.07 s and 40 MB more memory. ``pd.factorize``
    (what this did before) took 0.87 s and 284 MB: it made a Python object per cell, and it set
    the peak memory of a 200 MB import's checks; ``pc.dictionary_encode`` took 0.19 s and 257 MB."""
    arr = arrow_text(s)
    n = len(arr)
    out = np.zeros(n, dtype=bool)
    if n == 0:
        return out
    nulls = np.flatnonzero(arr.is_null().to_numpy(zero_copy_only=False))
    out[nulls[1:]] = True
    order = pc.array_sort_indices(arr, null_placement="at_end").to_numpy()[:n - len(nulls)]
    if len(order) < 2:
        return out
    ordered = arr.take(order)
    same = pc.equal(ordered.slice(1), ordered.slice(0, len(ordered) - 1)).to_numpy(zero_copy_only=False)
    starts = np.flatnonzero(np.r_[True, ~same])
    earliest = np.minimum.reduceat(order, starts)          # whatever order the sort left within a run
    run = np.cumsum(np.r_[True, ~same]) - 1
    out[order] = order != earliest[run]
    return out


def arrow_text(s: pd.Series, missing: str | None = None) -> pa.Array:
    """A text column as one Arrow array (a file's columns come in chunks); ``missing`` fills
    its missing cells when given."""
    arr = pa.array(s, type=pa.large_string(), from_pandas=True)
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    return arr if missing is None else pc.fill_null(arr, missing)


def _numbers(s: pd.Series, blank: pd.Series) -> pd.Series:
    """The cells as numbers (thousands commas dropped; NaN for blanks and for text that is not a
    number): Arrow's cast when every cell parses (it reads the same numbers as pandas, ten times
    faster on a large file), else ``pd.to_numeric``, which gives NaN for the cells it cannot read."""
    try:
        arr = pc.replace_substring(arrow_text(s), ",", "")
        arr = pc.if_else(pa.array(blank.to_numpy(dtype=bool)), pa.scalar(None, pa.large_string()), arr)
        num = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
        # beyond 2**53 a float is not the integer written, which to_numeric keeps exact
        if not (np.abs(num[np.isfinite(num)]) >= 2**53).any():
            return pd.Series(num, index=s.index)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    return pd.to_numeric(s.str.replace(",", "", regex=False).where(~blank), errors="coerce")


def _check_column(s: pd.Series, f: Field, earlier: np.ndarray | None = None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Return (bad mask, reason per row, converted values) for one column. ``earlier`` (for a
    ``unique`` field): True for each value an earlier block of the same file already holds."""
    blank = s.eq("")
    bad = pd.Series(False, index=s.index)
    reason = None          # made at the first bad row (a column of '' per check cost 0.13 s a block)

    def flag(mask, text):
        """Mark ``mask``'s rows not yet bad with ``text``: a string, or a function of the rows'
        raw values giving one reason each, called on those rows only (building a reason for
        every row of a million-row file, most of them good, was most of the check's memory)."""
        nonlocal bad, reason
        new = mask & ~bad
        if not new.any():
            return
        if reason is None:
            reason = pd.Series("", index=s.index, dtype="str")
        reason = reason.mask(new, text if isinstance(text, str) else text(s[new]))
        bad = bad | new

    if f.required:
        flag(blank, "is required but empty")
    value = s
    if f.kind in ("int", "float"):
        num = _numbers(s, blank)
        # 'inf', 'nan' and '1e999' parse as floats but are not numbers a file can mean
        num = num.where(np.isfinite(num.astype("float64")))
        flag(~blank & num.isna(), lambda v: "is not a number: " + v.map(repr))
        if f.kind == "int":
            # '2030.5', '2e3' and '1e300' are not whole numbers as written, whatever they round to
            shaped = s.str.replace(",", "", regex=False).str.fullmatch(WHOLE_NUMBER)
            frac = ~blank & num.notna() & (~shaped | (num != np.floor(num.fillna(0))))
            flag(frac, lambda v: "is not a whole number: " + v.map(repr))
            num = num.where(~frac)  # a fraction cannot become Int64 (the row is rejected anyway)
            huge = num.notna() & (num.abs() > 2**53)
            flag(huge, lambda v: "is too large: " + v.map(repr))
            num = num.where(~huge)
        if f.min is not None:
            flag(num.notna() & (num < f.min), lambda v: f"must be >= {f.min:g}, got " + v)
        if f.max is not None:
            flag(num.notna() & (num > f.max), lambda v: f"must be <= {f.max:g}, got " + v)
        value = num.astype("Int64") if f.kind == "int" else num.astype("float64")
    elif f.kind in ("date", "month"):
        rx = _DATE_RE if f.kind == "date" else _MONTH_RE
        shaped = s.str.match(rx)
        padded = s.where(s.str.len() > 7, s + "-01")
        parsed = pd.to_datetime(padded.where(~blank & shaped), format="%Y-%m-%d", errors="coerce")
        # pandas 3 parses year 0 (microsecond resolution), which no Python date can hold
        parsed = parsed.where(parsed.dt.year >= 1)
        want = "YYYY-MM-DD" if f.kind == "date" else "YYYY-MM"
        flag(~blank & parsed.isna(), lambda v: f"is not a valid date ({want}): " + v.map(repr))
        out_of_range = date_out_of_range(parsed, s)
        flag(out_of_range.ne(""), lambda v: out_of_range[v.index])
        # Arrow dates (4 bytes each, read back as datetime.date), not a Python object per row
        value = parsed.astype(DATES) if f.kind == "date" else s
    if f.choices is not None:
        allowed = set(f.choices)
        listed = ", ".join(sorted(allowed)) if len(allowed) <= 16 else f"{len(allowed)} known values"
        flag(~blank & ~s.isin(allowed), lambda v: v.map(repr) + f" is not one of: {listed}")
    if f.pattern is not None:
        flag(~blank & ~s.str.fullmatch(f.pattern), lambda v: v.map(repr) + f" does not match {f.pattern}")
    if f.unique:
        rep = repeated(s) if earlier is None else repeated(s) | earlier
        dup = ~blank & pd.Series(rep, index=s.index)
        flag(dup, lambda v: "repeats the id " + v.map(repr) + " of an earlier row")
    if f.kind == "str":
        # blanks become missing; a column without any stays the same array (no copy)
        value = s.where(~blank, None) if blank.any() else s
    return bad, reason, value


# glibc's mallopt parameters
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3


@contextlib.contextmanager
def reusing_memory():
    """Within the block: memory the process frees is kept for its next allocations, not handed
    back to the system (glibc's trim and mmap thresholds raised; memory is released at the end).

    A large import allocates and frees the same few hundred MB for every block of rows. Each
    array over glibc's mmap threshold was mapped and unmapped, and each free at the heap's top
    trimmed, so every block touched fresh pages; on a virtual machine that takes them from its
    host, ten million events spent 41.8 s in the kernel, 24.9 s with the thresholds raised.
    Arrow's own allocator (mimalloc) returns freed pages within milliseconds: within the block,
    Arrow allocates from the C library's heap instead (the import: 67 s, then 54 s)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):          # not glibc
        yield
        return
    mallopt(_M_TRIM_THRESHOLD, 1 << 30)
    mallopt(_M_TOP_PAD, 64 << 20)
    mallopt(_M_MMAP_THRESHOLD, 32 << 20)       # glibc's largest
    arrow_pool = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(arrow_pool)
        mallopt(_M_TRIM_THRESHOLD, 128 << 10)  # glibc's defaults
        mallopt(_M_TOP_PAD, 128 << 10)
        mallopt(_M_MMAP_THRESHOLD, 128 << 10)
        release_memory()
        pa.system_memory_pool().release_unused()


def release_memory() -> None:
    """Return freed memory to the system: Arrow's allocator and glibc's keep freed pages for
    reuse, so the peak of one step of a large import stayed resident through the next ones."""
    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):      # not glibc: nothing to trim
        pass


def check_frame(df: pd.DataFrame, fields: Sequence[Field], *, extra: Callable | None = None,
                consume: bool = False, repeats: dict[str, np.ndarray] | None = None) -> Checked:
    """Validate every declared field; return typed good rows and one reject per bad row.

    ``extra(good_rows) -> (bad_mask, field, reason series)`` may add cross-field checks.
    ``consume`` empties ``df`` (its columns dropped, its index kept) once the rejected rows'
    text is taken from it: the file's cells as read and the typed rows were both resident
    through the rest of a parse, 333 MB and 301 MB for a 200 MB events file. ``repeats`` gives,
    for a ``unique`` field of a file checked block by block, the rows whose value an earlier block
    holds (they are repeats as much as those within the block).
    """
    columns = {}
    first_bad = pd.Series(False, index=df.index)
    first_field = first_reason = None      # made at the first bad row

    def first(bad, fname, reason):
        """Record ``fname`` and ``reason`` for the rows ``bad`` marks that no earlier check did."""
        nonlocal first_bad, first_field, first_reason
        new = bad & ~first_bad
        if not new.any():
            return
        if first_field is None:
            first_field = pd.Series("", index=df.index, dtype="str")
            first_reason = pd.Series("", index=df.index, dtype="str")
        first_field = first_field.mask(new, fname)
        first_reason = first_reason.mask(new, reason)
        first_bad = first_bad | new

    for f in fields:
        if f.name not in df.columns:
            if f.required:
                raise FormatError(f"missing required column '{f.name}'")
            continue
        bad, reason, value = _check_column(df[f.name], f, (repeats or {}).get(f.name))
        first(bad, f.name, reason)
        columns[f.name] = value
    # no copy of the checked columns (a million rows: hundreds of MB each time), and the rows
    # filtered only when some are bad
    out = pd.DataFrame(columns, index=df.index, copy=False)
    columns.clear()
    out["_line"] = df["_line"]
    if extra is not None:
        first(*extra(out, df))
    rejects = list(df.attrs.get("ragged", []))
    if first_bad.any():
        # the rows as read, cell by cell as plain Python strings (a pandas cell lookup each cost
        # 10 s for 24,000 rejected rows of a ten-million-row file)
        cells = [df.loc[first_bad, c].astype(str).to_numpy(dtype=object) for c in df.columns if c != "_line"]
        raw = [",".join(r) for r in zip(*cells)] if cells else [""] * int(first_bad.sum())
        for line, fname, reason, r in zip(
            df.loc[first_bad, "_line"], first_field[first_bad], first_reason[first_bad], raw
        ):
            rejects.append(Reject(int(line), fname or None, reason, r))
    rejects.sort(key=lambda r: r.line)
    if consume:
        for c in list(df.columns):
            del df[c]
        release_memory()
    if first_bad.any():
        # filtered one column at a time, each dropped once copied: never two copies of the rows
        keep = ~first_bad.to_numpy()
        release_memory()
        parts = {}
        for c in list(out.columns):
            parts[c] = out[c].array[keep]
            del out[c]
        out = pd.DataFrame(parts, copy=False)
    return Checked(out.reset_index(drop=True), rejects)


def strict(checked: Checked, file) -> pd.DataFrame:
    """For repository files: any reject stops the build with the first one's location."""
    if checked.rejects:
        r = checked.rejects[0]
        more = f" (and {len(checked.rejects) - 1} more bad rows)" if len(checked.rejects) > 1 else ""
        raise DataError(file, r.reason + more, line=r.line, field=r.field)
    return checked.rows
