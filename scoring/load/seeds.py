"""The seed articles into the store: their manifest (as sources), the events and the facts
extracted from them by hand (``seeds/``), validated strictly."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from scoring.db import store
from scoring.load import rules
from scoring.load.batch import insert_events
from scoring.load.reference import load_checked
from scoring.load.validate import Field

MANIFEST_FIELDS = [
    Field("article_id", required=True, pattern=r"A\d{3}", unique=True),
    Field("file", required=True),
    Field("outlet"),
    Field("published", "month", required=True),
    Field("date_basis", required=True),
    Field("title", required=True),
    Field("language"),
]


def load_manifest(con, seeds: Path) -> pd.DataFrame:
    df = load_checked(seeds / "manifest.csv", MANIFEST_FIELDS)
    out = pd.DataFrame({
        "source_id": df["article_id"], "kind": "article", "title": df["title"], "publisher": df["outlet"],
        "published": df["published"], "date_basis": df["date_basis"],
        "licence": "news article; facts only, re-stated in the project's own words",
        "provenance": "seed article, events extracted by hand (seeds/events.csv)",
        "file": "shared/seeds/" + df["file"], "url": None,
    })
    store.insert_df(con, "sources", out)
    return df


def load_seed_events(con, seeds: Path, codes, corridors, articles: set[str], places) -> pd.DataFrame:
    path = seeds / "events.csv"
    fields = rules.event_fields(codes, corridors, id_pattern=r"S\d{3,}")
    df = load_checked(path, fields, extra=rules.event_cross_checks(articles, places))
    insert_events(con, df, origin="seed", batch_id="build:seeds")
    return df


def load_facts(con, seeds: Path, codes, articles: set[str]) -> pd.DataFrame:
    path = seeds / "facts.csv"
    fields = [
        Field("fact_id", required=True, unique=True),
        Field("article_ids", required=True),
        Field("kind", required=True, choices=["statistic", "seizure_value", "deployment", "group_presence", "policy", "other"]),
        Field("state_code", choices=sorted(codes)),
        Field("period_start", "date"),
        Field("period_end", "date"),
        Field("metric", required=True),
        Field("value", "float"),
        Field("unit"),
        Field("notes"),
    ]

    def extra(out, raw):
        unknown = raw["article_ids"].map(lambda s: ";".join(x for x in rules.split_ids(s) if x not in articles))
        return unknown.ne(""), "article_ids", "names article(s) not in the manifest: " + unknown

    df = load_checked(path, fields, extra=extra)
    store.insert_df(con, "facts", df.drop(columns="_line"))
    return df


def load_seeds(con, seeds: Path, codes, corridors, places) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Manifest, events and facts, in that order (events and facts name the manifest's articles)."""
    manifest = load_manifest(con, seeds)
    articles = set(manifest["article_id"])
    events = load_seed_events(con, seeds, codes, corridors, articles, places)
    facts = load_facts(con, seeds, codes, articles)
    return manifest, events, facts
