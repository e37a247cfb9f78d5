"""Every table definition of the event store, in one place.

The build, the importers, the scoring queries and the tests all create tables from
:data:`TABLES`; nothing else issues ``CREATE TABLE``. Column comments say what a value
means when the name alone does not.
"""

from __future__ import annotations

# Controlled vocabularies. The events table checks against these; the seed and event
# files are validated against them before anything is written.
EVENT_TYPES: dict[str, str] = {
    "armed_clash": "Fighting between armed groups, or between a group and security forces",
    "killing": "Attack killing or wounding civilians, massacres included",
    "targeted_killing": "Killing of an official, candidate, judge, journalist or activist",
    "attack_on_security_forces": "Police, soldiers or guards attacked",
    "kidnapping": "Abduction, for ransom or otherwise",
    "disappearance": "Forced or unexplained disappearance",
    "body_discovery": "Bodies or clandestine graves found",
    "blockade_arson": "Road blockades, burned vehicles or businesses",
    "explosive_attack": "Explosives, drones, grenades or car bombs",
    "extortion": "Extortion, protection rackets, 'cobro de piso'",
    "seizure": "Seizure of drugs, weapons, money or fuel",
    "arrest_or_operation": "Arrests, raids and deployments",
    "migrant_incident": "Harm to migrants, smuggling incidents",
    "protest": "Protests and demonstrations",
    "other": "Anything else that bears on risk",
}
DATE_PRECISIONS = ("day", "week", "month", "year")
GEO_PRECISIONS = ("exact", "locality", "municipality", "state")
TARGET_CATEGORIES = (
    "civilians", "police", "military", "officials", "journalists", "migrants",
    "criminal_group", "business", "transport", "mixed", "unknown",
)
CONFIDENCE = ("high", "medium", "low")
CORRIDOR_KINDS = ("highway", "port_route", "border_crossing", "migrant_route", "trafficking_route")
SOURCE_KINDS = ("article", "dataset", "user_file")
# Where an event comes from: the article seeds, UCDP GED, ACLED, a user's file, the benchmarks'
# synthetic events.
ORIGINS = ("seed", "ucdp", "acled", "user", "synthetic")
STATE_CODES = tuple(f"{i:02d}" for i in range(1, 33))   # INEGI's codes of the 32 states
# The event tables' closed vocabularies as DuckDB ENUM types: stage 1 groups tens of millions of
# events by origin, state and type, and grouping on ENUM codes rather than strings took stage 1 at 10M
# events from 1.11 s to 1.00 s (docs/SCALE.md). Writers insert plain strings (DuckDB casts them; a
# value outside the list is an error, which the loaders' checks make unreachable); readers get strings
# back (``Store.query`` and ``queries.ConQuery.query`` turn pandas categoricals into strings).
TYPES: dict[str, tuple[str, ...]] = {
    "origin_t": ORIGINS,
    "state_t": STATE_CODES,
    "event_type_t": tuple(EVENT_TYPES),
}
# carpetas: SESNSP investigation files by crime row (with modality); victims: SESNSP victims;
# homologated: SESNSP carpetas by 2015-2025 subtype, continued across the 2026 catalogue;
# federal: SESNSP federal crimes (fuero federal); rnpdno: people missing (a stock, by date);
# inegi: homicides from death certificates (an independent count, for the under-count figure).
STAT_DATASETS = ("carpetas", "victims", "homologated", "federal", "rnpdno", "inegi")
# the cell of a statistic: one row of official_stats per key (no primary key; see the table)
OFFICIAL_KEY = ("dataset", "state_code", "year", "month", "crime_type", "subtype", "modality")

