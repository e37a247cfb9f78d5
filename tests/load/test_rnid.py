"""The 2026 catalogue (RNID): an official state file maps onto the homologated series under
SESNSP's comparability rules, the series run on across the break, and a newer month moves
the map."""

from __future__ import annotations

import csv
import datetime as dt
import io

import duckdb
import pandas as pd
import pytest
from support.datahelpers import fill_reference, fresh_con, shared_file

from scoring.db.store import Store
from scoring.index.matrix import default_as_of
from scoring.load import ingest
from scoring.load.parse.sesnsp import read_rnid_map
from scoring.load.reference import read_crime_map

RNID = "fixtures/RNID-Delitos_Estatal-2026-abr2026.csv"
MONTHS = ["Enero", "Febrero", "Marzo", "Abril"]


def _file_cells(path) -> pd.DataFrame:
    """The fixture's cells: state, subtype, month, value (blanks dropped)."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    long = df.melt(id_vars=["Clave_Ent", "Subtipo de delito", "Modalidad"], value_vars=MONTHS, var_name="m",
                   value_name="v")
    long = long[long["v"] != ""]
    long["month"] = long["m"].map({m: i for i, m in enumerate(MONTHS, start=1)})
    long["v"] = long["v"].str.replace(",", "").astype(float)
    return long.rename(columns={"Clave_Ent": "state_code", "Subtipo de delito": "subtype"})


@pytest.fixture
def small_con():
    con = fresh_con()
    fill_reference(con)
    yield con
    con.close()


def test_rnid_file_sums_onto_the_2015_subtypes_by_sesnsps_rules(small_con):
    path = shared_file(RNID)
    res = ingest.ingest(path, "sesnsp", con=small_con)
    assert res.rejected == 0 and any("comparability rules" in n for n in res.notes)
    cells = _file_cells(path)
    rules = read_rnid_map().set_index("rnid_subtype")["subtype_2015"]
    scored = set(read_crime_map().query("crime_type == '(homologated)'")["subtype"])   # the subtypes we read
    want = cells.assign(old=cells["subtype"].map(rules)).query("old in @scored")
    want = want.groupby(["state_code", "month", "old"])["v"].sum()
    got = small_con.execute("""SELECT state_code, month, subtype, value FROM official_stats
                               WHERE dataset = 'homologated' AND year = 2026""").df()
    got = got.set_index(["state_code", "month", "subtype"])["value"]
    assert len(got) == len(want) == 32 * 4 * len(scored)
    assert (got.sort_index() == want.rename_axis(got.index.names).sort_index()).all()
    # the rules that matter for the indicators, checked one by one on one state
    jal = cells[cells["state_code"] == "14"].groupby(["subtype", "month"])["v"].sum()

    def file_sum(subtypes, month):
        return sum(jal.get((s, month), 0.0) for s in subtypes)

    for month in (1, 4):
        assert got["14", month, "Homicidio doloso"] == file_sum(["Homicidio doloso"], month)   # attempts excluded
        assert got["14", month, "Extorsión"] == file_sum(["Extorsión presencial", "Extorsión por otros medios"], month)
        assert got["14", month, "Secuestro"] == file_sum(["Secuestro extorsivo", "Secuestro con calidad de rehén",
                                                          "Secuestro para causar daño", "Secuestro exprés"], month)
        assert got["14", month, "Narcomenudeo"] == file_sum(["Narcomenudeo posesión simple",
                                                             "Narcomenudeo con fines de venta"], month)
    # every RNID row is still loaded as it was published (unmapped rows included, none dropped)
    detailed = small_con.execute("SELECT count(*) FROM official_stats WHERE dataset = 'carpetas' AND year = 2026 "
                                 "AND value IS NOT NULL").fetchall()[0][0]
    assert detailed == len(cells)
    flags = small_con.execute("SELECT count(*) FROM data_quality WHERE flag = 'catalogue_break'").fetchall()[0][0]
    assert flags == 1


def test_national_series_run_on_across_the_catalogue_break(built_db):
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        df = con.execute("""SELECT series, year, month, sum(value) AS v FROM official_stats
                            WHERE dataset = 'homologated' AND ((year = 2025 AND month >= 10) OR (year = 2026 AND month <= 3))
                            GROUP BY ALL""").df()
    finally:
        con.close()
    for series in ("homicide", "extortion", "kidnapping", "drug_dealing", "cargo_theft"):
        s = df[df["series"] == series].set_index(["year", "month"])["v"]
        before = s.loc[[(2025, 10), (2025, 11), (2025, 12)]].mean()
        after = s.loc[[(2026, 1), (2026, 2), (2026, 3)]].mean()
        assert 0.7 < after / before < 1.4, (series, before, after)     # no step at the break


def test_next_months_official_file_moves_the_map_to_that_month(db_copy, tmp_path):
    path = shared_file(RNID)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    head = rows[0]
    ago, abr = head.index("Agosto"), head.index("Abril")
    for r in rows[1:]:
        r[ago] = r[abr]                                  # an "August 2026" release
    aug = tmp_path / "RNID-Delitos_Estatal-2026-ago2026.csv"
    with open(aug, "w", encoding="latin-1", newline="") as f:   # as SESNSP publishes: Latin-1, CRLF
        csv.writer(f, lineterminator="\r\n").writerows(rows)
    store = Store(db_copy)
    try:
        assert default_as_of(store) == dt.date(2026, 7, 31)
    finally:
        store.close()
    res = ingest.ingest(aug, "sesnsp", db_copy)
    assert res.loaded > 0 and res.release == "2026-08"
    store = Store(db_copy)
    try:
        assert default_as_of(store) == dt.date(2026, 8, 31)
        aug_hom = store.query("""SELECT sum(value) AS v FROM official_stats WHERE dataset = 'homologated'
                                 AND series = 'homicide' AND year = 2026 AND month = 8""")["v"].iat[0]
        apr_file = _file_cells(path).query("month == 4 and subtype == 'Homicidio doloso'")["v"].sum()
        assert aug_hom == apr_file
    finally:
        store.close()
