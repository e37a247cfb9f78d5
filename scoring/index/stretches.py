"""Corridors stretch by stretch.

Each corridor is cut into stretches between its waypoints (long legs into equal parts of at
most 60 km, at build: ``corridor_stretches``), and each stretch knows how many km of it lie
in each municipality (``stretch_municipality``). A stretch's score is the length-weighted
mean of the scores of the municipalities it crosses (their interval likewise), so a stretch
through a violent municipality reads as such however long the rest of the corridor is; the
events within the corridor's buffer count through the municipalities they are placed in,
and the events placed in a stretch's municipalities in the window are listed with it.

**A corridor's level from its stretches** is its *worst sustained stretch*: the highest
level that stretches totalling at least :data:`SUSTAINED_KM` km (or a quarter of a shorter
corridor) reach. A single short stretch through one bad town does not make a 1,000 km
highway Extreme, but 50 km of it does. The page also names the single worst stretch, at its
own level ("Xochitepec to Cuernavaca: Extreme"), whatever its length.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.index.levels import level_name, level_of

SUSTAINED_KM = 50.0


def stretches(db) -> pd.DataFrame:
    return db.query("SELECT corridor_id, seq, from_name, to_name, length_km, lat0, lon0, lat1, lon1 "
                    "FROM corridor_stretches ORDER BY corridor_id, seq")


def stretch_municipalities(db) -> pd.DataFrame:
    return db.query("SELECT corridor_id, seq, cvegeo, length_km FROM stretch_municipality")


def score_stretches(db, munis: pd.DataFrame, thresholds) -> pd.DataFrame:
    """One row per stretch: corridor_id, seq, from_name, to_name, length_km, score, ci_low,
    ci_high, level, level_name, worst municipality (name, code) and the municipalities crossed.

    ``munis`` is a municipal score table (cvegeo, name, score, ci_low, ci_high)."""
    st = stretches(db)
    parts = stretch_municipalities(db).merge(
        munis[["cvegeo", "name", "score", "ci_low", "ci_high"]], on="cvegeo", how="left")
    parts = parts[np.isfinite(parts["score"].astype(float))]
    key = ["corridor_id", "seq"]
    w = parts["length_km"]
    agg = parts.assign(s=w * parts["score"], lo=w * parts["ci_low"], hi=w * parts["ci_high"]).groupby(key).agg(
        s=("s", "sum"), lo=("lo", "sum"), hi=("hi", "sum"), km=("length_km", "sum"))
    worst = parts.sort_values("score", ascending=False).groupby(key).head(1).set_index(key)
    crossed = parts.sort_values("length_km", ascending=False).groupby(key)["name"].agg(lambda x: "; ".join(x))
    out = st.set_index(key)
    out["score"] = agg["s"] / agg["km"]
    out["ci_low"] = agg["lo"] / agg["km"]
    out["ci_high"] = agg["hi"] / agg["km"]
    out["worst_municipality"] = worst["name"]
    out["worst_cvegeo"] = worst["cvegeo"]
    out["worst_score"] = worst["score"]
    out["municipalities"] = crossed
    out = out.reset_index()
    lv = level_of(out["score"].to_numpy(float), thresholds)
    out["level"] = lv
    out["level_name"] = [level_name(x) for x in lv]
    return out


def corridor_levels(st: pd.DataFrame, thresholds) -> pd.DataFrame:
    """Per corridor: the worst sustained stretch's level, that stretch, and the length-weighted
    mean score. Columns: corridor_id, level, level_name, worst_stretch, worst_score,
    worst_km (km at that level or above), mean_score, length_km."""
    rows = []
    for cid, g in st.groupby("corridor_id", sort=True):
        g = g[np.isfinite(g["score"].astype(float))]
        total = float(g["length_km"].sum())
        if g.empty:
            rows.append((cid, 0, level_name(0), "", np.nan, 0.0, np.nan, total))
            continue
        need = min(SUSTAINED_KM, 0.25 * total)
        level = 0
        for lv in range(5, 0, -1):
            if g.loc[g["level"] >= lv, "length_km"].sum() >= need - 1e-9:
                level = lv
                break
        at = g[g["level"] >= level]
        top = g.sort_values("score", ascending=False).iloc[0]       # the single worst stretch, at its own level
        name = f"{top['from_name']} to {top['to_name']}"
        mean = float((g["score"] * g["length_km"]).sum() / g["length_km"].sum())
        rows.append((cid, level, level_name(level), name, float(top["score"]), level_name(int(top["level"])),
                     float(at["length_km"].sum()), mean, total))
    return pd.DataFrame(rows, columns=["corridor_id", "level", "level_name", "worst_stretch", "worst_score",
                                       "worst_level_name", "worst_km", "mean_score", "length_km"])


def has_stretches(db) -> bool:
    try:
        return int(db.query("SELECT count(*) AS n FROM corridor_stretches")["n"].iat[0]) > 0
    except Exception:  # noqa: BLE001 - a database built before stretches existed
        return False


def as_waypoints(st: pd.DataFrame, corridor_names: dict) -> pd.DataFrame:
    """Stretches as two-point lines for the map (corridor_id = 'CORRIDOR#SEQ')."""
    rows = []
    for r in st.itertuples(index=False):
        sid = f"{r.corridor_id}#{r.seq}"
        label = f"{corridor_names.get(r.corridor_id, r.corridor_id)}: {r.from_name} to {r.to_name}"
        rows.append((sid, label, "highway", 0, r.lat0, r.lon0))
        rows.append((sid, label, "highway", 1, r.lat1, r.lon1))
    return pd.DataFrame(rows, columns=["corridor_id", "corridor", "kind", "seq", "latitude", "longitude"])
