"""Spanish and English (issue 12): the catalogue is complete, every page speaks the chosen
language, and no page shows an internal id.

The catalogue test extracts the strings the way ``pybabel extract`` does (Babel's Python
extractor over dashboard/, keywords ``_`` and ``N_``) and requires a non-empty Spanish
``msgstr`` with the same ``{fields}`` for each. The page tests run every page with AppTest in
both languages and read what a person sees: titles, headers, widget labels, tab and metric
labels, table headers and cells, captions and Markdown.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from streamlit.testing.v1 import AppTest
from support import ROOT

from dashboard import i18n

ENTRY = str(ROOT / "dashboard" / "app.py")
PO = ROOT / "dashboard" / "locale" / "es" / "LC_MESSAGES" / "messages.po"

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


def extracted() -> dict[str, list[str]]:
    """msgid -> where it is used, as ``pybabel extract -F dashboard/babel.cfg -k _ -k N_`` finds them."""
    out: dict[str, list[str]] = {}
    for fn, line, msg, _c, _ctx in extract_from_dir(ROOT / "dashboard", method_map=[("**.py", "python")],
                                                    keywords={"_": None, "N_": None}):
        msg = msg[0] if isinstance(msg, tuple) else msg
        if msg:
            out.setdefault(msg, []).append(f"{fn}:{line}")
    return out


def spanish() -> dict[str, str]:
    with open(PO, "rb") as f:
        cat = read_po(f, locale="es", domain="messages")
    return {m.id: m.string for m in cat if m.id and not m.fuzzy}


def test_catalogue_is_complete():
    es = spanish()
    found = extracted()
    assert len(found) > 300
    missing = {m: where for m, where in found.items() if not es.get(m, "").strip()}
    assert not missing, f"{len(missing)} strings without Spanish, e.g. {list(missing.items())[:5]}"


def test_translations_keep_their_fields():
    fields = re.compile(r"\{\w*\}")
    bad = [m for m, s in spanish().items() if s and sorted(fields.findall(m)) != sorted(fields.findall(s))]
    assert not bad, bad[:5]


@pytest.mark.parametrize("value, lang", [("es-MX", "es"), ("es", "es"), ("en-US", "en"), ("fr-FR", None),
                                         ("fr-FR,es;q=0.8,en;q=0.5", "es"), (None, None), ("", None)])
def test_language_from_the_browser(value, lang):
    assert i18n.from_locale(value) == lang


def test_gettext_falls_back_to_english():
    assert i18n.gettext("Risk map", lang="es") == "Mapa de riesgo"
    assert i18n.gettext("A string nobody translated", lang="es") == "A string nobody translated"
    assert i18n.gettext("Risk map", lang="en") == "Risk map"


# --- every page, both languages ------------------------------------------------------------------

PAGES = [
    ("views/risk_map.py", {}),
    ("views/state_profile.py", {"state": "11"}),
    ("views/place_profile.py", {"place": "14039"}),
    ("views/compare.py", {"compare": "11,12,bajio-industrial-fed45"}),
    ("views/corridors.py", {}),
    ("views/what_changed.py", {}),
    ("views/weights.py", {}),
    ("views/events_data.py", {}),
]

# Internal ids that must never reach a page (column names, codes of methods, event types,
# origins and pillars, Python's None and NaN, and levels numbered like the US advisory's).
FORBIDDEN = [re.compile(p) for p in (
    r"\blevel_name\b", r"\bci_(low|high)\b", r"\brank_(low|high)\b", r"\bindicator_name\b", r"\bnormalised\b",
    r"\bregion_(id|type)\b", r"\bstate_code\b", r"\bevent_type\b", r"\barmed_clash\b", r"\btargeted_killing\b",
    r"\bblockade_arson\b", r"\bucdp\b", r"\bminmax\b", r"\blog_minmax\b", r"\bzscore\b", r"\bNone\b", r"\bnan\b",
    r"\bNaN\b", r"\bLevel [0-5]\b", r"\bNivel [0-5]\b",
)]
DOUBLE_SPACE = re.compile(r"\S {2,}\S")   # "Teocaltiche  town" in a table cell
PILLAR_IDS = {"lethal", "organised", "mobility", "state", "momentum", "raw"}


def _labels(at: AppTest) -> list[str]:
    """What names things on a page: titles, headers, widget, tab and metric labels, table headers."""
    out = [e.value for e in (*at.title, *at.header, *at.subheader)]
    for kind in ("selectbox", "multiselect", "radio", "toggle", "checkbox", "slider", "select_slider", "button",
                 "text_input", "date_input", "number_input"):
        out += [w.label for w in getattr(at, kind)]
    out += [t.label for t in at.tabs] + [m.label for m in at.metric] + [e.label for e in at.expander]
    for d in at.dataframe:
        out += [str(c) for c in d.value.columns]
    return [str(x) for x in out if x]


def _prose(at: AppTest) -> list[str]:
    out = [str(e.value) for e in (*at.markdown, *at.caption, *at.info, *at.warning, *at.success)]
    out += [str(m.value) for m in at.metric]
    return out


# Technical records on the analysts' data page: a file's format name (the one typed in the
# importer and on the command line), file names and the provenance of each dataset.
TECHNICAL_COLUMNS = {"Format", "Formato", "Provenance", "Procedencia", "File", "Archivo", "Batch", "Lote",
                     "Source", "Fuente"}


def _cells(at: AppTest) -> list[str]:
    out = []
    for d in at.dataframe:
        v = d.value
        for c in v.columns:
            if c in TECHNICAL_COLUMNS:
                continue
            if pd.api.types.is_string_dtype(v[c]) or v[c].dtype == object:
                out += [str(x) for x in v[c].dropna().head(60)]
    return out


def run_page(built_db, monkeypatch, page: str, query: dict, lang: str) -> AppTest:
    monkeypatch.setenv("RISK_DB", str(built_db))
    at = AppTest.from_file(ENTRY, default_timeout=180)
    at.query_params.update({**query, "lang": lang})
    at.run()
    if page != "views/risk_map.py":
        at.switch_page(page)
        at.run()
    assert not at.exception, at.exception[0].value
    return at


@pytest.mark.parametrize("page, query", PAGES, ids=[p.split("/")[1][:-3] for p, _q in PAGES])
def test_spanish_page_has_no_english_label_left(built_db, monkeypatch, page, query):
    at = run_page(built_db, monkeypatch, page, query, "es")
    es = spanish()
    untranslated = sorted({x for x in _labels(at) if x in es and es[x] != x})
    assert not untranslated, f"English labels on the Spanish {page}: {untranslated}"
    assert at.query_params["lang"] == ["es"] or at.query_params["lang"] == "es"


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("page, query", PAGES, ids=[p.split("/")[1][:-3] for p, _q in PAGES])
def test_page_shows_no_internal_id(built_db, monkeypatch, page, query, lang):
    at = run_page(built_db, monkeypatch, page, query, lang)
    texts = _labels(at) + _prose(at) + _cells(at)
    hits = sorted({f"{p.pattern}: {t[:80]!r}" for t in texts for p in FORBIDDEN if p.search(t)})
    hits += sorted({f"double space: {t[:80]!r}" for t in _cells(at) if DOUBLE_SPACE.search(t)})
    assert not hits, hits[:8]
    ids = sorted({t for t in _labels(at) + _cells(at) if t in PILLAR_IDS})
    assert not ids, ids


def test_language_switch_translates_the_page_and_keeps_it_in_the_url(built_db, monkeypatch):
    at = run_page(built_db, monkeypatch, "views/risk_map.py", {}, "en")
    assert at.title[0].value == "Risk map"
    at.segmented_control(key="map_lang").set_value("es").run()
    assert not at.exception
    assert at.title[0].value == "Mapa de riesgo"
    assert at.query_params["lang"] in ("es", ["es"])
