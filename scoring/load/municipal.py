"""Municipalities: the reference table, the official monthly series and the outlines.

``derive`` (called by ``python -m scoring derive``) writes three compact files from
``../shared/data``:

* ``data/derived/municipalities.csv``: the 2,475 municipalities of INEGI's current frame,
  with their 2020 census population and seat coordinates (the six created after the census
  have no census population: they are drawn and searchable, but not scored);
* ``data/derived/sesnsp_municipal.csv.gz``: SESNSP carpetas per municipality and month for the
  series the registry reads at municipal level (homicide, feminicide, extortion,
  kidnapping, drug dealing), non-zero cells only, and the "no especificado" rows
  (codes ending 998/999) that hold the files a prosecutor did not place;
* ``data/derived/sesnsp_municipal_coverage.csv``: which states' series are complete and
  for which months. Inside a covered state and month an absent cell is a zero; outside,
  it is missing (never zero).

and ``data/geo/mx_municipalities.geojson``: the outlines, simplified for drawing and for
placing events by their coordinates.

The series come from the tidy file ``sesnsp_municipal_month_2016-01_2026-07.csv.gz`` and,
for the states it lacks, from the source's own ``series_mun/smun_XX.js`` files saved page by
page under ``sources/45digital/raw/45digital/pages/series_mun`` (see the data README).
"""

from __future__ import annotations

import csv
import glob
import gzip
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scoring import paths
from scoring.db import schema
from scoring.errors import FormatError
from scoring.load.grid import PointGrid

# the source's crime keys -> our series names (the registry's homologated series)
SERIES = {"hd": "homicide", "feminicidio": "feminicide", "extorsion": "extortion", "secuestro": "kidnapping",
          "narcomenudeo": "drug_dealing"}
UNPLACED_SUFFIXES = ("998", "999")   # "no especificado": until 2025 / from 2026

MUNICIPAL_FILE = "sesnsp_municipal_month_2016-01_2026-07.csv.gz"
PAGES = Path("sources/45digital/raw/45digital/pages/series_mun")
MANIFEST = Path("sources/45digital/manifest.csv")
GEOJSON_OUT = "mx_municipalities.geojson"
SIMPLIFY_DEG = 0.006          # about 650 m: drawn at state zoom, no visible loss (1.6 MB for the nation)
PRECISION_DEG = 0.001
# the national layer: 2,475 shapes at 1-2 km a pixel need far fewer vertices (0.9 MB)
NATIONAL_OUT = "mx_municipalities_national.geojson"
NATIONAL_SIMPLIFY_DEG = 0.015
NATIONAL_PRECISION_DEG = 0.005


@dataclass
class Derived:
    municipalities: pd.DataFrame
    months: pd.DataFrame
    coverage: pd.DataFrame
    geojson: dict
    notes: list[str]
    series_digest: str = ""      # sha256 of the tidy file and of every page set read
    national: dict | None = None  # the coarser outlines of the national layer


def read_js_series(pages_dir: Path, state_code: str, total_chars: int | None = None, digest=None) -> dict | None:
    """The JSON object of ``smun_XX.js`` joined from its saved pages, or None if none are saved.

    Pages are named ``smun_XX.js.<offset>``; each must start where the previous one ended,
    and the whole must reach ``total_chars`` when the manifest gives it."""
    pages = sorted(glob.glob(str(pages_dir / f"smun_{state_code}.js.*")), key=lambda p: int(p.rsplit(".", 1)[1]))
    if not pages:
        return None
    buf, pos = [], 0
    for p in pages:
        off = int(p.rsplit(".", 1)[1])
        if off != pos:
            raise FormatError(f"{p}: page starts at {off}, expected {pos} (a page is missing)")
        text = Path(p).read_text(encoding="utf-8")
        buf.append(text)
        pos += len(text)
    if total_chars is not None and pos != total_chars:
        raise FormatError(f"smun_{state_code}.js: pages hold {pos:,} characters, the manifest says {total_chars:,}")
    text = "".join(buf)
    if digest is not None:
        digest.update(text.encode("utf-8"))
    i, j = text.find("{"), text.rfind("}") + 1
    if not text.startswith("const SERIE_MUNICIPAL = ") or i < 0:
        raise FormatError(f"smun_{state_code}.js: not the expected SERIE_MUNICIPAL file")
    try:
        return json.loads(text[i:j])
    except json.JSONDecodeError as exc:
        raise FormatError(f"smun_{state_code}.js: invalid JSON at character {exc.pos:,}") from None


