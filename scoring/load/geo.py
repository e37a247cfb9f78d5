"""Small, dependency-free geometry: distances, point-in-state and corridor shares.

Distances on Mexico's scale use a local equirectangular projection per segment, which
is within 0.5 % of the great-circle distance for segments under 300 km.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from scoring import paths

EARTH_KM = 6371.0088


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km; works on scalars and numpy arrays."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(a))


def polyline_length_km(lats, lons) -> float:
    lats, lons = np.asarray(lats, float), np.asarray(lons, float)
    return float(np.sum(haversine_km(lats[:-1], lons[:-1], lats[1:], lons[1:])))


@dataclass(frozen=True)
class StatePolygons:
    """The 32 state outlines, for point-in-state tests."""

    codes: tuple[str, ...]
    rings: tuple[tuple[np.ndarray, ...], ...]  # per state: outer rings (lon, lat arrays)
    bboxes: np.ndarray  # (n, 4): min lon, min lat, max lon, max lat

    def state_of(self, lat: float, lon: float) -> str | None:
        """INEGI code of the state containing the point, or None (sea, abroad)."""
        b = self.bboxes
        cand = np.nonzero((b[:, 0] <= lon) & (lon <= b[:, 2]) & (b[:, 1] <= lat) & (lat <= b[:, 3]))[0]
        for i in cand:
            if any(_point_in_ring(lon, lat, r) for r in self.rings[i]):
                return self.codes[i]
        return None

    def nearest_state(self, lat: float, lon: float) -> str:
        """The containing state, else the state with the nearest vertex (coastal points)."""
        s = self.state_of(lat, lon)
        if s is not None:
            return s
        best, best_d = None, math.inf
        for code, rings in zip(self.codes, self.rings):
            for r in rings:
                d = float(np.min((r[:, 0] - lon) ** 2 + (r[:, 1] - lat) ** 2))
                if d < best_d:
                    best, best_d = code, d
        return best


def _point_in_ring(x: float, y: float, ring: np.ndarray) -> bool:
    xs, ys = ring[:, 0], ring[:, 1]
    xj, yj = np.roll(xs, 1), np.roll(ys, 1)
    cross = (ys > y) != (yj > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        xint = (xj - xs) * (y - ys) / (yj - ys) + xs
    return bool(np.count_nonzero(cross & (x < xint)) % 2)


def load_geojson(path: Path | None = None) -> dict:
    path = path or (paths.GEO / "mx_states.geojson")
    return json.loads(Path(path).read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def state_polygons(path: str | None = None) -> StatePolygons:
    gj = load_geojson(Path(path) if path else None)
    codes, rings, boxes = [], [], []
    for feat in gj["features"]:
        geom = feat["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        outer = tuple(np.asarray(p[0], float) for p in polys)
        allpts = np.vstack(outer)
        codes.append(str(feat["id"]))
        rings.append(outer)
        boxes.append([allpts[:, 0].min(), allpts[:, 1].min(), allpts[:, 0].max(), allpts[:, 1].max()])
    return StatePolygons(tuple(codes), tuple(rings), np.asarray(boxes))


def corridor_state_shares(lats, lons, polygons: StatePolygons, step_km: float = 2.0) -> dict[str, float]:
    """Length (km) of a polyline inside each state, by sampling points every ``step_km``."""
    out: dict[str, float] = {}
    for i in range(len(lats) - 1):
        seg = float(haversine_km(lats[i], lons[i], lats[i + 1], lons[i + 1]))
        n = max(1, int(math.ceil(seg / step_km)))
        for j in range(n):
            t = (j + 0.5) / n
            la = lats[i] + t * (lats[i + 1] - lats[i])
            lo = lons[i] + t * (lons[i + 1] - lons[i])
            s = polygons.nearest_state(la, lo)
            out[s] = out.get(s, 0.0) + seg / n
    return out
