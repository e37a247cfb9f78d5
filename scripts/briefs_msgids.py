"""Every msgid of the ``briefs`` domain: the literal ``b_("...")`` calls of the modules that
write briefs, exports, the change digest and the feed, plus the English texts they translate
from tables (level names and meanings, advice, indicators, pillars, units, sources, event types,
month names, the change reasons' templates). ``tests/dashboard/test_brief.py`` checks that
``dashboard/locale/es/LC_MESSAGES/briefs.po`` translates each one.

    python scripts/briefs_msgids.py      # prints the msgids missing from the Spanish catalogue
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MODULES = ("dashboard/figures/brief.py", "dashboard/words.py", "dashboard/exports.py", "dashboard/brief_buttons.py")


def _literal_calls(path: Path, names=("b_", "tr")) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names and node.args:
            a = node.args[0]
            if isinstance(a, ast.Constant) and isinstance(a.value, str):
                out.add(a.value)
    return out


def msgids() -> set[str]:
    from dashboard import words
    from dashboard.figures import brief
    from scoring.index import changes, report
    from scoring.index.levels import LEVEL_LABELS, LEVEL_MEANINGS
    from scoring.index.registry import load_registry

    ids: set[str] = set()
    for m in MODULES:
        ids |= _literal_calls(ROOT / m)
    ids |= _literal_calls(ROOT / "scoring" / "feed.py", ("tr",))
    ids |= set(LEVEL_LABELS) | set(LEVEL_MEANINGS.values())
    for row in words.LEVEL_ADVICE.values():
        ids |= set(row)
    for table in (words.KIND, words.METHOD_NAMES, words.PROFILE_NAMES, brief.CORRIDOR_KINDS, brief.EVENT_TYPE_NAMES,
                  brief.MUNICIPAL_SERIES_NAMES, brief.ASSESSORS, report.SOURCE_LABELS, changes.SERIES_NAMES):
        ids |= set(table.values())
    ids |= set(words.MONTHS) | set(brief.SOURCES) | {brief.VINTAGE_HEAD, brief.OWN_NOTE, "your imported events"}
    ids |= {label for label, _, _ in report.TREND_SERIES}
    ids |= {getattr(changes, k) for k in dir(changes) if k.startswith("T_")}
    reg = load_registry()
    for ind in reg.indicators:
        ids.add(ind.name)
        for kind in ("state", "corridor"):
            u = ind.unit
            if kind == "state":
                u = u.split(" (")[0]
            elif "(corridors: per 100 km)" in u:
                u = u.split(" per 100k")[0] + " per 100 km a year"
            ids.add(u)
    ids |= {p.name for p in reg.pillars}
    ids |= {brief.pdf_available.__doc__ and "" or ""}
    ids |= {"PDF needs Chromium, which is not installed here; download the HTML brief and print it from a browser.",
            "PDF needs the playwright package, which is not installed here; download the HTML brief instead."}
    ids.discard("")
    return ids


if __name__ == "__main__":
    from dashboard.i18n import catalogue

    have = catalogue("es", "briefs")
    for m in sorted(msgids() - set(have)):
        print(repr(m))
