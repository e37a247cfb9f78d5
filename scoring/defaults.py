"""The embedded default data: compact tables in ``data/derived`` loaded by ``build``.

Each table was made by the project's own importers from the original files in
``../shared/data`` (``python -m scoring derive``; see ``data/derived/provenance.json``).
They are loaded with DuckDB's CSV reader (the 220,000 official cells load in well
under a second) and then checked in SQL; a bad row stops the build with its file and line.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from . import paths, quality, store
from .derive import OUT
from .errors import DataError

_STATS_COLUMNS = {
    "state_code": "VARCHAR", "year": "SMALLINT", "month": "TINYINT", "crime_type": "VARCHAR",
    "subtype": "VARCHAR", "modality": "VARCHAR", "series": "VARCHAR", "value": "DOUBLE",
}


def _read(con, path: Path, columns: dict[str, str]) -> str:
    cols = ", ".join(f"'{k}': '{v}'" for k, v in columns.items())
    return (f"read_csv('{path.as_posix()}', header=true, columns={{{cols}}}, "
            "nullstr='', quote='\"', escape='\"')")


def _check(con, relation: str, path: Path, rules: list[tuple[str, str, str]]) -> None:
    """Each rule is (field, SQL condition that marks a bad row, reason)."""
    for field, bad, reason in rules:
        hit = con.execute(
            f"SELECT line FROM (SELECT row_number() OVER () + 1 AS line, * FROM {relation}) WHERE {bad} LIMIT 1"
        ).fetchall()
        if hit:
            raise DataError(_rel(path), reason, line=int(hit[0][0]), field=field)


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path)


def load_all(con, *, root: Path | None = None, say=lambda m: None) -> dict:
    derived = (root / "data" / "derived") if root else paths.DERIVED
    prov_path = derived / "provenance.json"
    if not prov_path.exists():
        raise DataError(_rel(prov_path), "is missing; run `python -m scoring derive` to regenerate data/derived")
    try:
        prov = json.loads(prov_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(_rel(prov_path), f"is not valid JSON ({exc.msg})", line=exc.lineno) from None
    from .derive import load_crime_map

    load_crime_map(con)
    counts = {}
    now = dt.datetime(2000, 1, 1)  # fixed, so two builds give identical content
    for name, meta in prov.items():
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
    cols = dict(_STATS_COLUMNS)
    if victims:
        cols |= {"value_male": "DOUBLE", "value_female": "DOUBLE"}
    rel = _read(con, path, cols)
    _check(con, rel, path, [
        ("state_code", "state_code NOT IN (SELECT state_code FROM states)", "unknown state code"),
        ("value", "value < 0", "negative count"),
        ("month", "month NOT BETWEEN 1 AND 12", "month outside 1-12"),
        ("series", "series IS NULL", "row without a series (derived tables keep mapped rows only)"),
    ])
    male = "value_male, value_female" if victims else "NULL, NULL"
    con.execute(f"""INSERT INTO official_stats
        SELECT '{dataset}', state_code, year, month, crime_type, subtype, modality, series, value, {male},
               '{release}', '{batch}' FROM {rel}""")
    return con.execute(f"SELECT count(*) FROM official_stats WHERE batch_id = '{batch}'").fetchall()[0][0]


def _load_population(con, path, release, batch) -> int:
    rel = _read(con, path, {"state_code": "VARCHAR", "year": "SMALLINT", "pop_mid_year": "BIGINT",
                            "pop_start_of_year": "BIGINT"})
    _check(con, rel, path, [
        ("state_code", "state_code NOT IN (SELECT state_code FROM states)", "unknown state code"),
        ("pop_mid_year", "pop_mid_year IS NULL OR pop_mid_year <= 0", "population must be positive"),
    ])
    con.execute(f"INSERT INTO population SELECT state_code, year, pop_mid_year, pop_start_of_year, "
                f"'{release}', '{batch}' FROM {rel}")
    return con.execute(f"SELECT count(*) FROM population WHERE batch_id = '{batch}'").fetchall()[0][0]


def _load_ucdp(con, path, release, batch) -> int:
    rel = _read(con, path, {
        "event_id": "VARCHAR", "date": "DATE", "date_precision": "VARCHAR", "date_note": "VARCHAR",
        "state_code": "VARCHAR", "place": "VARCHAR", "latitude": "DOUBLE", "longitude": "DOUBLE",
        "geo_precision": "VARCHAR", "event_type": "VARCHAR", "fatalities": "INTEGER", "actors": "VARCHAR",
        "target_category": "VARCHAR", "confidence": "VARCHAR", "notes": "VARCHAR"})
    _check(con, rel, path, [
        ("state_code", "state_code NOT IN (SELECT state_code FROM states)", "unknown state code"),
        ("fatalities", "fatalities < 0", "negative count"),
        ("event_type", "event_type NOT IN (SELECT event_type FROM event_types)", "unknown event type"),
    ])
    con.execute(f"""INSERT INTO events (event_id, origin, date, date_precision, date_note, state_code, place,
            latitude, longitude, geo_precision, event_type, fatalities, actors, target_category, source_id,
            confidence, notes, batch_id)
        SELECT event_id, 'ucdp', date, date_precision, date_note, state_code, place, latitude, longitude,
               geo_precision, event_type, fatalities, actors, target_category, 'D:ucdp_ged', confidence, notes,
               '{batch}' FROM {rel}""")
    con.execute(f"INSERT INTO event_sources SELECT event_id, 'D:ucdp_ged' FROM events WHERE batch_id = '{batch}'")
    return con.execute(f"SELECT count(*) FROM events WHERE batch_id = '{batch}'").fetchall()[0][0]


_LOADERS = {
    "sesnsp_carpetas": lambda con, p, r, b: _load_stats(con, p, r, b, dataset="carpetas", victims=False),
    "sesnsp_victims": lambda con, p, r, b: _load_stats(con, p, r, b, dataset="victims", victims=True),
    "population": _load_population,
    "ucdp_ged": _load_ucdp,
}
