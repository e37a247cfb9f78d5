"""Reviewed candidates as one batch: rows of the project's events CSV (the ``events`` import
format) whose source is the article, and that article's description for the ``sources`` table.
Nothing is written here; the caller passes both to :func:`scoring.load.upload.trial_upload` and
then :func:`~scoring.load.upload.import_upload`, like any file an analyst imports."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass

import pandas as pd

from scoring.db import schema
from scoring.errors import FormatError

COLUMNS = ("event_id", "date", "date_precision", "date_note", "state_code", "municipality_code", "place",
           "latitude", "longitude", "geo_precision", "event_type", "fatalities", "injured", "actors",
           "target_category", "corridor_id", "source_ids", "confidence", "notes", "alt_values")
# the columns of the review table (one row per candidate), as the page and the CLI's JSON name them
REVIEW_COLUMNS = ("keep", "add_source", "date", "date_precision", "state_code", "municipality_code", "municipality", "locality",
                  "event_type", "fatalities", "fatalities_lower_bound", "injured", "actors", "target", "confidence",
                  "duplicate_of", "evidence")


@dataclass(frozen=True)
class ArticleSource:
    """What the batch records about the article."""

    title: str
    outlet: str
    url: str
    published: dt.date
    language: str
    text_sha256: str

    @property
    def source_id(self) -> str:
        return f"ART-{self.text_sha256[:10]}"

    def as_source(self) -> dict:
        return {"title": self.title or "article", "publisher": self.outlet, "url": self.url,
                "published": self.published.isoformat(),
                "date_basis": f"article in {'Spanish' if self.language == 'es' else 'English'}; events extracted "
                              "with python -m scoring extract and reviewed by an analyst"}


def article_source(text: str, *, title: str, outlet: str, url: str, published: dt.date, language: str) -> ArticleSource:
    return ArticleSource(title.strip(), outlet.strip(), url.strip(), published, language,
                         hashlib.sha256(text.encode("utf-8")).hexdigest())


def review_frame(dicts: list[dict], stored: pd.DataFrame | None = None) -> pd.DataFrame:
    """The candidates (``Extraction.as_dicts()``) as the review table: one row each, kept unless
    it likely duplicates an event already stored; ``add_source`` ticked when it duplicates exactly
    one stored event that came from an import (``stored``: those events, with ``origin``), whose
    sources the article then joins."""
    user = set(stored.loc[stored["origin"] == "user", "event_id"]) if stored is not None and len(stored) else set()
    rows = []
    for d in dicts:
        ev = d.get("evidence") or {}
        dups = d.get("duplicate_of") or []
        rows.append({"keep": not dups, "add_source": len(dups) == 1 and dups[0] in user,
                     "date": d["date"], "date_precision": d["date_precision"],
                     "state_code": d["state_code"], "municipality_code": d["municipality_code"],
                     "municipality": d["municipality"], "locality": d["locality"], "event_type": d["event_type"],
                     "fatalities": d["fatalities"], "fatalities_lower_bound": bool(d["fatalities_lower_bound"]),
                     "injured": d["injured"], "actors": ";".join(d["actors"]), "target": d["target"],
                     "confidence": d["confidence"], "duplicate_of": ";".join(d.get("duplicate_of") or []),
                     "evidence": " | ".join(f"{k}: {v['text']}" for k, v in ev.items() if v.get("text"))})
    df = pd.DataFrame(rows, columns=list(REVIEW_COLUMNS))
    # nullable types: a row the analyst adds starts empty in every column
    return df.astype({"keep": "boolean", "add_source": "boolean", "fatalities_lower_bound": "boolean",
                      "fatalities": "Int64", "injured": "Int64"})


def _cell(v) -> str:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
        return ""
    return str(v).strip()


def to_events_csv(review: pd.DataFrame, src: ArticleSource, stored: pd.DataFrame | None = None) -> bytes:
    """The kept rows of the review table as an events CSV naming the article as their source, and
    for each row with ``add_source`` the stored event it duplicates, unchanged but for the article
    added to its sources (the import replaces that event, and removing the batch restores it).
    Raises FormatError when nothing is kept or added; other faults are left to the import's row
    checks, which reject a bad row with its line and reason."""
    flags = review if len(review) else review.assign(add_source=pd.Series(dtype="boolean"))
    kept = flags[flags["keep"].fillna(False).astype(bool)]
    adds = flags[flags.get("add_source", pd.Series(False, index=flags.index)).fillna(False).astype(bool)
                 & ~flags["keep"].fillna(False).astype(bool)]
    if not len(kept) and not len(adds):
        raise FormatError("no row is kept: tick 'keep' on the events to import, or 'add_source' on a likely "
                          "duplicate of an imported event")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for n, r in enumerate(kept.to_dict("records"), 1):
        w.writerow(_row(r, n, src))
    done = set()
    for r in adds.to_dict("records"):
        target = _cell(r.get("duplicate_of"))
        if target in done:
            continue
        done.add(target)
        w.writerow(_with_source(target, stored, src))
    return buf.getvalue().encode("utf-8")


def _row(r: dict, n: int, src: ArticleSource) -> list[str]:
    muni = _cell(r.get("municipality_code"))
    notes = [f"from the article '{src.title or src.source_id}'"]
    if _cell(r.get("fatalities_lower_bound")) == "True" and _cell(r.get("fatalities")):
        notes.append("fatalities: at least (a lower bound)")
    if _cell(r.get("duplicate_of")):
        notes.append(f"likely the same event as {_cell(r.get('duplicate_of'))}")
    state = _cell(r.get("state_code"))
    target = _cell(r.get("target"))
    return [f"{src.source_id}-E{n:02d}", _cell(r.get("date"))[:10], _cell(r.get("date_precision")),
            _cell(r.get("evidence"))[:300], state.zfill(2) if state else "", muni,
            _cell(r.get("locality")) or _cell(r.get("municipality")), "", "", "municipality" if muni else "state",
            _cell(r.get("event_type")), _count(r.get("fatalities")), _count(r.get("injured")), _cell(r.get("actors")),
            target if target in schema.TARGET_CATEGORIES else "", "", src.source_id,
            _cell(r.get("confidence")) or "low", "; ".join(notes), ""]


def _with_source(event_id: str, stored: pd.DataFrame | None, src: ArticleSource) -> list[str]:
    """The stored event ``event_id`` as an events row, the article added to its sources."""
    rows = stored[stored["event_id"] == event_id] if stored is not None and len(stored) else None
    if rows is None or rows.empty:
        raise FormatError(f"'add_source' names {event_id!r}, which is not among the stored events found for this "
                          "article; untick it")
    e = rows.iloc[0].to_dict()
    if e.get("origin") != "user":
        raise FormatError(f"{event_id} is a built-in event ({e.get('origin')}); it cannot take a new source here: "
                          "untick 'add_source'")
    sources = [x for x in _cell(e.get("sources")).split(";") if x] + [src.source_id]
    return [event_id, _cell(e.get("date"))[:10], _cell(e.get("date_precision")), _cell(e.get("date_note")),
            _cell(e.get("state_code")), _cell(e.get("municipality_code")), _cell(e.get("place")),
            _cell(e.get("latitude")), _cell(e.get("longitude")), _cell(e.get("geo_precision")),
            _cell(e.get("event_type")), _count(e.get("fatalities")), _count(e.get("injured")), _cell(e.get("actors")),
            _cell(e.get("target_category")), _cell(e.get("corridor_id")), ";".join(dict.fromkeys(sources)),
            _cell(e.get("confidence")), _cell(e.get("notes")), _cell(e.get("alt_values"))]


def _count(v) -> str:
    s = _cell(v)
    try:
        return str(int(float(s))) if s else ""
    except ValueError:
        return s          # the import's check rejects it with its line
