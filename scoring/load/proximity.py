"""Which events lie near which corridor: the ``event_corridor`` table.

Computed once per data change (at build and after an import), for every event within
:data:`MAX_BUFFER_KM` of a corridor's line: the distance to the nearest segment, in a local
equirectangular projection per segment (error under 0.5 % at this scale). Scoring then
filters on the buffer the user picks (default 25 km) with a plain join.

The distances are computed in numpy on the distinct coordinates (events share places), with
the points bucketed in a grid one buffer wide so that each segment takes only the points of
the cells its buffered bounding box covers; the (place, corridor code, distance) rows are
then joined back to the events in DuckDB. Time grows with the number of
distinct places near the corridors, not with events x segments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.db import schema
from scoring.load.grid import PointGrid

MAX_BUFFER_KM = 50.0
KM_PER_DEG = 111.195


def _segments(con) -> pd.DataFrame:
    return con.execute("""
        SELECT a.corridor_id, a.latitude AS alat, a.longitude AS alon, b.latitude AS blat, b.longitude AS blon
        FROM corridor_waypoints a JOIN corridor_waypoints b ON a.corridor_id = b.corridor_id AND b.seq = a.seq + 1
        ORDER BY a.corridor_id, a.seq""").df()


def _coded_distances(lat: np.ndarray, lon: np.ndarray, segments: pd.DataFrame,
                     max_km: float = MAX_BUFFER_KM) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """(point index, corridor code, km, corridor ids) for every point within ``max_km`` of a
    corridor, the code indexing the ids: integers, so that millions of rows cost no strings.

    Each segment measures only the points inside its buffered bounding box, taken from a
    :class:`PointGrid` with cells one buffer wide."""
    ids = sorted(segments["corridor_id"].unique().tolist()) if len(segments) else []
    empty = (np.empty(0, np.int64), np.empty(0, np.int32), np.empty(0, float), ids)
    if not len(lat) or not len(segments):
        return empty
    pad = max_km / KM_PER_DEG
    grid = PointGrid(lat, lon, pad)                      # cells one buffer wide
    out_i, out_c, out_d = [], [], []
    best = np.empty(len(lat))                            # per point in grid order: km to this corridor's nearest segment
    for code, cid in enumerate(ids):
        segs = segments[segments["corridor_id"] == cid]
        best.fill(np.inf)
        measured = False
        for s in segs.itertuples(index=False):
            k = np.cos(np.radians((s.alat + s.blat) / 2))
            lat0, lat1 = min(s.alat, s.blat) - pad, max(s.alat, s.blat) + pad
            lon0, lon1 = min(s.alon, s.blon) - pad / k, max(s.alon, s.blon) + pad / k
            idx = grid.in_box(lon0, lat0, lon1, lat1)
            if not len(idx):
                continue
            px, py = (grid.sx[idx] - s.alon) * k, grid.sy[idx] - s.alat
            dx, dy = (s.blon - s.alon) * k, s.blat - s.alat
            ll = dx * dx + dy * dy
            t = np.clip((px * dx + py * dy) / ll, 0.0, 1.0) if ll > 0 else np.zeros(len(idx))
            d = np.sqrt((px - t * dx) ** 2 + (py - t * dy) ** 2) * KM_PER_DEG
            closer = d < best[idx]                       # idx holds each point once per segment
            best[idx[closer]] = d[closer]
            measured = True
        if not measured:
            continue
        hit = np.flatnonzero(best <= max_km)             # in grid order
        if len(hit):
            out_i.append(grid.order[hit])
            out_c.append(np.full(len(hit), code, dtype=np.int32))
            out_d.append(best[hit])
    if not out_i:
        return empty
    return np.concatenate(out_i), np.concatenate(out_c), np.concatenate(out_d), ids


def distances(lat: np.ndarray, lon: np.ndarray, segments: pd.DataFrame,
              max_km: float = MAX_BUFFER_KM) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(point index, corridor id, km) for every point within ``max_km`` of a corridor: the
    distance to that corridor's nearest segment."""
    i, code, d, ids = _coded_distances(np.asarray(lat, float), np.asarray(lon, float), segments, max_km)
    return i, np.asarray(ids, dtype=object)[code] if len(ids) else np.empty(0, object), d


def refresh(con, batch_id: str | None = None) -> int:
    """Recompute distances for all events, or for one batch's events only."""
    schema.upgrade_placement(con, "event_corridor")
    where, params = ("", []) if batch_id is None else ("AND batch_id = ?", [batch_id])
    if batch_id is None:
        con.execute("DELETE FROM event_corridor")
    else:
        con.execute("DELETE FROM event_corridor WHERE event_id IN (SELECT event_id FROM events WHERE batch_id = ?)",
                    params)
    _place(con, where, params)
    return con.execute("SELECT count(*) FROM event_corridor").fetchall()[0][0]


def place_block(con, block) -> None:
    """The ``event_corridor`` rows of one block of events as it is written (an Arrow table with
    the events' ids, coordinates and :data:`schema.PLACED_COPIES`)."""
    _place(con, "", [], block=block)


def _place(con, where: str, params: list, *, block=None) -> None:
    """Insert the rows of the events in ``events`` matching ``where`` (or of ``block``)."""
    _block = block      # read by name in the SQL (store.FRAME_SCANS)
    src = "events" if block is None else "_block"
    places = con.execute(f"""SELECT DISTINCT latitude, longitude FROM {src}
                             WHERE latitude IS NOT NULL AND longitude IS NOT NULL {where}""", params).fetchnumpy()
    segs = _segments(con)
    if len(places["latitude"]) and len(segs):
        lat = np.asarray(places["latitude"], float)
        lon = np.asarray(places["longitude"], float)
        i, code, d, ids = _coded_distances(lat, lon, segs)
        if len(i):
            # numbers only cross into DuckDB (no Python strings per row); the codes become ids in the join
            # both read by name in the SQL (store.FRAME_SCANS)
            _near = pd.DataFrame({"lat": lat[i], "lon": lon[i], "code": code, "d": d})
            _names = pd.DataFrame({"code": np.arange(len(ids), dtype=np.int32), "corridor_id": ids})
            copied = ", ".join(f"e.{c}" for c in schema.PLACED_COPIES)
            con.execute(f"""INSERT INTO event_corridor (event_id, corridor_id, distance_km,
                                                        {", ".join(schema.PLACED_COPIES)})
                SELECT e.event_id, m.corridor_id, n.d, {copied} FROM {src} e
                JOIN _near n ON e.latitude = n.lat AND e.longitude = n.lon
                JOIN _names m ON m.code = n.code
                WHERE true {where.replace('batch_id', 'e.batch_id')}""", params)
            del _near, _names
    del _block
