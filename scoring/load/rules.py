"""Row rules shared by the build (strict), the importers (lenient) and the derived-table loader.

One home for each rule a row must pass: the state-code pattern, the largest count a column
holds, Mexico's bounding box, the columns of an event and their vocabularies, and the
cross-field checks on events. The build and the importers check rows in pandas with
:class:`~scoring.load.validate.Field`; the derived-table loader checks them in SQL with
:func:`sql_checks`, generated from the same fields, so the two can never disagree.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scoring.db import schema
from scoring.load import fast_csv
from scoring.load.geo import _point_in_ring
from scoring.load.validate import Field, arrow_text

STATE_CODE = r"(0[1-9]|[12][0-9]|3[0-2])"
# events.fatalities and events.injured are INTEGER columns: a larger count is refused by the
# check (with its line) rather than by DuckDB's cast at insert time.
COUNT_MAX = 2**31 - 1
# Mexico's bounding box (degrees), a first check on coordinates before any polygon test.
LAT_RANGE = (14.0, 33.0)
LON_RANGE = (-118.0, -86.0)


def latitude(name: str = "latitude", *, required: bool = False) -> Field:
    return Field(name, "float", required=required, min=LAT_RANGE[0], max=LAT_RANGE[1])


def longitude(name: str = "longitude", *, required: bool = False) -> Field:
    return Field(name, "float", required=required, min=LON_RANGE[0], max=LON_RANGE[1])


def count(name: str, *, required: bool = False) -> Field:
    return Field(name, "int", required=required, min=0, max=COUNT_MAX)


def in_mexico_box(lat: float, lon: float) -> bool:
    return LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]


# A point this close to the outline of the state a row names counts as in it: the outlines are
# coarse (5,324 vertices for the 32 states) and coastal events are often geocoded offshore.
# Measured on the real UCDP GED file (18,957 rows): 5 km rejects 7 rows lying 6-18 km inside a
# neighbouring state, 20 km rejects none; a point in Honduras, Arizona or the open Gulf is
# refused either way.
STATE_TOLERANCE_KM = 20.0
_KM_PER_DEGREE = 111.195


def km_outside_state(polygons, lat: float, lon: float, code: str) -> float:
    """0 for a point inside state ``code``, else its distance (km) to the state's outline; NaN
    for a code without an outline."""
    try:
        i = polygons.codes.index(code)
    except ValueError:
        return math.nan
    rings = polygons.rings[i]
    if any(_point_in_ring(lon, lat, r) for r in rings):
        return 0.0
    kx = _KM_PER_DEGREE * math.cos(math.radians(lat))
    best = math.inf
    for r in rings:
        x, y = (r[:, 0] - lon) * kx, (r[:, 1] - lat) * _KM_PER_DEGREE
        x0, y0, dx, dy = x[:-1], y[:-1], np.diff(x), np.diff(y)
        length2 = dx * dx + dy * dy
        t = np.clip(-(x0 * dx + y0 * dy) / np.where(length2 > 0, length2, 1.0), 0.0, 1.0)
        best = min(best, float(np.min(np.hypot(x0 + t * dx, y0 + t * dy))))
    return best


def outside_claimed_state(lat: pd.Series, lon: pd.Series, codes: pd.Series, polygons,
                          tolerance_km: float = STATE_TOLERANCE_KM) -> pd.Series:
    """Per row: '' when the point lies in (or within ``tolerance_km`` of) the state the row names,
    or a coordinate or code is missing; else the reason, naming where the point does fall.

    Vectorised: one point-in-polygon test for all rows (shapely); only the few rows outside
    their state's outline are measured one by one (a million rows take about a second)."""
    import shapely

    la = pd.to_numeric(lat, errors="coerce").to_numpy("float64", na_value=np.nan)
    lo = pd.to_numeric(lon, errors="coerce").to_numpy("float64", na_value=np.nan)
    # one state at a time, by integer code, with contains_xy on its prepared outline: no Python
    # string per row and no point geometry per row (a million of each took ~400 MB). A point on
    # the outline itself (contains_xy says no, covers said yes) is measured below at 0 km: kept.
    # integer codes from Arrow (pandas' factorize made a Python string per cell: 50 MB at 1M rows)
    enc = pc.dictionary_encode(arrow_text(codes, missing=""))
    fcodes, names = enc.indices.to_numpy(zero_copy_only=False), enc.dictionary.to_pylist()
    out = np.full(len(fcodes), "", dtype=object)
    finite = np.isfinite(la) & np.isfinite(lo)
    shapes = _state_shapes(polygons)
    memo: dict[tuple, str] = {}
    for k, c in enumerate(names):
        shape = shapes.get(c) if c != "" else None
        if shape is None:
            continue
        sel = np.flatnonzero(finite & (fcodes == k))
        if not len(sel):
            continue
        shapely.prepare(shape)
        outside = sel[~shapely.contains_xy(shape, lo[sel], la[sel])]
        if len(outside):
            # within the tolerance in degrees is within it in km (a degree is at most 111.195 km
            # wide), so only the points beyond that are measured one by one
            near = shapely.dwithin(shape, shapely.points(lo[outside], la[outside]), tolerance_km / _KM_PER_DEGREE)
            outside = outside[~near]
        for i in outside:               # beyond the tolerance in degrees: how far, where it falls
            key = (float(la[i]), float(lo[i]), c)
            if key not in memo:
                d = km_outside_state(polygons, *key)
                if not (d > tolerance_km):
                    memo[key] = ""
                else:
                    other = polygons.state_of(key[0], key[1])
                    where = f"in state {other}" if other else "in no state (the sea or abroad)"
                    memo[key] = (f"coordinates ({key[0]:.4f}, {key[1]:.4f}) lie {d:,.0f} km outside state "
                                 f"{key[2]}, which the row names; they fall {where}")
            out[i] = memo[key]
    return pd.Series(out, index=codes.index, dtype="str")


