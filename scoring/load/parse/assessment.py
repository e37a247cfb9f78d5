"""External assessments to compare with (never to score from): one level per state and assessor.

Columns: ``state`` (or ``state_code`` / ``state_name``: any known spelling), ``assessor``,
``as_of`` (YYYY-MM-DD), ``level`` and ``level_max`` (whole numbers, 1 <= level <= level_max
<= 10) and an optional ``level_name`` (the assessor's own words).
"""

from __future__ import annotations

import pandas as pd

from scoring.errors import FormatError
from scoring.load.names import StateNames
from scoring.load.parse.common import Parsed, header_key, rejects_from, resolve_states
from scoring.load.validate import date_out_of_range

COLUMNS = ["state_code", "assessor", "as_of", "level", "level_max", "level_name"]


def _whole(s: pd.Series) -> pd.Series:
    """Whole numbers as written ('4'); '4.5', '4e0' and blanks are NaN (rejected by the caller)."""
    return pd.to_numeric(s.where(s.str.fullmatch(r"\s*\d{1,3}\s*")), errors="coerce")


def parse_assessment(df: pd.DataFrame, *, names: StateNames, say) -> Parsed:
    keys = {header_key(c): c for c in df.columns if c != "_line"}
    state_col = next((keys[k] for k in ("state code", "state", "state name") if k in keys), None)
    need = {"assessor", "as of", "level", "level max"}
    if state_col is None or not need <= set(keys):
        raise FormatError("is not an assessment file: expected the columns state (or state_code, state_name), "
                          "assessor, as_of, level, level_max [, level_name]")
    code_col = keys.get("state code")
    name_col = keys.get("state name") or (keys.get("state") if code_col is None else None)
    state, why = resolve_states(df, code_col, name_col, names)
    rejects = rejects_from(df, state.eq(""), state_col, why)
    bad = state.eq("")
    when = pd.to_datetime(df[keys["as of"]], format="%Y-%m-%d", errors="coerce")
    when = when.where(when.dt.year >= 1)      # pandas 3 reads year 0, which no Python date holds
    m = ~bad & when.isna()
    rejects += rejects_from(df, m, keys["as of"], "date " + df[keys["as of"]].map(repr) + " is not YYYY-MM-DD")
    bad |= m
    span = date_out_of_range(when, df[keys["as of"]])       # before 1900 or more than a month ahead
    m = ~bad & span.ne("")
    rejects += rejects_from(df, m, keys["as of"], span)
    bad |= m
    assessor = df[keys["assessor"]].str.strip()
    m = ~bad & assessor.eq("")
    rejects += rejects_from(df, m, keys["assessor"], "the assessor is empty")
    bad |= m
    level, top = _whole(df[keys["level"]]), _whole(df[keys["level max"]])
    m = ~bad & (top.isna() | (top < 2) | (top > 10))
    rejects += rejects_from(df, m, keys["level max"],
                            "level_max " + df[keys["level max"]].map(repr) + " is not a whole number from 2 to 10")
    bad |= m
    m = ~bad & (level.isna() | (level < 1) | (level > top))
    rejects += rejects_from(df, m, keys["level"], "level " + df[keys["level"]].map(repr) + " is not a whole number "
                            "from 1 to level_max (" + df[keys["level max"]] + ")")
    bad |= m
    ok = ~bad
    out = pd.DataFrame({
        "state_code": state[ok], "assessor": assessor[ok], "as_of": when[ok].dt.date,
        "level": level[ok].astype("int64"), "level_max": top[ok].astype("int64"),
        "level_name": df.loc[ok, keys["level name"]].replace("", None) if "level name" in keys else None,
        "_line": df.loc[ok, "_line"],
    })
    dup = out.duplicated(["assessor", "as_of", "state_code"], keep="first")
    rejects += rejects_from(out, dup, state_col, "repeats a state already rated by this assessor on this date")
    out = out.loc[~dup].drop(columns="_line")
    say(f"read {len(df):,} assessment rows")
    release = f"{max(out['as_of']):%Y-%m}" if len(out) else None
    return Parsed("assessments", out[COLUMNS].reset_index(drop=True), rejects, len(df), release)
