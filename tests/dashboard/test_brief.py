"""The HTML brief (dashboard/figures/brief.py) of every state on the built database."""

from __future__ import annotations

import dataclasses
import html
import re

import pandas as pd
import pytest

from dashboard.figures import brief
from dashboard.figures.palette import LEVEL_NAMES
from scoring.index import queries, report
from scoring.index.model import RiskModel
from scoring.index.weights import load_profile


@pytest.fixture(scope="module")
def res(store):
    return RiskModel(store).run(load_profile("analyst"), mc_draws=50, boot_draws=10)


def _inputs(store, res, code):
    o = res.options
    return report.trend(store, code), queries.events_for_region(store, code, "state", o.as_of, o.window_days * 2,
                                                                 o.buffer_km)


def test_brief_of_every_state_says_who_where_and_when(store, res):
    states = res.table[res.table["region_type"] == "state"]
    assert len(states) == 32
    for row in states.itertuples(index=False):
        trend, events = _inputs(store, res, row.region_id)
        doc = brief.state_brief(res, row.region_id, trend, events)
        name = html.escape(row.name)
        assert f"<title>Risk brief: {name}</title>" in doc and f"<h1>{name}</h1>" in doc
        lvl = int(row.level)
        assert f"Level {lvl}: {LEVEL_NAMES[lvl]}" in doc
        assert f"Score <b>{row.score:.2f}</b>/10" in doc
        assert f"rank {int(row.rank)} of 32" in doc
        assert f"as of {res.options.as_of}" in doc
        assert html.escape(row.summary) in doc
        assert doc.count("<li>") == len(row.drivers)
        for d in row.drivers:
            assert f"<li>{html.escape(d)}</li>" in doc
        assert ("None in the period." in doc) == events.empty
        # offline: plotly.js is inlined once, nothing is fetched
        assert not re.search(r"""src=["']https?:""", doc)
        assert doc.count("* plotly.js v") == 1


def test_brief_escapes_names_and_texts(store, res):
    t = res.table.copy()
    i = t.index[t["region_id"] == "11"][0]
    t.at[i, "name"] = "Guana<script>alert(1)</script> & Co"
    t.at[i, "summary"] = "<b>bold</b> & \"quoted\""
    t.at[i, "drivers"] = ["<img src=x onerror=alert(1)>"]
    fake = dataclasses.replace(res, table=t)
    trend, events = _inputs(store, res, "11")
    events = events.assign(place="<i>somewhere</i>") if len(events) else events
    doc = brief.state_brief(fake, "11", trend, events)
    assert "<script>alert(1)</script>" not in doc and "Guana&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in doc
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;" in doc
    assert "<img src=x" not in doc and "<li>&lt;img src=x onerror=alert(1)&gt;</li>" in doc
    if len(events):
        assert "<i>somewhere</i>" not in doc and "&lt;i&gt;somewhere&lt;/i&gt;" in doc


def test_brief_of_a_state_without_rank_says_unranked(store, res):
    t = res.table.copy()
    i = t.index[t["region_id"] == "11"][0]
    t.loc[i, ["rank", "rank_low", "rank_high"]] = float("nan")
    doc = brief.state_brief(dataclasses.replace(res, table=t), "11", pd.DataFrame(columns=["month", "rate", "series"]),
                            pd.DataFrame())
    assert "unranked." in doc and "None in the period." in doc


# --- exports: header block, rounding, codes a spreadsheet keeps, formula injection --------------

NUMERIC_LOOKING = re.compile(r"^[+-]?[0-9][0-9.,]*$")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_scores_csv_reads_back_with_codes_intact(store, res, lang):
    import csv
    import io

    from dashboard import exports
    from dashboard.i18n import b_

    text = exports.scores_csv(res, report.freshness(store), lang)
    head, df = exports.read_export(text)
    for key in ("As of", "Profile", "Weights", "Method", "Data vintage", "Generated"):
        assert head[b_(key, lang)].strip(), key
    assert head[b_("As of", lang)] == res.options.as_of.isoformat()
    code = b_("Code", lang)
    states = df[df[code].str.len() == 2]
    assert states[code].tolist() == [f"{i:02d}" for i in range(1, 33)]
    # pandas on the table alone, dtype=str: "01" stays "01" once unwrapped; ranks are integers; scores 2 decimals
    assert all(re.fullmatch(r"\d+", r) for r in states[b_("Rank", lang)])
    assert all(re.fullmatch(r"\d+\.\d{1,2}", s) for s in states[b_("Score (0-10)", lang)])
    for c in df.columns:
        assert not re.search(r"\d\.\d{3,}", " ".join(df[c])), c   # no 16-digit floats anywhere
    assert not {"region_id", "ci_low", "rank_high", "level_name", "indicator_name"} & set(df.columns)
    # a spreadsheet-like reader: no code cell is numeric-looking without its protection
    rows = list(csv.reader(io.StringIO(text)))
    table = rows[rows.index([]) + 1:]
    assert table[0][0] == code
    for r in table[1:]:
        cell = r[0]
        assert not NUMERIC_LOOKING.match(cell), cell
        assert exports.PROTECTED_RE.match(cell) or not cell.isdigit()
        # every other text cell is neutralised: nothing else starts like a formula
        assert not any(c.startswith(("=", "+", "@")) for c in r[1:] if c and not NUMERIC_LOOKING.match(c))


def test_scores_csv_neutralises_formulas_and_json_has_meta(store, res):
    import json

    from dashboard import exports

    t = res.table.copy()
    t.loc[t["region_id"] == "11", "name"] = "=HYPERLINK(\"http://x\")"
    fake = dataclasses.replace(res, table=t)
    text = exports.scores_csv(fake, report.freshness(store), "en")
    _, df = exports.read_export(text)
    assert df.loc[df["Code"] == "11", "Name"].iat[0] == "'=HYPERLINK(\"http://x\")"
    doc = json.loads(exports.scores_json(res, report.freshness(store), "es", ids=["09", "11"]))
    assert set(doc["meta"]) >= {"as_of", "profile", "weights", "method", "data_vintage", "generated"}
    assert [r["region_id"] for r in doc["regions"]] == ["09", "11"]
    assert all(isinstance(r["rank"], int) for r in doc["regions"])
