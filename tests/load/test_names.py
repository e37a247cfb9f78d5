"""Reference tables and name resolution: state names, places, state outlines."""

from __future__ import annotations

import itertools
import json

import pandas as pd
import pytest
from support import ROOT, SHARED

from scoring.load.names import Gazetteer, PlaceMatch, StateNames, normalise_name

REF = ROOT / "data" / "reference"
GEOJSON = ROOT / "data" / "geo" / "mx_states.geojson"
CODES = [f"{i:02d}" for i in range(1, 33)]


def shared_csv(name: str, **kw) -> pd.DataFrame:
    if not SHARED.is_dir():
        pytest.skip(f"shared data folder {SHARED} is absent (it holds the SESNSP/CONAPO/UCDP files)")
    return pd.read_csv(SHARED / name, dtype=str, keep_default_na=False, **kw)


@pytest.fixture(scope="module")
def states() -> StateNames:
    return StateNames()


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer()


# --------------------------------------------------------------------------- normalise_name

@pytest.mark.parametrize(
    "raw, want",
    [
        ("  Michoacán   state ", "michoacan"),
        ("Culiacán town", "culiacan"),
        ("Zacatecas municipality", "zacatecas"),
        ("NUEVO LEÓN", "nuevo leon"),
        ("Mexico city", "mexico"),
        ("state", "state"),  # a bare suffix is not stripped to nothing
    ],
)
def test_normalise_name(raw, want):
    assert normalise_name(raw) == want


# --------------------------------------------------------------------------- StateNames

def test_state_names_cover_32_codes_without_ambiguity(states):
    # loading raises if one normalised variant maps to two codes
    assert states.codes == CODES
    table = pd.read_csv(REF / "state_names.csv", dtype=str, keep_default_na=False)
    assert list(table.columns) == ["variant", "state_code", "source_note"]
    assert set(table.state_code) == set(CODES)
    assert (table.variant.str.strip() != "").all()


@pytest.mark.parametrize(
    "name, code",
    [
        ("México", "15"),  # SESNSP's official name of the State of Mexico
        ("Estado de México", "15"),
        ("State of Mexico", "15"),
        ("Edomex", "15"),
        ("México state", "15"),
        ("Mexico City", "09"),  # not 15: the full form is matched before " city" is dropped
        ("Mexico city", "09"),
        ("Distrito Federal", "09"),
        ("CDMX", "09"),
        ("D.F.", "09"),
        ("Veracruz de Ignacio de la Llave", "30"),
        ("veracruz", "30"),
        ("Coahuila de Zaragoza", "05"),
        ("Michoacan", "16"),
        ("MICHOACÁN DE OCAMPO", "16"),
        ("MX-GUA", "11"),
        ("MX.GJ", "11"),
        ("GTO", "11"),
        ("Q. Roo", "23"),
        ("  nuevo   leon ", "19"),
    ],
)
def test_state_names_resolve(states, name, code):
    assert states.resolve(name) == code


@pytest.mark.parametrize(
    "name", ["Nacional", "Texas", "Springfield", "Guanajuatoo", "", "   ", None, float("nan"), "NA", "MX", "00"]
)
def test_state_names_unknown_is_none(states, name):
    assert states.resolve(name) is None


@pytest.mark.parametrize(
    "fname",
    ["sesnsp_carpetas_state_month_2015-01_2024-11.csv", "sesnsp_victims_state_month_2015-01_2025-06.csv"],
)
def test_every_sesnsp_state_name_resolves_to_its_code(states, fname):
    df = shared_csv(fname, usecols=["state_code", "state_name"]).drop_duplicates()
    assert len(df) == 32
    for row in df.itertuples():
        assert states.resolve(row.state_name) == row.state_code, row.state_name


def test_every_conapo_state_name_resolves_to_its_code(states):
    df = shared_csv("conapo2023_population_state_year_1990-2030.csv", usecols=["state_code", "state_name"])
    df = df.drop_duplicates()
    df = df[df.state_code != "00"]  # "Nacional" is the country, not a state
    assert len(df) == 32
    for row in df.itertuples():
        assert states.resolve(row.state_name) == row.state_code, row.state_name


def test_census_names_resolve(states):
    df = shared_csv("inegi_census2020_states.csv")
    for col in ["state_name", "state_name_official", "sesnsp_entity_name", "state_abbr", "state_abbr_official"]:
        for row in df.itertuples():
            assert states.resolve(getattr(row, col)) == row.state_code, (col, getattr(row, col))


def test_every_ucdp_adm1_resolves_to_the_state_its_events_lie_in(states):
    df = shared_csv("ucdp_ged_mexico_events_1989-2023.csv", usecols=["adm_1", "latitude", "longitude"])
    # blank adm_1: country-level or cross-state events ("Mexico", "Highway between ..."), not a state
    named = df[df.adm_1.str.strip() != ""]
    values = sorted(named.adm_1.unique())
    assert len(values) == 32
    from scoring.load.geo import state_polygons

    polys = state_polygons(str(GEOJSON))
    for value in values:
        code = states.resolve(value)
        assert code is not None, value
        pts = named.loc[named.adm_1 == value, ["latitude", "longitude"]].drop_duplicates()
        # nearest_state: coastal event points may lie just off the simplified outline
        found = [polys.nearest_state(float(la), float(lo)) for la, lo in pts.itertuples(index=False)]
        share = sum(s == code for s in found) / len(found)
        # a few events sit across a border from their adm_1 (outline generalisation); 2 of
        # Tlaxcala's 3 distinct points are inside it
        assert share > 0.6, (value, code, share)


# --------------------------------------------------------------------------- Gazetteer

