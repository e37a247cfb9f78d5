"""Row validation (scoring/validate.py): decoding, CSV parsing, per-field rules, strictness."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from scoring.errors import DataError, FormatError
from scoring.load.validate import (
    Field,
    check_frame,
    decode_bytes,
    parse_csv_bytes,
    parse_text_csv,
    read_text_csv,
    strict,
)


def frame(text: str) -> pd.DataFrame:
    return parse_text_csv(text, "t.csv")


HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
BYTE_CASES = [
    b"a,b,c\n1,2,3\n",
    "\ufeffEstado,Año,n\r\nSinaloa,2024,1\r\nCuliacán,2024,\r\n".encode(),
    b"a,b,c\rx,y,z\r",
    b"a,b,c\n1,\"two\nlines\",3\n4,5,6\n",
    b"a,b,c\n1,\"never closed,3\n4,5,6\n7,8,9\n",
    b"a,b,c\n1,2\n1,2,3,4\n,,\n5,6,7",
    "Estado,Municipio,n\nSinaloa,Culiacán,1\n".encode() + "Sinaloa,Culiacán,2\n".encode("latin-1"),
    "Estado,Año,n\nMichoacán,2024,3\n".encode("utf-16"),
    "Estado,Año,n\nMichoacán,2024,3\n".encode("utf-16-be"),
    *[f.read_bytes() for f in sorted(HOSTILE.glob("*.csv"))],
]


@pytest.mark.parametrize("raw", BYTE_CASES, ids=range(len(BYTE_CASES)))
def test_bytes_read_line_by_line_as_the_decoded_text(raw):
    """The import reads a file's bytes one line at a time (never the whole decoded text): the
    rows, lines and rejects are those of decoding the whole file first."""
    def read(fn):
        try:
            df = fn()
        except FormatError as exc:
            return ("error", str(exc))
        return (df.to_dict("list"), [(r.line, r.field, r.reason, r.raw) for r in df.attrs["ragged"]])

    whole = read(lambda: parse_text_csv(decode_bytes(raw, "t.csv"), "t.csv"))
    by_line = read(lambda: parse_csv_bytes(raw, "t.csv"))
    assert by_line == whole


# --- decoding --------------------------------------------------------------------------------

def test_decode_utf8_with_and_without_bom():
    assert decode_bytes("Año,ñ\n".encode(), "f") == "Año,ñ\n"
    assert decode_bytes("\ufeffAño\n".encode("utf-8"), "f") == "Año\n"


def test_decode_falls_back_to_latin1_for_official_files():
    assert decode_bytes("Año,Michoacán de Ocampo\r\n".encode("latin-1"), "f") == "Año,Michoacán de Ocampo\r\n"


def test_decode_refuses_binary_and_wrong_explicit_encoding():
    with pytest.raises(FormatError, match="binary"):
        decode_bytes(b"PK\x03\x04\x00\x00", "f.zip")
    with pytest.raises(FormatError, match="not valid utf-8"):
        decode_bytes("Año".encode("latin-1"), "f", "utf-8")


def test_decode_refuses_control_character_soup():
    noise = bytes([0xFF, 0x01, 0x02, 0x03, 0x04, 0x05]) * 200
    with pytest.raises(FormatError, match="neither UTF-8 nor Latin-1"):
        decode_bytes(noise, "f")


# --- parsing ---------------------------------------------------------------------------------

def test_parse_keeps_text_and_physical_lines():
    df = frame("a,b\n01,x\n\n02,y\n")
    assert df["a"].tolist() == ["01", "02"]  # never turned into numbers
    assert df["_line"].tolist() == [2, 4]    # header is line 1; the blank line still counts


def test_parse_line_numbers_survive_quoted_newlines():
    df = frame('a,b\n1,"two\nlines"\n2,z\n3,"x"\n')
    assert df["_line"].tolist() == [2, 4, 5]
    assert df.loc[0, "b"] == "two\nlines"


def test_parse_crlf_and_cr_line_ends():
    assert frame("a,b\r\n1,2\r\n3,4\r\n")["_line"].tolist() == [2, 3]
    assert frame("a,b\r1,2\r")["b"].tolist() == ["2"]


def test_parse_reports_ragged_rows_with_their_line():
    df = frame("a,b\n1,2\n3\n4,5,6\n")
    assert df["a"].tolist() == ["1"]
    ragged = df.attrs["ragged"]
    assert [(r.line, r.field) for r in ragged] == [(3, None), (4, None)]
    assert "has 1 fields, expected 2" in ragged[0].reason


@pytest.mark.parametrize("text, match", [
    ("", "is empty"),
    ("  \n\n", "is empty"),
    ("a,a\n1,2\n", "repeated column"),
])
def test_parse_refuses_unreadable_files(text, match):
    with pytest.raises(FormatError, match=match):
        frame(text)


def test_one_unparsable_row_is_rejected_not_the_file():
    # an unterminated quote, a field over csv's limit and a stray quote swallowing lines: each
    # is rejected on its own line and the rows around it are read
    long = "x" * 200_000
    df = frame(f'a,b\n1,2\n3,"unterminated\n4,5\n6,{long}\n7,8\n9,"stray\n10,11\n12,"ok"\n')
    assert df["a"].tolist() == ["1", "4", "7", "10", "12"]
    lines = {r.line: r.reason for r in df.attrs["ragged"]}
    assert sorted(lines) == [3, 5, 7]
    assert "quote" in lines[3] and "longer than 131,072" in lines[5] and "quote" in lines[7]
    df = frame('a,b\n1,2\n3,"x\n4,5\n')
    assert df["a"].tolist() == ["1", "4"] and "quote" in df.attrs["ragged"][0].reason


def test_a_header_of_a_million_columns_is_refused_quickly():
    import time

    t0 = time.perf_counter()
    with pytest.raises(FormatError, match="1,000,000 columns"):
        frame(",".join(f"c{i}" for i in range(1_000_000)) + "\n1,2\n")
    assert time.perf_counter() - t0 < 1.0


def test_read_text_csv_names_missing_columns(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"x\.csv: missing column\(s\) 'c'"):
        read_text_csv(p, required_columns=["a", "c"])
    with pytest.raises(FormatError, match="cannot be read"):
        read_text_csv(tmp_path / "absent.csv")


# --- field rules -------------------------------------------------------------------------------

def reasons(checked) -> dict[int, tuple[str | None, str]]:
    return {r.line: (r.field, r.reason) for r in checked.rejects}


def test_required_and_choices_and_pattern():
    df = frame("id,kind,code\nA1,x,01\n,x,01\nA3,zz,01\nA4,x,1\n")
    c = check_frame(df, [Field("id", required=True), Field("kind", choices=["x", "y"]),
                         Field("code", pattern=r"\d{2}")])
    r = reasons(c)
    assert c.rows["id"].tolist() == ["A1"]
    assert r[3] == ("id", "is required but empty")
    assert r[4][0] == "kind" and "'zz' is not one of: x, y" in r[4][1]
    assert r[5][0] == "code" and "does not match" in r[5][1]


def test_unique_flags_the_later_row():
    c = check_frame(frame("id\nA\nB\nA\n"), [Field("id", unique=True)])
    assert reasons(c) == {4: ("id", "repeats the id 'A' of an earlier row")}


@pytest.mark.parametrize("value, ok, fragment", [
    ("3", True, None),
    ("1,045", True, None),          # thousands separator
    ("", True, None),               # blank: missing, allowed when not required
    ("-1", False, "must be >= 0"),
    ("2.5", False, "is not a whole number"),
    ("x", False, "is not a number"),
    ("inf", False, "is not a number"),
    ("nan", False, "is not a number"),
    ("1e999", False, "is not a number"),
    ("99999999999999999999999", False, "is too large"),
    ("10001", False, "must be <= 10000"),
])
def test_int_field(value, ok, fragment):
    c = check_frame(frame(f"id,n\nA,\"{value}\"\n"), [Field("id"), Field("n", "int", min=0, max=10_000)])
    if ok:
        assert not c.rejects and len(c.rows) == 1
        assert str(c.rows["n"].dtype) == "Int64"
    else:
        assert len(c.rejects) == 1 and c.rejects[0].field == "n" and fragment in c.rejects[0].reason


def test_int_blank_is_missing_not_zero():
    c = check_frame(frame("n\n\n5\n"), [Field("n", "int")])
    c2 = check_frame(frame("id,n\nA,\nB,5\n"), [Field("id"), Field("n", "int")])
    assert c.rows["n"].tolist() == [5]
    assert c2.rows["n"].isna().tolist() == [True, False]


def test_float_field_bounds():
    c = check_frame(frame("lat\n24.8\n40\n-inf\n"), [Field("lat", "float", min=14, max=33)])
    assert c.rows["lat"].tolist() == [24.8]
    assert [r.line for r in c.rejects] == [3, 4]


@pytest.mark.parametrize("value, ok", [
    ("2020-02-29", True), ("2021-02-29", False), ("2020-13-01", False), ("2020-1-1", False),
    ("17/10/2019", False), ("2020-01", False), ("yesterday", False),
    ("0000-01-01", False),   # year 0 crashed (found by the fuzz tests)
    ("1900-01-01", True), ("0001-01-01", False), ("1899-12-31", False), ("9999-12-31", False),
])
def test_date_field(value, ok):
    c = check_frame(frame(f"d\n{value}\n"), [Field("d", "date", required=True)])
    assert (not c.rejects) is ok
    if ok:
        assert c.rows["d"].iloc[0] == dt.date.fromisoformat(value)
    else:
        assert any(w in c.rejects[0].reason for w in ("is not a valid date (YYYY-MM-DD)", "before 1900", "future"))


def test_dates_ahead_of_next_month_and_sloppy_whole_numbers_are_rejected():
    soon = dt.date.today() + dt.timedelta(days=20)
    late = dt.date.today() + dt.timedelta(days=60)
    c = check_frame(frame(f"d\n{soon}\n{late}\n"), [Field("d", "date", required=True)])
    assert [r.line for r in c.rejects] == [3] and "in the future" in c.rejects[0].reason
    c = check_frame(frame("n\n2030\n2030.5\n2e3\n1e300\n1.5\n\"1,045\"\n7.0\n"), [Field("n", "int")])
    assert c.rows["n"].tolist() == [2030, 1045, 7]
    assert [r.line for r in c.rejects] == [3, 4, 5, 6]
    assert all("is not a whole number" in r.reason for r in c.rejects)


@pytest.mark.parametrize("value, ok", [("2020-07", True), ("2020-07-13", True), ("2020-7", False), ("2020-13", False)])
def test_month_field(value, ok):
    c = check_frame(frame(f"m\n{value}\n"), [Field("m", "month")])
    assert (not c.rejects) is ok


def test_first_failing_field_is_reported_once_per_row():
    c = check_frame(frame("a,b\n,x\n"), [Field("a", required=True), Field("b", "int")])
    assert [(r.line, r.field) for r in c.rejects] == [(2, "a")]


def test_missing_required_column_is_a_format_error():
    with pytest.raises(FormatError, match="missing required column 'b'"):
        check_frame(frame("a\n1\n"), [Field("a"), Field("b", required=True)])


def test_extra_cross_field_check():
    def extra(out, raw):
        bad = out["lo"] > out["hi"]
        return bad, "hi", pd.Series("hi must not be below lo", index=out.index)

    c = check_frame(frame("lo,hi\n1,2\n3,1\n"), [Field("lo", "int"), Field("hi", "int")], extra=extra)
    assert reasons(c) == {3: ("hi", "hi must not be below lo")}


def test_strict_raises_the_first_reject_with_file_line_and_field():
    c = check_frame(frame("id,n\nA,1\nB,-2\nC,x\n"), [Field("id"), Field("n", "int", min=0)])
    with pytest.raises(DataError) as e:
        strict(c, "seeds/x.csv")
    err = e.value
    assert (err.file, err.line, err.field) == ("seeds/x.csv", 3, "n")
    assert str(err).startswith("seeds/x.csv, line 3, field 'n': must be >= 0, got -2 (and 1 more bad rows)")


def test_strict_passes_good_rows_through():
    c = check_frame(frame("id\nA\n"), [Field("id")])
    assert strict(c, "f")["id"].tolist() == ["A"]


@pytest.mark.parametrize("cells", [
    ["1", "2,000", "", "-3", "1e3", "0.5", "inf", "nan"],          # every cell parses: Arrow's cast
    ["1", "x", "", "0x10", "1_000", " "],                           # some do not: pandas to_numeric
    ["9007199254740993", "1"],                                      # beyond 2**53: to_numeric, exact
])
def test_numbers_are_read_as_pandas_reads_them(cells):
    """validate._numbers (Arrow's cast where every cell parses) gives pd.to_numeric's numbers."""
    import numpy as np

    from scoring.load.validate import TEXT, _numbers

    s = pd.Series(cells, dtype=TEXT)
    blank = s.eq("")
    want = pd.to_numeric(s.str.replace(",", "", regex=False).where(~blank), errors="coerce")
    got = _numbers(s, blank)
    assert list(got.index) == list(want.index)
    np.testing.assert_array_equal(got.to_numpy("float64", na_value=np.nan), want.to_numpy("float64", na_value=np.nan))
    if cells[0] == "9007199254740993":
        assert int(got.iloc[0]) == 9007199254740993


@pytest.mark.parametrize("dtype", ["text", "object"])
def test_repeated_is_pandas_duplicated(dtype):
    """validate.repeated (a sort in Arrow) flags exactly what ``Series.duplicated`` flags: every
    later copy of a value, missing cells counting as one value, whatever the index."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from scoring.load.validate import TEXT, repeated

    cells = st.one_of(st.none(), st.sampled_from(["", "a", "A", "a ", "é", "e\u0301", "x" * 40]), st.text(max_size=3))

    @settings(max_examples=300, deadline=None)
    @given(st.lists(cells, max_size=60), st.integers(0, 5))
    def check(values, start):
        s = pd.Series(values, dtype=TEXT if dtype == "text" else object,
                      index=range(start, start + len(values)))
        want = pd.Series(values, dtype=object).duplicated(keep="first").to_numpy()
        assert repeated(s).tolist() == want.tolist()

    check()


def test_repeated_on_a_long_column_keeps_the_first_of_each_value():
    import numpy as np

    from scoring.load.validate import TEXT, repeated

    rng = np.random.default_rng(3)
    values = [f"ID-{k}" for k in rng.integers(0, 50_000, 200_000)]
    s = pd.Series(values, dtype=TEXT)
    assert repeated(s).tolist() == pd.Series(values).duplicated().tolist()