_SHAPES: dict[int, dict] = {}


def _state_shapes(polygons) -> dict:
    """code -> a shapely (multi)polygon of the state's outer rings (cached per outline set)."""
    key = id(polygons)
    if key not in _SHAPES:
        from shapely.geometry import MultiPolygon, Polygon

        _SHAPES[key] = {c: MultiPolygon([Polygon(r) for r in rings]) if len(rings) > 1 else Polygon(rings[0])
                        for c, rings in zip(polygons.codes, polygons.rings) if len(rings)}
    return _SHAPES[key]


# The columns of the events table a loader may write (the rest are the store's own).
EVENT_COLUMNS = (
    "event_id", "origin", "date", "date_precision", "date_note", "state_code", "municipality_code", "place",
    "latitude", "longitude", "geo_precision", "event_type", "fatalities", "injured", "actors",
    "target_category", "corridor_id", "source_id", "confidence", "notes", "alt_values", "batch_id",
)


def event_fields(codes, corridors=None, *, id_pattern=None) -> list[Field]:
    """The columns of an event file (seed, user or derived), with their rules."""
    return [
        Field("event_id", required=True, unique=True, pattern=id_pattern),
        Field("date", "date", required=True),
        Field("date_precision", required=True, choices=schema.DATE_PRECISIONS),
        Field("date_note"),
        Field("state_code", required=True, choices=sorted(codes)),
        Field("municipality_code", pattern=r"\d{5}"),
        Field("place"),
        latitude(),
        longitude(),
        Field("geo_precision", required=True, choices=schema.GEO_PRECISIONS),
        Field("event_type", required=True, choices=sorted(schema.EVENT_TYPES)),
        count("fatalities"),
        count("injured"),
        Field("actors"),
        Field("target_category", choices=schema.TARGET_CATEGORIES),
        Field("corridor_id", choices=sorted(corridors) if corridors is not None else None),
        Field("source_ids", required=True),
        Field("confidence", choices=schema.CONFIDENCE),
        Field("notes"),
        Field("alt_values"),
    ]


def split_ids(cell) -> list[str]:
    """A ';'-separated list of ids, blanks dropped: the one reading of ``source_ids`` cells."""
    return [x.strip() for x in str(cell).split(";") if x.strip()]


