"""``python -m dashboard.serve [streamlit options]``: serve the dashboard, warmed from the start.

``make run`` and ``make serve-team`` start the server this way rather than with ``streamlit run``.
It is ``streamlit run dashboard/app.py`` plus two things a plain start leaves to the first visitor:

1. Before the server listens, it imports what every session needs (pandas, DuckDB, plotly,
   scikit-learn and our own modules: about 1.6 s on a 2-core machine). Until now the first
   visitor of a just-started server paid that inside their first page.
2. It publishes the map outlines as static files (``dashboard/static/geo/``, served at
   ``/app/static/geo/``): the maps then name them by URL, and the browser fetches each once per
   page instead of receiving them inside every figure of every rerun (see
   :func:`dashboard.data.geojson_url`).
3. As soon as the server runs, a background thread computes the default view's results (the
   same cache entries the first page asks for: ``dashboard.data.warm_up_in_background``).
   It never blocks a request: a visitor who comes first computes, or waits for, the same
   entries. When ``--prepare`` (below) has saved them beside the database, the warm-up reads
   them in milliseconds instead.

``python -m dashboard.serve --prepare`` computes the default results and saves them beside the
database (:mod:`dashboard.saved`), then exits; ``make run`` runs it after the build, so a
just-started server has them from its first second. It does nothing when the saved file already
matches the database and the code.

Options are Streamlit's own (``--server.port 8501 --server.address 127.0.0.1`` ...), passed through.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"
READY_TIMEOUT_S = 120.0
# What the pages import (pandas, DuckDB, numpy, plotly, scikit-learn, Babel, our own modules): the
# pages themselves are scripts Streamlit runs per visit, their imports are loaded once per process.
PRELOAD = ("dashboard.data", "dashboard.sidebar", "dashboard.settings", "dashboard.wording", "dashboard.exports",
           "dashboard.brief_buttons", "dashboard.article_tab", "dashboard.text", "dashboard.figures.maps",
           "dashboard.figures.charts", "dashboard.figures.brief", "scoring.index.stretches", "scoring.index.methods",
           "scoring.load.ingest",
           # scoring.index.peers imports scikit-learn inside its functions (the command line's
           # change feed never needs it); the server loads it before its first visitor does
           "sklearn.cluster", "sklearn.decomposition", "sklearn.preprocessing")


def preload() -> float:
    """Import the modules every session uses; returns the seconds it took.

    Streamlit's data cache warns "No runtime found" when a cached function is defined before the
    server exists; that is expected here (nothing is *called* before the server runs, so every
    cache entry lands in the server's own cache), and the warning is silenced for the imports."""
    t0 = time.perf_counter()
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import streamlit.runtime.caching.cache_data_api  # noqa: F401  (its logger exists, with Streamlit's level)

    quiet = logging.getLogger("streamlit.runtime.caching.cache_data_api")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        for name in PRELOAD:
            importlib.import_module(name)
    finally:
        quiet.setLevel(level)
    return time.perf_counter() - t0


def publish_outlines() -> list[Path]:
    """Copy the outlines the maps draw (data/geo) into the app's static folder, where a copy is
    missing or differs; returns the files written. Never raises: without them the maps carry
    the outlines inline, as before."""
    from dashboard import data

    written = []
    for name in data.STATIC_GEO:
        src, dst = data.GEO_DIR / name, data.STATIC_GEO_DIR / name
        try:
            body = src.read_bytes()
            if not dst.is_file() or dst.read_bytes() != body:
                dst.parent.mkdir(parents=True, exist_ok=True)
                tmp = dst.with_suffix(".tmp")
                tmp.write_bytes(body)
                tmp.replace(dst)
                written.append(dst)
        except OSError as exc:
            print(f"the map outlines stay inline ({name}: {exc})", flush=True)
    return written


def warm_when_running(timeout_s: float = READY_TIMEOUT_S) -> bool:
    """Wait (in the calling thread) until Streamlit's runtime exists, then start the warm-up.
    Returns False if the runtime never came up."""
    from streamlit import runtime

    deadline = time.monotonic() + timeout_s
    while not runtime.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    from dashboard import data

    data.warm_up_in_background()
    return True


def prepare() -> int:
    """``--prepare``: the default results computed (or found current) and saved; exit code."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from dashboard import saved
    from scoring import paths

    db = paths.db_path()
    if saved.is_current(db):
        print(f"default results up to date ({saved.file_for(db)})", flush=True)
        return 0
    seconds = preload()
    from dashboard import data

    # "No runtime found, using MemoryCacheStorageManager": expected, this process serves nothing
    logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)
    try:
        ready = data.prepare()
    except Exception as exc:  # noqa: BLE001 - the server computes them itself if this fails
        print(f"default results not saved ({type(exc).__name__}: {exc}); the server will compute them", flush=True)
        return 0
    if ready is None:
        print(f"no database at {data.db_file()}: nothing to prepare", flush=True)
        return 0
    print(f"default results computed and saved in {seconds + ready[0]:.1f} s ({saved.file_for(db)})", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--prepare"]:
        return prepare()
    seconds = preload()
    publish_outlines()
    print(f"modules loaded in {seconds:.1f} s; the default results are computed in the background", flush=True)
    threading.Thread(target=warm_when_running, name="risk-warm-when-running", daemon=True).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *args]
    return cli.main()


if __name__ == "__main__":
    raise SystemExit(main())
