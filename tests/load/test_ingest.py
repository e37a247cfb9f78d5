"""``python -m scoring ingest`` (issue 3): every format, every known quirk, batches,
supersession between releases, all-or-nothing writes, coverage and quality flags.

Real files come from ``../shared/data`` (skipped with a reason when absent). The quirks are
small files written by the helpers below into each test's temporary folder; the ACLED export
is the hand-written, fictitious ``tests/fixtures/acled_mexico_fictitious.csv``.
"""

from __future__ import annotations

import collections
import csv
import io
import re

import pytest
from support.datahelpers import (
    CARPETAS,
    CONAPO,
    FIXTURES,
    UCDP,
    VICTIMS,
    WIDE_FIXTURE,
    file_sha,
    query,
    shared_file,
    table_digest,
)

from scoring import cli
from scoring.db import store
from scoring.errors import FormatError, RiskError
from scoring.load import ingest

MONTHS = ["Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto", "Septiembre", "Octubre",
          "Noviembre", "Diciembre"]
WIDE_HEAD = ["Año", "Clave_Ent", "Entidad", "Bien jurídico afectado", "Tipo de delito", "Subtipo de delito",
             "Modalidad"]
TIDY_HEAD = ["year", "month", "state_code", "state_name", "crime_type", "subtype", "modality", "count"]

# (Bien jurídico afectado, Tipo, Subtipo, Modalidad) as the official files spell them
HOM = ("La vida y la Integridad corporal", "Homicidio", "Homicidio doloso", "Con arma de fuego")
EXT = ("El patrimonio", "Extorsión", "Extorsión", "Extorsión")
KID = ("La libertad personal", "Secuestro", "Secuestro", "Secuestro extorsivo")
# rows of the January 2026 catalogue that the crime map does not know (README, "Catalogue break")
NEW_2026 = [("El patrimonio", "Extorsión", "Extorsión presencial", "Extorsión presencial"),
            ("La vida y la Integridad corporal", "Homicidio", "Tentativa de homicidio doloso", "Con arma de fuego")]


# --- writers for the quirk fixtures ------------------------------------------------------------------

def csv_text(rows: list[list[str]], newline: str = "\n") -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=newline).writerows(rows)
    return buf.getvalue()


def wide_file(path, rows, *, encoding="latin-1", newline="\r\n", victims=False):
    """The official SESNSP wide layout (one column per month), as published: Latin-1 and CRLF
    by default. ``rows``: [year, Clave_Ent, Entidad, (bien, tipo, subtipo, modalidad),
    [Sexo, Rango de edad] if victims, 12 month cells]."""
    head = WIDE_HEAD + (["Sexo", "Rango de edad"] if victims else []) + MONTHS
    body = []
    for r in rows:
        year, code, name, crime, *rest = r
        body.append([str(year), code, name, *crime, *rest])
    path.write_bytes(csv_text([head] + body, newline).encode(encoding))
    return path


def tidy_file(path, rows, head=TIDY_HEAD):
    path.write_text(csv_text([head] + [[str(c) for c in r] for r in rows]), encoding="utf-8")
    return path


def months(*cells) -> list[str]:
    cells = [str(c) for c in cells]
    return cells + [""] * (12 - len(cells))


def stats(db, where="TRUE", params=None):
    return query(db, f"""SELECT state_code, year, month, crime_type, subtype, modality, series, value,
                                value_male, value_female FROM official_stats WHERE {where} ORDER BY ALL""", params)


def do_ingest(db, path, fmt, **kw) -> ingest.BatchResult:
    return ingest.ingest(path, fmt, db, **kw)


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


# --- SESNSP: the official wide layout and its variants -------------------------------------------------

def sample_wide_rows(code_ags: str, code_cdmx: str):
    return [
        [2025, code_ags, "Aguascalientes", HOM, *months("1,045", 2, 0, 4, 5, 6, 7, 8, 9, 10, 11)],
        [2025, code_cdmx, "Ciudad de México", EXT, *months(*range(20, 32))],
        [2025, code_ags, "Aguascalientes", KID, *months(0, 0, 1)],
    ]


@pytest.mark.parametrize("encoding", ["latin-1", "utf-8"])
@pytest.mark.parametrize("newline", ["\r\n", "\n"])
@pytest.mark.parametrize("padded", [False, True])
def test_wide_layout_variants_load_the_same_cells(encoding, newline, padded, empty_db, tmp_path):
    codes = ("01", "09") if padded else ("1", "9")
    path = wide_file(tmp_path / "idefc.csv", sample_wide_rows(*codes), encoding=encoding, newline=newline)
    res = do_ingest(empty_db, path, "sesnsp")
    assert (res.rows_read, res.loaded, res.rejected) == (3, 36, 0)
    assert res.release == "2025-12"  # the last month with a value (CDMX has all 12)
    got = stats(empty_db)
    assert {r[0] for r in got} == {"01", "09"}
    hom = [r for r in got if r[4] == "Homicidio doloso"]
    assert [r[7] for r in hom] == [1045, 2, 0, 4, 5, 6, 7, 8, 9, 10, 11, None]   # "1,045" read; Dec missing
    assert {r[6] for r in got} == {"homicide", "extortion", "kidnapping"}         # accents decoded right
    assert sum(r[7] for r in got if r[4] == "Extorsión") == sum(range(20, 32))