def test_places_table(gaz):
    df = pd.read_csv(REF / "places.csv", dtype=str, keep_default_na=False)
    assert list(df.columns) == [
        "place_id", "name", "kind", "state_code", "cvegeo", "latitude", "longitude", "population", "source",
    ]
    assert df.place_id.is_unique
    assert list(df.place_id) == sorted(df.place_id)
    assert (df.kind == "municipality").sum() == 2469
    assert set(df.state_code) == set(CODES)
    assert df.cvegeo.str.fullmatch(r"\d{5}").all()
    assert (df.cvegeo.str[:2] == df.state_code).all()
    assert len(gaz) == len(df)
    assert (REF / "places.csv").stat().st_size < 600 * 1024


@pytest.mark.parametrize(
    "name, cvegeo",
    [("Celaya", "11007"), ("Irapuato", "11017"), ("Salamanca", "11027")],
)
def test_bajio_cities_by_population(gaz, name, cvegeo):
    # each name is both an INEGI municipality and a GeoNames locality in Guanajuato
    m = gaz.resolve(name)
    assert isinstance(m, PlaceMatch)
    assert (m.place_id, m.state_code, m.cvegeo, m.kind) == ("M" + cvegeo, "11", cvegeo, "municipality")
    assert "most populous" in m.reason and f"'{name}'" in m.reason
    assert len(gaz.candidates(name)) >= 2


@pytest.mark.parametrize("name", ["Celaya", "Irapuato", "Salamanca", "celaya", "IRAPUATO"])
def test_bajio_cities_by_state(gaz, name):
    m = gaz.resolve(name, state_code="11")
    assert m is not None and m.state_code == "11"
    assert "state 11 (from context)" in m.reason
    assert gaz.resolve(name, state_code=11).place_id == m.place_id  # int codes are padded
    # no Celaya in Jalisco: no guess
    assert gaz.resolve(name, state_code="14") is None


def test_ambiguous_name_across_states(gaz):
    # Guadalupe: Nuevo León (most populous), Zacatecas, Chihuahua, Puebla
    default = gaz.resolve("Guadalupe")
    assert default.state_code == "19"
    assert "most populous" in default.reason
    zac = gaz.resolve("Guadalupe", "32")
    assert (zac.state_code, zac.cvegeo) == ("32", "32017")
    assert "state 32 (from context)" in zac.reason
    only = gaz.resolve("Guadalupe", "08")
    assert (only.place_id, only.cvegeo) == ("M08028", "08028")
    assert "kept the one in state 08 (from context)" in only.reason


def test_ucdp_style_place_names(gaz):
    assert gaz.resolve("Culiacán town").cvegeo == "25006"
    assert gaz.resolve("Mexico city").state_code == "09"
    assert gaz.resolve("Ciudad Juárez").cvegeo == "08037"


@pytest.mark.parametrize("name", ["Atlantis", "", None, "Celay"])
def test_unknown_place_is_none(gaz, name):
    assert gaz.resolve(name) is None


def test_place_match_is_frozen(gaz):
    m = gaz.resolve("Celaya")
    with pytest.raises(AttributeError):
        m.name = "x"


# --------------------------------------------------------------------------- geometry

def _signed_area(ring) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring)) / 2


def test_geojson_states():
    assert GEOJSON.stat().st_size < 150 * 1024
    gj = json.loads(GEOJSON.read_text(encoding="utf-8"))
    feats = gj["features"]
    assert len(feats) == 32
    assert sorted(f["id"] for f in feats) == CODES
    codes = pd.read_csv(REF / "mx_state_codes.csv", dtype=str)
    iso = dict(zip(codes.cve_ent_inegi, codes.iso_3166_2))
    hasc = dict(zip(codes.cve_ent_inegi, codes.datamaps_id))
    for f in feats:
        assert f["properties"]["inegi"] == f["id"]
        assert f["properties"]["iso"] == iso[f["id"]]
        assert f["properties"]["hasc"] == hasc[f["id"]]
        assert f["properties"]["name"]
        g = f["geometry"]
        assert g["type"] in ("Polygon", "MultiPolygon")
        polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        for poly in polys:
            for i, ring in enumerate(poly):
                assert len(ring) >= 4 and ring[0] == ring[-1]
                a = _signed_area(ring)
                # plotly.js draws counter-clockwise outer rings inverted
                assert (a < 0) if i == 0 else (a > 0), (f["id"], i, a)
                assert all(-119 < x < -86 and 14 < y < 33 for x, y in ring)


# --------------------------------------------------------------------------- states.csv

def test_states_csv():
    df = pd.read_csv(REF / "states.csv", dtype=str, keep_default_na=False)
    assert list(df.columns) == [
        "state_code", "iso_3166_2", "hasc", "name_official", "name_common", "abbr",
        "capital", "capital_lat", "capital_lon", "pop_2020", "region",
    ]
    assert len(df) == 32
    assert list(df.state_code) == CODES
    assert df.pop_2020.astype(int).sum() == 126_014_024
    assert set(df.region) == {"northwest", "northeast", "west", "center", "south"}
    common = dict(zip(df.state_code, df.name_common))
    official = dict(zip(df.state_code, df.name_official))
    assert common["15"] == "Estado de México" and official["15"] == "México"
    assert common["30"] == "Veracruz" and official["30"] == "Veracruz de Ignacio de la Llave"
    assert common["09"] == official["09"] == "Ciudad de México"
    names = StateNames()
    for row in df.itertuples():
        for v in (row.name_official, row.name_common, row.abbr, row.iso_3166_2, row.hasc):
            assert names.resolve(v) == row.state_code, v
