"""Arrow's CSV reader (scoring/load/fast_csv.py) gives the line-by-line reader's frame, or declines.

Every case is read both ways through ``parse_csv_bytes`` (``fast=False`` forces the line-by-line
reader): wherever the fast reader accepts a file, the cells, their lines and the (absent)
rejects must be the same. Random files from an alphabet of the characters that matter to CSV
(quotes, commas, line ends, spaces, accented and non-UTF-8 bytes) check that it never accepts
a file it would read differently; the well-formed cases check that it does accept them (a
reader that always declined would pass the first test and speed nothing up).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.errors import FormatError
from scoring.load import fast_csv
from scoring.load.validate import MAX_COLUMNS, TEXT, parse_csv_bytes

HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"


def both(raw: bytes):
    def read(fast):
        try:
            df = parse_csv_bytes(raw, "t.csv", fast=fast)
        except FormatError as exc:
            return ("error", str(exc))
        return (df.to_dict("list"), list(df.columns), [(r.line, r.field, r.reason) for r in df.attrs["ragged"]])
    return read(True), read(False)


def accepts(raw: bytes) -> bool:
    """Whether the fast reader takes this (already normalised) file."""
    ends = np.flatnonzero(np.frombuffer(raw, dtype=np.uint8) == 10) + 1
    offsets = np.concatenate([[0], ends]).astype(np.int64)
    if offsets[-1] < len(raw):
        offsets = np.append(offsets, len(raw))
    return fast_csv.read(raw, offsets, text_dtype=TEXT, max_columns=MAX_COLUMNS) is not None


def test_the_whitespace_trimmed_is_pythons():
    assert set(fast_csv.PY_WHITESPACE) == {chr(c) for c in range(0x110000) if chr(c).isspace()}


WELL_FORMED = [
    b"a,b,c\n1,2,3\n",
    b"a,b,c\n1,2,3",                                             # no final line end
    b'a,b,c\n1,"x, y",3\n"",  spaced  ,"q ""quoted"" text"\n',   # commas, blanks, escaped quotes
    b"a,b,c\n1,2,3\n\n\n4,5,6\n,,\n  ,\t, \n7,8,9\n",              # empty and blank lines skipped
    '"Estado","Año",n\nMichoacán,2024,\u00a03\u3000\n'.encode(),  # quoted header, Unicode spaces
    b'a,b,c\n"""",x"y,""""""\n',                                 # quotes only, a quote inside a field
    "\ufeffEstado,Año,n\r\nSinaloa,2024,1\r\nCuliacán,2024,\r\n".encode(),   # BOM and CRLF
]


@pytest.mark.parametrize("raw", WELL_FORMED, ids=range(len(WELL_FORMED)))
def test_well_formed_files_take_the_fast_reader_and_read_the_same(raw):
    fast, slow = both(raw)
    assert fast == slow
    norm = raw.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
    if b'x"y' not in raw:        # a quote inside an unquoted field is left to the line reader
        assert accepts(norm)


DECLINED = {
    "quote glued to text": b'a,b,c\n1,"x"y,3\n',
    "space before a quote": b'a,b,c\n1, "x",3\n',
    "space after a closing quote": b'a,b,c\n1,"x" ,3\n',
    "quoted line end": b'a,b,c\n1,"two\nlines",3\n',
    "never closed": b'a,b,c\n1,"open,3\n4,5,6\n',
    "too few fields": b"a,b,c\n1,2\n4,5,6\n",
    "trailing comma": b"a,b,c\n1,2,3,\n",
    "Latin-1 byte": b"a,b,c\n1,2,\xe9\n",
    "NUL byte": b"a,b,c\n1,\x00,3\n",
    "field over the limit": b"a,b,c\n1,2," + b"x" * 200_000 + b"\n",
    "one column": b"a\n1\n",
    "repeated column name": b"a,b,a\n1,2,3\n",
}


@pytest.mark.parametrize("name", DECLINED)
def test_files_it_could_misread_are_left_to_the_line_reader(name):
    raw = DECLINED[name]
    assert not accepts(raw)
    fast, slow = both(raw)
    assert fast == slow


@pytest.mark.parametrize("path", sorted(HOSTILE.glob("*.csv")), ids=lambda p: p.name)
def test_hostile_corpus_reads_the_same(path):
    fast, slow = both(path.read_bytes())
    assert fast == slow


ALPHABET = st.sampled_from([b"a", b"1", b" ", b",", b",", b'"', b'"', b"\n", b"\n", b"\r", b"\t",
                            "é".encode(), b"\xe9", b"\xa0", "\u3000".encode(), b"\x00", b"\x1c"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=st.sampled_from([b"a,b,c\n", b'"a","b,c",d\n', b"id,date,n,note\n"]),
       body=st.lists(ALPHABET, max_size=80))
def test_random_files_read_the_same_both_ways(header, body):
    fast, slow = both(header + b"".join(body))
    assert fast == slow


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.lists(st.text(alphabet=st.sampled_from(list('ab ,"\u00e9\t')), max_size=6),
                              min_size=3, max_size=3), min_size=1, max_size=8))
def test_files_written_by_a_csv_writer_are_taken_fast(rows):
    """What a spreadsheet or pandas writes (fields with commas and quotes quoted, quotes
    doubled) is read by Arrow, the same as line by line."""
    import csv
    import io
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["x", "y", "z"])
    w.writerows(rows)
    raw = buf.getvalue().encode()
    fast, slow = both(raw)
    assert fast == slow
    assert accepts(raw)


def test_frame_types_are_the_line_readers():
    raw = b"a,b,c\n1,2,3\n"
    df = parse_csv_bytes(raw, "t.csv")
    slow = parse_csv_bytes(raw, "t.csv", fast=False)
    assert list(df.dtypes) == list(slow.dtypes)
    pd.testing.assert_frame_equal(df, slow)