def test_empty_cells_are_missing_not_zero(empty_db, tmp_path):
    path = wide_file(tmp_path / "w.csv", sample_wide_rows("1", "9"))
    do_ingest(empty_db, path, "sesnsp")
    nulls = query(empty_db, "SELECT state_code, month, crime_type FROM official_stats WHERE value IS NULL ORDER BY ALL")
    zeros = query(empty_db, "SELECT count(*) FROM official_stats WHERE value = 0")[0][0]
    assert nulls == sorted([("01", 12, "Homicidio")] + [("01", m, "Secuestro") for m in range(4, 13)])
    assert zeros == 3
    cov = query(empty_db, """SELECT month, cells, cells_with_value, total FROM coverage
                             WHERE state_code = '01' AND year = 2025 ORDER BY month""")
    assert cov[0] == (1, 2, 2, 1045.0)
    assert cov[11] == (12, 2, 0, None)  # cells exist, none published: "no data", not "no risk"


def test_2026_catalogue_rows_are_loaded_unmapped_and_reported(empty_db, tmp_path):
    rows = [[2026, "11", "Guanajuato", HOM, *months(80, 75)]] + [
        [2026, "11", "Guanajuato", crime, *months(3, 4)] for crime in NEW_2026]
    res = do_ingest(empty_db, wide_file(tmp_path / "idefc_2026.csv", rows), "sesnsp")
    # 36 cells as published, and 4 homologated cells (homicide and extortion, two months each)
    assert res.loaded == 36 + 4 and res.rejected == 0
    unmapped = query(empty_db, "SELECT subtype, count(*), sum(value) FROM official_stats WHERE series IS NULL "
                               "GROUP BY ALL ORDER BY ALL")
    assert unmapped == [("Extorsión presencial", 12, 7.0), ("Tentativa de homicidio doloso", 12, 7.0)]
    assert len(res.notes) == 2 and "2 crime row(s) not in data/reference/sesnsp_crime_map.csv" in res.notes[0]
    assert "comparability rules" in res.notes[1]
    assert "Extorsión presencial" in res.notes[0] and "Tentativa de homicidio doloso" in res.notes[0]
    note = query(empty_db, "SELECT note FROM ingest_batches WHERE batch_id = ?", [res.batch_id])[0][0]
    assert "Extorsión presencial" in note
    # unmapped rows are kept but not counted as covered cells of a scored series
    assert query(empty_db, "SELECT max(cells) FROM coverage WHERE dataset = 'carpetas'")[0][0] == 1


def test_official_victims_layout_sums_over_age(empty_db, tmp_path):
    V = "sesnsp-victims"
    rows = [
        [2024, "8", "Chihuahua", HOM, "Hombre", "Menores de edad (0-17)", *months(2, 1, "", 0)],
        [2024, "8", "Chihuahua", HOM, "Hombre", "Adultos (18 y más)", *months(150, "1,020", "", 3)],
        [2024, "8", "Chihuahua", HOM, "Hombre", "No identificado", *months(5, 0, "", 0)],
        [2024, "8", "Chihuahua", HOM, "Mujer", "Menores de edad (0-17)", *months(1, 0, "", 0)],
        [2024, "8", "Chihuahua", HOM, "Mujer", "Adultos (18 y más)", *months(20, 22, "", 0)],
        [2024, "8", "Chihuahua", HOM, "Mujer", "No identificado", *months(0, 0, "", 0)],
        [2024, "8", "Chihuahua", HOM, "No identificado", "No identificado", *months(4, 0, "", 0)],
    ]
    res = ingest.ingest(wide_file(tmp_path / "idvfc.csv", rows, victims=True), V, empty_db)
    assert res.rejected == 0 and res.rows_read == 7
    got = query(empty_db, "SELECT month, value, value_male, value_female, series FROM official_stats "
                          "WHERE dataset = 'victims' ORDER BY month")
    assert got[0] == (1, 182.0, 157.0, 21.0, "homicide")   # 2+150+5 men, 1+20 women, 4 not identified
    assert got[1] == (2, 1043.0, 1021.0, 22.0, "homicide")  # "1,020" inside quotes
    assert got[2][1:4] == (None, None, None)                # unpublished month stays missing
    assert got[3][1:4] == (3.0, 3.0, 0.0)
    assert len(got) == 12
    assert query(empty_db, "SELECT count(*) FROM official_stats WHERE dataset = 'carpetas'") == [(0,)]


def test_victims_cell_with_a_bad_age_row_is_not_written_short(empty_db, tmp_path):
    rows = [
        [2024, "8", "Chihuahua", HOM, "Hombre", "Menores de edad (0-17)", *months(2, 1)],
        [2024, "8", "Chihuahua", HOM, "Hombre", "Adultos (18 y más)", *months("x", 10)],   # January is bad
        [2024, "8", "Chihuahua", HOM, "Mujer", "Adultos (18 y más)", *months(4, 3)],
    ]
    res = ingest.ingest(wide_file(tmp_path / "idvfc.csv", rows, victims=True), "sesnsp-victims", empty_db)
    assert res.rejected == 1
    assert query(empty_db, "SELECT line, field FROM rejected_rows") == [(3, "Enero")]
    got = query(empty_db, "SELECT month, value FROM official_stats WHERE month <= 2 ORDER BY month")
    assert got == [(2, 14.0)]   # January (2 + ? + 4) would be short: left out, not stored as 6


