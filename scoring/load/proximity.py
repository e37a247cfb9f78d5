"""Which events lie near which corridor: the ``event_corridor`` table.

Computed once per data change (at build and after an import), for every event within
:data:`MAX_BUFFER_KM` of a corridor's line: the distance to the nearest segment, in a local
equirectangular projection per segment (error under 0.5 % at this scale). Scoring then
filters on the buffer the user picks (default 25 km) with a plain join.

The distances are computed in numpy on the distinct coordinates (events share places), with
the points sorted by longitude so that each segment takes only the points inside its
buffered bounding box (two binary searches and a latitude mask); the (place, corridor,
distance) rows are then joined back to the events in DuckDB. Time grows with the number of
distinct places near the corridors, not with events x segments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MAX_BUFFER_KM = 50.0
KM_PER_DEG = 111.195


def _segments(con) -> pd.DataFrame:
    return con.execute("""
        SELECT a.corridor_id, a.latitude AS alat, a.longitude AS alon, b.latitude AS blat, b.longitude AS blon
        FROM corridor_waypoints a JOIN corridor_waypoints b ON a.corridor_id = b.corridor_id AND b.seq = a.seq + 1
        ORDER BY a.corridor_id, a.seq""").df()


def distances(lat: np.ndarray, lon: np.ndarray, segments: pd.DataFrame,
              max_km: float = MAX_BUFFER_KM) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(point index, corridor id, km) for every point within ``max_km`` of a corridor: the
    distance to that corridor's nearest segment."""
    order = np.argsort(lon, kind="stable")
    sx, sy = lon[order], lat[order]
    pad = max_km / KM_PER_DEG
    out_i, out_c, out_d = [], [], []
    for cid, segs in segments.groupby("corridor_id", sort=True):
        got_i, got_d = [], []
        for s in segs.itertuples(index=False):
            k = np.cos(np.radians((s.alat + s.blat) / 2))
            lat0, lat1 = min(s.alat, s.blat) - pad, max(s.alat, s.blat) + pad
            lon0, lon1 = min(s.alon, s.blon) - pad / k, max(s.alon, s.blon) + pad / k
            a, b = np.searchsorted(sx, lon0, "left"), np.searchsorted(sx, lon1, "right")
            if a == b:
                continue
            idx = a + np.flatnonzero((sy[a:b] >= lat0) & (sy[a:b] <= lat1))
            if not len(idx):
                continue
            px, py = (sx[idx] - s.alon) * k, sy[idx] - s.alat
            dx, dy = (s.blon - s.alon) * k, s.blat - s.alat
            ll = dx * dx + dy * dy
            t = np.clip((px * dx + py * dy) / ll, 0.0, 1.0) if ll > 0 else np.zeros(len(idx))
            d = np.sqrt((px - t * dx) ** 2 + (py - t * dy) ** 2) * KM_PER_DEG
            keep = d <= max_km
            got_i.append(idx[keep])
            got_d.append(d[keep])
        if got_i and sum(len(x) for x in got_i):
            ii, dd = np.concatenate(got_i), np.concatenate(got_d)
            o = np.lexsort((dd, ii))                   # by point, nearest first
            ii, dd = ii[o], dd[o]
            first = np.r_[True, ii[1:] != ii[:-1]]      # each point's nearest segment of this corridor
            out_i.append(order[ii[first]])
            out_c.append(np.full(int(first.sum()), cid, dtype=object))
            out_d.append(dd[first])
    if not out_i:
        return np.empty(0, np.int64), np.empty(0, object), np.empty(0, float)
    return np.concatenate(out_i), np.concatenate(out_c), np.concatenate(out_d)


def refresh(con, batch_id: str | None = None) -> int:
    """Recompute distances for all events, or for one batch's events only."""
    where, params = ("", []) if batch_id is None else ("AND batch_id = ?", [batch_id])
    if batch_id is None:
        con.execute("DELETE FROM event_corridor")
    else:
        con.execute("DELETE FROM event_corridor WHERE event_id IN (SELECT event_id FROM events WHERE batch_id = ?)",
                    params)
    places = con.execute(f"""SELECT DISTINCT latitude, longitude FROM events
                             WHERE latitude IS NOT NULL AND longitude IS NOT NULL {where}""", params).fetchnumpy()
    segs = _segments(con)
    if len(places["latitude"]) and len(segs):
        lat = np.asarray(places["latitude"], float)
        lon = np.asarray(places["longitude"], float)
        i, c, d = distances(lat, lon, segs)
        if len(i):
            near = pd.DataFrame({"lat": lat[i], "lon": lon[i], "corridor_id": c.astype(str), "d": d})
            con.register("_near", near)
            try:
                con.execute(f"""INSERT INTO event_corridor
                    SELECT e.event_id, n.corridor_id, n.d FROM events e
                    JOIN _near n ON e.latitude = n.lat AND e.longitude = n.lon
                    WHERE true {where.replace('batch_id', 'e.batch_id')}""", params)
            finally:
                con.unregister("_near")
    return con.execute("SELECT count(*) FROM event_corridor").fetchall()[0][0]
