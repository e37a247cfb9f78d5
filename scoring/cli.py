"""Command line: ``python -m scoring {build,ingest,rejects,batches,remove,derive,score,history,compare,assessments,
changes,stretches,find,extract}``.

Errors the user can fix print one line to stderr and exit 2; no traceback reaches the
user (set ``RISK_DEBUG=1`` to see one for a bug).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback

from scoring.errors import RiskError


def _build(args) -> int:
    from scoring import paths
    from scoring.errors import OptionError
    from scoring.load.build import build
    from scoring.load.reference import rel

    target = paths.db_path(args.db)
    if target.is_dir():
        raise OptionError(f"--db {target}: is a folder; give the path of the database file to write")
    if not target.parent.is_dir() and target.parent.exists():
        raise OptionError(f"--db {target}: {target.parent} is not a folder")
    path, counts, secs = build(args.db, progress=(lambda m: print(m, file=sys.stderr)) if args.verbose else None)
    summary = ", ".join(f"{k} {v:,}" for k, v in counts.items() if k in
                        ("states", "places", "corridors", "events", "facts", "official_stats", "population"))
    print(f"built {rel(path)} in {secs:.1f} s: {summary}")
    _regenerate_feed(path)
    return 0


def _regenerate_feed(db) -> None:
    """After a build, an import or a removal: feed.atom and changes.json beside the database
    (:func:`scoring.feed.regenerate`). A failure here is reported, never fatal: the database is written."""
    from scoring import feed, paths
    from scoring.load.reference import rel

    try:
        atom_path, json_path = feed.regenerate(paths.db_path(db))
    except Exception as exc:  # noqa: BLE001 - the database is built; the feed is a by-product
        if os.environ.get("RISK_DEBUG"):
            traceback.print_exc()
        print(f"note: the change feed was not regenerated ({type(exc).__name__}: {exc})", file=sys.stderr)
        return
    print(f"what changed: {rel(atom_path)}, {rel(json_path)}")


def _ingest(args) -> int:
    from scoring.load.ingest import ingest

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
        print(f"note: {_plain(note)}")
    if not res.already_loaded:
        _regenerate_feed(args.db)
    return 0


def _rejects(args) -> int:
    from scoring.load.ingest import list_rejects

    df = list_rejects(args.db, args.batch)
    if df.empty:
        print("no rejected rows" + (f" in batch {args.batch}" if args.batch else ""))
        return 0
    if args.format == "csv":
        # the cells are a user's text: escape sequences are shown, never sent to the terminal
        text = ["batch_id", "field", "reason", "raw"]
        df[text] = df[text].map(lambda v: v if v is None or v != v else _plain(v))
        df.to_csv(sys.stdout, index=False)
    else:
        for r in df.itertuples(index=False):
            field = r.field if isinstance(r.field, str) and r.field else "-"    # NULL for a row of the wrong width
            print(f"{_plain(r.batch_id)}  line {r.line}  {_plain(field)}: {_plain(r.reason)}")
    return 0


def _derive(args) -> int:
    from scoring.load.derive import derive

    rec = derive(args.shared, say=lambda m: print(m, file=sys.stderr))
    for name, meta in rec.items():
        print(f"{name}: {meta['rows_loaded']:,} rows -> data/derived/{meta['derived_file']}")
    return 0


def _date(s: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {s!r}") from None


def _score(args) -> int:
    import json

    from scoring.index import report

    store, model, profile, opts = _open_model(args)
    try:
        res = model.run(profile, opts, uncertainty=not args.no_uncertainty)
        munis = model.municipalities(profile, opts) if args.regions in ("municipalities", "all") else None
        vintage = report.freshness(store)
    finally:
        store.close()
    if args.meta:
        _write_meta(args.meta, res, vintage)
    if args.regions == "municipalities":
        return _print_municipalities(args, res, munis, model.reg)
    table = res.table
    if args.regions != "all":
        keep = table["region_type"] == ("state" if args.regions == "states" else "corridor")
        table = table[keep]
    ids = set(table["region_id"])
    if args.format == "json":
        recs = [r for r in res.records() if r["region_id"] in ids]
        if munis is not None:
            from scoring.index import municipal

            recs += municipal.records(munis, model.reg)
        print(json.dumps(recs, ensure_ascii=False, indent=1))
    elif args.format == "csv":
        flat = _rounded(res.flat())
        flat[flat["region_id"].isin(ids)].to_csv(sys.stdout, index=False)
        if munis is not None:
            print()
            _rounded(_municipal_table(munis, args)).to_csv(sys.stdout, index=False)
    else:
        print(f"profile {profile.name}; as of {res.options.as_of}; window {opts.window_days} d; "
              f"half-life {opts.half_life_days:g} d")
        for note in res.matrix.meta["notes"]:
            print(f"note: {note}")
        for r in table.sort_values(["region_type", "rank"], ascending=[False, True]).itertuples(index=False):
            rank = "-" if r.rank != r.rank else f"{int(r.rank):>2}"
            rr = "" if r.rank_low != r.rank_low else f" [{int(r.rank_low)}-{int(r.rank_high)}]"
            print(f"{r.region_type:<8} {rank}{rr:<9} {r.score:5.2f} ({r.ci_low:4.2f}-{r.ci_high:4.2f}) "
                  f"{r.level_name:<8} {r.name[:60]}")
        if munis is not None:
            _print_municipal_text(munis, args)
    return 0


def _rounded(df):
    """CSV numbers as people read them: 2 decimals (points 3), ranks, levels and counts as integers."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype.kind != "f":
            continue
        if c.startswith(("rank", "median_rank", "level", "n_in_state")) or c == "pop":
            out[c] = out[c].round(0).astype("Int64")
        else:
            out[c] = out[c].round(3 if c.startswith("contrib_") else 2)
    return out