def test_victims_file_given_as_carpetas_is_refused(tmp_path, empty_db):
    path = tidy_file(tmp_path / "v.csv", [[2024, 1, "01", "Aguascalientes", *HOM[1:], 3]],
                     head=TIDY_HEAD[:-1] + ["victims_total"])
    with pytest.raises(FormatError, match=r"v\.csv: is not a SESNSP crime file"):
        do_ingest(empty_db, path, "sesnsp")


def test_unmapped_state_name_is_rejected_with_its_reason(empty_db, tmp_path):
    rows = [[2025, "", "Nueva Galicia", HOM, *months(1, 2, 3)],       # no code, a name nobody knows
            [2025, "33", "Atlantis", HOM, *months(1)],                 # a code outside 1-32
            [2025, "14", "Sonora", HOM, *months(1)],                   # code and name disagree
            [2025, "", "Veracruz de Ignacio de la Llave", HOM, *months(7)],  # no code: the name decides
            [2025, "19", "Nuevo León", HOM, *months(4, 5)]]
    res = do_ingest(empty_db, wide_file(tmp_path / "w.csv", rows), "sesnsp")
    rej = query(empty_db, "SELECT line, field, reason FROM rejected_rows WHERE batch_id = ? ORDER BY line",
                [res.batch_id])
    assert [(line, field) for line, field, _ in rej] == [(2, "Clave_Ent"), (3, "Clave_Ent"), (4, "Clave_Ent")]
    assert res.rejected == 3                                   # one per line, not one per month cell
    assert "'Nueva Galicia' is not in data/reference/state_names.csv" in rej[0][2]
    assert "'33' is not an INEGI code 1-32" in rej[1][2]
    assert "disagree" in rej[2][2]
    assert {r[0] for r in stats(empty_db)} == {"19", "30"}


def test_tidy_file_with_names_only(empty_db, tmp_path):
    head = ["year", "month", "state_name", "crime_type", "subtype", "modality", "count"]
    rows = [[2024, 1, "Estado de México", *HOM[1:], 50], [2024, 1, "Gondor", *HOM[1:], 3],
            [2024, 2, "Michoacán de Ocampo", *HOM[1:], "1,200"]]
    res = do_ingest(empty_db, tidy_file(tmp_path / "t.csv", rows, head), "sesnsp")
    assert (res.loaded, res.rejected) == (2, 1)
    assert [(r[0], r[7]) for r in stats(empty_db)] == [("15", 50.0), ("16", 1200.0)]
    rej = query(empty_db, "SELECT line, field, reason FROM rejected_rows")
    assert rej == [(3, "state_name", "state name 'Gondor' is not in data/reference/state_names.csv")]


def test_tidy_bad_cells_are_rejected_and_good_ones_kept(empty_db, tmp_path):
    rows = [[2024, 1, "01", "Aguascalientes", *HOM[1:], 5],
            [2024, 13, "01", "Aguascalientes", *HOM[1:], 5],
            [2024, 2, "01", "Aguascalientes", *HOM[1:], -1],
            [2024, 3, "01", "Aguascalientes", *HOM[1:], "inf"],
            [20.5, 4, "01", "Aguascalientes", *HOM[1:], 5],
            [2024, 5, "01", "Aguascalientes", *HOM[1:], ""],
            [2024, 1, "01", "Aguascalientes", *HOM[1:], 6]]            # the same cell again
    res = do_ingest(empty_db, tidy_file(tmp_path / "t.csv", rows), "sesnsp")
    assert (res.loaded, res.rejected) == (2, 5)
    rej = query(empty_db, "SELECT line, field FROM rejected_rows ORDER BY line")
    assert rej == [(3, "month"), (4, "count"), (5, "count"), (6, "year"), (8, "modality")]
    assert [(r[2], r[7]) for r in stats(empty_db)] == [(1, 5.0), (5, None)]


# --- user events and ACLED -----------------------------------------------------------------------------

EVENT_HEAD = ["event_id", "date", "date_precision", "state_code", "municipality_code", "place", "latitude",
              "longitude", "geo_precision", "event_type", "fatalities", "source_ids", "corridor_id", "notes"]


