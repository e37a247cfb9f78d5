"""Briefs (dashboard/figures/brief.py) for a state, a municipality, a corridor and a comparison,
in English and Spanish, as HTML and PDF; the score exports (dashboard/exports.py); the Spanish
catalogue of the briefs domain."""

from __future__ import annotations

import dataclasses
import html
import io
import re

import numpy as np
import pandas as pd
import pytest

from dashboard import words
from dashboard.figures import brief
from dashboard.i18n import b_
from scoring.index import municipal, queries, report, stretches
from scoring.index.model import RiskModel
from scoring.index.weights import load_profile
from scoring.load import municipal as municipal_geo

MAX_BYTES = 1_500_000
STATE, PLACE, CORRIDOR = "16", "09014", "sinaloa-fed15-culiacan"
COMPARE = ["11", "12", "bajio-industrial-fed45", "25"]
# internal names that must never reach a reader
FORBIDDEN = re.compile(r"\b(level_name|ci_low|ci_high|rank_high|rank_low|indicator_name|region_id|armed_clash|"
                       r"minmax|normalised|cvegeo|None|NaN|nan|homicide_rate|events:ucdp|homologated)\b")


@pytest.fixture(scope="module")
def model(store):
    return RiskModel(store)


@pytest.fixture(scope="module")
def res(model):
    return model.run(load_profile("analyst"), mc_draws=50, boot_draws=10)


@pytest.fixture(scope="module")
def ctx(store, model, res):
    hist = report.score_history(model, res.profile, res.options, 4)
    return brief.Context(report.freshness(store), queries.assessments(store), None, hist)


def _inputs(store, res, code):
    o = res.options
    return report.trend(store, code), queries.events_for_region(store, code, "state", o.as_of, o.window_days * 2,
                                                                 o.buffer_km)


def make_briefs(store, model, res, ctx, lang: str) -> dict[str, tuple[str, str]]:
    """kind -> (region name, HTML) for the four kinds of brief."""
    o = res.options
    names = dict(zip(res.table["region_id"], res.table["name"]))
    out = {}
    trend, events = _inputs(store, res, STATE)
    out["state"] = (names[STATE], brief.state_brief(res, STATE, trend, events, lang=lang, ctx=ctx,
                                                    spikes=report.spikes(store, o.as_of)))
    ms = model.municipalities(res.profile, o)
    i = int(np.flatnonzero(ms.table["cvegeo"].to_numpy() == PLACE)[0])
    out["place"] = (str(ms.table.at[i, "name"]), brief.place_brief(
        ms, i, res, municipal.trend(store, PLACE, ms.table.at[i, "pop"]),
        queries.events_in_municipality(store, PLACE, o.as_of, o.window_days), reg=model.reg,
        munis_geo=municipal_geo.geojson_subset(PLACE[:2]), lang=lang, ctx=ctx))
    st = stretches.score_stretches(store, ms.table, res.profile.thresholds)
    lv = stretches.corridor_levels(st, res.profile.thresholds).set_index("corridor_id")
    cors = store.query("SELECT * FROM corridors").set_index("corridor_id")
    path = store.query("SELECT corridor_id, seq, latitude, longitude FROM corridor_waypoints ORDER BY corridor_id, seq")
    shares = store.query(f"SELECT state_code, share FROM corridor_states WHERE corridor_id = '{CORRIDOR}' "
                         "ORDER BY share DESC")
    ev = queries.events_for_region(store, CORRIDOR, "corridor", o.as_of, o.window_days * 2, o.buffer_km)
    out["corridor"] = (names[CORRIDOR], brief.corridor_brief(
        res, CORRIDOR, ev, info=cors.loc[CORRIDOR].to_dict(), path=path[path["corridor_id"] == CORRIDOR],
        shares=shares, stretches=st[st["corridor_id"] == CORRIDOR], stretch_level=lv.loc[CORRIDOR].to_dict(),
        lang=lang, ctx=ctx, state_names=names))
    out["compare"] = (" ".join(names[r] for r in COMPARE),
                      brief.comparison_brief(res, COMPARE, lang=lang, ctx=ctx, paths=path))
    return out


@pytest.fixture(scope="module", params=["en", "es"])
def briefs(request, store, model, res, ctx):
    return request.param, make_briefs(store, model, res, ctx, request.param)


