"""The layout promises of ARCHITECTURE.md, checked on the source: the stages import each other
in one direction only, no module imports another in a circle, and only the data-access layers
open DuckDB or use Streamlit's caches."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("scoring", "dashboard")


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Project modules imported by ``name``, at any depth of the file (lazy imports included)."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        else:
            continue
        for t in targets:
            while t and t not in MODULES:
                t = t.rpartition(".")[0]
            if t and t != name:
                found.add(t)
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def test_the_graph_sees_the_stages():
    assert {"scoring.load.build", "scoring.index.matrix", "scoring.db.store", "dashboard.data"} <= set(GRAPH)
    assert "scoring.db.store" in GRAPH["scoring.load.build"]


@pytest.mark.parametrize("src, dst", [("scoring.load", "scoring.index"), ("scoring.index", "scoring.load"),
                                      ("scoring.db", "scoring.load"), ("scoring.db", "scoring.index"),
                                      ("scoring", "dashboard"), ("scoring.extract", "scoring.index"),
                                      ("scoring.load", "scoring.extract"), ("scoring.db", "scoring.extract"),
                                      ("scoring.index", "scoring.extract")])
def test_stages_import_in_one_direction(src, dst):
    bad = sorted(f"{m} -> {t}" for m, ts in GRAPH.items() if m.startswith(src + ".") or m == src
                 for t in ts if t.startswith(dst + ".") or t == dst)
    assert not bad, bad


def test_no_import_cycles():
    # package __init__ files that re-export lazily are edges too; a cycle is a path back to the start
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for t in sorted(GRAPH[m]):
            if state.get(t) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(t):] + [t]))
            if t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            visit(m)


def _uses(path: Path, needle: str) -> bool:
    return needle in path.read_text(encoding="utf-8")


def test_only_the_store_opens_duckdb_files():
    opening = sorted(n for n, p in MODULES.items() if _uses(p, "duckdb.connect("))
    assert opening == ["scoring.db.store"], opening


def test_only_the_data_module_caches_and_runs_sql_in_the_dashboard():
    caching = sorted(n for n, p in MODULES.items() if n.startswith("dashboard") and _uses(p, "st.cache_"))
    assert caching == ["dashboard.data"], caching
    sql = sorted(n for n, p in MODULES.items() if n.startswith("dashboard") and "SELECT " in p.read_text(encoding="utf-8"))
    assert sql in ([], ["dashboard.data"]), sql


def test_the_extractor_writes_nothing():
    """``scoring.extract`` proposes events; only the import path (scoring.load) writes them."""
    writing = sorted(n for n, p in MODULES.items() if n.startswith("scoring.extract")
                     and any(_uses(p, w) for w in ("insert_df(", "apply_to_copy(", "INSERT ", "DELETE ", "UPDATE ")))
    assert writing == [], writing
