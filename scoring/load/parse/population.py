"""CONAPO population by state and year (the "Total" sex rows; national rows dropped)."""

from __future__ import annotations

import pandas as pd

from scoring.errors import FormatError
from scoring.load.names import StateNames
from scoring.load.parse.common import Parsed, header_key, rejects_from, resolve_states
from scoring.load.validate import Field, check_frame

# No state comes near this (the largest has under 20 million people).
POPULATION_MAX = 100_000_000


def parse_population(df: pd.DataFrame, *, names: StateNames, say) -> Parsed:
    keys = {header_key(c): c for c in df.columns if c != "_line"}
    if "year" not in keys or "pop mid year" not in keys:
        raise FormatError("is not a CONAPO population file: expected columns year, state_code or state_name, "
                          "sex, pop_start_of_year, pop_mid_year")
    sub = df
    if "sex" in keys:
        sex = df[keys["sex"]].map(header_key)
        sub = df.loc[sex.isin(["total", "ambos sexos", "both"])]
    sub = sub.copy()
    has_code, has_name = "state code" in keys, "state name" in keys
    if not (has_code or has_name):
        raise FormatError("is not a CONAPO population file: it needs a state_code or state_name column")
    national = sub[keys["state code"]].isin(["00", "0"]) if has_code else sub[keys["state name"]].map(header_key).isin(["nacional", "republica mexicana"])
    sub = sub.loc[~national]
    state, why = resolve_states(sub, keys["state code"] if has_code else None, keys["state name"] if has_name else None, names)
    fields = [Field(keys["year"], "int", required=True, min=1950, max=2100),
              Field(keys["pop mid year"], "int", required=True, min=1, max=POPULATION_MAX)]
    if "pop start of year" in keys:
        fields.append(Field(keys["pop start of year"], "int", min=1, max=POPULATION_MAX))
    checked = check_frame(sub.assign(_state=state), fields)
    # one reject per row: a row already refused for its year or population is not counted again
    bad_state = state.eq("") & ~sub["_line"].isin({r.line for r in checked.rejects})
    rejects = checked.rejects + rejects_from(sub, bad_state, keys["state code" if has_code else "state name"], why)
    rows = checked.rows
    rows["state_code"] = sub.set_index("_line").loc[rows["_line"], :].index.map(dict(zip(sub["_line"], state)))
    rows = rows.loc[rows["state_code"].ne("")]
    out = pd.DataFrame({
        "state_code": rows["state_code"].values, "year": rows[keys["year"]].values,
        "pop_mid_year": rows[keys["pop mid year"]].values,
        "pop_start_of_year": rows[keys["pop start of year"]].values if "pop start of year" in keys else pd.NA,
        "_line": rows["_line"].values,
    })
    dup = out.duplicated(["state_code", "year"], keep="first")
    rejects += rejects_from(out, dup, "year", "repeats a state and year given earlier")
    out = out.loc[~dup].drop(columns="_line")
    say(f"read {len(df):,} population rows")
    return Parsed("population", out.reset_index(drop=True), rejects, len(df), None)