TABLES: dict[str, str] = {
    "states": """
        CREATE TABLE states (
            state_code VARCHAR PRIMARY KEY,      -- INEGI code, '01'..'32'
            iso_3166_2 VARCHAR NOT NULL UNIQUE,
            hasc VARCHAR NOT NULL UNIQUE,
            name_official VARCHAR NOT NULL,
            name_common VARCHAR NOT NULL,
            abbr VARCHAR,
            capital VARCHAR,
            capital_lat DOUBLE,
            capital_lon DOUBLE,
            pop_2020 BIGINT,                     -- INEGI Census 2020
            region VARCHAR
        )""",
    "state_names": """
        CREATE TABLE state_names (
            variant_norm VARCHAR PRIMARY KEY,    -- casefolded, accents stripped
            variant VARCHAR NOT NULL,
            state_code VARCHAR NOT NULL,
            source_note VARCHAR
        )""",
    "places": """
        CREATE TABLE places (
            place_id VARCHAR PRIMARY KEY,        -- 'M'+cvegeo or 'G'+GeoNames id
            name VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,               -- municipality | locality
            state_code VARCHAR NOT NULL,
            cvegeo VARCHAR,
            latitude DOUBLE,
            longitude DOUBLE,
            population BIGINT,
            source VARCHAR
        )""",
    "corridors": """
        CREATE TABLE corridors (
            corridor_id VARCHAR PRIMARY KEY,
            name VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            states VARCHAR[] NOT NULL,           -- INEGI codes in travel order
            why VARCHAR,
            length_km DOUBLE
        )""",
    "corridor_waypoints": """
        CREATE TABLE corridor_waypoints (
            corridor_id VARCHAR NOT NULL,
            seq INTEGER NOT NULL,
            name VARCHAR,
            latitude DOUBLE NOT NULL,
            longitude DOUBLE NOT NULL,
            PRIMARY KEY (corridor_id, seq)
        )""",
    "corridor_states": """
        CREATE TABLE corridor_states (
            corridor_id VARCHAR NOT NULL,
            state_code VARCHAR NOT NULL,
            length_km DOUBLE NOT NULL,           -- length of the line inside the state
            share DOUBLE NOT NULL,               -- length_km / corridor length
            PRIMARY KEY (corridor_id, state_code)
        )""",
    "sources": """
        CREATE TABLE sources (
            source_id VARCHAR PRIMARY KEY,       -- 'A000' (article), 'D:ucdp_ged' (dataset), ...
            kind VARCHAR NOT NULL,
            title VARCHAR NOT NULL,
            publisher VARCHAR,
            published VARCHAR,                   -- YYYY-MM-DD or YYYY-MM
            date_basis VARCHAR,
            licence VARCHAR,
            provenance VARCHAR,
            file VARCHAR,
            url VARCHAR
        )""",
    "event_types": """
        CREATE TABLE event_types (
            event_type VARCHAR PRIMARY KEY,
            description VARCHAR NOT NULL
        )""",
    "events": """
        CREATE TABLE events (
            -- one row per event_id, kept by the loaders (a file's ids are unique, a newer release
            -- of an id replaces the row, a built-in id is refused), not by a primary key: its
            -- index and event_sources' took 3.7 of 6 s to write a million events
            event_id VARCHAR NOT NULL,           -- 'S001' seed, 'UCDP-123', 'ACLED-MEX123', user ids
            origin origin_t NOT NULL,            -- seed | ucdp | acled | user | synthetic (ORIGINS)
            date DATE NOT NULL,
            date_precision VARCHAR NOT NULL,
            date_note VARCHAR,
            state_code state_t NOT NULL,
            municipality_code VARCHAR,           -- 5-digit cvegeo
            place VARCHAR,
            latitude DOUBLE,
            longitude DOUBLE,
            geo_precision VARCHAR NOT NULL,
            event_type event_type_t NOT NULL,
            fatalities INTEGER,                  -- NULL = unknown, not zero
            injured INTEGER,
            actors VARCHAR,                      -- ';'-separated canonical names
            target_category VARCHAR,
            corridor_id VARCHAR,
            source_id VARCHAR NOT NULL,          -- primary source; all sources in event_sources
            confidence VARCHAR,
            notes VARCHAR,
            alt_values VARCHAR,
            batch_id VARCHAR
        )""",
    "event_sources": """
        CREATE TABLE event_sources (
            event_id VARCHAR NOT NULL,
            source_id VARCHAR NOT NULL           -- one row per pair (see events)
        )""",
    "municipalities": """
        CREATE TABLE municipalities (
            cvegeo VARCHAR PRIMARY KEY,          -- 5-digit INEGI code
            state_code VARCHAR NOT NULL,
            name VARCHAR NOT NULL,
            pop_2020 BIGINT,                     -- INEGI Census 2020; NULL for the six created since
            seat_lat DOUBLE,
            seat_lon DOUBLE,
            note VARCHAR
        )""",
    "municipal_stats": """
        CREATE TABLE municipal_stats (
            cvegeo VARCHAR NOT NULL,             -- a municipality, or XX998/XX999 (not placed by the prosecutor)
            year SMALLINT NOT NULL,
            month TINYINT NOT NULL,
            series VARCHAR NOT NULL,             -- homicide | feminicide | extortion | kidnapping | drug_dealing
            value INTEGER NOT NULL,              -- carpetas; only non-zero cells are stored
            batch_id VARCHAR NOT NULL,
            PRIMARY KEY (cvegeo, year, month, series)
        )""",
    "municipal_coverage": """
        CREATE TABLE municipal_coverage (
            state_code VARCHAR PRIMARY KEY,      -- a state whose municipal series is complete ...
            first_month INTEGER NOT NULL,        -- ... from YYYYMM
            last_month INTEGER NOT NULL,         -- ... to YYYYMM: inside, an absent cell is 0; outside, missing
            source VARCHAR NOT NULL
        )""",
    "event_municipality": """
        CREATE TABLE event_municipality (
            -- one row per event, by construction (scoring/load/municipal.py); no key index: keeping an ART
            -- index over millions of string ids made placing a batch several times slower (docs/SCALE.md)
            event_id VARCHAR NOT NULL,
            cvegeo VARCHAR NOT NULL,
            method VARCHAR NOT NULL,             -- stated (the event names it) | point (its coordinates)
            -- the event's columns the indicators read, as in event_corridor (see there)
            origin origin_t,
            date DATE,
            event_type event_type_t,
            fatalities INTEGER,
            actors VARCHAR
        )""",
    "corridor_stretches": """
        CREATE TABLE corridor_stretches (
            corridor_id VARCHAR NOT NULL,
            seq INTEGER NOT NULL,                -- 1.. in travel order: waypoint seq to seq + 1
            from_name VARCHAR,
            to_name VARCHAR,
            length_km DOUBLE NOT NULL,
            lat0 DOUBLE NOT NULL, lon0 DOUBLE NOT NULL,   -- where it starts
            lat1 DOUBLE NOT NULL, lon1 DOUBLE NOT NULL,   -- and ends
            PRIMARY KEY (corridor_id, seq)
        )""",
    "stretch_municipality": """
        CREATE TABLE stretch_municipality (
            corridor_id VARCHAR NOT NULL,
            seq INTEGER NOT NULL,
            cvegeo VARCHAR NOT NULL,
            length_km DOUBLE NOT NULL,           -- length of the stretch inside the municipality
            PRIMARY KEY (corridor_id, seq, cvegeo)
        )""",
    "event_corridor": """
        CREATE TABLE event_corridor (
            event_id VARCHAR NOT NULL,
            corridor_id VARCHAR NOT NULL,
            distance_km DOUBLE NOT NULL,         -- to the nearest segment; kept up to MAX_BUFFER_KM
            -- the event's columns that the corridor indicators read (PLACED_COPIES), copied from events when
            -- the row is written (scoring/load/proximity.py): stage 1 then scans this table alone instead of
            -- joining it to events on a text key (10M events: 2.3 s -> 0.6 s for the sums; docs/SCALE.md)
            origin origin_t,
            date DATE,
            event_type event_type_t,
            fatalities INTEGER,
            actors VARCHAR
            -- one row per (event, corridor), by construction (scoring/load/proximity.py); no key index, for the
            -- reason given at event_municipality: re-placing 2M events took 49 s with it, 4.9 s without
        )""",
    "facts": """
        CREATE TABLE facts (
            fact_id VARCHAR PRIMARY KEY,
            article_ids VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            state_code VARCHAR,                  -- NULL = national
            period_start DATE,
            period_end DATE,
            metric VARCHAR NOT NULL,
            value DOUBLE,
            unit VARCHAR,
            notes VARCHAR
        )""",
    "crime_map": """
        CREATE TABLE crime_map (
            crime_type VARCHAR NOT NULL,
            subtype VARCHAR NOT NULL,
            modality VARCHAR NOT NULL,
            series VARCHAR NOT NULL,             -- the project's series id, e.g. 'homicide'
            PRIMARY KEY (crime_type, subtype, modality)
        )""",
    "official_stats": """
        CREATE TABLE official_stats (
            dataset VARCHAR NOT NULL,            -- see STAT_DATASETS
            state_code VARCHAR NOT NULL,
            year SMALLINT NOT NULL,
            month TINYINT NOT NULL,
            crime_type VARCHAR NOT NULL,
            subtype VARCHAR NOT NULL,
            modality VARCHAR NOT NULL,
            series VARCHAR,                      -- NULL = a crime row the mapping does not know
            value DOUBLE,                        -- NULL = not published (missing, not zero)
            value_male DOUBLE,
            value_female DOUBLE,
            release VARCHAR NOT NULL,            -- YYYY-MM of the publication
            batch_id VARCHAR NOT NULL
            -- one row per (dataset, state_code, year, month, crime_type, subtype, modality): kept
            -- by the loaders (parsers refuse a repeated cell, batch.write_rows replaces or keeps
            -- each cell and checks its stage; tests check the table after imports and removals),
            -- not by a primary key: its index made an official release's import 2 s slower
            -- (delete 0.22 s, insert 0.54 s, commit 1.38 s, against 0.05, 0.08 and 0 without)
        )""",
    "population": """
        CREATE TABLE population (
            state_code VARCHAR NOT NULL,
            year SMALLINT NOT NULL,
            pop_mid_year BIGINT NOT NULL,
            pop_start_of_year BIGINT,
            release VARCHAR NOT NULL,
            batch_id VARCHAR NOT NULL,
            PRIMARY KEY (state_code, year)
        )""",
    "assessments": """
        CREATE TABLE assessments (
            state_code VARCHAR NOT NULL,
            assessor VARCHAR NOT NULL,           -- e.g. 'US Department of State travel advisory'
            as_of DATE NOT NULL,                 -- the date of the assessment
            level SMALLINT NOT NULL,             -- 1 = lowest; never feeds a score
            level_max SMALLINT NOT NULL,         -- the assessor's top level (4 for the US advisory)
            level_name VARCHAR,                  -- the assessor's own words for the level
            batch_id VARCHAR NOT NULL,
            PRIMARY KEY (assessor, as_of, state_code)
        )""",
    "data_quality": """
        CREATE TABLE data_quality (
            dataset VARCHAR NOT NULL,            -- carpetas | victims | ucdp | ...
            state_code VARCHAR,                  -- NULL = every state
            year SMALLINT,
            month TINYINT,                       -- NULL = the whole year
            flag VARCHAR NOT NULL,               -- backfill | reporting_gap | suspect_zero | undercount ...
            note VARCHAR NOT NULL
        )""",
    "ingest_batches": """
        CREATE TABLE ingest_batches (
            batch_id VARCHAR PRIMARY KEY,
            loaded_at TIMESTAMP NOT NULL,
            file_name VARCHAR NOT NULL,
            checksum VARCHAR NOT NULL,           -- sha256 of the file's bytes
            format VARCHAR NOT NULL,
            release VARCHAR,
            rows_read INTEGER NOT NULL,
            rows_loaded INTEGER NOT NULL,
            rows_rejected INTEGER NOT NULL,
            rows_superseded INTEGER NOT NULL DEFAULT 0,
            note VARCHAR
        )""",
    "rejected_rows": """
        CREATE TABLE rejected_rows (
            batch_id VARCHAR NOT NULL,
            line INTEGER NOT NULL,               -- 1-based, the header is line 1
            field VARCHAR,
            reason VARCHAR NOT NULL,
            raw VARCHAR
        )""",
}

