"""INEGI homicides from death certificates by state and month: an independent count, held
against SESNSP's police files (never scored as an indicator; it feeds the under-count figure
and the optional under-count adjustment).

Columns: ``cve_ent`` (or ``state_code``), ``year``, ``month``, ``homicides``; other columns
(population estimates, rates) are ignored. The published file is pipe-separated: ``derive``
reads it as such.
"""

from __future__ import annotations

import pandas as pd

from scoring.errors import FormatError
from scoring.load.names import StateNames
from scoring.load.parse.common import (
    Parsed,
    after_current_month,
    count_problem,
    header_key,
    number,
    rejects_from,
    resolve_states,
    whole_in,
)

CRIME_TYPE = SUBTYPE = "Defunciones por homicidio (INEGI)"
MODALITY = "(all)"


def parse_inegi_deaths(df: pd.DataFrame, *, names: StateNames, say) -> Parsed:
    keys = {header_key(c): c for c in df.columns if c != "_line"}
    code = keys.get("cve ent") or keys.get("state code")
    if code is None or not {"year", "month", "homicides"} <= set(keys):
        raise FormatError("is not an INEGI homicide-deaths file: expected the columns cve_ent (or state_code), "
                          "year, month, homicides")
    state, why = resolve_states(df, code, None, names)
    year, month = whole_in(df[keys["year"]], 1990, 2100), whole_in(df[keys["month"]], 1, 12)
    value = number(df[keys["homicides"]])
    rejects = rejects_from(df, state.eq(""), code, why)
    bad = state.eq("")
    counted = count_problem(df[keys["homicides"]], value)
    for col, ok, text in ((keys["year"], year.notna(), df[keys["year"]].map(repr) + " is not a year"),
                          (keys["month"], month.notna(), df[keys["month"]].map(repr) + " is not a month 1-12"),
                          (keys["month"], ~after_current_month(year, month),
                           df[keys["year"]] + "-" + df[keys["month"]] + " is after the current month"),
                          (keys["homicides"], value.notna() & counted.eq(""),
                           counted.mask(counted.eq(""), df[keys["homicides"]].map(repr) + " is not a whole count"))):
        m = ~bad & ~ok.fillna(False)
        rejects += rejects_from(df, m, col, text)
        bad |= m
    ok = ~bad
    out = pd.DataFrame({"state_code": state[ok], "year": year[ok].astype("int64"), "month": month[ok].astype("int64"),
                        "crime_type": CRIME_TYPE, "subtype": SUBTYPE, "modality": MODALITY, "dataset": "inegi",
                        "series": "homicide_deaths", "value": value[ok], "_line": df.loc[ok, "_line"]})
    dup = out.duplicated(["state_code", "year", "month"], keep="first")
    rejects += rejects_from(out, dup, keys["month"], "repeats a state and month given earlier")
    out = out.loc[~dup].drop(columns="_line")
    release = f"{int(out['year'].max()):04d}-12" if len(out) else None
    say(f"read {len(df):,} INEGI rows")
    return Parsed("official_stats", out.reset_index(drop=True), rejects, len(df), release)
