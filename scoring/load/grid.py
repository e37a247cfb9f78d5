"""Points bucketed in a regular longitude/latitude grid, for box queries over millions of points.

Used by both placements (events near corridors, events in municipalities): the points are
sorted by cell, row-major, so the points of one row of cells form one contiguous run, and a
box gathers its runs with two binary searches per row of cells it covers. Only the points of
those cells are then looked at, instead of a band across the whole country.
"""

from __future__ import annotations

import numpy as np


class PointGrid:
    """``sx``/``sy`` are the points' longitudes and latitudes in grid order; ``order`` maps that
    order back to the caller's indexes (``order[j]`` is the caller's index of sorted point j)."""

    def __init__(self, lat: np.ndarray, lon: np.ndarray, cell_deg: float):
        self.cell = cell_deg
        self.lat_min, self.lon_min = (float(lat.min()), float(lon.min())) if len(lat) else (0.0, 0.0)
        self.ncol = int((float(lon.max()) - self.lon_min) / cell_deg) + 1 if len(lat) else 1
        key = (np.floor((lat - self.lat_min) / cell_deg).astype(np.int64) * self.ncol
               + np.floor((lon - self.lon_min) / cell_deg).astype(np.int64))
        self.order = np.argsort(key, kind="stable")
        self._key = key[self.order]
        self.sx, self.sy = lon[self.order], lat[self.order]
        self.nrow = int(self._key[-1] // self.ncol) + 1 if len(lat) else 0

    def in_box(self, lon0: float, lat0: float, lon1: float, lat1: float) -> np.ndarray:
        """Positions (in grid order) of the points inside the box, edges included."""
        r0 = max(int(np.floor((lat0 - self.lat_min) / self.cell)), 0)
        r1 = min(int(np.floor((lat1 - self.lat_min) / self.cell)), self.nrow - 1)
        c0 = max(int(np.floor((lon0 - self.lon_min) / self.cell)), 0)
        c1 = min(int(np.floor((lon1 - self.lon_min) / self.cell)), self.ncol - 1)
        if r0 > r1 or c0 > c1:
            return np.empty(0, np.int64)
        rows = np.arange(r0, r1 + 1, dtype=np.int64) * self.ncol
        a, b = np.searchsorted(self._key, rows + c0, "left"), np.searchsorted(self._key, rows + c1, "right")
        runs = [np.arange(x, y) for x, y in zip(a, b) if y > x]
        if not runs:
            return np.empty(0, np.int64)
        idx = np.concatenate(runs) if len(runs) > 1 else runs[0]
        px, py = self.sx[idx], self.sy[idx]
        return idx[(px >= lon0) & (px <= lon1) & (py >= lat0) & (py <= lat1)]