VIEWS: dict[str, str] = {
    # Which state-months have official figures, so scoring can say "no data" rather than "no risk".
    "coverage": """
        CREATE VIEW coverage AS
        SELECT dataset, state_code, year, month,
               count(*) AS cells,
               count(value) AS cells_with_value,
               sum(value) AS total
        FROM official_stats
        WHERE series IS NOT NULL
        GROUP BY ALL""",
}


# Rows a newer batch replaced are kept, with the id of the batch that replaced them, so that
# removing that batch puts them back exactly (scoring.load.batch.remove_batch).
REPLACEABLE = ("official_stats", "population", "events", "event_sources", "assessments")
for _name in REPLACEABLE:
    TABLES[f"replaced_{_name}"] = (f"CREATE TABLE replaced_{_name} AS "
                                   f"SELECT *, CAST(NULL AS VARCHAR) AS replaced_by FROM {_name} LIMIT 0")


# Tables that place events (one row per event and corridor or municipality) and the columns of
# ``events`` each row carries, so that the indicators per corridor and municipality scan them alone.
PLACEMENTS = ("event_corridor", "event_municipality")
PLACED_COPIES = ("origin", "date", "event_type", "fatalities", "actors")


def has_placed_copies(db, table: str) -> bool:
    """Whether ``table`` (one of :data:`PLACEMENTS`) holds the copied event columns: a database
    written before them does not until its next write (:func:`upgrade_placement`). ``db`` is a
    DuckDB connection or has ``query(sql, params)``."""
    sql = "SELECT count(*) AS n FROM duckdb_columns() WHERE table_name = ? AND list_contains(?, column_name)"
    params = [table, list(PLACED_COPIES)]
    n = db.query(sql, params)["n"].iloc[0] if hasattr(db, "query") else db.execute(sql, params).fetchone()[0]
    return int(n) == len(PLACED_COPIES)


