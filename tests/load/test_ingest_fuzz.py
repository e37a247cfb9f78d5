"""Property-based fuzzing of the importers (hypothesis).

Whatever bytes arrive -- random noise, a real file cut anywhere, the wrong delimiter, the
wrong encoding, mangled cells -- ``ingest`` raises nothing but a :class:`RiskError`
(FormatError / DataError) naming the file, or loads what it can and records the rest as
rejected rows. The command line then exits 2 with a one-line message naming the file, or 0;
never a traceback, never an "internal error".
"""

from __future__ import annotations

import contextlib
import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from support.datahelpers import (
    CARPETAS,
    CONAPO,
    FEDERAL,
    FIXTURES,
    HOMOLOGATED,
    RNPDNO,
    ROOT,
    SHARED,
    UCDP,
    VICTIMS,
    WIDE_FIXTURE,
)

from scoring import cli
from scoring.db import store
from scoring.errors import RiskError
from scoring.load import ingest

FUZZ = settings(max_examples=50, deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
HEAD_BYTES = 12_000  # the start of each real file: enough rows for every parser path, quick to import

# Synthetic samples, so the fuzzing runs even without ../shared/data.
MONTHS = "Enero,Febrero,Marzo,Abril,Mayo,Junio,Julio,Agosto,Septiembre,Octubre,Noviembre,Diciembre"
SYNTHETIC = {
    "sesnsp": [(
        f"Año,Clave_Ent,Entidad,Bien jurídico afectado,Tipo de delito,Subtipo de delito,Modalidad,{MONTHS}\r\n"
        "2025,1,Aguascalientes,La vida,Homicidio,Homicidio doloso,Con arma de fuego,\"1,045\",2,3,,,,,,,,,\r\n"
        "2025,09,Ciudad de México,El patrimonio,Extorsión,Extorsión,Extorsión,1,2,3,4,5,6,7,8,9,10,11,12\r\n"
    ).encode("latin-1")],
    "sesnsp-victims": [(
        f"Año,Clave_Ent,Entidad,Bien jurídico afectado,Tipo de delito,Subtipo de delito,Modalidad,Sexo,"
        f"Rango de edad,{MONTHS}\n"
        "2024,8,Chihuahua,La vida,Homicidio,Homicidio doloso,Con arma de fuego,Hombre,Adultos,5,6,,,,,,,,,,\n"
        "2024,8,Chihuahua,La vida,Homicidio,Homicidio doloso,Con arma de fuego,Mujer,Adultos,1,0,,,,,,,,,,\n"
    ).encode()],
    "population": [(b"year,state_code,state_name,sex,pop_start_of_year,pop_mid_year\n"
                   b"2020,01,Aguascalientes,Total,1000,1100\n2020,00,Nacional,Total,9,9\n")],
    "events": [(
        b"event_id,date,date_precision,state_code,geo_precision,event_type,fatalities,source_ids,latitude,longitude\n"
        b"U1,2025-01-01,day,25,state,killing,2,MyNotes,,\nU2,2025-01-02,day,11,exact,armed_clash,,A000,20.6,-101.3\n"
    )],
    "ucdp": [(
        b"id,type_of_violence,date_start,date_end,adm_1,latitude,longitude,best,low,high,side_a,side_b,where_prec,"
        b"date_prec,event_clarity,conflict_name,where_coordinates\n"
        b"1,2,2020-01-01,2020-01-01,Guanajuato state,20.5,-101.2,3,3,4,Cartel A,Cartel B,1,1,1,A - B,Celaya town\n"
        b"2,3,2020-01-02,2020-01-03,,19.4,-99.1,1,1,1,Cartel A,Civilians,1,1,1,A - Civilians,Mexico city\n"
    )],
    "acled": [],
    "sesnsp-homologated": [(
        "year,month,state_code,crime,unit,count\n2026,1,25,Homicidio doloso,carpetas,120\n"
        "2026,2,25,Extorsión,carpetas,\n2026,2,14,Secuestro,carpetas,3\n"
    ).encode()],
    "sesnsp-federal": [(
        f"AÑO,INEGI,ENTIDAD,LEY,CONCEPTO,TIPO,{MONTHS.upper()}\r\n"
        "2025,25,SINALOA,CODIGO PENAL FEDERAL,CONTRA LA SALUD,POSESION,4,5,6,,,,,,,,,\r\n"
        "2025,,EXTRANJERO,CODIGO PENAL FEDERAL,CONTRA LA SALUD,TRAFICO,1,0,0,,,,,,,,,\r\n"
    ).encode("latin-1")],
    "rnpdno": [b"state_code,state_name,as_of,active_total\n28,Tamaulipas,2026-06-03,13000\n14,Jalisco,2026-06-03,15000\n"],
    "inegi-deaths": [b"cve_ent,year,month,homicides,pop_est,homicide_rate\n01,2021,1,5,1400000.5,0.35\n"
                     b"32,2021,2,80,1600000,5.0\n"],
    "assessment": [b"state,assessor,as_of,level,level_max,level_name\nSinaloa,Test,2025-08-12,4,4,Do Not Travel\n"
                   b"Yucatan,Test,2025-08-12,1,4,\n"],
}


def _real_heads() -> dict[str, list[bytes]]:
    files = {"sesnsp": [CARPETAS, WIDE_FIXTURE], "sesnsp-victims": [VICTIMS], "ucdp": [UCDP],
             "population": [CONAPO], "sesnsp-homologated": [HOMOLOGATED], "sesnsp-federal": [FEDERAL],
             "rnpdno": [RNPDNO]}
    heads: dict[str, list[bytes]] = {k: [] for k in SYNTHETIC}
    for fmt, names in files.items():
        for name in names:
            path = SHARED / name
            if path.is_file():
                with open(path, "rb") as f:
                    heads[fmt].append(f.read(HEAD_BYTES))
    heads["acled"].append((FIXTURES / "acled_mexico_fictitious.csv").read_bytes())
    heads["assessment"].append((ROOT / "data" / "reference" / "assessments" / "us_state_dept_mexico_2025-08-12.csv")
                               .read_bytes())
    heads["events"].append((ROOT / "seeds" / "events.csv").read_bytes())
    return heads


REAL = _real_heads()
SAMPLES = {fmt: SYNTHETIC[fmt] + REAL[fmt] for fmt in SYNTHETIC}
FORMATS = list(ingest.FORMATS)
NASTY_CELLS = ["", " ", "inf", "-inf", "nan", "NaN", "-1", "1e999", "99999999999", "2.5", "0", "00", "33",
               "\"", "\"\"", ",", "2020-02-30", "2020-13-01", "9999-12-31", "0000-01-01", "é", "\x00", "\u2028",
               "١٢", "Ciudad de México", "Nacional", "1,045", ";", "\t", "\r", "NULL", "=1+1"]


def sample_for(fmt: str, draw_index: int) -> bytes:
    pool = SAMPLES[fmt]
    return pool[draw_index % len(pool)]


def _mutate_cells(data: bytes, edits: list[tuple[int, int, str]]) -> bytes:
    text = data.decode("utf-8", "surrogateescape")  # Latin-1 bytes round-trip untouched
    lines = text.split("\n")
    if len(lines) < 2:
        return data
    for row, col, value in edits:
        i = 1 + row % (len(lines) - 1)
        parts = lines[i].split(",")
        parts[col % len(parts)] = value
        lines[i] = ",".join(parts)
    return "\n".join(lines).encode("utf-8", "surrogateescape")


@st.composite
def mangled_files(draw) -> tuple[str, bytes]:
    """A sample of some format (fed to any format), damaged in one or more ways."""
    fmt = draw(st.sampled_from(FORMATS))
    wrong_format = draw(st.integers(0, 4)) == 0   # one case in five: a file of another format
    data = sample_for(draw(st.sampled_from(FORMATS)) if wrong_format else fmt, draw(st.integers(0, 10)))
    # mostly damage a file still recognisable as its format (reaching the row checks),
    # sometimes make it unreadable as a whole
    how = draw(st.lists(st.sampled_from(["truncate", "flip", "cells", "cells"]), min_size=1, max_size=3))
    if draw(st.integers(0, 2)) == 0:
        how.append(draw(st.sampled_from(["semicolon", "tab", "encode", "dup_header", "drop_column"])))
    keep = data.find(b"\n") + 1 if wrong_format or draw(st.integers(0, 5)) else 0  # usually spare the header
    for h in how:
        if h == "truncate" and len(data) > keep:
            data = data[: draw(st.integers(keep, len(data)))]
        elif h == "semicolon":
            data = data.replace(b",", b";")
        elif h == "tab":
            data = data.replace(b",", b"\t")
        elif h == "encode":
            enc = draw(st.sampled_from(["utf-16", "utf-32", "utf-16-le", "cp1252", "latin-1", "utf-8-sig", "cp437"]))
            data = data.decode("latin-1").encode(enc, "replace")
        elif h == "flip" and len(data) > keep:
            b = bytearray(data)
            for pos, val in draw(st.lists(st.tuples(st.integers(keep, len(b) - 1), st.integers(0, 255)), max_size=8)):
                b[pos] = val
            data = bytes(b)
        elif h == "cells":
            edits = draw(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 40), st.sampled_from(NASTY_CELLS)),
                                  min_size=1, max_size=6))
            data = _mutate_cells(data, edits)
        elif h == "dup_header":
            first, _, rest = data.partition(b"\n")
            data = first + b"," + first.split(b",")[0] + b"\n" + rest
        elif h == "drop_column":
            k = draw(st.integers(0, 8))
            data = b"\n".join(b",".join(p for j, p in enumerate(line.split(b",")) if j != k)
                              for line in data.split(b"\n"))
    return fmt, data