def _write_meta(path, res, vintage) -> None:
    """The sidecar of a score export: as-of, profile, weights, method, data vintage, generation time."""
    import datetime as dt
    import json
    from pathlib import Path

    from scoring.errors import OptionError

    p, o = res.profile, res.options
    doc = {"as_of": o.as_of.isoformat(), "profile": p.name,
           "weights": {"pillars": p.pillar_weights, "indicators": p.indicator_weights},
           "method": {"normalisation": p.normalisation, "aggregation": p.aggregation, "window_days": o.window_days,
                      "half_life_days": o.half_life_days, "buffer_km": o.buffer_km,
                      "thresholds": list(p.thresholds)},
           "data_vintage": {f.source: f.through.isoformat() for f in vintage},
           "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
           "notes": list(res.matrix.meta["notes"]),
           "codes": "INEGI codes are text: read them as strings (pandas: dtype={'region_id': str, 'cvegeo': str})"}
    try:
        Path(path).write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        raise OptionError(f"--meta {path}: {exc.strerror}") from None


def _municipal_table(munis, args):
    from scoring.index import municipal

    t = munis.table
    if getattr(args, "state", None):
        t = t[t["state_code"] == args.state]
    return t.sort_values(["rank", "cvegeo"], na_position="last")[municipal.RECORD_COLUMNS]


def _print_municipal_text(munis, args) -> None:
    t = _municipal_table(munis, args)
    print(f"municipalities: {t['score'].notna().sum():,} scored of {len(t):,}; scores shrunk toward the state's "
          "(empirical Bayes), 90% intervals")
    for r in t.itertuples(index=False):
        if r.score != r.score:
            print(f"municipality   -          -      no data  {r.name} ({r.cvegeo})")
            continue
        own = "" if r.own_data else "  [state's figures: no municipal series]"
        print(f"municipality {int(r.rank):>4} [{int(r.rank_low)}-{int(r.rank_high)}] {r.score:5.2f} "
              f"({r.ci_low:4.2f}-{r.ci_high:4.2f}) {r.level_name:<8} {r.name} ({r.cvegeo}), "
              f"{int(r.rank_in_state)} of {int(r.n_in_state)} in the state{own}")


def _print_municipalities(args, res, munis, reg) -> int:
    import json

    from scoring.index import municipal

    if munis is None:
        print("this database has no municipalities; rebuild it (python -m scoring build)", file=sys.stderr)
        return 2
    if args.format == "json":
        recs = municipal.records(munis, reg)
        if args.state:
            recs = [r for r in recs if r["state_code"] == args.state]
        print(json.dumps(recs, ensure_ascii=False, indent=1))
    elif args.format == "csv":
        _municipal_table(munis, args).to_csv(sys.stdout, index=False)
    else:
        print(f"profile {res.profile.name}; as of {res.options.as_of}")
        _print_municipal_text(munis, args)
    return 0