def upgrade_placement(con, table: str) -> bool:
    """Rewrite ``table`` (one of :data:`PLACEMENTS`) written before it held the copied event
    columns, with them; in the caller's transaction. True when it changed the table."""
    have = [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                                      "ORDER BY column_index", [table]).fetchall()]
    if not have or all(c in have for c in PLACED_COPIES):
        return False
    # rewritten whole, not ALTER + UPDATE: an UPDATE of 12M rows ran for more than ten minutes
    create_types(con)      # a database this old has none of them
    con.execute(TABLES[table].replace(f"CREATE TABLE {table}", f"CREATE TABLE {table}_upgraded"))
    own = ", ".join(f"p.{c}" for c in have)
    copied = ", ".join(f"e.{c}" for c in PLACED_COPIES)
    con.execute(f"""INSERT INTO {table}_upgraded ({", ".join(have)}, {", ".join(PLACED_COPIES)})
                    SELECT {own}, {copied} FROM {table} p JOIN events e USING (event_id)""")
    con.execute(f"DROP TABLE {table}")
    con.execute(f"ALTER TABLE {table}_upgraded RENAME TO {table}")
    return True


def create_types(con) -> None:
    """Create the ENUM types of :data:`TYPES` that the database does not have yet."""
    for name, values in TYPES.items():
        con.execute(f"CREATE TYPE IF NOT EXISTS {name} AS ENUM ({', '.join(repr(v) for v in values)})")


def create_all(con) -> None:
    """Create every type, table and view on a DuckDB connection (an empty database)."""
    create_types(con)
    for ddl in TABLES.values():
        con.execute(ddl)
    for ddl in VIEWS.values():
        con.execute(ddl)
    con.executemany(
        "INSERT INTO event_types VALUES (?, ?)", [list(kv) for kv in EVENT_TYPES.items()]
    )


def plain(df):
    """``df`` with its categorical columns (what DuckDB returns for an ENUM column) as the strings
    a VARCHAR column gives: the same frame whichever way the database stores them."""
    for c in df.columns[[str(t) == "category" for t in df.dtypes]]:
        df[c] = df[c].astype("str")
    return df
