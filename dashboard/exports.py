"""Every CSV the pages offer goes through :func:`to_csv`: cells of text that a spreadsheet
would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return)
get a leading single quote (OWASP's "CSV injection" recipe). Numbers are left as numbers
(a negative change stays -0.42), and INEGI codes stay text ("01", never 1): they are
written as they are, with their leading zero.

Score exports (:func:`scores_csv`, :func:`scores_json`) are for people with a spreadsheet:

* a **header block** first: lines whose first cell starts with ``#`` (as of, profile, weights,
  method, data vintage, generated), then one empty line, then the table. :func:`read_export`
  reads it back (pandas: skip the lines up to the first empty one, ``dtype=str``);
* **human headers** in the chosen language, no internal names;
* **rounded numbers**: scores, intervals and points to 2 decimals, coverage to 2, ranks as
  integers (never "7.0");
* **codes as text a spreadsheet keeps**: Excel and LibreOffice turn a bare ``01`` (quoted or
  not: CSV has no types) into the number 1. Each code is written ``="01"``, the spreadsheet
  idiom for a text constant: the cell shows ``01``. It is the only formula we write, a literal
  of digits (checked: :data:`CODE_RE`), so it cannot carry an injection; every other text cell
  is neutralised. :func:`read_export` unwraps the codes, so pandas gets ``"01"`` back;
* **formula injection neutralised** in every other text cell (:func:`neutralise`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re

import numpy as np
import pandas as pd

from dashboard import words
from dashboard.i18n import b_, current

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]*$")
PROTECTED_RE = re.compile(r'^="([0-9]+)"$')


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


# --- score exports with their header block ---------------------------------------------------------

def protect_code(code: object) -> object:
    """``="01"`` for a code of digits (a spreadsheet keeps it as the text 01); other codes
    (corridor ids) as they are, neutralised."""
    if isinstance(code, str) and code.isdigit():
        return f'="{code}"'
    return neutralise(code)


def meta(res, vintage, lang: str, generated: dt.datetime | None = None, reg=None) -> list[tuple[str, str]]:
    """The header block: (label, value) pairs in ``lang``."""
    from scoring.index.registry import load_registry

    reg = reg or load_registry()
    generated = generated or dt.datetime.now(dt.UTC)
    o, p = res.options, res.profile
    return [
        (b_("As of", lang), o.as_of.isoformat()),
        (b_("Profile", lang), words.profile_name(p, lang)),
        (b_("Weights", lang), words.weights_line(p, reg, lang)),
        (b_("Method", lang), words.method_line(p, lang) + "; " + b_(
            "window {w} days, half-life {h} days", lang, w=o.window_days, h=f"{o.half_life_days:g}")),
        (b_("Data vintage", lang), words.vintage_line(vintage, lang)),
        (b_("Generated", lang), generated.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        (b_("Codes", lang), b_('INEGI codes are written ="01" so a spreadsheet keeps the leading zero', lang)),
    ]


def score_frame(res, lang: str, *, ids=None, region_type: str | None = None, reg=None) -> pd.DataFrame:
    """The scores as a person reads them: human headers in ``lang``, rounded, integer ranks,
    codes as plain text (``"01"``), level and kind names translated, drivers in words."""
    from scoring.index.registry import load_registry

    reg = reg or load_registry()
    t = res.table
    if region_type:
        t = t[t["region_type"] == region_type]
    if ids is not None:
        t = t.set_index("region_id").loc[list(ids)].reset_index()
    pos = pd.Series(np.arange(len(res.table)), index=res.table["region_id"])

    def r2(col):
        return t[col].astype(float).round(2).to_numpy()

    def rank(col):
        return pd.array(t[col].astype(float).round(0), dtype="Float64").astype("Int64")

    out = pd.DataFrame({
        b_("Code", lang): t["region_id"].astype(str).to_numpy(),
        b_("Kind", lang): [words.kind(k, lang) for k in t["region_type"]],
        b_("Name", lang): t["name"].to_numpy(),
        b_("Level", lang): [words.level_name(x, lang) for x in t["level"]],
        b_("Level (1-5)", lang): pd.array(t["level"].where(t["level"] > 0), dtype="Float64").astype("Int64"),
        b_("Score (0-10)", lang): r2("score"),
        b_("90% low", lang): r2("ci_low"),
        b_("90% high", lang): r2("ci_high"),
        b_("Rank", lang): rank("rank"),
        b_("Rank from", lang): rank("rank_low"),
        b_("Rank to", lang): rank("rank_high"),
        b_("Data coverage", lang): r2("coverage"),
        b_("Change in a quarter", lang): r2("change"),
    })
    for p in reg.pillars:
        out[b_(p.name, lang)] = r2(f"pillar_{p.id}")
    contrib = res.scores.contributions[pos.reindex(t["region_id"]).to_numpy()]
    for j, ind in enumerate(reg.indicators):
        out[b_("Points: {indicator}", lang, indicator=b_(ind.name, lang))] = np.round(contrib[:, j].astype(float), 2)
    out[b_("Drivers", lang)] = [" | ".join(words.driver(d, k, lang) for d in res.driver_records.get(r, []))
                                for r, k in zip(t["region_id"], t["region_type"])]
    return out.reset_index(drop=True)


def scores_csv(res, vintage, lang: str | None = None, *, ids=None, region_type: str | None = None,
               generated: dt.datetime | None = None) -> str:
    """Scores as a CSV for a spreadsheet: the header block, an empty line, the table (``lang``:
    default the run's language)."""
    lang = lang or current()
    df = score_frame(res, lang, ids=ids, region_type=region_type)
    code = b_("Code", lang)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([f"# {b_('Mexico risk scores', lang)}", ""])
    for k, v in meta(res, vintage, lang, generated):
        w.writerow([f"# {k}", neutralise(v)])
    w.writerow([])
    safe = safe_frame(df.drop(columns=[code]))
    safe.insert(0, code, [protect_code(c) for c in df[code]])
    w.writerow(list(safe.columns))
    for row in safe.itertuples(index=False):
        w.writerow(["" if (v is None or v is pd.NA or (isinstance(v, float) and not math.isfinite(v))) else v
                    for v in row])
    return buf.getvalue()


def read_export(text: str) -> tuple[dict[str, str], pd.DataFrame]:
    """(header block, table) of a :func:`scores_csv` text: every cell as text, codes unwrapped."""
    lines = text.splitlines(keepends=True)
    head = {}
    k = 0
    for k, line in enumerate(lines):
        if not line.strip():
            break
        row = next(csv.reader([line]))
        head[row[0].lstrip("# ").strip()] = row[1] if len(row) > 1 else ""
    df = pd.read_csv(io.StringIO("".join(lines[k + 1:])), dtype=str, keep_default_na=False)
    first = df.columns[0]
    df[first] = df[first].str.replace(PROTECTED_RE, r"\1", regex=True)
    return head, df


def scores_json(res, vintage, lang: str | None = None, *, ids=None, region_type: str | None = None,
                generated: dt.datetime | None = None) -> str:
    """Scores as JSON: ``{"meta": {...}, "regions": [...]}``; the records are the engine's
    (:meth:`Result.records`, machine field names, codes as strings) with numbers rounded."""
    lang = lang or current()
    keep = None if ids is None else set(ids)
    recs = [r for r in res.records() if (keep is None or r["region_id"] in keep)
            and (region_type is None or r["region_type"] == region_type)]
    n_of = res.table["region_type"].value_counts().to_dict()
    for r in recs:
        for k, v in list(r.items()):
            if isinstance(v, float):
                r[k] = round(v, 2)
            elif isinstance(v, dict):
                r[k] = {a: (round(b, 2) if isinstance(b, float) else b) for a, b in v.items()}
        r["level_name"] = words.level_name(r["level"], lang)
        kind = r["region_type"]
        r["summary"] = words.summary(r["name"], r["level"], r["score"], r["rank"], n_of.get(kind, 0),
                                     b_("states" if kind == "state" else "corridors", lang),
                                     res.driver_records.get(r["region_id"], []), lang)
        r["drivers"] = [words.driver(d, r["region_type"], lang) for d in res.driver_records.get(r["region_id"], [])]
    head = {"as_of": res.options.as_of.isoformat(), "profile": res.profile.name,
            "weights": {"pillars": res.profile.pillar_weights, "indicators": res.profile.indicator_weights},
            "method": {"normalisation": res.profile.normalisation, "aggregation": res.profile.aggregation,
                       "window_days": res.options.window_days, "half_life_days": res.options.half_life_days},
            "data_vintage": {f.source: f.through.isoformat() for f in vintage},
            "generated": (generated or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "language": lang}
    return json.dumps({"meta": head, "regions": recs}, ensure_ascii=False, indent=1)
