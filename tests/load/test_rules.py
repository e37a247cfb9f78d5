"""Row rules (scoring/load/rules.py): the SQL checks the derived-table loader runs agree with
the pandas Field checks the importers run, on the same bad rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.datahelpers import fresh_con

from scoring.load import rules
from scoring.load.validate import check_frame

CODES = [f"{i:02d}" for i in range(1, 33)]
CORRIDORS = ["C1", "C2"]
GOOD = {"event_id": "E", "date": "2023-05-01", "date_precision": "day", "date_note": "", "state_code": "14",
        "municipality_code": "", "place": "Guadalajara", "latitude": "20.67", "longitude": "-103.35",
        "geo_precision": "locality", "event_type": "armed_clash", "fatalities": "3", "injured": "",
        "actors": "CJNG", "target_category": "civilians", "corridor_id": "C1", "source_ids": "A001",
        "confidence": "high", "notes": "", "alt_values": ""}
# (name, column, bad text): each row breaks exactly one rule, so both checkers must name that column
BAD = [
    ("blank id", "event_id", ""),
    ("blank date", "date", ""),
    ("unknown date precision", "date_precision", "fortnight"),
    ("blank date precision", "date_precision", ""),
    ("unknown state", "state_code", "33"),
    ("blank state", "state_code", ""),
    ("blank geo precision", "geo_precision", ""),
    ("unknown geo precision", "geo_precision", "street"),
    ("unknown event type", "event_type", "riot"),
    ("negative deaths", "fatalities", "-1"),
    ("deaths over the column's range", "fatalities", str(rules.COUNT_MAX + 1)),
    ("negative injured", "injured", "-2"),
    ("latitude north of Mexico", "latitude", "40.0"),
    ("latitude south of Mexico", "latitude", "10.0"),
    ("longitude west of Mexico", "longitude", "-120.0"),
    ("longitude east of Mexico", "longitude", "-80.0"),
    ("latitude without longitude", "longitude", ""),
    ("unknown target", "target_category", "tourists"),
    ("unknown corridor", "corridor_id", "C9"),
    ("blank source list", "source_ids", ""),
    ("unknown confidence", "confidence", "certain"),
]
SQL_TYPES = {"date": "DATE", "latitude": "DOUBLE", "longitude": "DOUBLE", "fatalities": "BIGINT", "injured": "BIGINT"}


def _rows() -> pd.DataFrame:
    rows = [dict(GOOD, event_id="GOOD1"), dict(GOOD, event_id="GOOD2", latitude="", longitude="", fatalities="0")]
    for i, (_, col, text) in enumerate(BAD):
        rows.append({**GOOD, "event_id": f"BAD{i}", col: text})
    df = pd.DataFrame(rows, dtype=str)
    df["_line"] = range(2, len(df) + 2)
    return df


def _pandas_verdicts(df, fields) -> dict[int, str]:
    checked = check_frame(df, fields, extra=rules.event_cross_checks(None, None))
    return {r.line: r.field for r in checked.rejects}


def _sql_verdicts(df, fields) -> dict[int, str]:
    con = fresh_con()
    try:
        con.register("_text", df)
        typed = ", ".join(f"TRY_CAST(nullif({c}, '') AS {SQL_TYPES.get(c, 'VARCHAR')}) AS {c}" for c in GOOD)
        con.execute(f"CREATE TABLE t AS SELECT _line, {typed} FROM _text")
        out: dict[int, str] = {}
        for field, bad, _reason in rules.sql_checks(fields, list(GOOD)):
            for (line,) in con.execute(f"SELECT _line FROM t WHERE {bad}").fetchall():
                out.setdefault(line, field)       # the first broken rule names the row, as in pandas
        return out
    finally:
        con.close()


def test_sql_checks_and_field_checks_refuse_the_same_rows_for_the_same_field():
    df = _rows()
    fields = rules.event_fields(CODES, CORRIDORS)
    by_pandas, by_sql = _pandas_verdicts(df, fields), _sql_verdicts(df, fields)
    expected = {i + 4: col for i, (_, col, _) in enumerate(BAD)}   # data rows start at line 2; 2 good rows first
    assert by_pandas == expected
    assert by_sql == expected


@pytest.mark.parametrize("name,col,text", BAD, ids=[b[0] for b in BAD])
def test_each_bad_value_alone_is_caught_by_both(name, col, text):
    df = pd.DataFrame([dict(GOOD, **{col: text})], dtype=str).assign(_line=2)
    fields = rules.event_fields(CODES, CORRIDORS)
    assert _pandas_verdicts(df, fields) == {2: col} == _sql_verdicts(df, fields)


def test_sql_checks_cover_only_the_columns_present():
    fields = rules.event_fields(CODES)
    checks = rules.sql_checks(fields, ["event_id", "fatalities"])
    assert {c[0] for c in checks} == {"event_id", "fatalities"}
    assert all("latitude" not in c[1] for c in checks)     # no half-coordinate rule without both columns


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(st.text(alphabet=st.sampled_from(list("ab; \t\u00a0\u3000é")), max_size=12), max_size=20),
       arrow=st.booleans())
def test_id_lists_read_each_cell_as_split_ids(cells, arrow):
    """The vectorised reading of source_ids cells (rules.id_lists) is split_ids of each cell."""
    s = pd.Series(cells, dtype=pd.StringDtype("pyarrow", na_value=np.nan) if arrow else object)
    row, ids = rules.id_lists(s)
    got = [[] for _ in cells]
    for r, x in zip(row, ids.to_pylist()):
        got[r].append(x)
    assert got == [rules.split_ids(c) for c in cells]


def test_points_outside_their_state_are_refused_exactly_beyond_the_tolerance():
    """outside_claimed_state skips the exact distance for points within the tolerance in degrees:
    its verdicts equal measuring every point (random points across and around Mexico, each
    claiming a random state)."""
    from scoring.load.geo import state_polygons

    polygons = state_polygons()
    rng = np.random.default_rng(3)
    n = 800
    # points scattered up to 0.4 degrees around vertices of the outline of the state they claim
    pick = rng.integers(0, len(polygons.codes), n)
    lat, lon, codes = [], [], []
    for k in pick:
        ring = polygons.rings[k][0]
        v = ring[rng.integers(0, len(ring))]
        lon.append(v[0] + rng.uniform(-0.4, 0.4))
        lat.append(v[1] + rng.uniform(-0.4, 0.4))
        codes.append(polygons.codes[k])
    lat, lon, codes = pd.Series(lat), pd.Series(lon), pd.Series(codes)
    got = rules.outside_claimed_state(lat, lon, codes, polygons)
    km = [rules.km_outside_state(polygons, a, o, c) for a, o, c in zip(lat, lon, codes)]
    assert list(got.ne("")) == [d > rules.STATE_TOLERANCE_KM for d in km]
    # all three cases occur: inside, outside within the tolerance, beyond it
    assert sum(d == 0 for d in km) > 50 and sum(0 < d <= 20 for d in km) > 50 and sum(d > 20 for d in km) > 20
