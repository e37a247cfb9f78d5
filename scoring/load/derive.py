"""``python -m scoring derive``: regenerate the compact default tables in ``data/derived``.

The original files stay in ``../shared/data`` (never copied). This command runs the
project's own importers over them into a scratch database, then writes compact,
gzip-compressed tables and a provenance record (source, publisher, licence, release,
derivation, checksums) that ``build`` loads and shows.

Which series are kept, and why: the crime rows mapped in
``data/reference/sesnsp_crime_map.csv`` (homicide and feminicide, intentional injuries,
kidnapping, extortion, human trafficking, deprivation of liberty, drug dealing, violent
robbery including cargo, transport and vehicle theft): the offences the Mexico Peace
Index and corporate security teams use as signals of organised-crime violence. Other
offences (fraud, family violence, property damage ...) are not in the tidy source file.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

from scoring import paths
from scoring.db import schema, store
from scoring.errors import FormatError
from scoring.load import ingest
from scoring.load.derived import OUT, TABLES
from scoring.load.reference import load_reference

SOURCES = {
    "sesnsp_carpetas": {
        "file": "sesnsp_carpetas_state_month_2015-01_2024-11.csv", "format": "sesnsp", "release": "2024-12",
        "title": "SESNSP Incidencia delictiva del fuero común (nueva metodología), state level: carpetas",
        "publisher": "Secretariado Ejecutivo del Sistema Nacional de Seguridad Pública (SESNSP)",
        "licence": "Términos de Libre Uso MX (datos.gob.mx); mirror lapanquecita/incidencia-delictiva (MIT)",
        "unit": "carpetas de investigación (investigation files) opened, per state and month",
    },
    "sesnsp_victims": {
        "file": "sesnsp_victims_state_month_2015-01_2025-06.csv", "format": "sesnsp-victims", "release": "2025-07",
        "title": "SESNSP Víctimas del fuero común (nueva metodología), state level",
        "publisher": "Secretariado Ejecutivo del Sistema Nacional de Seguridad Pública (SESNSP)",
        "licence": "Términos de Libre Uso MX (datos.gob.mx); mirror isaacarroyov/datos_facil_acceso",
        "unit": "victims per state and month",
    },
    "sesnsp_homologated": {
        "file": "sesnsp_state_month_homologated_2015-01_2026-07.csv", "format": "sesnsp-homologated",
        "release": "2026-08",
        "title": "SESNSP Incidencia delictiva del fuero común, state level, by 2015-2025 subtype, "
                 "homologated across the January 2026 catalogue change (carpetas)",
        "publisher": "Secretariado Ejecutivo del Sistema Nacional de Seguridad Pública (SESNSP); series "
                     "assembled by 45DigitalNoticias/Inseguridad-Mexico (July 2026 cut)",
        "licence": "SESNSP open data (Términos de Libre Uso MX); the assembling repository declares no licence",
        "unit": "carpetas de investigación per state, month and subtype (no modality)",
    },
    "sesnsp_federal": {
        "file": "sesnsp_federal_state_month_2012-01_2025-07_latin1.csv", "format": "sesnsp-federal",
        "release": "2025-08",
        "title": "SESNSP Incidencia delictiva del fuero federal, state level (drug, organised-crime and firearms "
                 "crimes kept)",
        "publisher": "Secretariado Ejecutivo del Sistema Nacional de Seguridad Pública (SESNSP); copy of "
                     "IDEFF_jul25.csv from sebrodriguezh/Cifras-de-Incidencia-Delictiva-Federal-2012---2025",
        "licence": "SESNSP open data (Términos de Libre Uso MX); the copying repository declares no licence",
        "unit": "federal crimes (carpetas) per state and month",
    },
    "rnpdno_missing": {
        "file": "rnpdno_missing_persons_by_state_2026-06-03.csv", "format": "rnpdno", "release": "2026-06",
        "title": "RNPDNO: people disappeared or not located and still missing, by state, as of 2026-06-03",
        "publisher": "Comisión Nacional de Búsqueda (RNPDNO); extracted by 45DigitalNoticias/Inseguridad-Mexico",
        "licence": "Mexican government open data; the extracting repository declares no licence",
        "unit": "people (a stock on one date, not a monthly flow)",
    },
    "inegi_deaths": {
        "file": "inegi_homicide_deaths_state_month_2000-2022.csv", "format": "inegi-deaths", "release": "2023-12",
        "title": "INEGI homicides from death certificates (estadísticas vitales), by state and month, 2000-2022",
        "publisher": "INEGI; compiled by Gargiulo, Aburto & Floridi (2024), thegargiulian/mexico-homicide-rates",
        "licence": "CC BY 4.0 (cite Gargiulo, Aburto & Floridi 2024, OSF doi:10.17605/OSF.IO/U8DC3); data: INEGI",
        "unit": "homicide deaths per state and month (by state of occurrence)",
        "delimiter": "|",
    },
    "population": {
        "file": "conapo2023_population_state_year_1990-2030.csv", "format": "population", "release": "2023-01",
        "title": "CONAPO 2023 Conciliación demográfica 1950-2019 y proyecciones 2020-2070, by state and year",
        "publisher": "Consejo Nacional de Población (CONAPO)",
        "licence": "Términos de Libre Uso MX (datos.gob.mx); mirror isaacarroyov/datos_facil_acceso",
        "unit": "people (mid-year and start of year, both sexes)",
    },
    "ucdp_ged": {
        "file": "ucdp_ged_mexico_events_1989-2023.csv", "format": "ucdp", "release": "2024-01",
        "title": "UCDP Georeferenced Event Dataset (GED), Mexico rows 1989-2023",
        "publisher": "Uppsala Conflict Data Program; cite Sundberg & Melander (2013), JPR 50(4); Davies, Pettersson & Öberg",
        "licence": "CC BY 4.0",
        "unit": "events of lethal organised violence with best/low/high death estimates",
    },
}

def _as_comma_csv(path: Path, delimiter: str, folder: Path) -> Path:
    """A copy of a file with another delimiter, as the comma-separated CSV the importers read."""
    import csv

    out = folder / (path.stem + ".comma.csv")
    with open(path, encoding="utf-8", newline="") as src, open(out, "w", encoding="utf-8", newline="") as dst:
        csv.writer(dst, lineterminator="\n").writerows(csv.reader(src, delimiter=delimiter))
    return out


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def derive(shared: Path | None = None, out: Path | None = None, say=print) -> dict:
    shared = Path(shared or paths.SHARED_DATA)
    out = Path(out or paths.DERIVED)
    if not shared.exists():
        raise FormatError(f"{shared}: the original data folder is missing; pass --shared PATH")
    out.mkdir(parents=True, exist_ok=True)
    record = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "scratch.duckdb"

        # reference data only: the scratch database needs states, names and the crime map
        store.build_atomically(db, lambda con: load_reference(con, full=False))
        con = store.connect(db)
        try:
            for name, meta in SOURCES.items():
                src = shared / meta["file"]
                if not src.is_file():
                    raise FormatError(f"{src}: missing from the original data folder")
                readable = _as_comma_csv(src, meta["delimiter"], Path(tmp)) if "delimiter" in meta else src
                res = ingest.ingest(readable, meta["format"], con=con, release=meta["release"], say=say)
                say(res.summary())
                record[name] = {**meta, "source_sha256": sha256(src), "rows_read": res.rows_read,
                                "rows_loaded": res.loaded, "rows_rejected": res.rejected, "derived_file": OUT[name]}
            derived_rows = _export(con, out)
        finally:
            con.close()
    # the outlines go beside data/derived: data/geo for the project, a scratch folder's geo/ otherwise
    record.update(_derive_municipal(shared, out, say, paths.GEO if out.resolve() == paths.DERIVED.resolve()
                                    else out.parent / "geo"))
    for name, meta in record.items():
        meta["derived_sha256"] = sha256(out / OUT[name])
        meta["rows_derived"] = derived_rows.get(name, meta["rows_loaded"])
        meta["derivation"] = DERIVATION[name]
    (out / "provenance.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return record


MUNICIPAL_META = {
    "municipalities": {
        "file": "inegi_municipalities_2020.csv", "format": "inegi-municipalities", "release": "2021-01",
        "title": "INEGI Censo de Población y Vivienda 2020: municipalities, population and seat coordinates; "
                 "the six municipalities created since, from INEGI's current frame (geo/mx_municipios.geojson)",
        "publisher": "INEGI; compiled by diegovalle/mxmaps (BSD-3-Clause)",
        "licence": "Términos de Libre Uso de la Información del INEGI; compilation BSD-3-Clause",
        "unit": "people (census 2020) per municipality",
    },
    "sesnsp_municipal": {
        "file": "sesnsp_municipal_month_2016-01_2026-07.csv.gz", "format": "sesnsp-municipal", "release": "2026-08",
        "title": "SESNSP Incidencia delictiva del fuero común, municipal level (homicide, feminicide, extortion, "
                 "kidnapping, drug dealing), 2016-01 to 2026-07",
        "publisher": "Secretariado Ejecutivo del Sistema Nacional de Seguridad Pública (SESNSP); series assembled "
                     "by 45DigitalNoticias/Inseguridad-Mexico (series_mun, July 2026 cut)",
        "licence": "SESNSP open data (Términos de Libre Uso MX); the assembling repository declares no licence",
        "unit": "carpetas de investigación per municipality and month (non-zero cells; zeros implied by coverage)",
    },
    "sesnsp_municipal_coverage": {
        "file": "sesnsp_municipal_month_2016-01_2026-07.csv.gz", "format": "sesnsp-municipal", "release": "2026-08",
        "title": "Which states' municipal series are complete, and for which months",
        "publisher": "derived here from the municipal series' own extent",
        "licence": "as the municipal series",
        "unit": "states with a complete municipal series (first and last month)",
    },
}


def _derive_municipal(shared: Path, out: Path, say, geo_out: Path) -> dict:
    """Municipalities, their monthly series and their outlines (``scoring.load.municipal``)."""
    import csv as _csv

    from scoring.load import municipal

    with open(paths.REFERENCE / "states.csv", encoding="utf-8", newline="") as f:
        codes = [r["state_code"] for r in _csv.DictReader(f)]
    d = municipal.derive(shared, codes)
    for note in d.notes:
        say(note)
    rows = municipal.write(d, out, geo_out)
    census = sha256(shared / "inegi_municipalities_2020.csv")
    digests = {"municipalities": census, "sesnsp_municipal": d.series_digest,
               "sesnsp_municipal_coverage": d.series_digest}
    extra = "; states read from saved smun_XX.js pages: " + ", ".join(
        r.state_code for r in d.coverage.itertuples() if "smun_" in r.source) if (
        d.coverage["source"].str.contains("smun_").any()) else ""
    rec = {}
    for name, meta in MUNICIPAL_META.items():
        rec[name] = {**meta, "source_sha256": digests[name], "rows_read": rows[name],
                     "rows_loaded": rows[name], "rows_rejected": 0, "derived_file": OUT[name],
                     "notes": d.notes}
        if name != "municipalities":
            rec[name]["title"] += extra
    say(f"municipal outlines: {len(d.geojson['features']):,} -> {geo_out / municipal.GEOJSON_OUT}")
    return rec


DERIVATION = {
    "municipalities": "scoring.load.municipal: census rows kept as they are (cvegeo, population, seat); the "
                      "municipalities absent from the census added from the outlines, without population",
    "sesnsp_municipal": "scoring.load.municipal: crimes hd, feminicidio, extorsion, secuestro, narcomenudeo mapped "
                        "to the registry's series; non-zero cells kept; 'no especificado' rows (x998, x999) kept",
    "sesnsp_municipal_coverage": "scoring.load.municipal: first and last month of each state's municipal series",
    "sesnsp_carpetas": "python -m scoring ingest --format sesnsp (tidy layout); rows mapped in "
                       "data/reference/sesnsp_crime_map.csv kept; one row per state, month and official crime row",
    "sesnsp_victims": "python -m scoring ingest --format sesnsp-victims (tidy layout); totals and male/female counts",
    "sesnsp_homologated": "python -m scoring ingest --format sesnsp-homologated; subtypes mapped in "
                          "data/reference/sesnsp_crime_map.csv (crime type '(homologated)') kept",
    "sesnsp_federal": "python -m scoring ingest --format sesnsp-federal (official wide layout, Latin-1); rows mapped "
                      "in data/reference/sesnsp_crime_map.csv kept (federal drug crimes, organised-crime law, "
                      "firearms law)",
    "rnpdno_missing": "python -m scoring ingest --format rnpdno; active_total per state on the as_of date",
    "inegi_deaths": "python -m scoring ingest --format inegi-deaths (the pipe-separated file read as CSV); "
                    "state, year, month and homicides kept",
    "population": "python -m scoring ingest --format population; sex = Total rows, national rows dropped",
    "ucdp_ged": "python -m scoring ingest --format ucdp; adm_1 resolved to INEGI codes through "
                "data/reference/state_names.csv; mapped to the project's events columns",
}


# Which rows of the scratch database each derived table keeps, in what order (its columns
# are those of scoring.load.derived.TABLES).
_EXPORTS = {
    "sesnsp_carpetas": ("official_stats", "dataset = 'carpetas' AND series IS NOT NULL", "ALL"),
    "sesnsp_victims": ("official_stats", "dataset = 'victims' AND series IS NOT NULL", "ALL"),
    "sesnsp_homologated": ("official_stats", "dataset = 'homologated' AND series IS NOT NULL", "ALL"),
    "sesnsp_federal": ("official_stats", "dataset = 'federal' AND series IS NOT NULL", "ALL"),
    "rnpdno_missing": ("official_stats", "dataset = 'rnpdno' AND series IS NOT NULL", "ALL"),
    "inegi_deaths": ("official_stats", "dataset = 'inegi' AND series IS NOT NULL", "ALL"),
    "population": ("population", "true", "ALL"),
    "ucdp_ged": ("events", "origin = 'ucdp'", "date, event_id"),
}


def _export(con, out: Path) -> dict[str, int]:
    """Write each derived table; return its row count."""
    rows = {}
    for name, (table, where, order) in _EXPORTS.items():
        file, columns = TABLES[name]
        df = con.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE {where} ORDER BY {order}").df()
        df = schema.plain(df)
        path = out / file
        if file.endswith(".gz"):
            df.to_csv(path, index=False, compression={"method": "gzip", "mtime": 0})
        else:
            df.to_csv(path, index=False)
        rows[name] = len(df)
    return rows