def _batches(args) -> int:
    from scoring.load.ingest import batches

    df = batches(args.db)
    if args.format == "csv":
        df.to_csv(sys.stdout, index=False)
        return 0
    if df.empty:
        print("no batches")
        return 0
    for r in df.itertuples(index=False):
        print(f"{r.batch_id:<48} {r.kind:<8} {r.loaded_at:%Y-%m-%d %H:%M}  {r.format:<18} release {r.release or '-':<8}"
              f" loaded {r.rows_loaded:>9,}  rejected {r.rows_rejected:>6,}  {_plain(r.file_name)}")
    return 0


def _remove(args) -> int:
    from scoring.load.ingest import remove

    counts = remove(args.batch, args.db)
    moved = ", ".join(f"{v:,} {k}" for k, v in counts.items() if v and k != "restored_event_ids")
    print(f"removed batch {args.batch}: {moved or 'no rows'}; quality flags and corridor distances refreshed")
    _regenerate_feed(args.db)
    return 0


def _plain(text) -> str:
    """A user's text for a terminal: control characters (escape sequences) shown, not obeyed."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def _find(args) -> int:
    import json

    from scoring.load.names import PlaceFinder

    found = PlaceFinder().find(args.text, limit=args.limit)
    if args.format == "json":
        print(json.dumps([f.as_dict() for f in found], ensure_ascii=False, indent=1))
        return 0
    if not found:
        print(f"no place matches {args.text!r}")
        return 0
    for f in found:
        where = f"in {f.municipality}, {f.state_name}" if f.municipality else (f.state_name if f.kind != "state" else "")
        print(f"{f.kind:<12} {f.code:<28} {f.name}" + (f" ({where})" if where else "") + f"  [{f.match}]")
    return 0


def _stretches(args) -> int:
    import json

    from scoring.errors import OptionError
    from scoring.index import stretches

    store, model, profile, opts = _open_model(args)
    try:
        ms = model.municipalities(profile, opts, compare=False)
        if ms is None or not stretches.has_stretches(store):
            print("this database has no corridor stretches; rebuild it (python -m scoring build)", file=sys.stderr)
            return 2
        st = stretches.score_stretches(store, ms.table, profile.thresholds)
    finally:
        store.close()
    levels = stretches.corridor_levels(st, profile.thresholds)
    if args.corridor:
        if args.corridor not in set(st["corridor_id"]):
            raise OptionError(f"no corridor {args.corridor!r}; ids: {', '.join(sorted(set(st['corridor_id'])))}")
        st = st[st["corridor_id"] == args.corridor]
        levels = levels[levels["corridor_id"] == args.corridor]
    cols = ["corridor_id", "seq", "from_name", "to_name", "length_km", "score", "ci_low", "ci_high", "level_name",
            "worst_municipality", "municipalities"]
    if args.format == "json":
        out = {"corridors": levels.round(3).to_dict(orient="records"),
               "stretches": st[cols].round(3).to_dict(orient="records") if args.corridor else []}
        print(json.dumps(out, ensure_ascii=False, indent=1, default=str))
    elif args.format == "csv":
        (st[cols] if args.corridor else levels).round(3).to_csv(sys.stdout, index=False)
    else:
        for r in levels.itertuples(index=False):
            print(f"{r.corridor_id:<30} {r.level_name:<8} ({r.worst_km:,.0f} of {r.length_km:,.0f} km at that level or "
                  f"above); worst stretch: {r.worst_stretch}: {r.worst_level_name} ({r.worst_score:.2f}); "
                  f"length-weighted mean {r.mean_score:.2f}")
        if args.corridor:
            for r in st.itertuples(index=False):
                print(f"  {r.seq:>3} {r.from_name} to {r.to_name} ({r.length_km:,.0f} km): {r.level_name} "
                      f"{r.score:.2f} ({r.ci_low:.2f}-{r.ci_high:.2f}); worst: {r.worst_municipality}")
    return 0


def _extract(args) -> int:
    import datetime as dt

    from scoring.errors import OptionError
    from scoring.extract import report
    from scoring.extract.events import extract
    from scoring.extract.text import read_file

    try:
        published = dt.date.fromisoformat(args.published) if args.published else None
    except ValueError:
        raise OptionError(f"--published must be YYYY-MM-DD, got {args.published!r}") from None
    ex = extract(read_file(args.path), published=published, lang=args.lang)
    if args.db:
        from scoring.extract.duplicates import flag_duplicates
        flag_duplicates(ex.candidates, args.db)
    print(report.render(ex, args.format))
    if not ex.candidates:
        print(f"no candidate events: {ex.reason}", file=sys.stderr)
    return 0


def _open_model(args):
    """(store, model, profile, options) for the scoring subcommands that share score's options."""
    from scoring import paths
    from scoring.db.store import Store
    from scoring.index.matrix import TimeOptions
    from scoring.index.model import RiskModel
    from scoring.index.weights import load_profile, load_weights_file
    from scoring.load.ingest import check_database

    db = paths.db_path(args.db)
    check_database(db)     # missing, a folder, damaged, truncated or foreign: one line, exit 2
    profile = load_weights_file(args.weights) if args.weights else load_profile(args.profile)
    opts = TimeOptions(as_of=args.as_of, window_days=args.window_days, half_life_days=args.half_life_days,
                       buffer_km=args.buffer_km, undercount=args.undercount, embedded_only=args.embedded_only)
    store = Store(db)
    return store, RiskModel(store), profile, opts