def _text(doc: str) -> str:
    """The visible text of a brief (tags, styles and SVG tooltips' markup removed)."""
    body = re.sub(r"<style>.*?</style>", " ", doc, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", body))
    return re.sub(r"\s+([.,;:)])", r"\1", " ".join(text.split()))


def test_briefs_say_what_a_reader_needs(briefs, res, ctx):
    lang, docs = briefs
    t = res.table.set_index("region_id")
    for kind, (name, doc) in docs.items():
        assert len(doc.encode("utf-8")) < MAX_BYTES, (kind, len(doc))
        assert doc.startswith("<!doctype html>") and f'<html lang="{lang}">' in doc
        # offline: no script, no fetched resource, no plotly.js
        assert "<script" not in doc and "plotly" not in doc.lower()
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", doc), kind
        text = _text(doc)
        assert not FORBIDDEN.search(text), (kind, FORBIDDEN.search(text))
        assert not re.search(r"\w  \w", doc), kind                         # no double space inside a text
        assert b_("Risk brief", lang) in text
        assert words.day(res.options.as_of, lang) in text                  # as of
        assert words.day(ctx.generated.date(), lang) in text               # generated at
        for f in ctx.vintage:                                              # data vintage, each source's latest month
            assert f"{b_(f.label, lang)}: {words.month(f.through, lang)}" in text
        assert b_("What to do", lang) in text and b_("Travellers", lang) in text and b_("Security teams", lang) in text
        assert b_("Sources and method", lang) in text
        assert "<svg" in doc and "<path" in doc                            # the map excerpt
        assert not re.search(r"Level \d: ", text)                          # levels are named, never "Level 4: High"
    for kind, rid in (("state", STATE), ("corridor", CORRIDOR)):
        name, doc = docs[kind]
        text = _text(doc)
        assert f"<h1>{html.escape(name)}</h1>" in doc
        assert words.level_label(t.at[rid, "level"], lang) in text
        assert f"{t.at[rid, 'score']:.2f}" in text
        for d in res.driver_records[rid]:
            assert words.driver(d, t.at[rid, "region_type"], lang) in text
    state_text = _text(docs["state"][1])
    assert b_("US Department of State travel advisory", lang) in state_text          # the reference beside ours
    assert b_("Monthly official figures", lang) in state_text
    assert "Benito Juárez, Ciudad de México" in _text(docs["place"][1])
    comp = _text(docs["compare"][1])
    for r in COMPARE:
        assert t.at[r, "name"] in comp
    assert comp.count(b_("{a} scores {gap} against {b}; the largest differences: {parts}.", lang).split(" ")[1]) >= 3
    if lang == "es":
        for kind, (_, doc) in docs.items():
            text = _text(doc)
            for english in ("What to do", "Sources", "Score ", "Travellers", "Trend", "points"):
                assert english not in text, (kind, english)


def test_brief_file_names():
    assert brief.file_name("Benito Juárez", pd.Timestamp("2026-07-31").date(), "es") == \
        "brief-benito-juarez-2026-07-31-es.html"
    assert brief.file_name("Tijuana – Ensenada <x>", pd.Timestamp("2026-07-31").date(), "en", "pdf") == \
        "brief-tijuana-ensenada-x-2026-07-31-en.pdf"
    long = brief.file_name("Sinaloa coastal corridor on Fed. 15 (Mazatlán – Culiacán – Los Mochis)",
                           pd.Timestamp("2026-07-31").date(), "en")
    assert long == "brief-sinaloa-coastal-corridor-on-fed-15-mazatlan-culiacan-los-2026-07-31-en.html"


@pytest.mark.skipif(brief.pdf_available() is not None, reason="no Chromium or playwright here")
def test_pdf_briefs_open_and_say_the_same(briefs, res):
    pypdf = pytest.importorskip("pypdf")
    lang, docs = briefs
    t = res.table.set_index("region_id")
    for kind, (name, doc) in docs.items():
        pdf = brief.to_pdf(doc)
        assert pdf.startswith(b"%PDF-") and len(pdf) < MAX_BYTES
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        assert 1 <= len(reader.pages) <= 6, (kind, len(reader.pages))
        text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
        assert b_("What to do", lang) in text and b_("Sources and method", lang) in text, kind
        if kind != "compare":
            assert " ".join(name.split()[:2]) in text, kind
    text = " ".join(" ".join((p.extract_text() or "").split())
                    for p in pypdf.PdfReader(io.BytesIO(brief.to_pdf(docs["state"][1]))).pages)
    assert words.level_label(t.at[STATE, "level"], lang) in text


def test_pdf_without_chromium_says_why(monkeypatch):
    monkeypatch.setattr(brief, "CHROMIUM", "/nonexistent/chromium")
    why = brief.pdf_available()
    assert why and "Chromium" in why and "HTML" in why
    with pytest.raises(brief.PdfUnavailable, match="Chromium"):
        brief.to_pdf("<!doctype html><p>x</p>")


def test_brief_escapes_names_and_texts(store, res, ctx):
    t = res.table.copy()
    i = t.index[t["region_id"] == "11"][0]
    t.at[i, "name"] = "Guana<script>alert(1)</script> & Co"
    fake = dataclasses.replace(res, table=t)
    trend, events = _inputs(store, res, "11")
    events = pd.DataFrame([{"date": pd.Timestamp("2026-07-01"), "event_type": "killing", "fatalities": 2,
                            "place": "<i>somewhere</i>", "actors": "<img src=x onerror=alert(1)>",
                            "sources": "=cmd|' /C calc'!A0"}])
    doc = brief.state_brief(fake, "11", trend, events, ctx=ctx)
    assert "<script>alert(1)</script>" not in doc and "Guana&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in doc
    assert "<i>somewhere</i>" not in doc and "&lt;i&gt;somewhere&lt;/i&gt;" in doc
    assert "<img src=x" not in doc
    assert "Killing of civilians" in doc


def test_brief_of_a_state_without_rank_or_data(store, res, ctx):
    t = res.table.copy()
    i = t.index[t["region_id"] == "11"][0]
    t.loc[i, ["rank", "rank_low", "rank_high"]] = float("nan")
    doc = brief.state_brief(dataclasses.replace(res, table=t), "11", pd.DataFrame(columns=["month", "rate", "series"]),
                            pd.DataFrame(), ctx=ctx)
    assert "Unranked." in doc and "No event recorded in this state" in doc
    assert "No monthly official figures here." in doc


def test_every_state_has_a_brief(store, res, ctx):
    for code in res.table.loc[res.table["region_type"] == "state", "region_id"]:
        doc = brief.state_brief(res, code, pd.DataFrame(columns=["month", "rate", "series"]), pd.DataFrame(), ctx=ctx)
        assert len(doc) < MAX_BYTES and "<svg" in doc


def test_the_spanish_catalogue_translates_every_brief_string():
    from dashboard.i18n import catalogue
    from scripts.briefs_msgids import msgids

    have = catalogue("es", "briefs")
    missing = sorted(m for m in msgids() if not have.get(m))
    assert not missing, missing
    for m in msgids():   # the same {fields} on both sides
        assert set(re.findall(r"{(\w+)}", m)) == set(re.findall(r"{(\w+)}", have[m])), m


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


# --- what changed, in Spanish: the same feed writer with the catalogue ----------------------------

def test_spanish_change_feed_validates_and_reads_spanish(model, res):
    import datetime as dt
    import sys
    from pathlib import Path

    from scoring import feed
    from scoring.index.changes import changes, describe

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
    from test_changes_cli import validate_atom

    ch = changes(model, res.profile, res.options, dt.date(2026, 4, 30), top=3)
    es = describe(ch, lambda s: b_(s, "es"))
    states = es.level_changes[es.level_changes["region_type"] == "state"]
    assert len(states) and all(r.startswith(("Subió de", "Bajó de")) for r in states["reason"])
    assert set(states["level_name_after"]) <= {"Bajo", "Moderado", "Medio", "Alto", "Extremo", "Sin datos"}
    assert all(" en " in r and "carpetas" in r for r in es.spikes["reason"])
    xml = feed.atom(ch, tr=lambda s: b_(s, "es"), lang="es")
    root = validate_atom(xml)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "es"
    assert "Riesgo en México: qué cambió" in xml and "lang=es" in xml
    # entry ids are stable across regenerations: a feed reader sees nothing new when nothing changed
    again = feed.atom(ch, tr=lambda s: b_(s, "es"), lang="es")
    ids = re.findall(r"<id>(.*?)</id>", xml)
    assert ids == re.findall(r"<id>(.*?)</id>", again) and len(ids) == len(set(ids))
