"""``python -m scoring build``: the database, from the repository's own files only.

Stages, in order: reference geography and corridors (:mod:`.reference`) -> the seed
articles' sources, events and facts (:mod:`.seeds`) -> official statistics, population and
UCDP events from the compact tables in ``data/derived`` (:mod:`.derived`) -> events near
corridors (:mod:`.proximity`). The whole build writes a new file and swaps it in, so a bad
row (reported with its file, line and field) leaves the previous database as it was.
"""

from __future__ import annotations

import time
from pathlib import Path

from scoring import paths
from scoring.db import store
from scoring.load import derived, municipal, proximity, reference
from scoring.load.seeds import load_seeds


def fill(con, *, root: Path | None = None, progress=None) -> dict:
    """Load every repository file into an empty database; return row counts."""
    seeds = (root / "seeds") if root else paths.SEEDS
    say = progress or (lambda msg: None)
    counts: dict[str, int] = {}

    ref = reference.load_reference(con, root)
    say(f"reference: {len(ref.states)} states, {len(ref.places)} places, {len(ref.corridors)} corridors")
    manifest, events, facts = load_seeds(con, seeds, ref.codes, set(ref.corridors["corridor_id"]), ref.places)
    say(f"seeds: {len(manifest)} articles, {len(events)} events, {len(facts)} facts")
    counts.update(derived.load_all(con, root=root, say=say))  # official statistics, population, UCDP
    counts["event_corridor"] = proximity.refresh(con)
    counts["event_municipality"] = municipal.refresh_placement(con)
    counts["corridor_stretches"] = municipal.refresh_stretches(con)
    say(f"corridor stretches: {counts['corridor_stretches']:,}")
    say(f"events placed in municipalities: {counts['event_municipality']:,}")
    say(f"events near corridors: {counts['event_corridor']:,} event-corridor pairs within {proximity.MAX_BUFFER_KM:g} km")
    for t in ("states", "places", "corridors", "sources", "events", "facts", "official_stats", "population"):
        counts[t] = con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
    return counts


def build(db=None, *, root: Path | None = None, progress=None) -> tuple[Path, dict, float]:
    """Build the database atomically at ``db`` (see :func:`paths.db_path`)."""
    t0 = time.perf_counter()
    target = paths.db_path(db)
    counts: dict = {}

    def _fill(con):
        counts.update(fill(con, root=root, progress=progress))

    store.build_atomically(target, _fill)
    return target, counts, time.perf_counter() - t0