def _history(args) -> int:
    from scoring.index import report
    from scoring.index.levels import level_name

    store, model, profile, opts = _open_model(args)
    try:
        latest = model.run(profile, opts, uncertainty=False, compare=False)
        rid = report.find_region(latest, args.region)
        hist = report.score_history(model, profile, opts, args.quarters)
    finally:
        store.close()
    h = hist[hist["region_id"] == rid]
    print(f"{h['name'].iat[0]}: score each quarter; profile {profile.name}, window {opts.window_days} d")
    for r in h.itertuples(index=False):
        print(f"{r.as_of}  {r.score:5.2f}  {level_name(r.level)}")
    return 0


def _compare(args) -> int:
    from scoring.errors import OptionError
    from scoring.index import report

    if len(args.regions) < 2:
        raise OptionError("compare needs two regions or more")
    store, model, profile, opts = _open_model(args)
    try:
        res = model.run(profile, opts, uncertainty=False, compare=False)
    finally:
        store.close()
    ids = [report.find_region(res, r) for r in args.regions]
    t = res.table.set_index("region_id")
    print(f"profile {profile.name}; as of {res.options.as_of}; window {opts.window_days} d")
    for rid in ids:
        print(f"{t.at[rid, 'score']:5.2f}  {t.at[rid, 'level_name']:<8} {t.at[rid, 'name']}")
    a = ids[0]
    for b in ids[1:]:
        g = report.gap(res, a, b)
        print(f"\n{t.at[a, 'name']} - {t.at[b, 'name']}: {g.gap:+.2f} points")
        for r in g.parts.head(args.top).itertuples(index=False):
            print(f"  {r.difference:+6.2f}  {r.indicator_name} ({r.points_a:.2f} vs {r.points_b:.2f})")
    return 0


def _assessments(args) -> int:
    from scoring.index import queries, report

    store, model, profile, opts = _open_model(args)
    try:
        res = model.run(profile, opts, uncertainty=False, compare=False)
        ratings = queries.assessments(store)
    finally:
        store.close()
    found = report.assessment_agreement(res, ratings)
    if not found:
        print("no external assessment in the database (import one with: ingest FILE --format assessment)")
        return 0
    print(f"profile {profile.name}; as of {res.options.as_of}. References are compared with, never scored from.")
    for a in found:
        print(f"\n{a.assessor} ({a.as_of}): Spearman's rho {a.rho:+.2f} over {a.n} states")
        print("largest divergences (percentile rank, ours minus theirs):")
        for r in a.table.head(args.top).itertuples(index=False):
            theirs = f"{r.their_level} of {r.their_max}" + (f" {r.their_name}" if isinstance(r.their_name, str) else "")
            print(f"  {r.divergence:+.2f}  {r.name}: we {r.level_name} (rank {int(r.rank)}), they {theirs}; {r.reason}")
    return 0


