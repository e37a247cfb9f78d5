"""The embedded default data: compact tables in ``data/derived`` loaded by ``build``.

Each table was made by the project's own importers from the original files in
``../shared/data`` (``python -m scoring derive``; see ``data/derived/provenance.json``).
They are loaded with DuckDB's CSV reader (the official cells, about 260,000 rows, load
in well under a second) and then checked in SQL, by the same row rules the importers use
(:mod:`scoring.load.rules`); a bad row stops the build with its file, line and field.

:data:`TABLES` is the one description of each derived file (name and typed columns): the
loader here reads it, and ``derive`` writes it.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import re
from pathlib import Path

import duckdb
import pandas as pd

from scoring import paths
from scoring.db import store
from scoring.errors import DataError
from scoring.load import quality, rules

_STATS_COLUMNS = {
    "state_code": "VARCHAR", "year": "SMALLINT", "month": "TINYINT", "crime_type": "VARCHAR",
    "subtype": "VARCHAR", "modality": "VARCHAR", "series": "VARCHAR", "value": "DOUBLE",
}
_UCDP_COLUMNS = {
    "event_id": "VARCHAR", "date": "DATE", "date_precision": "VARCHAR", "date_note": "VARCHAR",
    "state_code": "VARCHAR", "place": "VARCHAR", "latitude": "DOUBLE", "longitude": "DOUBLE",
    "geo_precision": "VARCHAR", "event_type": "VARCHAR", "fatalities": "INTEGER", "actors": "VARCHAR",
    "target_category": "VARCHAR", "confidence": "VARCHAR", "notes": "VARCHAR",
}

# name -> (file in data/derived, typed columns in file order)
TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "sesnsp_carpetas": ("sesnsp_carpetas.csv.gz", _STATS_COLUMNS),
    "sesnsp_victims": ("sesnsp_victims.csv.gz", _STATS_COLUMNS | {"value_male": "DOUBLE", "value_female": "DOUBLE"}),
    "sesnsp_homologated": ("sesnsp_homologated.csv.gz", _STATS_COLUMNS),
    "sesnsp_federal": ("sesnsp_federal.csv.gz", _STATS_COLUMNS),
    "rnpdno_missing": ("rnpdno_missing.csv", _STATS_COLUMNS),
    "inegi_deaths": ("inegi_deaths.csv.gz", _STATS_COLUMNS),
    "population": ("population.csv", {"state_code": "VARCHAR", "year": "SMALLINT", "pop_mid_year": "BIGINT",
                                      "pop_start_of_year": "BIGINT"}),
    "ucdp_ged": ("ucdp_events.csv.gz", _UCDP_COLUMNS),
    "municipalities": ("municipalities.csv", {"cvegeo": "VARCHAR", "state_code": "VARCHAR", "name": "VARCHAR",
                                              "pop_2020": "BIGINT", "seat_lat": "DOUBLE", "seat_lon": "DOUBLE",
                                              "note": "VARCHAR"}),
    "sesnsp_municipal": ("sesnsp_municipal.csv.gz", {"year": "SMALLINT", "month": "TINYINT", "cvegeo": "VARCHAR",
                                                     "series": "VARCHAR", "value": "INTEGER"}),
    "sesnsp_municipal_coverage": ("sesnsp_municipal_coverage.csv", {"state_code": "VARCHAR", "first_month": "INTEGER",
                                                                    "last_month": "INTEGER", "source": "VARCHAR"}),
}
OUT = {name: file for name, (file, _) in TABLES.items()}


def _header(path: Path) -> list[str]:
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8", newline="") as f:
            return next(csv.reader([f.readline()]), [])
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise DataError(_rel(path), f"cannot be read ({exc})") from None


def _stage(con, path: Path, columns: dict[str, str], name: str) -> str:
    """Load a derived CSV as text into a temp table (with each row's file line), check that
    every typed value converts, and return a typed SELECT over it.

    Reading as text first means a malformed value stops the build with its file, line and
    field (DuckDB's own cast error would surface as an internal error instead).
    """
    want = list(columns)
    got = [h.strip() for h in _header(path)]
    if got != want:
        raise DataError(_rel(path), f"header is {', '.join(got)}; expected {', '.join(want)}", line=1)
    cols = ", ".join(f"'{k}': 'VARCHAR'" for k in columns)
    try:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE {name} AS
            SELECT row_number() OVER () + 1 AS _line, *
            FROM read_csv('{path.as_posix()}', header=true, columns={{{cols}}},
                          nullstr='', quote='"', escape='"', strict_mode=true)""")
    except duckdb.Error as exc:
        text = str(exc)
        m = re.search(r"Line: (\d+)", text)
        first = next((ln for ln in text.splitlines() if ln.strip()), text)
        raise DataError(_rel(path), f"is not valid CSV ({first.strip()})",
                        line=int(m.group(1)) if m else None) from None
    _check(con, name, path, [
        (c, f"{c} IS NOT NULL AND TRY_CAST({c} AS {t}) IS NULL", f"is not a valid {t.lower()}")
        for c, t in columns.items() if t != "VARCHAR"
    ])
    typed = ", ".join(c if t == "VARCHAR" else f"CAST({c} AS {t}) AS {c}" for c, t in columns.items())
    return f"(SELECT _line, {typed} FROM {name})"


def _check(con, relation: str, path: Path, rules: list[tuple[str, str, str]]) -> None:
    """Each rule is (field, SQL condition that marks a bad row, reason); the first bad line
    of the first broken rule stops the build."""
    for field, bad, reason in rules:
        hit = con.execute(
            f"SELECT _line, CAST({field} AS VARCHAR) FROM {relation} WHERE {bad} ORDER BY _line LIMIT 1"
        ).fetchall()
        if hit:
            line, value = hit[0]
            raise DataError(_rel(path), f"{reason} (value {value!r})" if value is not None else reason,
                            line=int(line), field=field)


def _required(*cols: str) -> list[tuple[str, str, str]]:
    return [(c, f"{c} IS NULL", "is required but empty") for c in cols]


def _check_unique(con, relation: str, path: Path, key: list[str], field: str) -> None:
    k = ", ".join(key)
    _check(con, f"(SELECT *, min(_line) OVER (PARTITION BY {k}) AS _first FROM {relation})", path,
           [(field, "_line > _first", f"repeats the key ({k}) of an earlier row")])


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path)