def test_user_events_good_rows_load_bad_rows_are_kept_with_reasons(ref_db, tmp_path, capsys):
    rows = [
        ["U001", "2025-01-10", "day", "11", "11017", "Irapuato", "20.6767", "-101.3563", "municipality",
         "killing", "4", "MyNotes-1", "", "test event"],                                        # line 2 ok
        ["U002", "2025-02-01", "month", "25", "", "", "", "", "state", "blockade_arson", "", "A000;MyNotes-2", "",
         "multi-line\nnote"],                                                                  # lines 3-4 ok
        ["U003", "2025-02-30", "day", "25", "", "", "", "", "state", "killing", "1", "MyNotes-1", "", ""],   # 5 date
        ["U004", "2025-03-01", "day", "40", "", "", "", "", "state", "killing", "1", "MyNotes-1", "", ""],   # 6 state
        ["U005", "2025-03-01", "day", "25", "", "", "", "", "state", "killing", "-1", "MyNotes-1", "", ""],  # 7 count
        ["U001", "2025-03-01", "day", "25", "", "", "", "", "state", "killing", "1", "MyNotes-1", "", ""],   # 8 dup
        ["U006", "2025-03-01", "day", "25", "", "", "", "", "state", "", "1", "MyNotes-1", "", ""],          # 9 missing
        ["S001", "2025-03-01", "day", "25", "", "", "", "", "state", "killing", "1", "MyNotes-1", "", ""],   # 10 seed id
        ["U007", "2025-03-01", "day", "25", "11017", "", "", "", "state", "killing", "1", "MyNotes-1", "", ""],  # 11
        ["U008", "2025-03-01", "day", "25", "", "", "24.8", "", "state", "killing", "1", "MyNotes-1", "", ""],  # 12
        ["U009", "2025-03-01", "day", "25", "", "", "", "", "state", "killing", "1", "MyNotes-1", "nowhere", ""],
    ]
    path = tmp_path / "my_events.csv"
    path.write_text(csv_text([EVENT_HEAD] + rows), encoding="utf-8")
    code, out, _ = run_cli(capsys, "ingest", path, "--format", "events", "--db", ref_db)
    assert code == 0
    assert "loaded 2, rejected 9" in out
    batch = re.search(r"python -m scoring rejects (\S+)", out).group(1)
    rej = query(ref_db, "SELECT line, field, reason FROM rejected_rows WHERE batch_id = ? ORDER BY line", [batch])
    assert [(line, field) for line, field, _ in rej] == [
        (5, "date"), (6, "state_code"), (7, "fatalities"), (8, "event_id"), (9, "event_type"), (10, "event_id"),
        (11, "municipality_code"), (12, "longitude"), (13, "corridor_id")]
    reasons = {line: reason for line, _, reason in rej}
    assert "repeats the id 'U001'" in reasons[8] and "built-in event" in reasons[10]
    ev = query(ref_db, "SELECT event_id, origin, state_code, fatalities, source_id, batch_id FROM events "
                       "WHERE origin = 'user' ORDER BY event_id")
    assert ev == [("U001", "user", "11", 4, "MyNotes-1", batch), ("U002", "user", "25", None, "A000", batch)]
    links = query(ref_db, "SELECT event_id, source_id FROM event_sources WHERE event_id LIKE 'U%' ORDER BY ALL")
    assert links == [("U001", "MyNotes-1"), ("U002", "A000"), ("U002", "MyNotes-2")]
    new = query(ref_db, "SELECT source_id, kind FROM sources WHERE kind = 'user_file' ORDER BY 1")
    assert new == [("MyNotes-1", "user_file"), ("MyNotes-2", "user_file")]
    # the rejects command lists the same rows
    code, out, _ = run_cli(capsys, "rejects", batch, "--db", ref_db)
    assert code == 0 and out.count("\n") == 9 and "line 6  state_code:" in out
    code, out, _ = run_cli(capsys, "rejects", batch, "--db", ref_db, "--format", "csv")
    assert code == 0 and len(list(csv.reader(io.StringIO(out)))) == 10


def test_acled_export_fixture(ref_db):
    res = ingest.ingest(FIXTURES / "acled_mexico_fictitious.csv", "acled", ref_db)
    assert (res.rows_read, res.loaded, res.rejected) == (10, 5, 5)
    assert any("attribution" in n for n in res.notes)
    rej = query(ref_db, "SELECT line, field FROM rejected_rows WHERE batch_id = ? ORDER BY line", [res.batch_id])
    assert rej == [(7, "admin1"), (8, "event_date"), (9, "fatalities"), (10, "latitude"), (11, "event_id_cnty")]
    ev = query(ref_db, """SELECT event_id, date, date_precision, state_code, event_type, fatalities, target_category,
                                 source_id FROM events WHERE origin = 'acled' ORDER BY event_id""")
    assert [(e[0], str(e[1]), e[2], e[3], e[4], e[5], e[6]) for e in ev] == [
        ("ACLED-MEX90001", "2024-03-05", "day", "11", "killing", 3, "civilians"),
        ("ACLED-MEX90002", "2024-03-12", "day", "16", "attack_on_security_forces", 2, "police"),
        ("ACLED-MEX90003", "2024-04-01", "week", "09", "explosive_attack", 0, "unknown"),
        ("ACLED-MEX90004", "2024-04-10", "day", "20", "protest", 0, "unknown"),
        ("ACLED-MEX90005", "2024-05-20", "month", "25", "arrest_or_operation", 0, "unknown"),
    ]
    assert {e[7] for e in ev} == {"D:acled"}
    assert query(ref_db, "SELECT count(*) FROM event_sources WHERE event_id LIKE 'ACLED-%'") == [(5,)]


