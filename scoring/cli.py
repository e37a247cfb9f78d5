"""Command line: ``python -m scoring {build,ingest,rejects,derive,score}``.

Errors the user can fix print one line to stderr and exit 2; no traceback reaches the
user (set ``RISK_DEBUG=1`` to see one for a bug).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback

from .errors import RiskError


def _build(args) -> int:
    from .build import build, rel

    path, counts, secs = build(args.db, progress=(lambda m: print(m, file=sys.stderr)) if args.verbose else None)
    summary = ", ".join(f"{k} {v:,}" for k, v in counts.items() if k in
                        ("states", "places", "corridors", "events", "facts", "official_stats", "population"))
    print(f"built {rel(path)} in {secs:.1f} s: {summary}")
    return 0


def _ingest(args) -> int:
    from .ingest import ingest

    last = [0.0]

    def say(msg):
        import time
        now = time.monotonic()
        if now - last[0] > 0.5:
            print(f"  ... {msg}", file=sys.stderr)
            last[0] = now

    res = ingest(args.path, args.format, args.db, release=args.release, say=say)
    print(res.summary())
    for note in res.notes:
        print(f"note: {note}")
    if res.rejected:
        print(f"see the rejected rows with: python -m scoring rejects {res.batch_id}")
    return 0


def _rejects(args) -> int:
    from .ingest import list_rejects

    df = list_rejects(args.db, args.batch)
    if df.empty:
        print("no rejected rows" + (f" in batch {args.batch}" if args.batch else ""))
        return 0
    if args.format == "csv":
        df.to_csv(sys.stdout, index=False)
    else:
        for r in df.itertuples(index=False):
            print(f"{r.batch_id}  line {r.line}  {r.field or '-'}: {r.reason}")
    return 0


def _derive(args) -> int:
    from .derive import derive

    rec = derive(args.shared, say=lambda m: print(m, file=sys.stderr))
    for name, meta in rec.items():
        print(f"{name}: {meta['rows_loaded']:,} rows -> data/derived/{meta['derived_file']}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m scoring", description="Mexico organised-crime risk scoring.")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="build the database from the repository's own files")
    b.add_argument("--db", help="database path (default: $RISK_DB, else data/risk.duckdb)")
    b.add_argument("-v", "--verbose", action="store_true", help="print each stage")
    b.set_defaults(func=_build)

    i = sub.add_parser("ingest", help="import a file as one batch")
    i.add_argument("path")
    from .ingest import FORMATS
    i.add_argument("--format", required=True, choices=FORMATS)
    i.add_argument("--db")
    i.add_argument("--release", help="publication month of the file, YYYY-MM (default: its last month with data)")
    i.set_defaults(func=_ingest)

    r = sub.add_parser("rejects", help="list rejected rows, of one batch or all")
    r.add_argument("batch", nargs="?")
    r.add_argument("--db")
    r.add_argument("--format", choices=("table", "csv"), default="table")
    r.set_defaults(func=_rejects)

    d = sub.add_parser("derive", help="regenerate data/derived from the original files in ../shared/data")
    d.add_argument("--shared", help="folder of the original files (default: ../shared/data)")
    d.set_defaults(func=_derive)
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except RiskError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not the user's fault: short message, details on request
        if os.environ.get("RISK_DEBUG"):
            traceback.print_exc()
        print(f"internal error: {type(exc).__name__}: {exc} (set RISK_DEBUG=1 for details)", file=sys.stderr)
        return 1
