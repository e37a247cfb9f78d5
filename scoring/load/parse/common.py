"""What every format parser shares: the :class:`Parsed` result and the row helpers.

A parser turns a user's file (already read as text, one ``_line`` per row) into normalised
rows for one table and a list of rejects, each with its line, field and reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scoring.load.names import StateNames, fold
from scoring.load.validate import Reject


@dataclass
class Parsed:
    """What a format parser returns: normalised rows for one table, and rejects."""

    table: str                        # official_stats | events | population
    rows: pd.DataFrame
    rejects: list[Reject] = field(default_factory=list)
    rows_read: int = 0
    release: str | None = None
    notes: list[str] = field(default_factory=list)
    new_sources: list[str] = field(default_factory=list)   # source ids an event file names that are not yet known



def header_key(s: str) -> str:
    """A header or category as a key: folded (no case, no accents), punctuation as spaces."""
    return fold(s, punctuation=True)


def rejects_from(df: pd.DataFrame, mask: pd.Series, field_name: str, reason) -> list[Reject]:
    if not mask.any():
        return []
    sub = df.loc[mask]
    if callable(reason):         # the reasons of the rejected rows only, built from them
        reason = reason(sub)
    reasons = reason[mask] if isinstance(reason, pd.Series) and len(reason) == len(mask) else (
        list(reason) if isinstance(reason, pd.Series) else [reason] * len(sub))
    cells = sub.drop(columns=[c for c in sub.columns if c.startswith("_")]).astype(object)
    # pandas 3 keeps missing values missing through astype(str): blank them first
    raw = cells.where(cells.notna(), "").astype(str).agg(",".join, axis=1)
    return [Reject(int(ln), field_name, str(r), w) for ln, r, w in zip(sub["_line"], reasons, raw)]


def one_per_line(rejects: list[Reject]) -> list[Reject]:
    """The first reject of each (line, field): a wide-layout line holds 12 month cells."""
    seen, out = set(), []
    for r in rejects:
        if (r.line, r.field) not in seen:
            seen.add((r.line, r.field))
            out.append(r)
    return out


def resolve_states(df: pd.DataFrame, code_col: str | None, name_col: str | None, names: StateNames):
    """INEGI code per row from a code column (padded or not) and/or a name column.

    Returns (codes Series with '' where unresolved, reason Series).
    """
    out = pd.Series("", index=df.index, dtype="str")
    reason = pd.Series("", index=df.index, dtype="str")
    if code_col is not None:
        raw = df[code_col].str.strip()
        num = pd.to_numeric(raw, errors="coerce")
        # digits only: '1e1' or '10.5' is not the code 10
        ok = raw.str.fullmatch(r"\d{1,2}") & num.notna() & (num >= 1) & (num <= 32)
        out = out.mask(ok, num.where(ok, 0).astype("int64").astype(str).str.zfill(2))
        reason = reason.mask(~ok, "state code " + raw.map(repr) + " is not an INEGI code 1-32")
    if name_col is not None:
        unique = df[name_col].unique()
        mapping = {n: names.resolve(n) for n in unique}
        by_name = df[name_col].map(mapping).fillna("")
        if code_col is None:
            out = by_name
            reason = pd.Series("", index=df.index, dtype="str").mask(
                by_name.eq(""), "state name " + df[name_col].map(repr) + " is not in data/reference/state_names.csv")
        else:
            # fill from the name where the code failed; flag a contradiction between the two
            fill = out.eq("") & by_name.ne("")
            out = out.mask(fill, by_name)
            reason = reason.mask(fill, "")
            unknown = out.eq("") & by_name.eq("") & df[name_col].ne("")
            reason = reason.mask(unknown, reason + "; state name " + df[name_col].map(repr)
                                 + " is not in data/reference/state_names.csv")
            clash = out.ne("") & by_name.ne("") & (out != by_name)
            reason = reason.mask(clash, "state code " + out + " and name " + df[name_col].map(repr) + " disagree")
            out = out.mask(clash, "")
    return out, reason


def number(s: pd.Series) -> pd.Series:
    """Counts as published: '1,045' and '1045' alike; '' is missing (NaN)."""
    cleaned = s.str.replace(",", "", regex=False).str.replace(" ", "", regex=False)
    num = pd.to_numeric(cleaned.where(cleaned.ne("")), errors="coerce").astype("float64")
    return num.where(np.isfinite(num))  # 'inf', 'nan', '1e999' are not counts (NaN -> rejected)


# The largest count one state-month cell of an official series can hold: the largest real one
# is a few thousand, so a million is a typo, a unit error or an attack, never a count.
OFFICIAL_COUNT_MAX = 1_000_000
WHOLE = r"\d+(\.0*)?"


def count_problem(raw: pd.Series, value: pd.Series, *, maximum: float = OFFICIAL_COUNT_MAX) -> pd.Series:
    """Per cell: '' for a blank or a whole count from 0 to ``maximum``, else the reason."""
    cleaned = raw.str.replace(",", "", regex=False).str.replace(" ", "", regex=False)
    given = cleaned.ne("")
    reason = pd.Series("", index=raw.index, dtype="str")
    notnum = given & (value.isna() | (value < 0) | ~cleaned.str.fullmatch(WHOLE))
    reason = reason.mask(notnum, "count " + raw.map(repr) + " is not a whole number >= 0")
    huge = given & ~notnum & (value > maximum)
    reason = reason.mask(huge, "count " + raw.map(repr) + f" is above {maximum:,} for one cell: not a plausible count")
    return reason


def whole_in(raw: pd.Series, low: int, high: int) -> pd.Series:
    """The value of an integer written as digits (a year, a month) within [low, high], else NaN."""
    s = raw.str.strip()
    num = pd.to_numeric(s.where(s.str.fullmatch(r"\d{1,4}")), errors="coerce")
    return num.where((num >= low) & (num <= high))


def after_current_month(year: pd.Series, month: pd.Series) -> pd.Series:
    """True where (year, month) is after the current month (a cell not published yet)."""
    from scoring.load.validate import current_month

    y, m = current_month()
    return (year > y) | ((year == y) & (month > m))