@st.composite
def random_csvs(draw) -> tuple[str, bytes]:
    """A CSV whose header is a real format's, with random text cells: reaches the row checks."""
    fmt = draw(st.sampled_from(FORMATS))
    header = sample_for(fmt, draw(st.integers(0, 10))).decode("latin-1").split("\n")[0].strip("\r")
    width = len(header.split(","))
    cell = st.one_of(st.sampled_from(NASTY_CELLS), st.text(max_size=8),
                     st.integers(-10, 3000).map(str), st.floats(allow_nan=True).map(str))
    rows = draw(st.lists(st.lists(cell, min_size=width, max_size=width), max_size=8))
    buf = io.StringIO()
    csv.writer(buf).writerows([header.split(",")] + rows)
    enc = draw(st.sampled_from(["utf-8", "latin-1", "utf-16"]))
    return fmt, buf.getvalue().encode(enc, "replace")


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory, ref_db_template) -> Path:
    d = tmp_path_factory.mktemp("fuzz")
    shutil.copy(ref_db_template, d / "api.duckdb")
    shutil.copy(ref_db_template, d / "cli.duckdb")
    return d


@pytest.fixture(scope="module")
def fuzz_con(fuzz_dir):
    con = store.connect(fuzz_dir / "api.duckdb")
    yield con
    con.close()


