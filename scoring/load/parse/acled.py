"""ACLED standard exports: events mapped from ACLED's sub-event types to the project's types."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.errors import FormatError
from scoring.load import rules
from scoring.load.geo import state_polygons
from scoring.load.names import StateNames
from scoring.load.parse.common import Parsed, rejects_from, resolve_states
from scoring.load.validate import Field, check_frame, date_out_of_range

ACLED_REQUIRED = ["event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1", "admin1",
                  "latitude", "longitude", "fatalities"]
_ACLED_SUB = {
    "armed clash": "armed_clash", "government regains territory": "armed_clash",
    "non-state actor overtakes territory": "armed_clash", "attack": "killing",
    "abduction/forced disappearance": "kidnapping", "sexual violence": "killing",
    "remote explosive/landmine/ied": "explosive_attack", "grenade": "explosive_attack",
    "air/drone strike": "explosive_attack", "shelling/artillery/missile attack": "explosive_attack",
    "suicide bomb": "explosive_attack", "chemical weapon": "explosive_attack",
    "looting/property destruction": "blockade_arson", "arrests": "arrest_or_operation",
    "disrupted weapons use": "arrest_or_operation", "peaceful protest": "protest",
    "protest with intervention": "protest", "excessive force against protesters": "protest",
    "violent demonstration": "protest", "mob violence": "protest",
}


def _acled_date(s: pd.Series) -> pd.Series:
    iso = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    long = pd.to_datetime(s, format="%d %B %Y", errors="coerce")
    return iso.fillna(long)


def parse_acled(df: pd.DataFrame, *, names: StateNames, say, polygons=None) -> Parsed:
    missing = [c for c in ACLED_REQUIRED if c not in df.columns]
    if missing:
        raise FormatError(f"is not an ACLED export: missing column(s) {', '.join(missing)}")
    fields = [
        Field("event_id_cnty", required=True, unique=True),
        rules.latitude(required=True),
        rules.longitude(required=True),
        rules.count("fatalities", required=True),
    ]
    checked = check_frame(df, fields)
    rejects = checked.rejects
    src = df.loc[df["_line"].isin(set(checked.rows["_line"]))].reset_index(drop=True)
    rows = checked.rows
    date = _acled_date(src["event_date"])
    bad_date = date.isna()
    rejects += rejects_from(src, bad_date, "event_date",
                             "date " + src["event_date"].map(repr) + " is neither YYYY-MM-DD nor '15 January 2023'")
    span = date_out_of_range(date, src["event_date"])
    rejects += rejects_from(src, span.ne(""), "event_date", span)
    bad_date = bad_date | span.ne("")
    state, why = resolve_states(src, None, "admin1", names)
    bad_state = ~bad_date & state.eq("")
    rejects += rejects_from(src, bad_state, "admin1", why)
    off = rules.outside_claimed_state(rows["latitude"], rows["longitude"], state.where(~(bad_date | bad_state), ""),
                                      polygons if polygons is not None else state_polygons())
    rejects += rejects_from(src, off.ne(""), "latitude", off)
    keep = ~(bad_date | bad_state | off.ne(""))
    src, rows, date, state = src[keep], rows[keep], date[keep], state[keep]
    sub = src["sub_event_type"].str.lower().map(_ACLED_SUB).fillna("other")
    inter2 = src.get("inter2", pd.Series("", index=src.index)).astype(str)
    to_forces = sub.isin(["killing", "armed_clash", "explosive_attack"]) & (
        inter2.str.startswith("1") | inter2.str.lower().str.startswith("state forces"))
    sub = sub.mask(to_forces, "attack_on_security_forces")
    prec = src.get("time_precision", pd.Series("1", index=src.index)).map({"1": "day", "2": "week", "3": "month"}).fillna("day")
    gprec = src.get("geo_precision", pd.Series("1", index=src.index)).map({"1": "locality", "2": "municipality", "3": "state"}).fillna("state")
    civ = src.get("civilian_targeting", pd.Series("", index=src.index)).str.lower().str.contains("civilian")
    out = pd.DataFrame({
        "event_id": "ACLED-" + src["event_id_cnty"],
        "date": date.dt.date, "date_precision": prec, "date_note": None,
        "state_code": state, "municipality_code": None,
        "place": src.get("location", pd.Series(None, index=src.index)).replace("", None),
        "latitude": rows["latitude"], "longitude": rows["longitude"], "geo_precision": gprec,
        "event_type": sub, "fatalities": rows["fatalities"].astype("Int64"),
        "injured": pd.array([pd.NA] * len(src), dtype="Int64"),
        "actors": (src["actor1"] + ";" + src.get("actor2", pd.Series("", index=src.index))).str.strip(";"),
        "target_category": np.where(civ, "civilians", np.where(to_forces, "police", "unknown")),
        "corridor_id": None, "source_ids": "D:acled", "confidence": "medium",
        "notes": "ACLED " + src["event_type"] + " / " + src["sub_event_type"], "alt_values": None,
    })
    release = max(out["date"]).strftime("%Y-%m") if len(out) else None
    say(f"read {len(df):,} ACLED rows")
    return Parsed("events", out.reset_index(drop=True), rejects, len(df), release,
                  ["ACLED data: attribution required; raw rows are for the holder's own use, not redistribution"])
