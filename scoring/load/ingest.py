"""``python -m scoring ingest PATH --format FORMAT``: bring a user's file into the database.

Every import is one batch: the file's checksum, format, release and row counts are
recorded, good rows are written, every rejected row is kept with its line and reason,
and all of it happens in one transaction (a failure leaves the database unchanged).

Formats (see :data:`FORMATS`): ``sesnsp`` and ``sesnsp-victims`` (official wide layout
or the tidy long layout), ``ucdp`` (GED), ``acled`` (standard export), ``events`` (the
project's own event CSV) and ``population`` (CONAPO by state and year).

Rules that hold for every format:
* re-importing the same file (same checksum, format and release) changes nothing;
* a newer release of the same statistics supersedes an older one's cells, whatever
  the order the files arrive in (an older release never overwrites a newer value);
* a cell left empty in the source is *missing*, never zero;
* a state name resolves through ``data/reference/state_names.csv`` or the row is
  rejected with its reason: no guessing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from scoring import paths
from scoring.db import schema
from scoring.db import store
from scoring.errors import FormatError
from scoring.load.names import StateNames, normalise_name
from scoring.load.build import COUNT_MAX
from scoring.load.validate import Field, Reject, check_frame, decode_bytes, parse_text_csv

MONTHS_ES = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
             "septiembre", "octubre", "noviembre", "diciembre"]


@dataclass
class Parsed:
    """What a format parser returns: normalised rows for one table, and rejects."""

    table: str                        # official_stats | events | population
    rows: pd.DataFrame
    rejects: list[Reject] = field(default_factory=list)
    rows_read: int = 0
    release: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class BatchResult:
    batch_id: str
    file: str
    format: str
    release: str | None
    rows_read: int
    loaded: int
    rejected: int
    superseded: int = 0
    already_loaded: bool = False
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.already_loaded:
            return f"{self.file}: already imported as batch {self.batch_id}; nothing changed"
        s = (f"{self.file}: loaded {self.loaded:,}, rejected {self.rejected:,}"
             f"{f', kept newer values for {self.superseded:,}' if self.superseded else ''}; batch {self.batch_id}")
        return s


# --- helpers ---------------------------------------------------------------------------

def _key(s: str) -> str:
    """Header key: lower case, no accents, single spaces (survives Latin-1 mojibake poorly,
    which is why decoding tries UTF-8 then cp1252 first)."""
    s = unicodedata.normalize("NFKD", str(s)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()


def _rejects_from(df: pd.DataFrame, mask: pd.Series, field_name: str, reason) -> list[Reject]:
    if not mask.any():
        return []
    sub = df.loc[mask]
    reasons = reason[mask] if isinstance(reason, pd.Series) else [reason] * len(sub)
    cells = sub.drop(columns=[c for c in sub.columns if c.startswith("_")]).astype(object)
    # pandas 3 keeps missing values missing through astype(str): blank them first
    raw = cells.where(cells.notna(), "").astype(str).agg(",".join, axis=1)
    return [Reject(int(ln), field_name, str(r), w) for ln, r, w in zip(sub["_line"], reasons, raw)]


def _one_per_line(rejects: list[Reject]) -> list[Reject]:
    """The first reject of each (line, field): a wide-layout line holds 12 month cells."""
    seen, out = set(), []
    for r in rejects:
        if (r.line, r.field) not in seen:
            seen.add((r.line, r.field))
            out.append(r)
    return out


def _resolve_states(df: pd.DataFrame, code_col: str | None, name_col: str | None, names: StateNames):
    """INEGI code per row from a code column (padded or not) and/or a name column.

    Returns (codes Series with '' where unresolved, reason Series).
    """
    out = pd.Series("", index=df.index, dtype="str")
    reason = pd.Series("", index=df.index, dtype="str")
    if code_col is not None:
        raw = df[code_col].str.strip()
        num = pd.to_numeric(raw, errors="coerce")
        ok = num.notna() & (num >= 1) & (num <= 32) & (num == np.floor(num.fillna(0)))
        out = out.mask(ok, num.where(ok, 0).astype("int64").astype(str).str.zfill(2))
        reason = reason.mask(~ok, "state code " + raw.map(repr) + " is not an INEGI code 1-32")
    if name_col is not None:
        unique = df[name_col].unique()
        mapping = {n: names.resolve(n) for n in unique}
        by_name = df[name_col].map(mapping).fillna("")
        if code_col is None:
            out = by_name
            reason = pd.Series("", index=df.index, dtype="str").mask(
                by_name.eq(""), "state name " + df[name_col].map(repr) + " is not in data/reference/state_names.csv")
        else:
            # fill from the name where the code failed; flag a contradiction between the two
            fill = out.eq("") & by_name.ne("")
            out = out.mask(fill, by_name)
            reason = reason.mask(fill, "")
            unknown = out.eq("") & by_name.eq("") & df[name_col].ne("")
            reason = reason.mask(unknown, reason + "; state name " + df[name_col].map(repr)
                                 + " is not in data/reference/state_names.csv")
            clash = out.ne("") & by_name.ne("") & (out != by_name)
            reason = reason.mask(clash, "state code " + out + " and name " + df[name_col].map(repr) + " disagree")
            out = out.mask(clash, "")
    return out, reason


def _number(s: pd.Series) -> pd.Series:
    """Counts as published: '1,045' and '1045' alike; '' is missing (NaN)."""
    cleaned = s.str.replace(",", "", regex=False).str.replace(" ", "", regex=False)
    num = pd.to_numeric(cleaned.where(cleaned.ne("")), errors="coerce").astype("float64")
    return num.where(np.isfinite(num))  # 'inf', 'nan', '1e999' are not counts (NaN -> rejected)


def load_crime_map(path: Path | None = None) -> pd.DataFrame:
    path = path or paths.REFERENCE / "sesnsp_crime_map.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False)


# --- SESNSP ------------------------------------------------------------------------------

def parse_sesnsp(df: pd.DataFrame, *, victims: bool, names: StateNames, crime_map: pd.DataFrame, say) -> Parsed:
    """Official wide layout (month columns) or the tidy long layout, carpetas or victims."""
    keys = {_key(c): c for c in df.columns if c != "_line"}
    dataset = "victims" if victims else "carpetas"
    if all(m in keys for m in MONTHS_ES) and "ano" in keys:
        long, rejects, read = _sesnsp_wide_to_long(df, keys, victims=victims)
    elif {"year", "month", "crime type", "subtype", "modality"} <= set(keys) and (
        ("victims total" in keys) if victims else ("count" in keys)
    ):
        if not {"state code", "state name"} & set(keys):
            raise FormatError("the tidy layout needs a state_code or state_name column")
        long, rejects, read = _sesnsp_tidy(df, keys, victims=victims)
    else:
        want = "victims_total" if victims else "count"
        raise FormatError(
            "is not a SESNSP " + ("victims" if victims else "crime") + " file: expected the official header "
            "(Año, Clave_Ent, Entidad, ..., Enero ... Diciembre) or the tidy columns "
            f"year, month, state_code, crime_type, subtype, modality, {want}"
        )
    say(f"read {read:,} rows")
    codes, why = _resolve_states(long, "state_code" if "state_code" in long else None,
                                 "state_name" if "state_name" in long else None, names)
    bad_state = codes.eq("")
    # name the column the file uses; in the wide layout a line is 12 cells: one reject per line
    state_field = next((keys[k] for k in ("clave ent", "state code", "entidad", "state name") if k in keys),
                       "state_code")
    rejects += _one_per_line(_rejects_from(long, bad_state, state_field, why))
    long = long.loc[~bad_state].copy()
    long["state_code"] = codes[~bad_state]
    cm = crime_map[["crime_type", "subtype", "modality", "series"]]
    long = long.merge(cm, on=["crime_type", "subtype", "modality"], how="left")
    long["dataset"] = dataset
    # The same cell twice in one file: keep the first, reject the rest.
    key = ["dataset", "state_code", "year", "month", "crime_type", "subtype", "modality"]
    dup = long.duplicated(key, keep="first")
    rejects += _one_per_line(_rejects_from(long, dup, keys.get("modalidad", keys.get("modality", "modality")),
                                           "repeats a cell already given on an earlier line"))
    long = long.loc[~dup]
    unknown = long.loc[long["series"].isna(), ["crime_type", "subtype", "modality"]].drop_duplicates()
    notes = []
    if len(unknown):
        listed = "; ".join(" / ".join(r) for r in unknown.head(8).itertuples(index=False))
        notes.append(f"{len(unknown)} crime row(s) not in data/reference/sesnsp_crime_map.csv were loaded "
                     f"unmapped (series empty) and will not be scored until mapped: {listed}"
                     + (" ..." if len(unknown) > 8 else ""))
    with_value = long.loc[long["value"].notna()]
    release = None
    if len(with_value):
        y, m = max(zip(with_value["year"], with_value["month"]))
        release = f"{int(y):04d}-{int(m):02d}"
    cols = key[1:] + ["dataset", "series", "value"] + (["value_male", "value_female"] if victims else [])
    return Parsed("official_stats", long[cols].reset_index(drop=True), rejects, read, release, notes)


def _sesnsp_wide_to_long(df, keys, *, victims):
    read = len(df)
    base = pd.DataFrame({
        "_line": df["_line"],
        "year_raw": df[keys["ano"]],
        "state_code": df[keys["clave ent"]] if "clave ent" in keys else "",
        "state_name": df[keys["entidad"]] if "entidad" in keys else "",
        "crime_type": df[keys["tipo de delito"]] if "tipo de delito" in keys else "",
        "subtype": df[keys["subtipo de delito"]] if "subtipo de delito" in keys else "",
        "modality": df[keys["modalidad"]] if "modalidad" in keys else "",
    })
    missing_cols = [c for c in ("tipo de delito", "subtipo de delito", "modalidad") if c not in keys]
    if missing_cols:
        raise FormatError(f"the official layout needs the columns {missing_cols}")
    if "clave ent" not in keys and "entidad" not in keys:
        raise FormatError("the official layout needs a Clave_Ent or Entidad column")
    if victims:
        if "sexo" not in keys:
            raise FormatError("the official victims layout needs a 'Sexo' column")
        base["sex"] = df[keys["sexo"]].map(_key)
    year = pd.to_numeric(base["year_raw"], errors="coerce")
    bad_year = year.isna() | (year < 1997) | (year > 2100)
    rejects = _rejects_from(base, bad_year, "Año", "year " + base["year_raw"].map(repr) + " is not a year")
    base = base.loc[~bad_year].copy()
    base["year"] = year[~bad_year].astype("int64")
    months = []
    for i, m in enumerate(MONTHS_ES, start=1):
        raw = df.loc[base.index, keys[m]]
        val = _number(raw)
        part = base.copy()
        part["month"] = i
        part["value"] = val
        bad = raw.ne("") & (val.isna() | (val < 0))
        part["_bad"] = bad
        if bad.any():
            rejects += _rejects_from(part.assign(_raw=raw), bad, m.capitalize(),
                                     "count " + raw.map(repr) + " is not a non-negative number")
            part.loc[bad, "value"] = np.nan
            if not victims:
                part = part.loc[~bad]
        months.append(part)
    long = pd.concat(months, ignore_index=True)
    if victims:
        # Sum over age ranges per sex; total over the three sex groups. A cell one of whose
        # age/sex rows was rejected is not written at all: its sum would be silently short.
        g = ["year", "month", "state_code", "state_name", "crime_type", "subtype", "modality"]
        long["value_male"] = long["value"].where(long["sex"].eq("hombre"))
        long["value_female"] = long["value"].where(long["sex"].eq("mujer"))
        gb = long.groupby(g, sort=False, dropna=False)
        agg = gb[["value", "value_male", "value_female"]].sum(min_count=1)
        agg["_line"] = gb["_line"].min()
        agg["_bad"] = gb["_bad"].max()
        long = agg.reset_index()
        long = long.loc[~long["_bad"].astype(bool)]
    return long.drop(columns="_bad"), rejects, read


def _sesnsp_tidy(df, keys, *, victims):
    read = len(df)
    long = pd.DataFrame({
        "_line": df["_line"],
        "state_code": df[keys["state code"]] if "state code" in keys else "",
        "state_name": df[keys["state name"]] if "state name" in keys else "",
        "crime_type": df[keys["crime type"]], "subtype": df[keys["subtype"]], "modality": df[keys["modality"]],
    })
    year = pd.to_numeric(df[keys["year"]], errors="coerce")
    month = pd.to_numeric(df[keys["month"]], errors="coerce")
    vcol = keys["victims total"] if victims else keys["count"]
    val = _number(df[vcol])
    rejects = []
    bad_y = year.isna() | (year < 1997) | (year > 2100)
    rejects += _rejects_from(long, bad_y, "year", "year " + df[keys["year"]].map(repr) + " is not a year")
    bad_m = ~bad_y & (month.isna() | (month < 1) | (month > 12))
    rejects += _rejects_from(long, bad_m, "month", "month " + df[keys["month"]].map(repr) + " is not 1-12")
    bad_v = ~bad_y & ~bad_m & df[vcol].ne("") & (val.isna() | (val < 0))
    rejects += _rejects_from(long, bad_v, vcol, "count " + df[vcol].map(repr) + " is not a non-negative number")
    ok = ~(bad_y | bad_m | bad_v)
    long = long.loc[ok].copy()
    long["year"] = year[ok].astype("int64")
    long["month"] = month[ok].astype("int64")
    long["value"] = val[ok]
    if victims:
        long["value_male"] = _number(df.loc[ok, keys["victims male"]]) if "victims male" in keys else np.nan
        long["value_female"] = _number(df.loc[ok, keys["victims female"]]) if "victims female" in keys else np.nan
    if "state code" not in keys:
        long = long.drop(columns="state_code")
    if "state name" not in keys:
        long = long.drop(columns="state_name")
    return long, rejects, read


# --- UCDP GED ------------------------------------------------------------------------------

UCDP_REQUIRED = ["id", "type_of_violence", "date_start", "adm_1", "latitude", "longitude", "best", "side_a", "side_b"]
_UCDP_DATE_PREC = {"1": "day", "2": "week", "3": "week", "4": "month", "5": "year"}
_UCDP_GEO_PREC = {"1": "exact", "2": "locality", "3": "municipality", "4": "state", "5": "state", "6": "state", "7": "state"}


def parse_ucdp(df: pd.DataFrame, *, names: StateNames, polygons, say) -> Parsed:
    missing = [c for c in UCDP_REQUIRED if c not in df.columns]
    if missing:
        raise FormatError(f"is not a UCDP GED file: missing column(s) {', '.join(missing)}")
    fields = [
        Field("id", required=True, unique=True, pattern=r"\d+"),
        Field("type_of_violence", required=True, choices=["1", "2", "3"]),
        Field("date_start", "date", required=True),
        Field("latitude", "float", required=True, min=14, max=33),
        Field("longitude", "float", required=True, min=-118, max=-86),
        Field("best", "int", required=True, min=0, max=COUNT_MAX),
    ]
    checked = check_frame(df, fields)
    rejects = checked.rejects
    good_lines = set(checked.rows["_line"])
    src = df.loc[df["_line"].isin(good_lines)].reset_index(drop=True)
    rows = checked.rows
    state, why = _resolve_states(src, None, "adm_1", names)
    # A blank adm_1 is not a name to guess from; the coordinates then decide, and we say so.
    blank = src["adm_1"].eq("")
    note = pd.Series("", index=src.index, dtype="str")
    if blank.any() and polygons is not None:
        for i in src.index[blank]:
            s = polygons.state_of(rows.at[i, "latitude"], rows.at[i, "longitude"])
            if s:
                state.at[i] = s
                note.at[i] = "state from coordinates (adm_1 blank)"
    bad = state.eq("")
    rejects += _rejects_from(src.assign(_line=src["_line"]), bad, "adm_1",
                             why.mask(blank & bad, "adm_1 is blank and the point is not inside a state"))
    keep = ~bad
    src, rows, state, note = src[keep], rows[keep], state[keep], note[keep]
    tov = src["type_of_violence"]
    # UCDP type 1 (state-based) pits the government's forces against an armed group: in
    # Mexico these are attacks on and clashes with police and soldiers. Type 2 (non-state)
    # is group against group; type 3 (one-sided) is violence against civilians.
    event_type = np.select([tov.eq("3"), tov.eq("1")], ["killing", "attack_on_security_forces"], "armed_clash")
    target = np.select([tov.eq("3"), tov.eq("2")], ["civilians", "criminal_group"], "military")
    out = pd.DataFrame({
        "event_id": "UCDP-" + src["id"],
        "date": rows["date_start"],
        "date_precision": src.get("date_prec", pd.Series("1", index=src.index)).map(_UCDP_DATE_PREC).fillna("day"),
        "date_note": np.where(src.get("date_end", src["date_start"]) != src["date_start"],
                              "UCDP date range " + src["date_start"] + " to " + src.get("date_end", src["date_start"]), None),
        "state_code": state,
        "municipality_code": None,
        "place": src.get("where_coordinates", pd.Series(None, index=src.index)).replace("", None),
        "latitude": rows["latitude"], "longitude": rows["longitude"],
        "geo_precision": src.get("where_prec", pd.Series("1", index=src.index)).map(_UCDP_GEO_PREC).fillna("state"),
        "event_type": event_type,
        "fatalities": rows["best"].astype("Int64"),
        "injured": pd.array([pd.NA] * len(src), dtype="Int64"),
        "actors": src["side_a"] + ";" + src["side_b"],
        "target_category": target,
        "corridor_id": None,
        "source_ids": "D:ucdp_ged",
        "confidence": np.where(src.get("event_clarity", pd.Series("1", index=src.index)).eq("2"), "low", "high"),
        "notes": ("UCDP " + src.get("conflict_name", pd.Series("", index=src.index)) + "; deaths low-high "
                  + src.get("low", pd.Series("", index=src.index)) + "-" + src.get("high", pd.Series("", index=src.index))
                  + np.where(note.ne(""), "; " + note, "")),
        "alt_values": None,
    })
    release = None
    if len(out):
        release = max(out["date"]).strftime("%Y-%m")
    say(f"read {len(df):,} UCDP rows")
    return Parsed("events", out.reset_index(drop=True), rejects, len(df), release)


# --- ACLED ---------------------------------------------------------------------------------

ACLED_REQUIRED = ["event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1", "admin1",
                  "latitude", "longitude", "fatalities"]
_ACLED_SUB = {
    "armed clash": "armed_clash", "government regains territory": "armed_clash",
    "non-state actor overtakes territory": "armed_clash", "attack": "killing",
    "abduction/forced disappearance": "kidnapping", "sexual violence": "killing",
    "remote explosive/landmine/ied": "explosive_attack", "grenade": "explosive_attack",
    "air/drone strike": "explosive_attack", "shelling/artillery/missile attack": "explosive_attack",
    "suicide bomb": "explosive_attack", "chemical weapon": "explosive_attack",
    "looting/property destruction": "blockade_arson", "arrests": "arrest_or_operation",
    "disrupted weapons use": "arrest_or_operation", "peaceful protest": "protest",
    "protest with intervention": "protest", "excessive force against protesters": "protest",
    "violent demonstration": "protest", "mob violence": "protest",
}


def _acled_date(s: pd.Series) -> pd.Series:
    iso = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    long = pd.to_datetime(s, format="%d %B %Y", errors="coerce")
    return iso.fillna(long)


def parse_acled(df: pd.DataFrame, *, names: StateNames, say) -> Parsed:
    missing = [c for c in ACLED_REQUIRED if c not in df.columns]
    if missing:
        raise FormatError(f"is not an ACLED export: missing column(s) {', '.join(missing)}")
    fields = [
        Field("event_id_cnty", required=True, unique=True),
        Field("latitude", "float", required=True, min=14, max=33),
        Field("longitude", "float", required=True, min=-118, max=-86),
        Field("fatalities", "int", required=True, min=0, max=COUNT_MAX),
    ]
    checked = check_frame(df, fields)
    rejects = checked.rejects
    src = df.loc[df["_line"].isin(set(checked.rows["_line"]))].reset_index(drop=True)
    rows = checked.rows
    date = _acled_date(src["event_date"])
    bad_date = date.isna()
    rejects += _rejects_from(src, bad_date, "event_date",
                             "date " + src["event_date"].map(repr) + " is neither YYYY-MM-DD nor '15 January 2023'")
    state, why = _resolve_states(src, None, "admin1", names)
    bad_state = ~bad_date & state.eq("")
    rejects += _rejects_from(src, bad_state, "admin1", why)
    keep = ~(bad_date | bad_state)
    src, rows, date, state = src[keep], rows[keep], date[keep], state[keep]
    sub = src["sub_event_type"].str.lower().map(_ACLED_SUB).fillna("other")
    inter2 = src.get("inter2", pd.Series("", index=src.index)).astype(str)
    to_forces = sub.isin(["killing", "armed_clash", "explosive_attack"]) & (
        inter2.str.startswith("1") | inter2.str.lower().str.startswith("state forces"))
    sub = sub.mask(to_forces, "attack_on_security_forces")
    prec = src.get("time_precision", pd.Series("1", index=src.index)).map({"1": "day", "2": "week", "3": "month"}).fillna("day")
    gprec = src.get("geo_precision", pd.Series("1", index=src.index)).map({"1": "locality", "2": "municipality", "3": "state"}).fillna("state")
    civ = src.get("civilian_targeting", pd.Series("", index=src.index)).str.lower().str.contains("civilian")
    out = pd.DataFrame({
        "event_id": "ACLED-" + src["event_id_cnty"],
        "date": date.dt.date, "date_precision": prec, "date_note": None,
        "state_code": state, "municipality_code": None,
        "place": src.get("location", pd.Series(None, index=src.index)).replace("", None),
        "latitude": rows["latitude"], "longitude": rows["longitude"], "geo_precision": gprec,
        "event_type": sub, "fatalities": rows["fatalities"].astype("Int64"),
        "injured": pd.array([pd.NA] * len(src), dtype="Int64"),
        "actors": (src["actor1"] + ";" + src.get("actor2", pd.Series("", index=src.index))).str.strip(";"),
        "target_category": np.where(civ, "civilians", np.where(to_forces, "police", "unknown")),
        "corridor_id": None, "source_ids": "D:acled", "confidence": "medium",
        "notes": "ACLED " + src["event_type"] + " / " + src["sub_event_type"], "alt_values": None,
    })
    release = max(out["date"]).strftime("%Y-%m") if len(out) else None
    say(f"read {len(df):,} ACLED rows")
    return Parsed("events", out.reset_index(drop=True), rejects, len(df), release,
                  ["ACLED data: attribution required; raw rows are for the holder's own use, not redistribution"])


# --- the project's own events -----------------------------------------------------------------

def parse_events(df: pd.DataFrame, *, con, say) -> Parsed:
    from scoring.load.build import event_cross_checks, event_fields

    if "event_id" not in df.columns or "date" not in df.columns:
        raise FormatError("is not an event file: it needs the columns of the events table "
                          "(event_id, date, date_precision, state_code, geo_precision, event_type, source_ids, ...)")
    codes = {r[0] for r in con.execute("SELECT state_code FROM states").fetchall()}
    corridors = {r[0] for r in con.execute("SELECT corridor_id FROM corridors").fetchall()}
    known = {r[0] for r in con.execute("SELECT source_id FROM sources").fetchall()}
    seeds = {r[0] for r in con.execute("SELECT event_id FROM events WHERE origin <> 'user'").fetchall()}
    places = con.execute("SELECT place_id, kind, state_code, cvegeo FROM places WHERE kind='municipality'").df()
    checked = check_frame(df, event_fields(codes, corridors), extra=event_cross_checks(None, places))
    rows = checked.rows
    taken = rows["event_id"].isin(seeds)
    rejects = checked.rejects + _rejects_from(rows, taken, "event_id",
                                              "id " + rows["event_id"].map(repr) + " belongs to a built-in event; choose another")
    rows = rows.loc[~taken].drop(columns="_line")
    # User sources that are not yet known become user_file sources of this batch.
    rows["source_ids"] = rows["source_ids"].fillna("")
    say(f"read {len(df):,} event rows")
    release = max(rows["date"]).strftime("%Y-%m") if len(rows) else None
    p = Parsed("events", rows.reset_index(drop=True), rejects, len(df), release)
    p.notes = []
    p.new_sources = sorted({s.strip() for ss in rows["source_ids"] for s in ss.split(";") if s.strip()} - known)
    return p


# --- population --------------------------------------------------------------------------------

def parse_population(df: pd.DataFrame, *, names: StateNames, say) -> Parsed:
    keys = {_key(c): c for c in df.columns if c != "_line"}
    if "year" not in keys or not ({"pop mid year", "pop_mid_year"} & set(keys) or "pop mid year" in keys):
        raise FormatError("is not a CONAPO population file: expected columns year, state_code or state_name, "
                          "sex, pop_start_of_year, pop_mid_year")
    sub = df
    if "sex" in keys:
        sex = df[keys["sex"]].map(_key)
        sub = df.loc[sex.isin(["total", "ambos sexos", "both"])]
    sub = sub.copy()
    has_code, has_name = "state code" in keys, "state name" in keys
    if not (has_code or has_name):
        raise FormatError("is not a CONAPO population file: it needs a state_code or state_name column")
    national = sub[keys["state code"]].isin(["00", "0"]) if has_code else sub[keys["state name"]].map(_key).isin(["nacional", "republica mexicana"])
    sub = sub.loc[~national]
    state, why = _resolve_states(sub, keys["state code"] if has_code else None, keys["state name"] if has_name else None, names)
    fields = [Field(keys["year"], "int", required=True, min=1950, max=2100),
              Field(keys["pop mid year"], "int", required=True, min=1)]
    if "pop start of year" in keys:
        fields.append(Field(keys["pop start of year"], "int", min=1))
    checked = check_frame(sub.assign(_state=state), fields)
    # one reject per row: a row already refused for its year or population is not counted again
    bad_state = state.eq("") & ~sub["_line"].isin({r.line for r in checked.rejects})
    rejects = checked.rejects + _rejects_from(sub, bad_state, keys["state code" if has_code else "state name"], why)
    rows = checked.rows
    rows["state_code"] = sub.set_index("_line").loc[rows["_line"], :].index.map(dict(zip(sub["_line"], state)))
    rows = rows.loc[rows["state_code"].ne("")]
    out = pd.DataFrame({
        "state_code": rows["state_code"].values, "year": rows[keys["year"]].values,
        "pop_mid_year": rows[keys["pop mid year"]].values,
        "pop_start_of_year": rows[keys["pop start of year"]].values if "pop start of year" in keys else pd.NA,
        "_line": rows["_line"].values,
    })
    dup = out.duplicated(["state_code", "year"], keep="first")
    rejects += _rejects_from(out, dup, "year", "repeats a state and year given earlier")
    out = out.loc[~dup].drop(columns="_line")
    say(f"read {len(df):,} population rows")
    return Parsed("population", out.reset_index(drop=True), rejects, len(df), None)


# --- the batch ---------------------------------------------------------------------------------

FORMATS = ("sesnsp", "sesnsp-victims", "ucdp", "acled", "events", "population")


def read_user_file(path: Path) -> tuple[pd.DataFrame, str]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FormatError(f"{path}: no such file") from None
    except OSError as exc:
        raise FormatError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    checksum = hashlib.sha256(raw).hexdigest()
    try:
        text = decode_bytes(raw, path)
        sample = text[:2000]
        if sample.count(";") > sample.count(",") and sample.count(",") < 2:
            raise FormatError(f"{path}: uses ';' as the delimiter; export it as comma-separated CSV")
        if "\t" in sample.split("\n", 1)[0] and "," not in sample.split("\n", 1)[0]:
            raise FormatError(f"{path}: is tab-separated; export it as comma-separated CSV")
        df = parse_text_csv(text, path)
    except FormatError:
        raise
    if len(df.columns) < 3:
        raise FormatError(f"{path}: has {len(df.columns) - 1} column(s); this is not a CSV export of the expected kind")
    return df, checksum


def parse(path: Path, fmt: str, *, con, say=lambda m: None) -> tuple[Parsed, str]:
    if fmt not in FORMATS:
        raise FormatError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    df, checksum = read_user_file(path)
    names = StateNames()
    try:
        if fmt in ("sesnsp", "sesnsp-victims"):
            crime_map = con.execute("SELECT crime_type, subtype, modality, series FROM crime_map").df()
            if crime_map.empty:
                crime_map = load_crime_map()
            parsed = parse_sesnsp(df, victims=fmt == "sesnsp-victims", names=names, crime_map=crime_map, say=say)
        elif fmt == "ucdp":
            from scoring.load.geo import state_polygons
            parsed = parse_ucdp(df, names=names, polygons=state_polygons(), say=say)
        elif fmt == "acled":
            parsed = parse_acled(df, names=names, say=say)
        elif fmt == "events":
            parsed = parse_events(df, con=con, say=say)
        else:
            parsed = parse_population(df, names=names, say=say)
    except FormatError as exc:
        raise FormatError(f"{path}: {exc}") from None
    return parsed, checksum


def ingest(path, fmt: str, db=None, *, release: str | None = None, say: Callable = lambda m: None,
           con=None) -> BatchResult:
    """Import one file as one batch (see the module docstring for the rules)."""
    path = Path(path)
    if release is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", release):
        raise FormatError(f"--release must be YYYY-MM, got {release!r}")
    own = con is None
    if own:
        con = _open(paths.db_path(db))
    try:
        parsed, checksum = parse(path, fmt, con=con, say=say)
        rel_ = release or parsed.release or "unknown"
        if rel_ == "unknown":
            parsed.notes.append("no --release given and the file does not show one: its values never replace "
                                "values of a known release (pass --release YYYY-MM to say how recent it is)")
        batch_id = f"{fmt}-{checksum[:10]}-{rel_}"
        seen = con.execute("SELECT batch_id FROM ingest_batches WHERE batch_id = ?", [batch_id]).fetchall()
        if seen:
            return BatchResult(batch_id, path.name, fmt, rel_, parsed.rows_read, 0, 0, already_loaded=True)
        with store.transaction(con):
            loaded, superseded = write_rows(con, parsed, batch_id=batch_id, release=rel_, origin=fmt)
            if parsed.table == "official_stats":
                from scoring.load import quality

                quality.flag_all(con)  # gaps and suspect zeros of the new months, in the same transaction
            if parsed.table == "events" and _has_table(con, "corridor_waypoints"):
                from scoring.load import proximity

                proximity.refresh(con, batch_id)
            if getattr(parsed, "new_sources", None):
                store.insert_df(con, "sources", pd.DataFrame({
                    "source_id": parsed.new_sources, "kind": "user_file",
                    "title": [f"source named in {path.name}"] * len(parsed.new_sources),
                    "provenance": f"imported in batch {batch_id}", "file": path.name}))
            store.insert_df(con, "ingest_batches", pd.DataFrame([{
                "batch_id": batch_id, "loaded_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
                "file_name": path.name, "checksum": checksum, "format": fmt, "release": rel_,
                "rows_read": parsed.rows_read, "rows_loaded": loaded, "rows_rejected": len(parsed.rejects),
                "rows_superseded": superseded, "note": " | ".join(parsed.notes) or None}]))
            if parsed.rejects:
                store.insert_df(con, "rejected_rows", pd.DataFrame(
                    [{"batch_id": batch_id, "line": r.line, "field": r.field, "reason": r.reason, "raw": r.raw[:2000]}
                     for r in parsed.rejects]))
        return BatchResult(batch_id, path.name, fmt, rel_, parsed.rows_read, loaded, len(parsed.rejects),
                           superseded, notes=parsed.notes)
    finally:
        if own:
            con.close()


def _release_rank(release) -> str:
    """Releases compare as YYYY-MM text; anything else ('unknown', none) ranks below them all."""
    return release if isinstance(release, str) and re.fullmatch(r"\d{4}-\d{2}", release) else ""


def _rank(alias: str) -> str:
    """SQL for :func:`_release_rank` of ``alias.release``."""
    return f"(CASE WHEN regexp_full_match({alias}.release, '[0-9]{{4}}-[0-9]{{2}}') THEN {alias}.release ELSE '' END)"


def write_rows(con, parsed: Parsed, *, batch_id: str, release: str, origin: str) -> tuple[int, int]:
    """Write parsed rows with the supersession rule; returns (rows written, cells kept newer)."""
    df = parsed.rows
    if parsed.table == "official_stats":
        df = df.assign(release=release, batch_id=batch_id)
        for c in ("value_male", "value_female"):
            if c not in df:
                df[c] = np.nan
        con.register("_stage", df)
        try:
            key = "o.dataset = s.dataset AND o.state_code = s.state_code AND o.year = s.year AND o.month = s.month " \
                  "AND o.crime_type = s.crime_type AND o.subtype = s.subtype AND o.modality = s.modality"
            # Cells a newer (or same-release, earlier-arrived... no: same release, later file wins) release holds stay.
            newer = con.execute(f"SELECT count(*) FROM _stage s JOIN official_stats o ON {key} "
                                f"WHERE {_rank('o')} > {_rank('s')} OR (s.value IS NULL AND o.value IS NOT NULL)").fetchall()[0][0]
            con.execute(f"DELETE FROM official_stats o USING _stage s WHERE {key} "
                        f"AND {_rank('o')} <= {_rank('s')} AND NOT (s.value IS NULL AND o.value IS NOT NULL)")
            con.execute(f"""INSERT INTO official_stats
                SELECT s.dataset, s.state_code, s.year, s.month, s.crime_type, s.subtype, s.modality, s.series,
                       s.value, s.value_male, s.value_female, s.release, s.batch_id
                FROM _stage s WHERE NOT EXISTS (SELECT 1 FROM official_stats o WHERE {key})""")
        finally:
            con.unregister("_stage")
        return len(df) - newer, newer
    if parsed.table == "population":
        df = df.assign(release=release, batch_id=batch_id)
        con.register("_stage", df)
        try:
            key = "o.state_code = s.state_code AND o.year = s.year"
            newer = con.execute(f"SELECT count(*) FROM _stage s JOIN population o ON {key} WHERE {_rank('o')} > {_rank('s')}").fetchall()[0][0]
            con.execute(f"DELETE FROM population o USING _stage s WHERE {key} AND {_rank('o')} <= {_rank('s')}")
            con.execute(f"""INSERT INTO population SELECT s.state_code, s.year, s.pop_mid_year, s.pop_start_of_year,
                s.release, s.batch_id FROM _stage s WHERE NOT EXISTS (SELECT 1 FROM population o WHERE {key})""")
        finally:
            con.unregister("_stage")
        return len(df) - newer, newer
    # events: a newer release of the same event id replaces the older one
    from scoring.load.build import insert_events

    old = con.execute("SELECT e.event_id, b.release FROM events e LEFT JOIN ingest_batches b USING (batch_id) "
                      "WHERE e.event_id IN (SELECT unnest(?))", [list(df["event_id"])]).df()
    newer_ids = set(old.loc[old["release"].map(_release_rank) > _release_rank(release), "event_id"])
    replace = list(set(old["event_id"]) - newer_ids)
    if replace:
        con.execute("DELETE FROM event_sources WHERE event_id IN (SELECT unnest(?))", [replace])
        con.execute("DELETE FROM events WHERE event_id IN (SELECT unnest(?))", [replace])
    df = df.loc[~df["event_id"].isin(newer_ids)]
    origin_name = {"ucdp": "ucdp", "acled": "acled"}.get(origin, "user")
    n = insert_events(con, df, origin=origin_name, batch_id=batch_id)
    return n, len(newer_ids)


def _has_table(con, name: str) -> bool:
    return bool(con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = ?", [name]).fetchall())


def _open(target: Path, *, read_only: bool = False):
    """Open the database; a missing or locked file is the user's to fix, not a bug."""
    if not target.exists():
        raise FormatError(f"{target}: no database here; run `python -m scoring build` first")
    try:
        return store.connect(target, read_only=read_only)
    except duckdb.IOException as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise FormatError(f"{target}: cannot open the database ({first}); another process (the dashboard, "
                          "a build or an import) may be using it") from None


def list_rejects(db=None, batch: str | None = None) -> pd.DataFrame:
    con = _open(paths.db_path(db), read_only=True)
    try:
        if batch:
            return con.execute("SELECT batch_id, line, field, reason, raw FROM rejected_rows WHERE batch_id = ? "
                               "ORDER BY line", [batch]).df()
        return con.execute("SELECT batch_id, line, field, reason, raw FROM rejected_rows ORDER BY batch_id, line").df()
    finally:
        con.close()