def _since(s: str):
    from scoring.index.changes import month_end

    try:
        return month_end(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM, got {s!r}") from None


def _changes(args) -> int:
    import json

    from scoring import feed
    from scoring.errors import OptionError
    from scoring.index.changes import changes

    store, model, profile, opts = _open_model(args)
    try:
        as_of = opts.as_of or model.default_as_of()
        if args.since >= as_of:
            raise OptionError(f"--since {args.since:%Y-%m} ends on or after the as-of date {as_of}; give an earlier month")
        ch = changes(model, profile, opts, args.since, top=args.top)
    finally:
        store.close()
    if args.format == "json":
        text = json.dumps(feed.digest(ch), ensure_ascii=False, indent=1) + "\n"
    elif args.format == "atom":
        text = feed.atom(ch)
    else:
        lines = [f"what changed from {ch.since} to {ch.as_of}; profile {ch.profile}, window {opts.window_days} d"]
        kinds = {"state": "state", "corridor": "corridor", "municipality": "municipality"}
        lc = ch.level_changes
        lines.append(f"\nlevel changes: {len(lc)} ({', '.join(f'{n} {k}' for k, n in lc.groupby('region_type', sort=False).size().items()) or 'none'})")
        for r in lc.head(args.list).itertuples(index=False):
            lines.append(f"  {kinds[r.region_type]:<12} {_plain(r.name)[:50]:<50} {r.reason}")
        if len(lc) > args.list:
            lines.append(f"  ... {len(lc) - args.list} more (--list N, or --format json for all)")
        lines.append(f"\nbiggest movers in score (top {args.top} per kind):")
        for r in ch.movers.itertuples(index=False):
            lines.append(f"  {kinds[r.region_type]:<12} {r.change:+6.2f}  {_plain(r.name)[:50]:<50} {r.reason}")
        lines.append(f"\nnew spikes (months after {ch.since:%B %Y}): {len(ch.spikes)}")
        for r in ch.spikes.itertuples(index=False):
            lines.append(f"  {r.name}: {r.reason}")
        text = "\n".join(lines) + "\n"
    if args.out:
        from pathlib import Path

        out = Path(args.out)
        if out.is_dir():
            raise OptionError(f"--out {out}: is a folder; give a file name")
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise OptionError(f"--out {out}: {exc.strerror}") from None
        print(f"wrote {out}")
    else:
        sys.stdout.write(text)
    return 0


def _scoring_options(sp) -> None:
    """The profile and time options of score, history and compare."""
    from scoring.index.matrix import DEFAULT_BUFFER_KM, DEFAULT_HALF_LIFE_DAYS, DEFAULT_WINDOW_DAYS

    sp.add_argument("--db")
    g = sp.add_mutually_exclusive_group()
    g.add_argument("--profile", default="analyst", help="traveler, investor, security or analyst (default)")
    g.add_argument("--weights", help="a YAML weights file (see scoring/config/profiles/)")
    sp.add_argument("--as-of", type=_date, help="YYYY-MM-DD (default: the latest month with official data)")
    sp.add_argument("--window-days", type=int, default=DEFAULT_WINDOW_DAYS)
    sp.add_argument("--half-life-days", type=float, default=DEFAULT_HALF_LIFE_DAYS)
    sp.add_argument("--buffer-km", type=float, default=DEFAULT_BUFFER_KM, help="corridor buffer (1-50 km)")
    sp.add_argument("--undercount", action="store_true",
                    help="scale homicide files by the deaths INEGI's death certificates record per file (off by default)")
    sp.add_argument("--embedded-only", action="store_true", help="leave every imported batch out (the data as built)")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m scoring", description="Mexico organised-crime risk scoring.")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="build the database from the repository's own files")
    b.add_argument("--db", help="database path (default: $RISK_DB, else data/risk.duckdb)")
    b.add_argument("-v", "--verbose", action="store_true", help="print each stage")
    b.set_defaults(func=_build)

    i = sub.add_parser("ingest", help="import a file (CSV or Parquet) as one batch")
    i.add_argument("path", help="a CSV file, or a Parquet file with the same columns (known by its bytes)")
    from scoring.load.ingest import FORMATS
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
    sc = sub.add_parser("score", help="risk scores for every state and corridor")
    _scoring_options(sc)
    sc.add_argument("--regions", choices=("states", "corridors", "municipalities", "all"), default="all")
    sc.add_argument("--state", metavar="CODE", help="with municipalities: only this state's (INEGI code, e.g. 23)")
    sc.add_argument("--format", choices=("table", "csv", "json"), default="table")
    sc.add_argument("--no-uncertainty", action="store_true", help="skip the bootstrap and Monte-Carlo")
    sc.add_argument("--meta", metavar="FILE", help="also write a JSON sidecar: as-of, profile, weights, method, "
                                                   "data vintage and generation time")
    sc.set_defaults(func=_score)

    hi = sub.add_parser("history", help="one region's score at quarterly as-of dates")
    hi.add_argument("region", help="INEGI code, corridor id or name")
    hi.add_argument("--quarters", type=int, default=8)
    _scoring_options(hi)
    hi.set_defaults(func=_history)

    co = sub.add_parser("compare", help="what drives the score gap between the first region and each other")
    co.add_argument("regions", nargs="+", metavar="REGION", help="two or more INEGI codes, corridor ids or names")
    co.add_argument("--top", type=int, default=5, help="indicators listed per gap")
    _scoring_options(co)
    co.set_defaults(func=_compare)

    ba = sub.add_parser("batches", help="every imported batch: id, when, file, format, release, rows")
    ba.add_argument("--db")
    ba.add_argument("--format", choices=("table", "csv"), default="table")
    ba.set_defaults(func=_batches)

    rm = sub.add_parser("remove", help="take an imported batch out again (rows it replaced come back)")
    rm.add_argument("batch")
    rm.add_argument("--db")
    rm.set_defaults(func=_remove)

    asm = sub.add_parser("assessments", help="agreement with external ratings (Spearman's rho, largest divergences)")
    asm.add_argument("--top", type=int, default=5, help="divergences listed per assessor")
    _scoring_options(asm)
    asm.set_defaults(func=_assessments)

    ch = sub.add_parser("changes", help="what changed since a month: level changes, biggest movers, new spikes")
    ch.add_argument("--since", type=_since, required=True, metavar="YYYY-MM",
                    help="compare with the scores at the end of this month")
    ch.add_argument("--top", type=int, default=10, help="movers listed per kind (state, corridor, municipality)")
    ch.add_argument("--list", type=int, default=40, help="level changes listed in the table format")
    ch.add_argument("--format", choices=("table", "json", "atom"), default="table")
    ch.add_argument("--out", metavar="FILE", help="write to FILE instead of the terminal")
    _scoring_options(ch)
    ch.set_defaults(func=_changes)

    se = sub.add_parser("stretches", help="corridors stretch by stretch: each stretch's level and each corridor's "
                                         "worst sustained stretch")
    se.add_argument("corridor", nargs="?", help="one corridor id (default: every corridor's summary)")
    _scoring_options(se)
    se.add_argument("--format", choices=("table", "json", "csv"), default="table")
    se.set_defaults(func=_stretches)
    f = sub.add_parser("find", help="find a state, municipality, town or corridor by name (accents and case ignored)")
    f.add_argument("text")
    f.add_argument("--limit", type=int, default=10)
    f.add_argument("--format", choices=("table", "json"), default="table")
    f.set_defaults(func=_find)

    ex = sub.add_parser("extract", help="candidate events reported by a news article (plain text or HTML), "
                                        "with the evidence of each field; nothing is written")
    ex.add_argument("path", metavar="FILE")
    ex.add_argument("--published", help="publication date YYYY-MM-DD (default: from the text's dateline or "
                                         "'published' line)")
    ex.add_argument("--lang", choices=("es", "en", "auto"), default="auto")
    ex.add_argument("--format", choices=("table", "json", "csv"), default="table")
    ex.add_argument("--db", help="flag likely duplicates of events in this database (read only)")
    ex.set_defaults(func=_extract)
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
    except BrokenPipeError:
        # the reader stopped early (`... | head`): not an error. Point stdout at devnull so the
        # interpreter's final flush does not raise again (the recipe of the Python docs, "signal").
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug, not the user's fault: short message, details on request
        if os.environ.get("RISK_DEBUG"):
            traceback.print_exc()
        print(f"internal error: {type(exc).__name__}: {exc} (set RISK_DEBUG=1 for details)", file=sys.stderr)
        return 1
