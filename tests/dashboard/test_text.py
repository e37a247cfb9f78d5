"""The dashboard's two text guards: :func:`dashboard.text.md` (user strings shown as text in
Streamlit's Markdown) and :mod:`dashboard.exports` (CSV cells a spreadsheet would run)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest
from support import ROOT

from dashboard import exports
from dashboard.text import NO_LINK, md

HOSTILE = [
    "<img src=https://example.com/x.png>",
    "![x](https://example.com/x.png)",
    "[click me](https://example.com/)",
    '=HYPERLINK("http://example.com","y")',
    "<script>alert(1)</script> & &amp; &lt;",
    "**bold** _it_ `code` ~~gone~~ $x^2$ :red[red] :material/home:",
    "# heading", "- item", "+ item", "1. first", "> quote", "--- ", "a | b",
    "www.example.com and someone@example.com",
    "back\\slash \\<img src=x>",
    "<https://example.com/auto>",
    "line one\n# line two\n  - x\n12) y\n![y](https://example.com/y.png)",
]
# Characters that start Markdown, HTML, an entity, maths, a Streamlit directive or an autolink.
SPECIAL = set("\\`*[]()<>!#|~$&{}:@^\"")


def bare(markdown: str) -> str:
    """What is left of ``markdown`` once its backslash-escaped characters are taken out."""
    return re.sub(r"\\.", "", markdown, flags=re.S)


@pytest.mark.parametrize("s", HOSTILE)
def test_md_escapes_every_character_that_could_be_markup(s):
    left = bare(md(s))
    assert not SPECIAL & set(left), (s, md(s))
    assert not re.search(r"(^|[^0-9A-Za-z])_|_($|[^0-9A-Za-z])", left), md(s)   # emphasis needs a word edge
    for line in md(s).split("\n"):
        assert not re.match(r"[ \t]*([-+=]|\d+[.)])", line), (s, md(s))         # lists, headings, rules
    # no GitHub autolink: its patterns (scheme://, www., name@host) are broken by a word joiner
    assert not re.search(r"(?i)(https?|mailto|xmpp)://|www\.|[-.\w+]@", md(s).replace("\\", ""))


def test_md_keeps_ordinary_text_readable():
    assert md("my_events.csv") == "my_events.csv"          # intraword underscores stay as they are
    assert md("Cártel de Jalisco Nueva Generación (CJNG)") == "Cártel de Jalisco Nueva Generación \\(CJNG\\)"
    assert md(None) == ""
    assert md(3) == "3"
    assert md("<img src=https://example.com/x.png>") == f"\\<img src=https{NO_LINK}\\://example.com/x.png\\>"


def test_md_escape_is_only_backslashes_added():
    for s in HOSTILE:
        assert re.sub(r"\\(.)", r"\1", md(s), flags=re.S).replace(NO_LINK, "") == s


# --- CSV exports -------------------------------------------------------------------------------

def test_formula_cells_are_neutralised_and_codes_stay_text():
    df = pd.DataFrame({
        "state_code": ["01", "09", "32", "11", "14", "15"],
        "actors": ['=HYPERLINK("http://example.com","y")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"],
        "notes": ["plain", None, "a=b", "", "ok-", "x@y"],
        "change": [-0.42, 1.5, -3.0, 0.0, float("nan"), 2.0],
        "rank": [1, 2, 3, 4, 5, 6],
    })
    back = pd.read_csv(io.StringIO(exports.to_csv(df)), dtype=str, keep_default_na=False)
    assert list(back["state_code"]) == ["01", "09", "32", "11", "14", "15"]   # leading zeros kept
    assert list(back["actors"]) == ["'=HYPERLINK(\"http://example.com\",\"y\")", "'+1+1", "'-2+3", "'@SUM(A1)",
                                    "'\tx", "'\rx"]
    assert list(back["notes"]) == ["plain", "", "a=b", "", "ok-", "x@y"]       # only the first character counts
    assert list(back["change"])[:3] == ["-0.42", "1.5", "-3.0"]               # numbers stay numbers
    assert list(back["rank"]) == ["1", "2", "3", "4", "5", "6"]
    assert not df["actors"].iat[0].startswith("'")                              # the page's frame is untouched


def test_index_and_column_names_are_neutralised_too():
    df = pd.DataFrame({"=cmd": ["a"]}, index=pd.Index(["=x"], name="region_id"))
    back = pd.read_csv(io.StringIO(exports.to_csv(df, index=True)), dtype=str)
    assert list(back.columns) == ["region_id", "'=cmd"] and back["region_id"].iat[0] == "'=x"


def test_every_csv_download_goes_through_the_neutraliser():
    """No page writes CSV itself: every ``to_csv`` in dashboard/ is exports.to_csv."""
    offenders = []
    for path in sorted(Path(ROOT, "dashboard").rglob("*.py")):
        if path.name == "exports.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\.to_csv\(", line) and "exports.to_csv(" not in line:
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []


def test_md_table_cells_render_as_their_characters():
    """A table row per frame row; a cell's pipes, markup and leading signs stay text, missing is '–'."""
    import pandas as pd

    from dashboard.text import md_table

    df = pd.DataFrame({"#": pd.array([1, None], dtype="Int64"), "Name": ["a|b <img src=x>", "*bold*"],
                       "Moved": ["+2", "-1"]})
    t = md_table(df, align={"#": "right"})
    lines = t.split("\n")
    assert len(lines) == 4 and lines[1].startswith("| ---: | :--- |")
    assert r"a\|b \<img src=x\>" in lines[2] and r"\*bold\*" in lines[3]
    assert r"\+2" in lines[2] and "| – |" in lines[3]
