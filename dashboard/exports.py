"""Every CSV the pages offer goes through :func:`to_csv`: cells of text that a spreadsheet
would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return)
get a leading single quote (OWASP's "CSV injection" recipe). Numbers are left as numbers
(a negative change stays -0.42), and INEGI codes stay text ("01", never 1): they are
written as they are, with their leading zero.
"""

from __future__ import annotations

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """``value`` with a leading ``'`` when it is text that starts like a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells (and column names and index labels) are neutralised."""
    out = df.copy()
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_datetime64_any_dtype(out[col])
                or pd.api.types.is_bool_dtype(out[col])):
            out[col] = out[col].map(neutralise)
    out.columns = [neutralise(c) for c in out.columns]
    if not pd.api.types.is_numeric_dtype(out.index):
        out.index = out.index.map(neutralise)
    return out


def to_csv(df: pd.DataFrame, *, index: bool = False) -> str:
    """``df`` as CSV text, safe to open in a spreadsheet."""
    # CRLF rows (RFC 4180): the csv writer then quotes every cell holding a \r or a \n, so a
    # stray carriage return in a note cannot start a new row in a spreadsheet
    return safe_frame(df).to_csv(index=index, lineterminator="\r\n")