_counter = iter(range(10**9))
TARGET = {"sesnsp": "official_stats", "sesnsp-victims": "official_stats", "sesnsp-homologated": "official_stats",
          "sesnsp-federal": "official_stats", "rnpdno": "official_stats", "population": "population",
          "assessment": "assessments", "inegi-deaths": "official_stats"}


def assert_batch_accounted_for(con, fmt: str, res, data: bytes) -> None:
    """What the result reports is what the database holds: every loaded row is in its table
    under the batch id, every rejected row is recorded once with a line of the file, and the
    batch record repeats the counts."""
    table = TARGET.get(fmt, "events")
    stored = con.execute(f"SELECT count(*) FROM {table} WHERE batch_id = ?", [res.batch_id]).fetchall()[0][0]
    assert stored == res.loaded, f"{res.loaded} reported loaded, {stored} stored"
    lines = [r[0] for r in con.execute("SELECT line FROM rejected_rows WHERE batch_id = ?", [res.batch_id]).fetchall()]
    assert len(lines) == res.rejected
    assert len(set(lines)) == len(lines), f"a line rejected twice: {sorted(lines)}"
    physical = data.count(b"\n") + data.count(b"\r") + 1          # an upper bound on any encoding's line count
    assert all(2 <= ln <= physical for ln in lines), (lines, physical)   # the header (line 1) is never a row
    batch = con.execute("SELECT rows_read, rows_loaded, rows_rejected, rows_superseded FROM ingest_batches "
                        "WHERE batch_id = ?", [res.batch_id]).fetchall()
    assert batch == [(res.rows_read, res.loaded, res.rejected, res.superseded)]
    if table == "events":                                            # each loaded event keeps its sources
        orphans = con.execute("""SELECT count(*) FROM events e WHERE batch_id = ? AND NOT EXISTS
                                 (SELECT 1 FROM event_sources s WHERE s.event_id = e.event_id)""",
                              [res.batch_id]).fetchall()[0][0]
        assert orphans == 0


