"""Known traps in the official data, made visible as rows of ``data_quality``.

Scoring reads these flags: a month flagged ``reporting_gap`` (or a series month flagged
``suspect_zero``) counts as *missing*, never as zero risk. Thresholds are constants with
the reason for each value.
"""

from __future__ import annotations

# A state whose tracked crimes usually number in the dozens a month does not really have
# a month with none: below this median, a zero month is plausible (small states).
GAP_MEDIAN_MIN = 50
# Homicide: a zero month is suspicious only where the year's mean is at least this.
HOMICIDE_MEAN_MIN = 8.0
# A month under this share of the state's median of the surrounding year is a drop to check.
DROP_SHARE = 0.5

STATIC_FLAGS = [
    ("carpetas", "backfill", "2015-2017 were back-filled by the states under the 2018 catalogue; less reliable"),
    ("victims", "backfill", "2015-2017 were back-filled by the states under the 2018 catalogue; less reliable"),
]


def flag_all(con) -> int:
    con.execute("DELETE FROM data_quality")
    for dataset, flag, note in STATIC_FLAGS:
        con.execute("""INSERT INTO data_quality
            SELECT DISTINCT ?, NULL, year, NULL, ?, ? FROM official_stats
            WHERE dataset = ? AND year BETWEEN 2015 AND 2017""", [dataset, flag, note, dataset])
    # Whole-month gaps: every tracked crime is zero in a state that normally reports many.
    con.execute(f"""
        INSERT INTO data_quality
        WITH m AS (
            SELECT dataset, state_code, year, month, sum(value) AS total
            FROM official_stats WHERE series IS NOT NULL AND value IS NOT NULL GROUP BY ALL),
        med AS (SELECT dataset, state_code, median(total) AS med FROM m GROUP BY ALL)
        SELECT m.dataset, m.state_code, m.year, m.month, 'reporting_gap',
               'every tracked crime is 0 this month although the state''s median month has '
               || CAST(round(med.med) AS INTEGER) || '; treated as missing'
        FROM m JOIN med USING (dataset, state_code)
        WHERE m.total = 0 AND med.med >= {GAP_MEDIAN_MIN}""")
    # Homicide zeros where the same year's other months average several killings.
    con.execute(f"""
        INSERT INTO data_quality
        WITH h AS (
            SELECT dataset, state_code, year, month, sum(value) AS v
            FROM official_stats WHERE series = 'homicide' AND value IS NOT NULL GROUP BY ALL),
        y AS (SELECT dataset, state_code, year, avg(v) AS mean FROM h GROUP BY ALL)
        SELECT h.dataset, h.state_code, h.year, h.month, 'suspect_zero',
               'homicide is 0 in a year averaging ' || round(y.mean, 1) || ' a month; treated as missing'
        FROM h JOIN y USING (dataset, state_code, year)
        WHERE h.v = 0 AND y.mean >= {HOMICIDE_MEAN_MIN}
          AND NOT EXISTS (SELECT 1 FROM data_quality q WHERE q.flag = 'reporting_gap' AND q.dataset = h.dataset
                          AND q.state_code = h.state_code AND q.year = h.year AND q.month = h.month)""")
    # Sudden drops (kept as a warning; the values stay in use).
    con.execute(f"""
        INSERT INTO data_quality
        WITH m AS (
            SELECT state_code, make_date(year, month, 1) AS d, year, month, sum(value) AS total
            FROM official_stats WHERE dataset = 'carpetas' AND series IS NOT NULL AND value IS NOT NULL GROUP BY ALL),
        w AS (SELECT *, median(total) OVER (PARTITION BY state_code ORDER BY d
                        ROWS BETWEEN 6 PRECEDING AND 6 FOLLOWING) AS local_med FROM m)
        SELECT 'carpetas', state_code, year, month, 'sudden_drop',
               'total ' || CAST(total AS INTEGER) || ' is under ' || CAST({DROP_SHARE} * 100 AS INTEGER)
               || '% of the surrounding year''s median (' || CAST(local_med AS INTEGER) || '); check the release'
        FROM w WHERE total > 0 AND total < {DROP_SHARE} * local_med""")
    con.execute("""INSERT INTO data_quality VALUES ('ucdp', NULL, NULL, NULL, 'undercount',
        'UCDP counts only deaths attributed to identified organised actors: a fraction of SESNSP homicides '
        || '(2021: about 17,000 vs about 33,000 victims), uneven across states; used for patterns, not totals')""")
    # The January 2026 catalogue: the detailed rows change; the homologated series carries on.
    con.execute("""INSERT INTO data_quality
        SELECT DISTINCT 'carpetas', NULL, year, NULL, 'catalogue_break',
               'from January 2026 SESNSP publishes the RNID catalogue (114 rows a state, 79 subtypes, against 98 '
               || 'and 55): detailed rows do not continue 2025; the homologated series sums them under SESNSP''s '
               || 'comparability rules'
        FROM official_stats WHERE dataset = 'carpetas' AND year >= 2026""")
    con.execute("""INSERT INTO data_quality VALUES ('carpetas', NULL, NULL, NULL, 'unit',
        'carpetas count investigation files, not victims: one carpeta can have several victims')""")
    return con.execute("SELECT count(*) FROM data_quality").fetchall()[0][0]
