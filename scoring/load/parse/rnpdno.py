"""People missing by state (RNPDNO): a stock counted on one date, not a monthly flow.

Columns: ``state_code`` or ``state_name``, ``as_of`` (YYYY-MM-DD) and ``active_total``
(disappeared + not located). Each row becomes one ``official_stats`` cell of the dataset
``rnpdno`` in the month of ``as_of``, series ``missing_persons`` through the crime map.
"""

from __future__ import annotations

import pandas as pd

from scoring.errors import FormatError
from scoring.load.names import StateNames
from scoring.load.parse.common import Parsed, count_problem, header_key, number, rejects_from, resolve_states
from scoring.load.validate import date_out_of_range

CRIME_TYPE = "Personas desaparecidas y no localizadas"
SUBTYPE = "Registro activo (desaparecidas + no localizadas)"
MODALITY = "(total)"


def parse_rnpdno(df: pd.DataFrame, *, names: StateNames, say) -> Parsed:
    keys = {header_key(c): c for c in df.columns if c != "_line"}
    if not ({"as of", "active total"} <= set(keys) and {"state code", "state name"} & set(keys)):
        raise FormatError("is not an RNPDNO file: expected the columns state_code (or state_name), as_of, "
                          "active_total")
    state, why = resolve_states(df, keys.get("state code"), keys.get("state name"), names)
    when = pd.to_datetime(df[keys["as of"]], format="%Y-%m-%d", errors="coerce")
    value = number(df[keys["active total"]])
    rejects = rejects_from(df, state.eq(""), keys.get("state code") or keys["state name"], why)
    bad_date = state.ne("") & when.isna()
    rejects += rejects_from(df, bad_date, keys["as of"], "date " + df[keys["as of"]].map(repr) + " is not YYYY-MM-DD")
    # a stock counted on a date: never a date after today
    late = when.notna() & (when > pd.Timestamp.today().normalize())
    span = date_out_of_range(when, df[keys["as of"]])
    span = span.mask(late & span.eq(""), "date " + df[keys["as of"]].map(repr) + " is after today")
    out_of_range = state.ne("") & ~bad_date & span.ne("")
    rejects += rejects_from(df, out_of_range, keys["as of"], span)
    bad_date = bad_date | out_of_range
    why = count_problem(df[keys["active total"]], value)
    bad_value = state.ne("") & ~bad_date & (value.isna() | why.ne(""))
    rejects += rejects_from(df, bad_value, keys["active total"],
                            why.mask(why.eq(""), "count " + df[keys["active total"]].map(repr) + " is missing"))
    ok = state.ne("") & ~bad_date & ~bad_value
    out = pd.DataFrame({
        "state_code": state[ok], "year": when[ok].dt.year.astype("int64"), "month": when[ok].dt.month.astype("int64"),
        "crime_type": CRIME_TYPE, "subtype": SUBTYPE, "modality": MODALITY, "dataset": "rnpdno",
        "series": "missing_persons", "value": value[ok], "_line": df.loc[ok, "_line"],
    })
    dup = out.duplicated(["state_code", "year", "month"], keep="first")
    rejects += rejects_from(out, dup, keys["as of"], "repeats a state and date given earlier")
    out = out.loc[~dup].drop(columns="_line")
    release = f"{when[ok].max():%Y-%m}" if ok.any() else None
    say(f"read {len(df):,} RNPDNO rows")
    cols = ["state_code", "year", "month", "crime_type", "subtype", "modality", "dataset", "series", "value"]
    return Parsed("official_stats", out[cols].reset_index(drop=True), rejects, len(df), release)
