"""``python -m benchmarks [NAME ...]``: run the ``main()`` of every ``bench_*.py`` module here
(or only those named, e.g. ``python -m benchmarks ingest``), in name order."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def discover() -> list[str]:
    here = Path(__file__).resolve().parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))


def main(argv: list[str] | None = None) -> int:
    wanted = list(sys.argv[1:] if argv is None else argv)
    names = discover()
    if wanted:
        names = [n for n in names if n in wanted or n.removeprefix("bench_") in wanted]
        if not names:
            print(f"no benchmark module matches {wanted}; available: {', '.join(discover())}", file=sys.stderr)
            return 2
    failed = 0
    for name in names:
        print(f"== {name}", flush=True)
        t0 = time.perf_counter()
        module = importlib.import_module(f"{__package__ or 'benchmarks'}.{name}")
        run = getattr(module, "main", None)
        if run is None:
            print(f"   (no main() in {name}; skipped)")
            continue
        try:
            run()
        except Exception as exc:  # report and go on with the other modules
            failed += 1
            print(f"   {name} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        print(f"== {name} done in {time.perf_counter() - t0:.1f} s\n", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
