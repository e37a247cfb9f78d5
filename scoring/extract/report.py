"""An extraction as the command line prints it: a table for reading, JSON (the contract: a list
of objects with date, date_precision, state, municipality, locality, event_type, fatalities,
injured, actors, evidence, confidence, ...) or CSV (one row per candidate, evidence as text)."""

from __future__ import annotations

import csv
import io
import json

from scoring.extract.candidates import Extraction

CSV_COLUMNS = ("date", "date_precision", "state", "state_code", "municipality", "municipality_code", "locality",
               "event_type", "fatalities", "fatalities_lower_bound", "injured", "actors", "target", "confidence",
               "duplicate_of", "evidence")


def _plain(text) -> str:
    """A text for a terminal: control characters shown escaped, never obeyed."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def render(ex: Extraction, fmt: str = "table") -> str:
    rows = ex.as_dicts()
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({**r, "actors": ";".join(r["actors"]), "duplicate_of": ";".join(r["duplicate_of"]),
                        "evidence": " | ".join(f"{k}: {v['text']}" for k, v in r["evidence"].items() if v["text"])})
        return buf.getvalue().rstrip("\n")
    head = (f"{_plain(ex.article.name)}: {ex.language}, published {ex.published.isoformat()} ({_plain(ex.published_basis)}); "
            f"{len(rows)} candidate event(s) in {ex.seconds:.2f} s")
    lines = [head]
    for i, r in enumerate(rows, 1):
        where = ", ".join(x for x in (r["locality"], r["municipality"], r["state"]) if x)
        toll = []
        if r["fatalities"] is not None:
            toll.append(f"{'at least ' if r['fatalities_lower_bound'] else ''}{r['fatalities']} dead")
        if r["injured"] is not None:
            toll.append(f"{'at least ' if r['injured_lower_bound'] else ''}{r['injured']} injured")
        lines.append(f"\n{i}. {r['date']} ({r['date_precision']})  {r['event_type']}  {_plain(where)}"
                     + (f"  [{', '.join(toll)}]" if toll else "") + f"  confidence {r['confidence']}")
        if r["actors"]:
            lines.append(f"   actors: {_plain('; '.join(r['actors']))}" + (f"; target: {r['target']}" if r["target"] else ""))
        if r["duplicate_of"]:
            lines.append(f"   likely duplicate of: {', '.join(r['duplicate_of'])}")
        for k, v in r["evidence"].items():
            if v["text"] or v["note"]:
                lines.append(f"   {k:<13} {_plain(v['text'])!r} @{v['start']}" + (f"  ({_plain(v['note'])})" if v["note"] else ""))
    if ex.skipped:
        lines.append(f"\nset aside: {len(ex.skipped)} sentence(s): "
                     + "; ".join(f"@{s} {_plain(why)}" for s, _, why in ex.skipped[:8]))
    if not rows:
        lines.append(f"no candidate events: {ex.reason}")
    return "\n".join(lines)