def _js_rows(obj: dict, state_code: str) -> pd.DataFrame:
    labels = obj["labels"]
    ym = [tuple(int(x) for x in lab.split("-")) for lab in labels]
    rows = []
    for mun, series in obj["munis"].items():
        cvegeo = f"{state_code}{int(mun):03d}"
        for key, name in SERIES.items():
            values = series.get(key)
            if values is None:
                continue
            if len(values) != len(labels):
                raise FormatError(f"smun_{state_code}.js {mun} {key}: {len(values)} values for {len(labels)} months")
            for (y, m), v in zip(ym, values):
                if v is None:
                    continue
                if not isinstance(v, int) or v < 0:
                    raise FormatError(f"smun_{state_code}.js {mun} {key} {y}-{m:02d}: bad count {v!r}")
                rows.append((y, m, cvegeo, name, v))
    return pd.DataFrame(rows, columns=["year", "month", "cvegeo", "series", "value"])


def _manifest(shared: Path) -> dict[str, tuple[str, int]]:
    path = shared / MANIFEST
    if not path.is_file():
        return {}
    out = {}
    with open(path, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            m = re.fullmatch(r"series_mun/smun_(\d\d)\.js", r.get("path", ""))
            if m:
                out[m.group(1)] = (r["commit"], int(r["total_chars"]))
    return out


def _series(shared: Path, state_codes: list[str], notes: list[str], digest) -> tuple[pd.DataFrame, pd.DataFrame]:
    digest.update((shared / MUNICIPAL_FILE).read_bytes())
    tidy = pd.read_csv(shared / MUNICIPAL_FILE, dtype={"state_code": str, "municipality_code": str})
    tidy = tidy[tidy["crime"].isin(list(SERIES))]
    frames = [pd.DataFrame({"year": tidy["year"], "month": tidy["month"], "cvegeo": tidy["municipality_code"],
                            "series": tidy["crime"].map(SERIES), "value": tidy["count"]})]
    cov = []
    for sc, g in tidy.groupby("state_code"):
        ym = g["year"] * 100 + g["month"]
        cov.append((sc, int(ym.min()), int(ym.max()), f"{MUNICIPAL_FILE} (45DigitalNoticias/Inseguridad-Mexico, "
                                                          "July 2026 cut)"))
    have = {c[0] for c in cov}
    manifest = _manifest(shared)
    for sc in state_codes:
        if sc in have:
            continue
        if sc not in manifest:
            notes.append(f"state {sc}: no municipal series (not in {MUNICIPAL_FILE}, and smun_{sc}.js has no "
                         "manifest line: its pages are not all saved)")
            continue
        commit, total = manifest[sc]
        try:
            obj = read_js_series(shared / PAGES, sc, total, digest)
            df = _js_rows(obj, sc) if obj is not None else None
        except (FormatError, KeyError, ValueError) as exc:
            notes.append(f"state {sc}: municipal series left out ({exc})")
            continue
        if df is None:
            notes.append(f"state {sc}: no municipal series (no saved smun_{sc}.js pages)")
            continue
        frames.append(df)
        ym = df["year"] * 100 + df["month"]
        cov.append((sc, int(ym.min()), int(ym.max()),
                    f"series_mun/smun_{sc}.js at commit {(commit or 'unrecorded')[:12]} (saved page by page)"))
    months = pd.concat(frames, ignore_index=True)
    months = months[months["value"] > 0].sort_values(["year", "month", "cvegeo", "series"]).reset_index(drop=True)
    months["value"] = months["value"].astype(int)
    coverage = pd.DataFrame(cov, columns=["state_code", "first_month", "last_month", "source"]).sort_values(
        "state_code").reset_index(drop=True)
    return months, coverage


def _municipalities(shared: Path, geo: dict) -> pd.DataFrame:
    census = pd.read_csv(shared / "inegi_municipalities_2020.csv", dtype={"cvegeo": str, "state_code": str})
    out = pd.DataFrame({"cvegeo": census["cvegeo"], "state_code": census["state_code"],
                        "name": census["municipio_name"], "pop_2020": census["pop_2020"].astype("Int64"),
                        "seat_lat": census["seat_lat"].round(6), "seat_lon": census["seat_lon"].round(6),
                        "note": ""})
    parents = pd.read_csv(shared / "geo" / "new_municipalities_parents.csv", dtype={"cvegeo": str})
    carved = dict(zip(parents["cvegeo"], parents["carved_from_2019"]))
    known = set(out["cvegeo"])
    extra = []
    for f in geo["features"]:
        code = str(f["id"])
        if code in known:
            continue
        c = _centroid(f["geometry"])
        extra.append({"cvegeo": code, "state_code": code[:2], "name": f["properties"].get("name", code),
                      "pop_2020": pd.NA, "seat_lat": round(c[1], 6), "seat_lon": round(c[0], 6),
                      "note": "created after the 2020 census (carved from " + str(carved.get(code, "?")) +
                              "): no census population, not scored"})
    out = pd.concat([out, pd.DataFrame(extra)], ignore_index=True) if extra else out
    # municipalities created after 2020 that are in the census list (San Quintín ...) keep their count
    for code, text in carved.items():
        mask = (out["cvegeo"] == code) & (out["note"] == "")
        out.loc[mask, "note"] = f"created after INEGI's 2019 frame (carved from {text})"
    return out.sort_values("cvegeo").reset_index(drop=True)


def _centroid(geometry: dict) -> tuple[float, float]:
    from shapely.geometry import shape

    p = shape(geometry).representative_point()
    return p.x, p.y


def simplified_geojson(geo: dict, tolerance: float = SIMPLIFY_DEG, precision: float = PRECISION_DEG) -> dict:
    """The outlines simplified for drawing (outer rings clockwise, as plotly's geo expects),
    coordinates rounded to 3 decimals (about 100 m)."""
    import shapely
    from shapely.geometry import mapping, shape

    feats = []
    for f in geo["features"]:
        g = shape(f["geometry"])
        s = shapely.set_precision(g.simplify(tolerance, preserve_topology=True), precision)
        if s.is_empty or not s.is_valid:          # a tiny municipality: keep its shape at full precision
            s = shapely.make_valid(shapely.set_precision(g, PRECISION_DEG))
        s = shapely.orient_polygons(s, exterior_cw=True)
        m = mapping(s)
        feats.append({"type": "Feature", "id": str(f["id"]), "properties": {},
                      "geometry": {"type": m["type"], "coordinates": _rounded(m["coordinates"])}})
    return {"type": "FeatureCollection", "features": feats}


def _rounded(c, nd: int = 3):
    if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
        return [round(float(c[0]), nd), round(float(c[1]), nd)]
    return [_rounded(x, nd) for x in c]


def derive(shared: Path, state_codes: list[str]) -> Derived:
    notes: list[str] = []
    geo_path = shared / "geo" / "mx_municipios.geojson"
    geo = json.loads(geo_path.read_text(encoding="utf-8"))
    munis = _municipalities(shared, geo)
    digest = hashlib.sha256()
    months, coverage = _series(shared, state_codes, notes, digest)
    d = Derived(munis, months, coverage, simplified_geojson(geo), notes, digest.hexdigest())
    d.national = simplified_geojson(geo, NATIONAL_SIMPLIFY_DEG, NATIONAL_PRECISION_DEG)
    return d


def write(d: Derived, out: Path, geo_out: Path) -> dict[str, int]:
    d.municipalities.to_csv(out / "municipalities.csv", index=False)
    d.months.to_csv(out / "sesnsp_municipal.csv.gz", index=False, compression={"method": "gzip", "mtime": 0})
    d.coverage.to_csv(out / "sesnsp_municipal_coverage.csv", index=False)
    geo_out.mkdir(parents=True, exist_ok=True)
    (geo_out / GEOJSON_OUT).write_text(json.dumps(d.geojson, separators=(",", ":")), encoding="utf-8")
    if d.national is not None:
        (geo_out / NATIONAL_OUT).write_text(json.dumps(d.national, separators=(",", ":")), encoding="utf-8")
    return {"municipalities": len(d.municipalities), "sesnsp_municipal": len(d.months),
            "sesnsp_municipal_coverage": len(d.coverage)}


# --- placing events in municipalities -----------------------------------------------------------

@dataclass
class Outlines:
    codes: np.ndarray
    tree: object            # shapely STRtree over the polygons
    geoms: list
    bounds: np.ndarray      # (n, 4): min lon, min lat, max lon, max lat


_OUTLINES: dict[Path, Outlines] = {}


def outlines(path: Path | None = None) -> Outlines:
    """The municipal polygons (cached per file), for point-in-polygon placement."""
    from shapely import STRtree
    from shapely.geometry import shape

    path = Path(path or paths.GEO / GEOJSON_OUT)
    if path not in _OUTLINES:
        geo = json.loads(path.read_text(encoding="utf-8"))
        geoms = [shape(f["geometry"]) for f in geo["features"]]
        import shapely

        shapely.prepare(geoms)                            # fast repeated point-in-polygon tests
        _OUTLINES[path] = Outlines(np.array([str(f["id"]) for f in geo["features"]]), STRtree(geoms), geoms,
                                   shapely.bounds(geoms))
    return _OUTLINES[path]


GRID_DEG = 0.2   # the cell of the grid place_points buckets points in (municipal boxes span one to a few)


def _place_index(lat: np.ndarray, lon: np.ndarray, o: Outlines) -> np.ndarray:
    """For finite, distinct points: the index (into ``o``) of the outline containing each, -1 for none.

    Each municipality takes the points inside its bounding box from a :class:`PointGrid` and tests
    them all at once against its prepared outline."""
    import shapely

    found = np.full(len(lat), -1, dtype=np.int64)
    if not len(lat):
        return found
    grid = PointGrid(lat, lon, GRID_DEG)
    hit = np.full(len(lat), -1, dtype=np.int64)          # in grid order
    for g, (x0, y0, x1, y1) in enumerate(o.bounds):
        idx = grid.in_box(x0, y0, x1, y1)
        idx = idx[hit[idx] < 0]
        if len(idx):
            inside = shapely.contains_xy(o.geoms[g], grid.sx[idx], grid.sy[idx])
            hit[idx[inside]] = g
    found[grid.order] = hit
    return found


def place_points(lat, lon, path: Path | None = None) -> np.ndarray:
    """The municipality (5-digit code) containing each point, '' where none does (sea, abroad).

    Vectorised, without a geometry object per point: repeated coordinates are placed once
    (:func:`_place_index` on the distinct ones; a million distinct points in well under a second)."""
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    out = np.full(len(lat), "", dtype=object)
    ok = np.isfinite(lat) & np.isfinite(lon)
    if not ok.any():
        return out
    o = outlines(path)
    # one key per coordinate pair (to a micro-degree, about 0.1 m): a million events at a few
    # thousand places are tested a few thousand times
    key = (np.round(lat[ok] * 1e6).astype(np.int64) + 90_000_000) * 400_000_000 + \
        (np.round(lon[ok] * 1e6).astype(np.int64) + 200_000_000)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    placed = _place_index(lat[ok][first], lon[ok][first], o)
    codes = np.where(placed >= 0, o.codes[np.maximum(placed, 0)], "")
    out[np.nonzero(ok)[0]] = codes[inverse.ravel()]
    return out


def refresh_placement(con, batch_id: str | None = None, path: Path | None = None) -> int:
    """Fill ``event_municipality`` for all events (or one batch's): the municipality an event
    states, else the one its coordinates fall in (``point``); events with neither get no row.

    Placed per distinct place (events share places), then joined back to the events in DuckDB:
    no event id passes through Python."""
    where, params = ("", []) if batch_id is None else ("AND e.batch_id = ?", [batch_id])
    if batch_id is None:
        con.execute("DELETE FROM event_municipality")
    else:
        con.execute("DELETE FROM event_municipality WHERE event_id IN (SELECT event_id FROM events WHERE batch_id = ?)",
                    params)
    schema.upgrade_placement(con, "event_municipality")
    _place(con, where, params, path=path)
    q = "SELECT count(*) FROM event_municipality" + ("" if batch_id is None else
                                                       " WHERE event_id IN (SELECT event_id FROM events WHERE batch_id = ?)")
    return con.execute(q, params).fetchall()[0][0]


def place_block(con, block, path: Path | None = None) -> None:
    """The ``event_municipality`` rows of one block of events as it is written (an Arrow table
    with the events' ids, municipality codes, coordinates and :data:`schema.PLACED_COPIES`)."""
    _place(con, "", [], block=block, path=path)


def _place(con, where: str, params: list, *, block=None, path: Path | None = None) -> None:
    """Insert the rows of the events in ``events`` matching ``where`` (alias e), or of ``block``."""
    _block = block      # read by name in the SQL (store.FRAME_SCANS)
    src = "events" if block is None else "_block"
    stated = "e.municipality_code IN (SELECT cvegeo FROM municipalities)"
    into = f"INSERT INTO event_municipality (event_id, cvegeo, method, {', '.join(schema.PLACED_COPIES)})"
    copied = ", ".join(f"e.{c}" for c in schema.PLACED_COPIES)
    con.execute(f"""{into} SELECT e.event_id, e.municipality_code, 'stated', {copied} FROM {src} e
                    WHERE {stated} {where}""", params)
    places = con.execute(f"""SELECT DISTINCT e.latitude, e.longitude FROM {src} e
                             WHERE NOT coalesce({stated}, false) AND e.latitude IS NOT NULL
                               AND e.longitude IS NOT NULL {where}""", params).fetchnumpy()
    lat = np.asarray(places["latitude"], float)
    lon = np.asarray(places["longitude"], float)
    if len(lat):
        o = outlines(path)
        g = _place_index(lat, lon, o)                     # the places are distinct already (SELECT DISTINCT)
        hit = g >= 0
        if hit.any():
            # numbers only cross into DuckDB (no Python string per place); the index becomes the code in the join
            # both read by name in the SQL (store.FRAME_SCANS)
            _placed = pd.DataFrame({"lat": lat[hit], "lon": lon[hit], "g": g[hit]})
            _outline_codes = pd.DataFrame({"g": np.arange(len(o.codes), dtype=np.int64), "cvegeo": o.codes.astype(str)})
            con.execute(f"""{into}
                SELECT e.event_id, c.cvegeo, 'point', {copied} FROM {src} e
                JOIN _placed p ON e.latitude = p.lat AND e.longitude = p.lon
                JOIN _outline_codes c ON c.g = p.g
                WHERE NOT coalesce({stated}, false) {where}""", params)
            del _placed, _outline_codes
    del _block


def open_text(path: Path):
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8")


def corridors_crossing(waypoints: pd.DataFrame, cvegeo: str, path: Path | None = None) -> list[str]:
    """The corridors whose line passes through a municipality (waypoints: corridor_id, seq,
    latitude, longitude), in corridor order."""
    from shapely.geometry import LineString

    o = outlines(path)
    hit = np.nonzero(o.codes == cvegeo)[0]
    if not len(hit):
        return []
    poly = o.geoms[hit[0]]
    out = []
    for cid, w in waypoints.sort_values(["corridor_id", "seq"]).groupby("corridor_id", sort=True):
        if len(w) >= 2 and LineString(list(zip(w["longitude"], w["latitude"]))).intersects(poly):
            out.append(cid)
    return out


def geojson_subset(state_code: str | None = None, path: Path | None = None) -> dict:
    """The municipal outlines of one state (fine), or of the nation (coarser), as drawn on the map."""
    if not state_code:
        return _geojson(Path(path or paths.GEO / NATIONAL_OUT))
    geo = _geojson(Path(path or paths.GEO / GEOJSON_OUT))
    return {"type": "FeatureCollection", "features": [f for f in geo["features"] if f["id"][:2] == state_code]}


_GEOJSON: dict[Path, dict] = {}


def _geojson(path: Path) -> dict:
    if path not in _GEOJSON:
        _GEOJSON[path] = json.loads(path.read_text(encoding="utf-8"))
    return _GEOJSON[path]


# --- corridors, stretch by stretch --------------------------------------------------------------

def refresh_stretches(con, path: Path | None = None) -> int:
    """Split every corridor into stretches between consecutive waypoints and measure how many
    km of each lie in each municipality (``corridor_stretches``, ``stretch_municipality``)."""
    from shapely.geometry import LineString

    from scoring.load.geo import haversine_km

    con.execute("DELETE FROM stretch_municipality")
    con.execute("DELETE FROM corridor_stretches")
    wp = con.execute("SELECT corridor_id, seq, name, latitude, longitude FROM corridor_waypoints "
                     "ORDER BY corridor_id, seq").df()
    o = outlines(path)
    stretches, parts = [], []
    for cid, w in wp.groupby("corridor_id", sort=True):
        w = w.reset_index(drop=True)
        seq = 0
        for k in range(len(w) - 1):
            a, b = w.iloc[k], w.iloc[k + 1]
            full = float(haversine_km(a.latitude, a.longitude, b.latitude, b.longitude))
            n = max(1, int(np.ceil(full / STRETCH_MAX_KM)))   # long legs: equal parts of at most 60 km
            for part in range(n):
                f0, f1 = part / n, (part + 1) / n
                lat0, lon0 = a.latitude + f0 * (b.latitude - a.latitude), a.longitude + f0 * (b.longitude - a.longitude)
                lat1, lon1 = a.latitude + f1 * (b.latitude - a.latitude), a.longitude + f1 * (b.longitude - a.longitude)
                seq += 1
                label = "" if n == 1 else f" (part {part + 1} of {n})"
                stretches.append((cid, seq, a["name"], f"{b['name']}{label}", full / n, lat0, lon0, lat1, lon1))
                _measure(cid, seq, LineString([(lon0, lat0), (lon1, lat1)]), o, parts)
    if stretches:
        con.executemany("INSERT INTO corridor_stretches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", stretches)
    if parts:
        con.executemany("INSERT INTO stretch_municipality VALUES (?, ?, ?, ?)", parts)
    return len(stretches)


STRETCH_MAX_KM = 60.0


def _measure(cid: str, seq: int, line, o: Outlines, parts: list) -> None:
    """Append (corridor, stretch, municipality, km inside it) for every municipality the line crosses."""
    import shapely

    from scoring.load.geo import haversine_km

    for g in o.tree.query(line, predicate="intersects"):
        inter = shapely.intersection(line, o.geoms[g])
        km = 0.0
        for piece in getattr(inter, "geoms", [inter]):
            xy = np.asarray(piece.coords) if hasattr(piece, "coords") else np.empty((0, 2))
            if len(xy) >= 2:
                km += float(np.sum(haversine_km(xy[:-1, 1], xy[:-1, 0], xy[1:, 1], xy[1:, 0])))
        if km > 0.05:
            parts.append((cid, seq, str(o.codes[g]), km))
