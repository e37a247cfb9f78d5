"""UCDP GED rows: one lethal event each, mapped to the project's event columns and types."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.errors import FormatError
from scoring.load import rules
from scoring.load.names import StateNames
from scoring.load.parse.common import Parsed, rejects_from, resolve_states
from scoring.load.validate import Field, check_frame

UCDP_REQUIRED = ["id", "type_of_violence", "date_start", "adm_1", "latitude", "longitude", "best", "side_a", "side_b"]
_UCDP_DATE_PREC = {"1": "day", "2": "week", "3": "week", "4": "month", "5": "year"}
_UCDP_GEO_PREC = {"1": "exact", "2": "locality", "3": "municipality", "4": "state", "5": "state", "6": "state", "7": "state"}


def parse_ucdp(df: pd.DataFrame, *, names: StateNames, polygons, say) -> Parsed:
    missing = [c for c in UCDP_REQUIRED if c not in df.columns]
    if missing:
        raise FormatError(f"is not a UCDP GED file: missing column(s) {', '.join(missing)}")
    fields = [
        Field("id", required=True, unique=True, pattern=r"\d+"),
        Field("type_of_violence", required=True, choices=["1", "2", "3"]),
        Field("date_start", "date", required=True),
        rules.latitude(required=True),
        rules.longitude(required=True),
        rules.count("best", required=True),
    ]
    checked = check_frame(df, fields)
    rejects = checked.rejects
    good_lines = set(checked.rows["_line"])
    src = df.loc[df["_line"].isin(good_lines)].reset_index(drop=True)
    rows = checked.rows
    state, why = resolve_states(src, None, "adm_1", names)
    # A blank adm_1 is not a name to guess from; the coordinates then decide, and we say so.
    blank = src["adm_1"].eq("")
    note = pd.Series("", index=src.index, dtype="str")
    if blank.any() and polygons is not None:
        for i in src.index[blank]:
            s = polygons.state_of(rows.at[i, "latitude"], rows.at[i, "longitude"])
            if s:
                state.at[i] = s
                note.at[i] = "state from coordinates (adm_1 blank)"
    bad = state.eq("")
    rejects += rejects_from(src.assign(_line=src["_line"]), bad, "adm_1",
                             why.mask(blank & bad, "adm_1 is blank and the point is not inside a state"))
    if polygons is not None:    # the point must lie in (or near) the state adm_1 names
        off = rules.outside_claimed_state(rows["latitude"], rows["longitude"], state.where(~bad, ""), polygons)
        rejects += rejects_from(src, off.ne(""), "latitude", off)
        bad = bad | off.ne("")
    keep = ~bad
    src, rows, state, note = src[keep], rows[keep], state[keep], note[keep]
    tov = src["type_of_violence"]
    # UCDP type 1 (state-based) pits the government's forces against an armed group: in
    # Mexico these are attacks on and clashes with police and soldiers. Type 2 (non-state)
    # is group against group; type 3 (one-sided) is violence against civilians.
    event_type = np.select([tov.eq("3"), tov.eq("1")], ["killing", "attack_on_security_forces"], "armed_clash")
    target = np.select([tov.eq("3"), tov.eq("2")], ["civilians", "criminal_group"], "military")
    out = pd.DataFrame({
        "event_id": "UCDP-" + src["id"],
        "date": rows["date_start"],
        "date_precision": src.get("date_prec", pd.Series("1", index=src.index)).map(_UCDP_DATE_PREC).fillna("day"),
        "date_note": np.where(src.get("date_end", src["date_start"]) != src["date_start"],
                              "UCDP date range " + src["date_start"] + " to " + src.get("date_end", src["date_start"]), None),
        "state_code": state,
        "municipality_code": None,
        "place": src.get("where_coordinates", pd.Series(None, index=src.index)).replace("", None),
        "latitude": rows["latitude"], "longitude": rows["longitude"],
        "geo_precision": src.get("where_prec", pd.Series("1", index=src.index)).map(_UCDP_GEO_PREC).fillna("state"),
        "event_type": event_type,
        "fatalities": rows["best"].astype("Int64"),
        "injured": pd.array([pd.NA] * len(src), dtype="Int64"),
        "actors": src["side_a"] + ";" + src["side_b"],
        "target_category": target,
        "corridor_id": None,
        "source_ids": "D:ucdp_ged",
        "confidence": np.where(src.get("event_clarity", pd.Series("1", index=src.index)).eq("2"), "low", "high"),
        "notes": ("UCDP " + src.get("conflict_name", pd.Series("", index=src.index)) + "; deaths low-high "
                  + src.get("low", pd.Series("", index=src.index)) + "-" + src.get("high", pd.Series("", index=src.index))
                  + np.where(note.ne(""), "; " + note, "")),
        "alt_values": None,
    })
    release = None
    if len(out):
        release = max(out["date"]).strftime("%Y-%m")
    say(f"read {len(df):,} UCDP rows")
    return Parsed("events", out.reset_index(drop=True), rejects, len(df), release)
