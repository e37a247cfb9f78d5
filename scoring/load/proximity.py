"""Which events lie near which corridor: the ``event_corridor`` table.

Computed once per data change (at build and after an import), in DuckDB, for every
event within :data:`MAX_BUFFER_KM` of a corridor's line: the distance to the nearest
segment, in a local equirectangular projection (error under 0.5 % at this scale).
Scoring then filters on the buffer the user picks (default 25 km) with a plain join.
"""

from __future__ import annotations

MAX_BUFFER_KM = 50.0
KM_PER_DEG = 111.195

_SQL = f"""
INSERT INTO event_corridor
WITH seg AS (
    SELECT a.corridor_id, a.latitude AS alat, a.longitude AS alon, b.latitude AS blat, b.longitude AS blon,
           cos(radians((a.latitude + b.latitude) / 2)) AS k
    FROM corridor_waypoints a JOIN corridor_waypoints b
      ON a.corridor_id = b.corridor_id AND b.seq = a.seq + 1),
box AS (
    SELECT *, least(alat, blat) - {MAX_BUFFER_KM / KM_PER_DEG} AS lat0,
              greatest(alat, blat) + {MAX_BUFFER_KM / KM_PER_DEG} AS lat1,
              least(alon, blon) - {MAX_BUFFER_KM / KM_PER_DEG} / k AS lon0,
              greatest(alon, blon) + {MAX_BUFFER_KM / KM_PER_DEG} / k AS lon1
    FROM seg),
pairs AS (
    SELECT e.event_id, s.corridor_id,
           (e.longitude - s.alon) * s.k AS px, e.latitude - s.alat AS py,
           (s.blon - s.alon) * s.k AS dx, s.blat - s.alat AS dy
    FROM events e JOIN box s
      ON e.latitude BETWEEN s.lat0 AND s.lat1 AND e.longitude BETWEEN s.lon0 AND s.lon1
    WHERE e.latitude IS NOT NULL {{where}}),
d AS (
    SELECT event_id, corridor_id,
           greatest(0.0, least(1.0, CASE WHEN dx * dx + dy * dy > 0
                THEN (px * dx + py * dy) / (dx * dx + dy * dy) ELSE 0 END)) AS t, px, py, dx, dy
    FROM pairs)
SELECT event_id, corridor_id, min(sqrt((px - t * dx) ^ 2 + (py - t * dy) ^ 2)) * {KM_PER_DEG} AS distance_km
FROM d GROUP BY ALL HAVING distance_km <= {MAX_BUFFER_KM}
"""


def refresh(con, batch_id: str | None = None) -> int:
    """Recompute distances for all events, or for one batch's events only."""
    if batch_id is None:
        con.execute("DELETE FROM event_corridor")
        con.execute(_SQL.format(where=""))
    else:
        con.execute("DELETE FROM event_corridor WHERE event_id IN (SELECT event_id FROM events WHERE batch_id = ?)",
                    [batch_id])
        con.execute(_SQL.format(where="AND e.batch_id = ?"), [batch_id])
    return con.execute("SELECT count(*) FROM event_corridor").fetchall()[0][0]
