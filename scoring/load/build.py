"""``python -m scoring build``: the database, from the repository's own files only.

Stages, in order (each a function with the Load / Check / Save shape):
reference geography -> corridors -> sources -> seed events and facts -> official
statistics, population and UCDP events (compact tables in ``data/derived``).

Repository files are validated strictly: the first bad row stops the build with its
file, line and field, and the previous database is left as it was.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from scoring.load import geo
from scoring import paths
from scoring.db import schema
from scoring.db import store
from scoring.errors import DataError
from scoring.load.validate import Field, check_frame, read_text_csv, strict

STATE_CODE = r"(0[1-9]|[12][0-9]|3[0-2])"
# events.fatalities and events.injured are INTEGER columns: a larger count is refused by the
# check (with its line) rather than by DuckDB's cast at insert time.
COUNT_MAX = 2**31 - 1


def rel(path) -> str:
    """A path as the user sees it: relative to the repository when inside it."""
    try:
        return str(Path(path).resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path)


def load_checked(path, fields, *, extra=None) -> pd.DataFrame:
    df = read_text_csv(path, required_columns=[f.name for f in fields if f.required])
    try:
        return strict(check_frame(df, fields, extra=extra), rel(path))
    except DataError:
        raise
    except Exception as exc:  # FormatError from check_frame lacks the file name
        raise DataError(rel(path), str(exc)) from None


# --- reference geography -------------------------------------------------------------

STATE_FIELDS = [
    Field("state_code", required=True, pattern=STATE_CODE, unique=True),
    Field("iso_3166_2", required=True, pattern=r"MX-[A-Z]{3}", unique=True),
    Field("hasc", required=True, pattern=r"MX\.[A-Z]{2}", unique=True),
    Field("name_official", required=True),
    Field("name_common", required=True),
    Field("abbr"),
    Field("capital"),
    Field("capital_lat", "float", min=14, max=33),
    Field("capital_lon", "float", min=-118, max=-86),
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
    from scoring.load.names import normalise_name

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
        Field("latitude", "float", required=True, min=14, max=33),
        Field("longitude", "float", required=True, min=-118, max=-86),
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
            if not (14 <= la <= 33 and -118 <= lo <= -86):
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


# --- sources, seed events and facts ---------------------------------------------------

MANIFEST_FIELDS = [
    Field("article_id", required=True, pattern=r"A\d{3}", unique=True),
    Field("file", required=True),
    Field("outlet"),
    Field("published", "month", required=True),
    Field("date_basis", required=True),
    Field("title", required=True),
    Field("language"),
]


def load_manifest(con, seeds: Path) -> pd.DataFrame:
    df = load_checked(seeds / "manifest.csv", MANIFEST_FIELDS)
    out = pd.DataFrame({
        "source_id": df["article_id"], "kind": "article", "title": df["title"], "publisher": df["outlet"],
        "published": df["published"], "date_basis": df["date_basis"],
        "licence": "news article; facts only, re-stated in the project's own words",
        "provenance": "seed article, events extracted by hand (seeds/events.csv)",
        "file": "shared/seeds/" + df["file"], "url": None,
    })
    store.insert_df(con, "sources", out)
    return df


def event_fields(codes, corridors=None, sources=None, *, id_pattern=None) -> list[Field]:
    """The columns of an event file (seed or user), with their rules."""
    return [
        Field("event_id", required=True, unique=True, pattern=id_pattern),
        Field("date", "date", required=True),
        Field("date_precision", required=True, choices=schema.DATE_PRECISIONS),
        Field("date_note"),
        Field("state_code", required=True, choices=sorted(codes)),
        Field("municipality_code", pattern=r"\d{5}"),
        Field("place"),
        Field("latitude", "float", min=14, max=33),
        Field("longitude", "float", min=-118, max=-86),
        Field("geo_precision", required=True, choices=schema.GEO_PRECISIONS),
        Field("event_type", required=True, choices=sorted(schema.EVENT_TYPES)),
        Field("fatalities", "int", min=0, max=COUNT_MAX),
        Field("injured", "int", min=0, max=COUNT_MAX),
        Field("actors"),
        Field("target_category", choices=schema.TARGET_CATEGORIES),
        Field("corridor_id", choices=sorted(corridors) if corridors is not None else None),
        Field("source_ids", required=True),
        Field("confidence", choices=schema.CONFIDENCE),
        Field("notes"),
        Field("alt_values"),
    ]


def event_cross_checks(known_sources: set[str] | None, places: pd.DataFrame | None):
    """Cross-field rules: each listed source exists; a municipality lies in the event's state;
    latitude and longitude come together."""
    muni_state = None
    if places is not None:
        m = places[places["kind"] == "municipality"]
        muni_state = dict(zip(m["cvegeo"], m["state_code"]))

    def extra(out: pd.DataFrame, raw: pd.DataFrame):
        bad = pd.Series(False, index=out.index)
        field = pd.Series("", index=out.index, dtype="str")
        reason = pd.Series("", index=out.index, dtype="str")

        def flag(mask, fname, text):
            nonlocal bad, field, reason
            new = mask & ~bad
            field = field.mask(new, fname)
            reason = reason.mask(new, text)
            bad = bad | new

        if known_sources is not None:
            unknown = raw["source_ids"].map(
                lambda s: ";".join(x for x in (t.strip() for t in s.split(";")) if x and x not in known_sources)
            )
            flag(unknown.ne(""), "source_ids", "names source(s) not in the manifest: " + unknown)
        none = pd.Series(np.nan, index=out.index)  # both columns are optional in a user's file
        half = out.get("latitude", none).isna() != out.get("longitude", none).isna()
        flag(half, "longitude", pd.Series("latitude and longitude must both be given or both be blank", index=out.index))
        if muni_state is not None and "municipality_code" in raw:
            mstate = raw["municipality_code"].map(muni_state)
            wrong = raw["municipality_code"].ne("") & (mstate.isna() | (mstate != raw["state_code"]))
            flag(wrong, "municipality_code",
                 "municipality " + raw["municipality_code"] + " is unknown or not in state " + raw["state_code"])
        return bad, field, reason

    return extra


def load_seed_events(con, seeds: Path, codes, corridors, articles: set[str], places) -> pd.DataFrame:
    path = seeds / "events.csv"
    fields = event_fields(codes, corridors, id_pattern=r"S\d{3,}")
    df = load_checked(path, fields, extra=event_cross_checks(articles, places))
    insert_events(con, df, origin="seed", batch_id="build:seeds")
    return df


def insert_events(con, df: pd.DataFrame, *, origin: str, batch_id: str) -> int:
    """Write validated event rows and their source links."""
    if df.empty:
        return 0
    ev = df.drop(columns=[c for c in ("_line",) if c in df.columns]).copy()
    src_lists = ev.pop("source_ids").map(lambda s: [x.strip() for x in str(s).split(";") if x.strip()])
    ev["source_id"] = src_lists.map(lambda xs: xs[0])
    ev["origin"] = origin
    ev["batch_id"] = batch_id
    cols = [c for c in ev.columns if c in _EVENT_COLUMNS]
    store.insert_df(con, "events", ev[cols])
    links = pd.DataFrame(
        [(e, s) for e, xs in zip(ev["event_id"], src_lists) for s in dict.fromkeys(xs)],
        columns=["event_id", "source_id"],
    )
    store.insert_df(con, "event_sources", links)
    return len(ev)


_EVENT_COLUMNS = {
    "event_id", "origin", "date", "date_precision", "date_note", "state_code", "municipality_code", "place",
    "latitude", "longitude", "geo_precision", "event_type", "fatalities", "injured", "actors",
    "target_category", "corridor_id", "source_id", "confidence", "notes", "alt_values", "batch_id",
}


def load_facts(con, seeds: Path, codes, articles: set[str]) -> pd.DataFrame:
    path = seeds / "facts.csv"
    fields = [
        Field("fact_id", required=True, unique=True),
        Field("article_ids", required=True),
        Field("kind", required=True, choices=["statistic", "seizure_value", "deployment", "group_presence", "policy", "other"]),
        Field("state_code", choices=sorted(codes)),
        Field("period_start", "date"),
        Field("period_end", "date"),
        Field("metric", required=True),
        Field("value", "float"),
        Field("unit"),
        Field("notes"),
    ]

    def extra(out, raw):
        unknown = raw["article_ids"].map(
            lambda s: ";".join(x for x in (t.strip() for t in s.split(";")) if x and x not in articles)
        )
        return unknown.ne(""), "article_ids", "names article(s) not in the manifest: " + unknown

    df = load_checked(path, fields, extra=extra)
    store.insert_df(con, "facts", df.drop(columns="_line"))
    return df


# --- the whole build ------------------------------------------------------------------

def fill(con, *, root: Path | None = None, progress=None) -> dict:
    """Load every repository file into an empty database; return row counts."""
    ref = (root / "data" / "reference") if root else paths.REFERENCE
    seeds = (root / "seeds") if root else paths.SEEDS
    say = progress or (lambda msg: None)
    counts: dict[str, int] = {}

    states = load_states(con, ref)
    codes = set(states["state_code"])
    load_state_names(con, ref, codes)
    places = load_places(con, ref, codes)
    geojson = (root / "data" / "geo" / "mx_states.geojson") if root else paths.GEO / "mx_states.geojson"
    polygons = geo.state_polygons(str(geojson)) if geojson.exists() else None
    corridors = load_corridors(con, ref, codes, polygons)
    say(f"reference: {len(states)} states, {len(places)} places, {len(corridors)} corridors")

    manifest = load_manifest(con, seeds)
    articles = set(manifest["article_id"])
    events = load_seed_events(con, seeds, codes, set(corridors["corridor_id"]), articles, places)
    facts = load_facts(con, seeds, codes, articles)
    say(f"seeds: {len(manifest)} articles, {len(events)} events, {len(facts)} facts")

    from scoring.load import derived  # official statistics, population, UCDP (issue: real data in)

    counts.update(derived.load_all(con, root=root, say=say))
    from scoring.load import proximity

    counts["event_corridor"] = proximity.refresh(con)
    say(f"events near corridors: {counts['event_corridor']:,} event-corridor pairs within {proximity.MAX_BUFFER_KM:g} km")
    for t in ("states", "places", "corridors", "sources", "events", "facts", "official_stats", "population"):
        counts[t] = con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
    return counts


def build(db=None, *, root: Path | None = None, progress=None) -> tuple[Path, dict, float]:
    """Build the database atomically at ``db`` (see :func:`paths.db_path`)."""
    t0 = time.perf_counter()
    target = paths.db_path(db)
    counts: dict = {}

    def _fill(con):
        counts.update(fill(con, root=root, progress=progress))

    store.build_atomically(target, _fill)
    return target, counts, time.perf_counter() - t0
