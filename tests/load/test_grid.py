"""The point grid both placements query (scoring/load/grid.py): a box gets exactly its points."""

from __future__ import annotations

import numpy as np

from scoring.load.grid import PointGrid


def test_a_box_gets_exactly_the_points_inside_it_edges_included():
    rng = np.random.default_rng(4)
    lat = np.r_[rng.uniform(14, 33, 20_000), [20.0, 20.5, 19.0]]
    lon = np.r_[rng.uniform(-118, -86, 20_000), [-100.0, -99.0, -101.0]]
    grid = PointGrid(lat, lon, 0.45)
    boxes = [(-100.0, 20.0, -99.0, 20.5),      # two points exactly on its corners
             (-130.0, 0.0, -60.0, 60.0),       # larger than the grid
             (-90.0, 40.0, -80.0, 45.0),       # outside it
             (-104.37, 18.1, -104.36, 26.9)]   # a sliver across many rows of cells
    for x0, y0, x1, y1 in boxes:
        got = np.sort(grid.order[grid.in_box(x0, y0, x1, y1)])
        want = np.flatnonzero((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1))
        assert np.array_equal(got, want)
    assert np.array_equal(np.sort(grid.order), np.arange(len(lat)))


def test_an_empty_grid_answers_empty():
    grid = PointGrid(np.empty(0), np.empty(0), 0.2)
    assert len(grid.in_box(-100, 19, -99, 20)) == 0