def ingest_never_crashes(fuzz_dir: Path, con, fmt: str, data: bytes) -> None:
    path = fuzz_dir / f"input_{next(_counter)}.csv"
    path.write_bytes(data)
    try:
        res = ingest.ingest(path, fmt, con=con)
    except RiskError as exc:
        event(f"{fmt}: {type(exc).__name__}")
        assert path.name in str(exc), f"error does not name the file: {exc}"
    else:
        event(f"{fmt}: loaded" + (" with rejects" if res.rejected else ""))
        if res.already_loaded:
            assert (res.loaded, res.rejected) == (0, 0)
        else:
            assert_batch_accounted_for(con, fmt, res, data)
    finally:
        path.unlink()
    # the connection is still usable: no half-open transaction left behind
    assert con.execute("SELECT count(*) FROM states").fetchall() == [(32,)]


@FUZZ
@given(data=st.binary(max_size=3000), fmt=st.sampled_from(FORMATS))
def test_random_bytes(fuzz_dir, fuzz_con, data, fmt):
    ingest_never_crashes(fuzz_dir, fuzz_con, fmt, data)


@FUZZ
@given(case=mangled_files())
def test_damaged_real_and_sample_files(fuzz_dir, fuzz_con, case):
    ingest_never_crashes(fuzz_dir, fuzz_con, *case)


@FUZZ
@given(case=random_csvs())
def test_random_cells_under_real_headers(fuzz_dir, fuzz_con, case):
    ingest_never_crashes(fuzz_dir, fuzz_con, *case)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=st.one_of(mangled_files(), random_csvs(), st.tuples(st.sampled_from(FORMATS), st.binary(max_size=500))))
def test_cli_exits_2_naming_the_file_or_0(fuzz_dir, case):
    fmt, data = case
    path = fuzz_dir / f"cli_{next(_counter)}.csv"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(["ingest", str(path), "--format", fmt, "--db", str(fuzz_dir / "cli.duckdb")])
    finally:
        path.unlink()
    err_text = err.getvalue()
    assert "Traceback" not in err_text and "internal error" not in err_text, err_text
    if code == 2:
        lines = [ln for ln in err_text.splitlines() if not ln.startswith("  ... ")]
        assert len(lines) == 1 and lines[0].startswith("error: ") and path.name in lines[0], err_text
    else:
        assert code == 0, err_text
        assert path.name in out.getvalue()


@pytest.mark.parametrize("name, data, fmt", [
    ("noise.csv", bytes(range(256)) * 8, "sesnsp"),
    ("semicolon.csv", "Año;Clave_Ent;Entidad;x\n2024;1;Ags;2\n".encode("latin-1"), "sesnsp"),
    ("tabs.csv", b"id\ttype_of_violence\tdate_start\n1\t2\t2020-01-01\n", "ucdp"),
    ("utf16.csv", "year,state_code,pop_mid_year\n2020,01,5\n".encode("utf-16"), "population"),   # read: exit 0
    ("empty.csv", b"", "events"),
])
def test_cli_subprocess_never_shows_a_traceback(name, data, fmt, ref_db, tmp_path):
    path = tmp_path / name
    path.write_bytes(data)
    done = subprocess.run([sys.executable, "-m", "scoring", "ingest", str(path), "--format", fmt, "--db", str(ref_db)], check=False,
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr
    if name == "utf16.csv":
        assert done.returncode == 0 and "loaded 1, rejected 0" in done.stdout, (done.stdout, done.stderr)
        return
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stderr.startswith("error: ") and name in done.stderr