def test_acled_without_its_columns_is_refused(ref_db, tmp_path):
    path = tmp_path / "not_acled.csv"
    path.write_text("event_id_cnty,event_date,country\nX1,2024-01-01,Mexico\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"not_acled\.csv: is not an ACLED export: missing column\(s\) event_type"):
        ingest.ingest(path, "acled", ref_db)


# --- real files from ../shared/data ---------------------------------------------------------------------

def csv_homicide_by_year(path, value_column) -> dict[int, float]:
    """National homicidio doloso per year, summed from the file's cells with the csv module."""
    totals = collections.Counter()
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["subtype"] == "Homicidio doloso" and r[value_column] != "":
                totals[int(r["year"])] += int(r[value_column])
    return dict(totals)


def db_homicide_by_year(db, dataset) -> dict[int, float]:
    return dict(query(db, """SELECT year, sum(value) FROM official_stats
                             WHERE dataset = ? AND subtype = 'Homicidio doloso' GROUP BY year""", [dataset]))


@pytest.mark.slow
def test_real_tidy_carpetas(empty_db):
    path = shared_file(CARPETAS)
    res = do_ingest(empty_db, path, "sesnsp")
    assert (res.rows_read, res.loaded, res.rejected) == (167_552, 167_552, 0)
    assert res.release == "2024-11" and res.notes == []
    want = csv_homicide_by_year(path, "count")
    assert db_homicide_by_year(empty_db, "carpetas") == want
    assert want[2019] == 29_500  # the figure the data README quotes for the Nov-2024 release
    batch = query(empty_db, "SELECT file_name, checksum, format, release, rows_read, rows_loaded, rows_rejected "
                            "FROM ingest_batches")
    assert batch == [(CARPETAS, file_sha(path), "sesnsp", "2024-11", 167_552, 167_552, 0)]
    assert query(empty_db, "SELECT count(DISTINCT state_code), count(*) FILTER (WHERE series IS NULL) "
                           "FROM official_stats") == [(32, 0)]


def test_built_database_holds_the_source_totals(built_db):
    path = shared_file(CARPETAS)
    assert db_homicide_by_year(built_db, "carpetas") == csv_homicide_by_year(path, "count")
    vpath = shared_file(VICTIMS)
    assert db_homicide_by_year(built_db, "victims") == csv_homicide_by_year(vpath, "victims_total")


@pytest.mark.slow
def test_real_tidy_victims(empty_db):
    path = shared_file(VICTIMS)
    res = ingest.ingest(path, "sesnsp-victims", empty_db)
    assert (res.loaded, res.rejected, res.release) == (84_672, 0, "2025-06")
    by_year = db_homicide_by_year(empty_db, "victims")
    assert by_year == csv_homicide_by_year(path, "victims_total") and by_year[2019] == 34_723
    bad = query(empty_db, "SELECT count(*) FROM official_stats WHERE value_male + value_female > value")
    assert bad == [(0,)]


@pytest.mark.slow
def test_real_official_wide_fixture(empty_db):
    path = shared_file(WIDE_FIXTURE)
    raw = path.read_bytes()
    assert b"\r\n" in raw and "Año".encode("latin-1") in raw  # it really is the Latin-1 CRLF publication
    res = do_ingest(empty_db, path, "sesnsp")
    assert (res.rows_read, res.loaded, res.rejected) == (6272, 6272 * 12, 0)
    assert res.release == "2024-11"
    # December 2024 was not yet published: present, and missing rather than zero
    dec = query(empty_db, "SELECT count(*), count(value) FROM official_stats WHERE year = 2024 AND month = 12")
    assert dec == [(6272 // 2, 0)]
    # the 54 crime rows outside the project's map are loaded (series empty) and reported
    assert query(empty_db, "SELECT count(DISTINCT (crime_type, subtype, modality)) FROM official_stats "
                           "WHERE series IS NULL") == [(54,)]
    assert "54 crime row(s) not in" in res.notes[0]
    # cross-check against the tidy file made from the same release (file 1 of the README)
    tidy = csv_homicide_by_year(shared_file(CARPETAS), "count")
    got = db_homicide_by_year(empty_db, "carpetas")
    assert got[2023] == tidy[2023] and got[2024] == tidy[2024]


@pytest.mark.slow
def test_real_ucdp(ref_db):
    path = shared_file(UCDP)
    res = ingest.ingest(path, "ucdp", ref_db)
    with open(path, newline="", encoding="utf-8") as f:
        src = list(csv.DictReader(f))
    assert (res.rows_read, res.loaded, res.rejected) == (len(src), len(src), 0)
    got = query(ref_db, "SELECT count(*), sum(fatalities), count(DISTINCT state_code) FROM events WHERE origin = 'ucdp'")
    assert got == [(len(src), sum(int(r["best"]) for r in src), 32)]
    assert query(ref_db, """SELECT count(*) FROM events e WHERE origin = 'ucdp' AND NOT EXISTS (
        SELECT 1 FROM event_sources s WHERE s.event_id = e.event_id AND s.source_id = 'D:ucdp_ged')""") == [(0,)]
    # both spellings of the capital resolve to 09
    names = {r["adm_1"] for r in src if r["adm_1"] in ("Distrito Federal", "Ciudad de México", "Mexico City")}
    assert names
    assert query(ref_db, "SELECT count(*) FROM events WHERE origin = 'ucdp' AND state_code = '09'")[0][0] > 0


def test_real_conapo_population(empty_db):
    path = shared_file(CONAPO)
    res = ingest.ingest(path, "population", empty_db, release="2023-01")
    assert (res.rows_read, res.loaded, res.rejected) == (4059, 32 * 41, 0)
    with open(path, newline="", encoding="utf-8") as f:
        src = {(r["state_code"], int(r["year"])): int(r["pop_mid_year"]) for r in csv.DictReader(f)
               if r["sex"] == "Total"}
    got = {(s, y): p for s, y, p in query(empty_db, "SELECT state_code, year, pop_mid_year FROM population")}
    assert got == {k: v for k, v in src.items() if k[0] != "00"}  # national rows dropped, values unchanged


# --- batches: supersession, re-import, all or nothing ------------------------------------------------------

def small_tidy(path, value: int, *, cells=((2019, 1), (2019, 2), (2019, 3))):
    return tidy_file(path, [[y, m, "14", "Jalisco", *HOM[1:], value + m] for y, m in cells])


def values(db) -> list[tuple]:
    return query(db, "SELECT month, value, release FROM official_stats ORDER BY month")


def test_older_release_never_overwrites_a_newer_one(empty_db, tmp_path):
    new = do_ingest(empty_db, small_tidy(tmp_path / "nov2024.csv", 100), "sesnsp", release="2024-12")
    old = do_ingest(empty_db, small_tidy(tmp_path / "dec2020.csv", 10), "sesnsp", release="2020-12")
    assert (new.loaded, new.superseded) == (3, 0)
    assert (old.loaded, old.superseded) == (0, 3)
    assert "kept newer values for 3" in old.summary()
    assert values(empty_db) == [(1, 101.0, "2024-12"), (2, 102.0, "2024-12"), (3, 103.0, "2024-12")]
    batches = query(empty_db, "SELECT release, rows_loaded, rows_superseded FROM ingest_batches ORDER BY release")
    assert batches == [("2020-12", 0, 3), ("2024-12", 3, 0)]


def test_newer_release_overwrites_an_older_one(empty_db, tmp_path):
    do_ingest(empty_db, small_tidy(tmp_path / "dec2020.csv", 10), "sesnsp", release="2020-12")
    res = do_ingest(empty_db, small_tidy(tmp_path / "nov2024.csv", 100), "sesnsp", release="2024-12")
    assert (res.loaded, res.superseded) == (3, 0)
    assert values(empty_db) == [(1, 101.0, "2024-12"), (2, 102.0, "2024-12"), (3, 103.0, "2024-12")]
    assert query(empty_db, "SELECT count(*) FROM ingest_batches") == [(2,)]


def test_supersession_on_the_built_database(db_copy, tmp_path, capsys):
    """The built database holds the Dec-2024 release; an edited 'Dec-2020' copy changes nothing."""
    before = query(db_copy, "SELECT value FROM official_stats WHERE dataset = 'carpetas' AND state_code = '14' "
                            "AND year = 2019 AND month <= 3 AND subtype = 'Homicidio doloso' "
                            "AND modality = 'Con arma de fuego' ORDER BY month")
    assert len(before) == 3
    path = small_tidy(tmp_path / "old.csv", 100_000)
    code, out, _ = run_cli(capsys, "ingest", path, "--format", "sesnsp", "--db", db_copy, "--release", "2020-12")
    assert code == 0 and "kept newer values for 3" in out
    after = query(db_copy, "SELECT value FROM official_stats WHERE dataset = 'carpetas' AND state_code = '14' "
                           "AND year = 2019 AND month <= 3 AND subtype = 'Homicidio doloso' "
                           "AND modality = 'Con arma de fuego' ORDER BY month")
    assert after == before


def test_an_empty_cell_never_erases_a_published_value(empty_db, tmp_path):
    do_ingest(empty_db, small_tidy(tmp_path / "a.csv", 10), "sesnsp", release="2020-12")
    blank = tidy_file(tmp_path / "b.csv", [[2019, 1, "14", "Jalisco", *HOM[1:], ""]])
    res = do_ingest(empty_db, blank, "sesnsp", release="2024-12")
    assert res.superseded == 1
    assert values(empty_db)[0] == (1, 11.0, "2020-12")


def test_unknown_release_does_not_replace_a_known_one(empty_db, tmp_path):
    head = ["year", "state_code", "state_name", "sex", "pop_start_of_year", "pop_mid_year"]
    first = tidy_file(tmp_path / "p1.csv", [[2020, "01", "Aguascalientes", "Total", 1000, 1100]], head)
    second = tidy_file(tmp_path / "p2.csv", [[2020, "01", "Aguascalientes", "Total", 5, 6]], head)
    ingest.ingest(first, "population", empty_db, release="2023-01")
    res = ingest.ingest(second, "population", empty_db)
    assert res.release == "unknown" and res.superseded == 1
    assert any("--release" in n for n in res.notes)
    assert query(empty_db, "SELECT pop_mid_year, release FROM population") == [(1100, "2023-01")]


def test_reimporting_the_same_file_changes_nothing(empty_db, tmp_path, capsys):
    path = wide_file(tmp_path / "w.csv", sample_wide_rows("1", "9"))
    first = do_ingest(empty_db, path, "sesnsp")
    before = table_digest(empty_db)
    code, out, _ = run_cli(capsys, "ingest", path, "--format", "sesnsp", "--db", empty_db)
    assert code == 0
    assert out.strip() == f"w.csv: already imported as batch {first.batch_id}; nothing changed"
    again = do_ingest(empty_db, path, "sesnsp")
    assert again.already_loaded and again.batch_id == first.batch_id
    assert table_digest(empty_db) == before


def test_failure_mid_write_leaves_the_database_unchanged(empty_db, tmp_path, monkeypatch):
    do_ingest(empty_db, small_tidy(tmp_path / "a.csv", 10), "sesnsp", release="2020-12")
    before_sha, before = file_sha(empty_db), table_digest(empty_db)
    # a file with rejects, so the batch writes official_stats, ingest_batches, then rejected_rows
    path = tidy_file(tmp_path / "b.csv", [[2019, 1, "14", "Jalisco", *HOM[1:], 500],
                                          [2019, 2, "99", "Nowhere", *HOM[1:], 5]])
    real = store.insert_df

    def failing(con, table, df):
        if table == "rejected_rows":
            raise OSError("disk full (simulated)")
        return real(con, table, df)

    monkeypatch.setattr(store, "insert_df", failing)
    with pytest.raises(OSError, match="simulated"):
        do_ingest(empty_db, path, "sesnsp", release="2024-12")
    assert table_digest(empty_db) == before
    assert file_sha(empty_db) == before_sha
    assert not (tmp_path / "empty.duckdb.wal").exists()
    monkeypatch.setattr(store, "insert_df", real)
    res = do_ingest(empty_db, path, "sesnsp", release="2024-12")   # and the same import then works
    assert (res.loaded, res.rejected) == (1, 1)


def test_failure_mid_event_import_leaves_the_database_unchanged(ref_db, monkeypatch):
    before = table_digest(ref_db)
    real = store.insert_df

    def failing(con, table, df):
        if table == "rejected_rows":
            raise RuntimeError("simulated crash")
        return real(con, table, df)

    monkeypatch.setattr(store, "insert_df", failing)
    with pytest.raises(RuntimeError):
        ingest.ingest(FIXTURES / "acled_mexico_fictitious.csv", "acled", ref_db)
    assert table_digest(ref_db) == before


# --- coverage and data quality ---------------------------------------------------------------------------

def test_coverage_view_counts_cells_per_state_month(built_db):
    # the crime rows of the fuero-común catalogue (the map also holds the homologated, federal and RNPDNO rows)
    mapped = query(built_db, """SELECT count(*) FROM crime_map WHERE crime_type NOT IN
        ('(homologated)', 'CODIGO PENAL FEDERAL', 'OTRAS LEYES Y CODIGOS', 'Personas desaparecidas y no localizadas',
         'Defunciones por homicidio (INEGI)')""")[0][0]
    rows = query(built_db, """SELECT dataset, count(*), min(cells), max(cells), count(DISTINCT state_code)
                              FROM coverage GROUP BY dataset ORDER BY dataset""")
    carpetas = next(r for r in rows if r[0] == "carpetas")
    assert carpetas[1] == 32 * 119           # 2015-01 .. 2024-11
    assert carpetas[2] == carpetas[3] == mapped and carpetas[4] == 32
    oax = query(built_db, "SELECT month, cells_with_value, total FROM coverage WHERE dataset = 'carpetas' "
                          "AND state_code = '20' AND year = 2015 ORDER BY month")
    assert len(oax) == 12 and all(r[1] == mapped for r in oax)
    assert [r[0] for r in oax if r[2] > 0] == [2, 5, 8, 11]   # README: only Feb, May, Aug, Nov non-zero


def test_quality_flags_oaxaca_2015_reporting_gaps(built_db):
    gaps = query(built_db, """SELECT year, month FROM data_quality WHERE dataset = 'carpetas'
                              AND state_code = '20' AND flag = 'reporting_gap' ORDER BY ALL""")
    assert [m for y, m in gaps if y == 2015] == [1, 3, 4, 6, 7, 9, 10, 12]
    assert (2016, 10) in gaps
    assert query(built_db, "SELECT count(*) FROM data_quality WHERE flag = 'backfill' AND year = 2016") == [(2,)]
    note = query(built_db, "SELECT note FROM data_quality WHERE state_code = '20' AND year = 2015 AND month = 1 "
                           "AND flag = 'reporting_gap'")[0][0]
    assert "treated as missing" in note


def test_quality_flags_are_refreshed_by_an_import(empty_db, tmp_path):
    rows = [[2025, m, "15", "México", *HOM[1:], 0 if m == 6 else 300] for m in range(1, 13)]
    do_ingest(empty_db, tidy_file(tmp_path / "t.csv", rows), "sesnsp")
    flags = query(empty_db, "SELECT state_code, year, month, flag FROM data_quality WHERE state_code = '15'")
    assert ("15", 2025, 6, "reporting_gap") in flags


# --- command-line errors ---------------------------------------------------------------------------------

def test_cli_errors_exit_2_naming_the_file(empty_db, tmp_path, capsys):
    semi = tmp_path / "semicolons.csv"
    semi.write_text("Año;Clave_Ent;Entidad\n2024;1;Aguascalientes\n", encoding="utf-8")
    ucdp_as_sesnsp = tmp_path / "events.csv"
    ucdp_as_sesnsp.write_text("id,type_of_violence,date_start\n1,2,2020-01-01\n", encoding="utf-8")
    cases = [
        (["ingest", tmp_path / "absent.csv", "--format", "sesnsp", "--db", empty_db], "absent.csv: no such file"),
        (["ingest", semi, "--format", "sesnsp", "--db", empty_db], "semicolons.csv: uses ';' as the delimiter"),
        (["ingest", ucdp_as_sesnsp, "--format", "sesnsp", "--db", empty_db], "events.csv: is not a SESNSP"),
        (["ingest", semi, "--format", "sesnsp", "--db", tmp_path / "none.duckdb"], "no database here"),
        (["ingest", semi, "--format", "sesnsp", "--db", empty_db, "--release", "2024-13"], "--release must be YYYY-MM"),
    ]
    before = table_digest(empty_db)
    for argv, message in cases:
        code, _out, err = run_cli(capsys, *argv)
        assert code == 2, (argv, err)
        assert err.startswith("error: ") and message in err, err
    assert table_digest(empty_db) == before


def test_rejects_command_with_nothing_rejected(empty_db, capsys):
    code, out, _ = run_cli(capsys, "rejects", "--db", empty_db)
    assert code == 0 and out.strip() == "no rejected rows"


def test_every_error_is_a_risk_error():
    assert issubclass(FormatError, RiskError)


def test_files_without_any_state_column_are_refused(empty_db, tmp_path):
    tidy = tidy_file(tmp_path / "nostate.csv", [[2020, 1, *HOM[1:], 5]],
                     head=["year", "month", "crime_type", "subtype", "modality", "count"])
    with pytest.raises(FormatError, match=r"nostate\.csv: the tidy layout needs a state_code or state_name"):
        do_ingest(empty_db, tidy, "sesnsp")
    wide = tmp_path / "wide_nostate.csv"
    wide.write_text(csv_text([["Año"] + WIDE_HEAD[3:] + MONTHS, ["2025", *HOM, *months(1)]]), encoding="utf-8")
    with pytest.raises(FormatError, match="needs a Clave_Ent or Entidad column"):
        do_ingest(empty_db, wide, "sesnsp")
    pop = tidy_file(tmp_path / "pop.csv", [[2020, 5]], head=["year", "pop_mid_year", "note"])
    with pytest.raises(FormatError, match=r"pop\.csv: .*needs a state_code or state_name column"):
        ingest.ingest(pop, "population", empty_db)


def test_population_rows_are_rejected_once(empty_db, tmp_path):
    head = ["year", "state_code", "state_name", "sex", "pop_start_of_year", "pop_mid_year"]
    rows = [["20x", "01", "Aguascalientes", "Total", 1, 2],      # bad year
            [2020, "99", "Nowhere", "Total", 1, 2],              # bad state
            ["20y", "99", "Nowhere", "Total", 1, 2],             # both: one reject, for the year
            [2020, "02", "Baja California", "Hombres", 1, 2],    # a sex row: skipped, not rejected
            [2020, "00", "Nacional", "Total", 1, 2],             # the national row: skipped
            [2020, "03", "Baja California Sur", "Total", 10, 20],
            [2020, "03", "Baja California Sur", "Total", 11, 21]]  # the same state and year again
    res = ingest.ingest(tidy_file(tmp_path / "p.csv", rows, head), "population", empty_db, release="2023-01")
    assert (res.rows_read, res.loaded, res.rejected) == (7, 1, 4)
    rej = query(empty_db, "SELECT line, field FROM rejected_rows ORDER BY line")
    assert rej == [(2, "year"), (3, "state_code"), (4, "year"), (8, "year")]
    assert query(empty_db, "SELECT state_code, year, pop_mid_year FROM population") == [("03", 2020, 20)]


def test_a_locked_database_is_a_user_error(empty_db, tmp_path, capsys):
    """Another process holds the file (the dashboard, say): exit 2 with a hint, no traceback."""
    import subprocess
    import sys

    holder = subprocess.Popen(
        [sys.executable, "-c", ("import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', flush=True); "
                               "time.sleep(60)"), str(empty_db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        path = small_tidy(tmp_path / "a.csv", 1)
        code, _, err = run_cli(capsys, "ingest", path, "--format", "sesnsp", "--db", empty_db)
        assert code == 2 and "cannot open the database" in err and str(empty_db) in err
        code, _, err = run_cli(capsys, "rejects", "--db", empty_db)
        assert code == 2 and "another process" in err
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_rejects_of_a_missing_database(tmp_path, capsys):
    code, _, err = run_cli(capsys, "rejects", "--db", tmp_path / "none.duckdb")
    assert code == 2 and "no database here" in err