_PROV_KEYS = ("title", "publisher", "release", "licence", "derivation", "file", "source_sha256",
              "derived_sha256", "format", "unit")


def load_all(con, *, root: Path | None = None, say=lambda m: None) -> dict:
    derived = (root / "data" / "derived") if root else paths.DERIVED
    prov_path = derived / "provenance.json"
    if not prov_path.exists():
        raise DataError(_rel(prov_path), "is missing; run `python -m scoring derive` to regenerate data/derived")
    try:
        prov = json.loads(prov_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(_rel(prov_path), f"is not valid JSON ({exc.msg})", line=exc.lineno) from None
    counts = {}
    now = dt.datetime(2000, 1, 1)  # fixed, so two builds give identical content
    for name, meta in prov.items():
        if name not in OUT:
            raise DataError(_rel(prov_path), f"names an unknown table {name!r}; expected {', '.join(OUT)}")
        lacking = [k for k in _PROV_KEYS if not isinstance(meta, dict) or k not in meta]
        if lacking:
            raise DataError(_rel(prov_path), f"entry {name!r} lacks {', '.join(lacking)}")
        path = derived / OUT[name]
        if not path.exists():
            raise DataError(_rel(path), "is missing; run `python -m scoring derive`")
        batch = f"derived:{name}"
        store.insert_df(con, "sources", pd.DataFrame([{
            "source_id": f"D:{name}", "kind": "dataset", "title": meta["title"], "publisher": meta["publisher"],
            "published": meta["release"], "licence": meta["licence"],
            "provenance": f"{meta['derivation']}; from {meta['file']} (sha256 {meta['source_sha256'][:12]}...)",
            "file": f"data/derived/{OUT[name]}", "url": None}]))
        n = _LOADERS[name](con, path, meta["release"], batch)
        store.insert_df(con, "ingest_batches", pd.DataFrame([{
            "batch_id": batch, "loaded_at": now, "file_name": OUT[name], "checksum": meta["derived_sha256"],
            "format": meta["format"], "release": meta["release"], "rows_read": n, "rows_loaded": n,
            "rows_rejected": 0, "rows_superseded": 0, "note": meta["unit"]}]))
        counts[name] = n
        say(f"{name}: {n:,} rows from {OUT[name]}")
    store.insert_df(con, "sources", pd.DataFrame([{
        "source_id": "D:acled", "kind": "dataset", "title": "ACLED (user-supplied exports only)",
        "publisher": "Armed Conflict Location & Event Data Project", "published": None,
        "licence": "ACLED terms of use: attribution required, no redistribution of raw rows",
        "provenance": "not embedded; loaded only from a user's own export", "file": None, "url": None}]))
    quality.flag_all(con)
    return counts


def _load_stats(con, path, release, batch, *, dataset: str, victims: bool) -> int:
    cols = TABLES["sesnsp_victims" if victims else "sesnsp_carpetas"][1]   # the other tables have the carpetas columns
    rel = _stage(con, path, cols, "_derived_stats")
    _check(con, rel, path, _required("state_code", "year", "month", "crime_type", "subtype", "modality") + [
        ("state_code", "state_code NOT IN (SELECT state_code FROM states)", "unknown state code"),
        ("value", "value < 0", "negative count"),
        ("month", "month NOT BETWEEN 1 AND 12", "month outside 1-12"),
        ("series", "series IS NULL", "row without a series (derived tables keep mapped rows only)"),
    ] + ([("value_male", "value_male < 0", "negative count"),
          ("value_female", "value_female < 0", "negative count")] if victims else []))
    _check_unique(con, rel, path, ["state_code", "year", "month", "crime_type", "subtype", "modality"], "modality")
    male = "value_male, value_female" if victims else "NULL, NULL"
    con.execute(f"""INSERT INTO official_stats
        SELECT '{dataset}', state_code, year, month, crime_type, subtype, modality, series, value, {male},
               '{release}', '{batch}' FROM {rel} ORDER BY _line""")
    con.execute("DROP TABLE _derived_stats")
    return con.execute(f"SELECT count(*) FROM official_stats WHERE batch_id = '{batch}'").fetchall()[0][0]


def _load_population(con, path, release, batch) -> int:
    rel = _stage(con, path, TABLES["population"][1], "_derived_population")
    _check(con, rel, path, _required("state_code", "year") + [
        ("state_code", "state_code NOT IN (SELECT state_code FROM states)", "unknown state code"),
        ("pop_mid_year", "pop_mid_year IS NULL OR pop_mid_year <= 0", "population must be positive"),
        ("pop_start_of_year", "pop_start_of_year <= 0", "population must be positive"),
    ])
    _check_unique(con, rel, path, ["state_code", "year"], "year")
    con.execute(f"INSERT INTO population SELECT state_code, year, pop_mid_year, pop_start_of_year, "
                f"'{release}', '{batch}' FROM {rel} ORDER BY _line")
    con.execute("DROP TABLE _derived_population")
    return con.execute(f"SELECT count(*) FROM population WHERE batch_id = '{batch}'").fetchall()[0][0]


def _load_ucdp(con, path, release, batch) -> int:
    rel = _stage(con, path, _UCDP_COLUMNS, "_derived_ucdp")
    codes = [r[0] for r in con.execute("SELECT state_code FROM states").fetchall()]
    _check(con, rel, path, [
        ("event_id", "event_id IN (SELECT event_id FROM events)", "repeats the id of an event already loaded"),
    ] + rules.sql_checks(rules.event_fields(codes), _UCDP_COLUMNS))
    _check_unique(con, rel, path, ["event_id"], "event_id")
    con.execute(f"""INSERT INTO events (event_id, origin, date, date_precision, date_note, state_code, place,
            latitude, longitude, geo_precision, event_type, fatalities, actors, target_category, source_id,
            confidence, notes, batch_id)
        SELECT event_id, 'ucdp', date, date_precision, date_note, state_code, place, latitude, longitude,
               geo_precision, event_type, fatalities, actors, target_category, 'D:ucdp_ged', confidence, notes,
               '{batch}' FROM {rel} ORDER BY _line""")
    con.execute(f"INSERT INTO event_sources SELECT event_id, 'D:ucdp_ged' FROM events WHERE batch_id = '{batch}'")
    con.execute("DROP TABLE _derived_ucdp")
    return con.execute(f"SELECT count(*) FROM events WHERE batch_id = '{batch}'").fetchall()[0][0]


def _load_municipalities(con, path, release, batch) -> int:
    rel = _stage(con, path, TABLES["municipalities"][1], "_derived_munis")
    _check(con, rel, path, _required("cvegeo", "state_code", "name") + [
        ("cvegeo", "NOT regexp_full_match(cvegeo, '[0-9]{5}')", "is not a 5-digit INEGI code"),
        ("state_code", "state_code NOT IN (SELECT state_code FROM states) OR state_code <> cvegeo[1:2]",
         "unknown state code, or not the code's first two digits"),
        ("pop_2020", "pop_2020 <= 0", "population must be positive"),
        ("seat_lat", f"seat_lat NOT BETWEEN {rules.LAT_RANGE[0]} AND {rules.LAT_RANGE[1]}", "latitude outside Mexico"),
        ("seat_lon", f"seat_lon NOT BETWEEN {rules.LON_RANGE[0]} AND {rules.LON_RANGE[1]}", "longitude outside Mexico"),
    ])
    _check_unique(con, rel, path, ["cvegeo"], "cvegeo")
    con.execute(f"INSERT INTO municipalities SELECT cvegeo, state_code, name, pop_2020, seat_lat, seat_lon, "
                f"coalesce(note, '') FROM {rel} ORDER BY _line")
    con.execute("DROP TABLE _derived_munis")
    return con.execute("SELECT count(*) FROM municipalities").fetchall()[0][0]


MUNICIPAL_SERIES = ("homicide", "feminicide", "extortion", "kidnapping", "drug_dealing")


def _load_municipal_stats(con, path, release, batch) -> int:
    rel = _stage(con, path, TABLES["sesnsp_municipal"][1], "_derived_mstats")
    series = ", ".join(f"'{x}'" for x in MUNICIPAL_SERIES)
    _check(con, rel, path, _required("year", "month", "cvegeo", "series", "value") + [
        ("cvegeo", "NOT regexp_full_match(cvegeo, '[0-9]{5}') OR cvegeo[1:2] NOT IN (SELECT state_code FROM states)",
         "is not a 5-digit INEGI code of a known state"),
        ("month", "month NOT BETWEEN 1 AND 12", "month outside 1-12"),
        ("year", "year NOT BETWEEN 2000 AND 2100", "year outside 2000-2100"),
        ("series", f"series NOT IN ({series})", "unknown municipal series"),
        ("value", "value <= 0", "only positive counts are stored (zeros are implied by the coverage table)"),
    ])
    _check_unique(con, rel, path, ["cvegeo", "year", "month", "series"], "series")
    con.execute(f"INSERT INTO municipal_stats SELECT cvegeo, year, month, series, value, '{batch}' FROM {rel} "
                "ORDER BY _line")
    con.execute("DROP TABLE _derived_mstats")
    return con.execute(f"SELECT count(*) FROM municipal_stats WHERE batch_id = '{batch}'").fetchall()[0][0]


def _load_municipal_coverage(con, path, release, batch) -> int:
    rel = _stage(con, path, TABLES["sesnsp_municipal_coverage"][1], "_derived_mcov")
    _check(con, rel, path, _required("state_code", "first_month", "last_month", "source") + [
        ("state_code", "state_code NOT IN (SELECT state_code FROM states)", "unknown state code"),
        ("last_month", "last_month < first_month OR last_month % 100 NOT BETWEEN 1 AND 12 "
                       "OR first_month % 100 NOT BETWEEN 1 AND 12", "not a YYYYMM range"),
    ])
    _check_unique(con, rel, path, ["state_code"], "state_code")
    con.execute(f"INSERT INTO municipal_coverage SELECT state_code, first_month, last_month, source FROM {rel} "
                "ORDER BY _line")
    con.execute("DROP TABLE _derived_mcov")
    return con.execute("SELECT count(*) FROM municipal_coverage").fetchall()[0][0]


_LOADERS = {
    "sesnsp_carpetas": lambda con, p, r, b: _load_stats(con, p, r, b, dataset="carpetas", victims=False),
    "sesnsp_victims": lambda con, p, r, b: _load_stats(con, p, r, b, dataset="victims", victims=True),
    "sesnsp_homologated": lambda con, p, r, b: _load_stats(con, p, r, b, dataset="homologated", victims=False),
    "sesnsp_federal": lambda con, p, r, b: _load_stats(con, p, r, b, dataset="federal", victims=False),
    "rnpdno_missing": lambda con, p, r, b: _load_stats(con, p, r, b, dataset="rnpdno", victims=False),
    "inegi_deaths": lambda con, p, r, b: _load_stats(con, p, r, b, dataset="inegi", victims=False),
    "population": _load_population,
    "ucdp_ged": _load_ucdp,
    "municipalities": _load_municipalities,
    "sesnsp_municipal": _load_municipal_stats,
    "sesnsp_municipal_coverage": _load_municipal_coverage,
}