def id_lists(cells: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """:func:`split_ids` of every cell at once, in Arrow: (row position, id) pairs in row order,
    the ids of one row in their order. A million cells take a fraction of a second (a Python
    split per cell, three times per import, took 8 s)."""
    arr = arrow_text(cells, missing="")
    lists = pc.split_pattern(arr, ";")
    parent = pc.list_parent_indices(lists).to_numpy()
    ids = pc.utf8_trim(pc.list_flatten(lists), characters=fast_csv.PY_WHITESPACE)
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    keep = pc.greater(pc.binary_length(ids), 0)
    return parent[keep.to_numpy(zero_copy_only=False)], ids.filter(keep)


def _wrong_municipality(munis: pd.Series, states: pd.Series, muni_state: dict[str, str]) -> np.ndarray:
    """Per row: a municipality code is given and it is unknown or in another state than the row's.
    Looked up in Arrow (``Series.map`` with a dict made a Python object per row: 100 MB at 1M)."""
    m, st = arrow_text(munis, missing=""), arrow_text(states, missing="")
    at = pc.index_in(m, value_set=pa.array(list(muni_state), type=pa.large_string()))
    their = pa.array(list(muni_state.values()), type=pa.large_string()).take(at)
    wrong = pc.or_kleene(pc.is_null(their), pc.not_equal(their, st))
    given = pc.not_equal(m, "")
    return pc.and_(given, pc.fill_null(wrong, True)).to_numpy(zero_copy_only=False)


def event_cross_checks(known_sources: set[str] | None, places: pd.DataFrame | None, polygons=None):
    """Cross-field rules: ``source_ids`` names a source, and each exists; a municipality lies in
    the event's state; latitude and longitude come together; with ``polygons``, the point lies in
    (or within :data:`STATE_TOLERANCE_KM` of) the event's state."""
    muni_state = None
    if places is not None:
        m = places[places["kind"] == "municipality"]
        muni_state = dict(zip(m["cvegeo"], m["state_code"]))

    def extra(out: pd.DataFrame, raw: pd.DataFrame):
        bad = pd.Series(False, index=out.index)
        field = pd.Series("", index=out.index, dtype="str")
        reason = pd.Series("", index=out.index, dtype="str")

        def flag(mask, fname, text):
            """``text``: a reason, or a function giving the reasons of the flagged rows (called on
            their index only: a reason string for each of a million good rows cost the most memory)."""
            nonlocal bad, field, reason
            new = mask & ~bad
            if not new.any():
                return
            field = field.mask(new, fname)
            reason = reason.mask(new, text if isinstance(text, str) else text(new))
            bad = bad | new

        named = np.bincount(id_lists(raw["source_ids"])[0], minlength=len(raw)) > 0
        no_source = raw["source_ids"].ne("") & ~pd.Series(named, index=raw.index)
        flag(no_source, "source_ids", lambda m: "names no source (only separators: " + raw["source_ids"][m].map(repr) + ")")
        if known_sources is not None:
            unknown = raw["source_ids"].map(lambda s: ";".join(x for x in split_ids(s) if x not in known_sources))
            flag(unknown.ne(""), "source_ids", lambda m: "names source(s) not in the manifest: " + unknown[m])
        none = pd.Series(np.nan, index=out.index)  # both columns are optional in a user's file
        half = out.get("latitude", none).isna() != out.get("longitude", none).isna()
        flag(half, "longitude", "latitude and longitude must both be given or both be blank")
        if muni_state is not None and "municipality_code" in raw:
            wrong = pd.Series(_wrong_municipality(raw["municipality_code"], raw["state_code"], muni_state),
                              index=raw.index)
            flag(wrong, "municipality_code", lambda m: "municipality " + raw["municipality_code"][m]
                 + " is unknown or not in state " + raw["state_code"][m])
        if polygons is not None and {"latitude", "longitude"} <= set(out.columns):
            off = outside_claimed_state(out["latitude"].where(~bad), out["longitude"], raw["state_code"], polygons)
            flag(off.ne(""), "latitude", lambda m: off[m])
        return bad, field, reason

    return extra


def _sql_list(values) -> str:
    return "(" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + ")"


def sql_checks(fields: list[Field], columns) -> list[tuple[str, str, str]]:
    """The SQL form of ``fields`` for the columns present: (field, condition of a bad row, reason).

    Blanks are NULL in SQL. Covers required, choices and numeric bounds; the typed cast and
    uniqueness are the caller's (they need the relation)."""
    out = []
    have = set(columns)
    for f in fields:
        if f.name not in have:
            continue
        c = f.name
        if f.required:
            out.append((c, f"{c} IS NULL", "is required but empty"))
        if f.choices is not None:
            out.append((c, f"{c} NOT IN {_sql_list(f.choices)}", f"unknown {c.replace('_', ' ')}"))
        if f.min is not None:
            below = "negative count" if f.min == 0 else f"{c.replace('_', ' ')} below {f.min:g}"
            out.append((c, f"{c} < {f.min!r}", below))
        if f.max is not None:
            out.append((c, f"{c} > {f.max!r}", f"{c.replace('_', ' ')} above {f.max:g}"))
    if {"latitude", "longitude"} <= have:
        out.append(("longitude", "(latitude IS NULL) <> (longitude IS NULL)",
                    "latitude and longitude must both be given or both be blank"))
    return out
