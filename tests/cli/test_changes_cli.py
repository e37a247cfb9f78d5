"""`python -m scoring changes`: the JSON contract, the Atom feed (validated against RFC 4287's
RELAX NG schema), the table, the errors, and the feed and digest a build writes beside the
database."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from support import ROOT

from scoring.index.changes import REGION_COLUMNS, SPIKE_COLUMNS, month_end

pytestmark = pytest.mark.slow

ATOM = "{http://www.w3.org/2005/Atom}"
SCHEMA = Path(__file__).resolve().parents[1] / "support" / "atom.rng"


def changes_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scoring", "changes", *map(str, args)], check=False, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def digest(built_db):
    res = changes_cli("--db", built_db, "--since", "2026-04", "--format", "json", "--top", "5")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def validate_atom(text: str) -> ET.Element:
    """Atom 1.0: the RELAX NG schema of RFC 4287 (lxml), plus the rules the schema leaves to prose."""
    lxml = pytest.importorskip("lxml.etree")
    rng = lxml.RelaxNG(lxml.parse(str(SCHEMA)))
    doc = lxml.fromstring(text.encode("utf-8"))
    assert rng.validate(doc), str(rng.error_log)
    feed = ET.fromstring(text.encode("utf-8"))
    assert feed.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{tag}") is not None, tag
    ids = [e.findtext(f"{ATOM}id") for e in feed.iter(f"{ATOM}entry")]
    assert len(ids) == len(set(ids)), "entry ids repeat"
    for e in feed.iter(f"{ATOM}entry"):
        for tag in ("id", "title", "updated", "summary"):
            assert (e.findtext(f"{ATOM}{tag}") or "").strip(), tag
        assert e.find(f"{ATOM}link").get("href").startswith("http")
    return feed


def test_month_end():
    assert month_end("2026-04") == dt.date(2026, 4, 30)
    assert month_end("2024-02") == dt.date(2024, 2, 29)
    assert month_end("2025-12") == dt.date(2025, 12, 31)


def test_json_contract(digest):
    assert digest["since"] == "2026-04-30" and digest["as_of"] == "2026-07-31" and digest["profile"] == "analyst"
    assert set(digest) >= {"since", "as_of", "profile", "generated", "counts", "level_changes", "movers", "spikes"}
    for key in ("level_changes", "movers", "spikes"):
        assert digest["counts"][key] == len(digest[key])
    for r in digest["level_changes"] + digest["movers"]:
        assert list(r) == REGION_COLUMNS
        assert r["region_type"] in ("state", "corridor", "municipality")
        assert isinstance(r["region_id"], str) and r["reason"].strip()
        for k in ("level_before", "level_after"):
            assert isinstance(r[k], int) and 0 <= r[k] <= 5
        for k in ("rank_before", "rank_after"):
            assert r[k] is None or isinstance(r[k], int)
        if r["score_before"] is not None and r["score_after"] is not None:
            assert r["change"] == pytest.approx(r["score_after"] - r["score_before"], abs=0.011)
    lc = digest["level_changes"]
    assert lc and all(r["level_before"] != r["level_after"] for r in lc)
    states = [r for r in lc if r["region_type"] == "state"]
    assert states and all(len(r["region_id"]) == 2 for r in states)
    munis = [r for r in lc if r["region_type"] == "municipality"]
    assert all(len(r["region_id"]) == 5 and r["state_code"] == r["region_id"][:2] for r in munis)
    for r in states:
        word = "Rose" if r["level_after"] > r["level_before"] else "Fell"
        assert r["reason"].startswith(f"{word} from {r['level_name_before']} to {r['level_name_after']}")
    # movers: at most --top per kind, the largest |change| first within a kind
    mv = digest["movers"]
    for kind in ("state", "corridor", "municipality"):
        ch = [abs(r["change"]) for r in mv if r["region_type"] == kind]
        assert len(ch) <= 5 and ch == sorted(ch, reverse=True) and all(c >= 0.05 for c in ch)
    for r in digest["spikes"]:
        assert list(r) == SPIKE_COLUMNS
        assert r["month"] > "2026-04" and r["z"] >= 3 and len(r["state_code"]) == 2
        assert r["reason"].startswith(("Intentional homicide", "Kidnapping", "Extortion"))


def test_atom_feed_validates(built_db, tmp_path):
    out = tmp_path / "feed.atom"
    res = changes_cli("--db", built_db, "--since", "2026-04", "--format", "atom", "--out", out)
    assert res.returncode == 0, res.stderr
    feed = validate_atom(out.read_text(encoding="utf-8"))
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert any("(state)" in t and "→" in t for t in titles)
    assert any(t.startswith("Spike") for t in titles)


def test_table_and_errors(built_db, tmp_path):
    res = changes_cli("--db", built_db, "--since", "2026-04", "--list", "3")
    assert res.returncode == 0, res.stderr
    assert "what changed from 2026-04-30 to 2026-07-31" in res.stdout
    assert "level changes:" in res.stdout and "biggest movers" in res.stdout and "new spikes" in res.stdout
    for args, needle in [(("--since", "2026-13"), "expected YYYY-MM"), (("--since", "2026-08"), "earlier month"),
                         (("--since", "2026-04", "--out", tmp_path), "is a folder")]:
        bad = changes_cli("--db", built_db, *args)
        assert bad.returncode == 2 and needle in bad.stderr and "Traceback" not in bad.stderr


def test_build_writes_the_feed_and_digest_beside_the_database(built_db):
    feed, js = built_db.parent / "feed.atom", built_db.parent / "changes.json"
    assert feed.is_file() and js.is_file()
    validate_atom(feed.read_text(encoding="utf-8"))
    d = json.loads(js.read_text(encoding="utf-8"))
    assert d["as_of"] == "2026-07-31" and d["since"] == "2026-04-30"
