"""Geometry shared by the developer scripts in scripts/: one haversine and a state locator.

Polygon work (point in polygon, simplification, validity, orientation, area) is done with
shapely; nothing here re-implements it. The scripts are run as `python scripts/NAME.py`,
so Python puts scripts/ on sys.path and `import _geo` works from any working directory.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import shapely
from shapely.geometry import shape

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two WGS84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


class StateLocator:
    """Which state a point lies in, from GeoJSON (Multi)Polygon geometries (lon/lat).

    States are tested in the order given and the first hit wins. A point on a border counts
    as inside (shapely.intersects_xy), so a point on a shared border gets the first of the
    neighbours rather than none; holes are honoured.
    """

    def __init__(self, states: Iterable[tuple[str, dict]]):
        self.states = [(code, shape(geometry)) for code, geometry in states]
        for _, geom in self.states:
            shapely.prepare(geom)

    def __len__(self) -> int:
        return len(self.states)

    def state_at(self, lat: float, lon: float) -> str | None:
        for code, geom in self.states:
            if shapely.intersects_xy(geom, lon, lat):
                return code
        return None
