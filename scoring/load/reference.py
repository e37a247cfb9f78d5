"""Reference geography into the store: states, their name variants, places, corridors, the crime map.

Repository files, validated strictly: the first bad row stops the build with its file, line
and field. :func:`load_reference` is the one loading sequence the build, ``derive`` and the
tests use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from scoring import paths
from scoring.db import schema, store
from scoring.errors import DataError
from scoring.load import geo, rules
from scoring.load.names import normalise_name
from scoring.load.validate import Field, check_frame, read_text_csv, strict


def rel(path) -> str:
    """A path as the user sees it: relative to the repository when inside it."""
    try:
        return str(Path(path).resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path)


def load_checked(path, fields, *, extra=None) -> pd.DataFrame:
    """A repository CSV, every row checked; the first bad row raises :class:`DataError`."""
    df = read_text_csv(path, required_columns=[f.name for f in fields if f.required])
    try:
        return strict(check_frame(df, fields, extra=extra), rel(path))
    except DataError:
        raise
    except Exception as exc:  # FormatError from check_frame lacks the file name
        raise DataError(rel(path), str(exc)) from None


STATE_FIELDS = [
    Field("state_code", required=True, pattern=rules.STATE_CODE, unique=True),
    Field("iso_3166_2", required=True, pattern=r"MX-[A-Z]{3}", unique=True),
    Field("hasc", required=True, pattern=r"MX\.[A-Z]{2}", unique=True),
    Field("name_official", required=True),
    Field("name_common", required=True),
    Field("abbr"),
    Field("capital"),
    rules.latitude("capital_lat"),
    rules.longitude("capital_lon"),
    Field("pop_2020", "int", min=0),
    Field("region"),
]


def load_states(con, ref: Path) -> pd.DataFrame:
    path = ref / "states.csv"
    df = load_checked(path, STATE_FIELDS)
    if len(df) != 32:
        raise DataError(rel(path), f"has {len(df)} states, expected 32")
    store.insert_df(con, "states", df.drop(columns="_line"))
    return df


def load_state_names(con, ref: Path, codes: set[str]) -> None:
    path = ref / "state_names.csv"
    fields = [
        Field("variant", required=True),
        Field("state_code", required=True, choices=sorted(codes)),
        Field("source_note"),
    ]
    df = load_checked(path, fields)
    df["variant_norm"] = df["variant"].map(lambda v: normalise_name(v, strip_suffix=False))
    clash = df.groupby("variant_norm")["state_code"].nunique()
    if (clash > 1).any():
        name = clash[clash > 1].index[0]
        line = int(df.loc[df["variant_norm"] == name, "_line"].iloc[1])
        raise DataError(rel(path), f"the name {name!r} maps to two different states", line=line, field="variant")
    df = df.drop_duplicates("variant_norm")
    store.insert_df(con, "state_names", df[["variant_norm", "variant", "state_code", "source_note"]])


def load_places(con, ref: Path, codes: set[str]) -> pd.DataFrame:
    path = ref / "places.csv"
    fields = [
        Field("place_id", required=True, unique=True),
        Field("name", required=True),
        Field("kind", required=True, choices=["municipality", "locality"]),
        Field("state_code", required=True, choices=sorted(codes)),
        Field("cvegeo", pattern=r"\d{5}"),
        rules.latitude(required=True),
        rules.longitude(required=True),
        Field("population", "int", min=0),
        Field("source"),
    ]
    df = load_checked(path, fields)
    store.insert_df(con, "places", df.drop(columns="_line"))
    return df


def load_corridors(con, ref: Path, codes: set[str], polygons: geo.StatePolygons | None) -> pd.DataFrame:
    path = ref / "corridors.yml"
    where = rel(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(where, f"cannot be read as YAML ({exc})") from None
    items = (doc or {}).get("corridors")
    if not isinstance(items, list) or not items:
        raise DataError(where, "needs a non-empty 'corridors' list")
    rows, wps, shares, seen = [], [], [], set()
    for i, c in enumerate(items, start=1):
        at = f"corridor #{i}"
        if not isinstance(c, dict):
            raise DataError(where, f"{at} is not a mapping")
        for key in ("id", "name", "kind", "states", "waypoints"):
            if not c.get(key):
                raise DataError(where, f"{at} ({c.get('id', '?')}) has no '{key}'", field=key)
        cid = str(c["id"])
        if cid in seen:
            raise DataError(where, f"{at} repeats the id {cid!r}", field="id")
        seen.add(cid)
        if c["kind"] not in schema.CORRIDOR_KINDS:
            raise DataError(where, f"{cid}: kind {c['kind']!r} is not one of {', '.join(schema.CORRIDOR_KINDS)}", field="kind")
        for key in ("states", "waypoints"):
            if not isinstance(c[key], list):
                raise DataError(where, f"{cid}: '{key}' must be a list", field=key)
        states = [str(s).zfill(2) for s in c["states"]]
        unknown = [s for s in states if s not in codes]
        if unknown:
            raise DataError(where, f"{cid}: unknown state code(s) {unknown}", field="states")
        pts = c["waypoints"]
        if len(pts) < 2:
            raise DataError(where, f"{cid}: needs at least 2 waypoints", field="waypoints")
        lats, lons = [], []
        for j, p in enumerate(pts):
            try:
                la, lo = float(p["lat"]), float(p["lon"])
            except (KeyError, TypeError, ValueError):
                raise DataError(where, f"{cid}: waypoint {j + 1} needs numeric lat and lon", field="waypoints") from None
            if not rules.in_mexico_box(la, lo):
                raise DataError(where, f"{cid}: waypoint {j + 1} ({la}, {lo}) is outside Mexico", field="waypoints")
            lats.append(la)
            lons.append(lo)
            wps.append({"corridor_id": cid, "seq": j, "name": p.get("name"), "latitude": la, "longitude": lo})
        length = geo.polyline_length_km(lats, lons)
        rows.append({"corridor_id": cid, "name": c["name"], "kind": c["kind"], "states": states,
                     "why": c.get("why"), "length_km": round(length, 1)})
        if polygons is not None:
            km = geo.corridor_state_shares(lats, lons, polygons)
            for s, v in sorted(km.items()):
                shares.append({"corridor_id": cid, "state_code": s, "length_km": round(v, 2),
                               "share": v / length if length else 0.0})
        else:
            for s in states:
                shares.append({"corridor_id": cid, "state_code": s, "length_km": length / len(states),
                               "share": 1 / len(states)})
    df = pd.DataFrame(rows)
    store.insert_df(con, "corridors", df)
    store.insert_df(con, "corridor_waypoints", pd.DataFrame(wps))
    store.insert_df(con, "corridor_states", pd.DataFrame(shares))
    return df


ASSESSMENT_FIELDS = [
    Field("state_code", required=True, pattern=rules.STATE_CODE),
    Field("state_name"),
    Field("assessor", required=True),
    Field("as_of", "date", required=True),
    Field("level", "int", required=True, min=1, max=10),
    Field("level_max", "int", required=True, min=2, max=10),
    Field("level_name"),
]


def load_assessments(con, ref: Path) -> int:
    """External ratings to compare with (``data/reference/assessments/*.csv``); never scored from."""
    n = 0
    for path in sorted((ref / "assessments").glob("*.csv")):
        df = load_checked(path, ASSESSMENT_FIELDS)
        over = df["level"] > df["level_max"]
        if over.any():
            raise DataError(rel(path), "level is above level_max", line=int(df.loc[over, "_line"].iloc[0]),
                            field="level")
        df["batch_id"] = f"build:assessments:{path.stem}"
        store.insert_df(con, "assessments", df[["state_code", "assessor", "as_of", "level", "level_max",
                                                "level_name", "batch_id"]])
        n += len(df)
    return n


def read_crime_map(path: Path | None = None) -> pd.DataFrame:
    """SESNSP's crime rows (type, subtype, modality) and the project series each feeds."""
    path = path or paths.REFERENCE / "sesnsp_crime_map.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def load_crime_map(con, path: Path | None = None) -> None:
    cm = read_crime_map(path)
    store.insert_df(con, "crime_map", cm[["crime_type", "subtype", "modality", "series"]])


@dataclass
class Reference:
    """What later stages of a build need from the reference tables."""

    codes: set[str]
    states: pd.DataFrame
    places: pd.DataFrame | None = None
    corridors: pd.DataFrame | None = None


def load_reference(con, root: Path | None = None, *, full: bool = True, polygons: bool = True) -> Reference:
    """Load the reference tables into ``con``: states, names and the crime map, and with
    ``full`` places and corridors too (corridor shares by state outline when ``polygons``)."""
    ref = (root / "data" / "reference") if root else paths.REFERENCE
    states = load_states(con, ref)
    codes = set(states["state_code"])
    load_state_names(con, ref, codes)
    load_crime_map(con, ref / "sesnsp_crime_map.csv")
    if not full:
        return Reference(codes, states)
    places = load_places(con, ref, codes)
    geojson = (root / "data" / "geo" / "mx_states.geojson") if root else paths.GEO / "mx_states.geojson"
    outlines = geo.state_polygons(str(geojson)) if polygons and geojson.exists() else None
    corridors = load_corridors(con, ref, codes, outlines)
    load_assessments(con, ref)
    return Reference(codes, states, places, corridors)
