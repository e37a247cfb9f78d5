"""Benchmark of the article extractor (issue 14): per-field precision and recall on the
development set, a naive baseline in the same run, and the time per article.

Run with ``python -m benchmarks extract``.

* the development set: the articles written for the project in ``tests/fixtures/articles``
  (labels in ``labels.csv``; ``set`` says whether the rules were tuned on them, tuned on them after
  a first blind run (whose figures docs/METHODS.md keeps), or held out) and the five seed articles, read from ``../shared/seeds`` when
  present (labels: the events of ``seeds/events.csv`` whose sources name the article); when that
  folder is absent they are skipped and the output says so;
* fields: event found; date right within its precision (the candidate's days lie inside the
  labelled ones); state; municipality; type; fatalities (exactly the labelled count);
* the baseline: one event per article, dated the publication day, in the first state the text
  names (or the state of its first place), at its first place, typed 'killing', with the first
  death count found;
* the type classifier: TF-IDF of the candidate's sentences and a logistic regression, trained
  leave-one-article-out on the matched candidates, against the rules on the same candidates.

Nothing is asserted: the figures are printed.
"""

from __future__ import annotations

import csv
import datetime as dt
import platform
import statistics
import time

from scoring import paths
from scoring.extract import evaluate
from scoring.extract.events import extract
from scoring.extract.folding import fold_keep
from scoring.extract.numbers import find_counts
from scoring.extract.places import index as place_index
from scoring.extract.text import read_file

DEV = paths.ROOT / "tests" / "fixtures" / "articles"
SHARED_SEEDS = paths.ROOT.parent / "shared" / "seeds"


def _date(s: str) -> dt.date:
    return dt.date.fromisoformat(s if len(s) == 10 else s + "-15")   # A004 is dated to the month only


def dev_set() -> tuple[list[dict], list[evaluate.Gold], str]:
    """(articles, labelled events, a note on what was left out)."""
    arts, gold = [], []
    with (DEV / "articles.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            arts.append({"id": r["article"], "path": DEV / r["file"], "published": _date(r["published"]),
                         "language": r["language"], "set": r.get("set") or "tuned"})
    with (DEV / "labels.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            gold.append(evaluate.Gold(r["article"], f"{r['article']}#{r['event']}", _date(r["date"]),
                                      r["date_precision"], r["state_code"], r["municipality_code"], r["event_type"],
                                      int(r["fatalities"]) if r["fatalities"] else None))
    note = ""
    if SHARED_SEEDS.is_dir():
        with (paths.SEEDS / "manifest.csv").open(encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                arts.append({"id": r["article_id"], "path": SHARED_SEEDS / r["file"], "published": _date(r["published"]),
                             "language": r["language"], "set": "seed"})
        with (paths.SEEDS / "events.csv").open(encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                for a in r["source_ids"].split(";"):
                    gold.append(evaluate.Gold(a.strip(), r["event_id"], _date(r["date"]), r["date_precision"],
                                              r["state_code"].zfill(2), r["municipality_code"], r["event_type"],
                                              int(r["fatalities"]) if r["fatalities"] else None))
    else:
        note = f"the five seed articles were skipped: {SHARED_SEEDS} is absent"
    return arts, gold, note


def _baseline(text: str, art_id: str, published: dt.date) -> evaluate.Pred:
    folded = fold_keep(text)
    ix = place_index()
    ms = ix.mentions(text, folded)
    state = next((m.state_code for m in ms if m.kind == "state"), "")
    muni = ""
    first_place = next((m for m in ms if m.kind == "place"), None)
    if first_place is not None:
        r = ix.resolve(first_place, [])
        if r is not None:
            muni = r.municipality_code
            state = state or r.match.state_code
    deaths = next((c.value for c in find_counts(folded) if c.kind == "fatalities"), None)
    return evaluate.Pred(art_id, published, "day", state, muni, "killing", deaths)


def _print_table(title: str, t: evaluate.Tally) -> None:
    print(f"   {title}: {t.labelled['event']} labelled events, {t.predicted['event']} candidates, "
          f"{t.correct['event']} matched")
    print(f"   {'field':<13}{'precision':>10}{'recall':>8}   (correct / candidates with it / labelled with it)")
    for f in evaluate.FIELDS:
        p, r = t.pr(f)
        print(f"   {f:<13}{p:>10.2f}{r:>8.2f}   ({t.correct[f]} / {t.predicted[f]} / {t.labelled[f]})")
    found = t.correct["event"]
    if found:
        print(f"   state right in {t.correct['state'] / found:.0%} of found events; "
              f"type right in {t.correct['type'] / found:.0%}; date right in {t.correct['date'] / found:.0%}")


def _classifier(pairs) -> str:
    """Type accuracy of a leave-one-article-out TF-IDF + logistic regression, against the rules."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    arts = sorted({g.article for g, _ in pairs})
    right_rules = right_clf = n = 0
    for a in arts:
        train = [(p.text, g.event_type) for g, p in pairs if g.article != a]
        test = [(p, g) for g, p in pairs if g.article == a]
        if len({y for _, y in train}) < 2:
            continue
        model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, strip_accents="unicode"),
                              LogisticRegression(max_iter=1000, C=10.0))
        model.fit([x for x, _ in train], [y for _, y in train])
        for p, g in test:
            n += 1
            right_rules += p.event_type == g.event_type
            right_clf += model.predict([p.text])[0] == g.event_type
    if not n:
        return "   type classifier: too few matched events to train"
    return (f"   type on the {n} matched events: rules {right_rules / n:.0%}, classifier (TF-IDF + logistic regression, "
            f"leave-one-article-out) {right_clf / n:.0%}; "
            + ("the classifier beats the rules" if right_clf > right_rules else "the rules are kept"))


def main() -> None:
    arts, gold, note = dev_set()
    print(f"   {len(arts)} articles ({sum(a['set'] == 'seed' for a in arts)} seed), {len(gold)} labelled events; "
          f"{platform.python_version()} on {platform.machine()}")
    if note:
        print(f"   note: {note}")
    t0 = time.perf_counter()
    extract(read_file(arts[0]["path"]), published=arts[0]["published"])     # loads the gazetteer and lexicon
    warm = time.perf_counter() - t0
    preds, base, times = [], [], []
    for a in arts:
        art = read_file(a["path"])
        t = time.perf_counter()
        ex = extract(art, published=a["published"], lang=a["language"])
        times.append(time.perf_counter() - t)
        for c in ex.candidates:
            text = " ".join(art.text[s:e] for s, e in c.spans)
            preds.append(evaluate.Pred(a["id"], c.date, c.date_precision, c.state_code, c.municipality_code,
                                       c.event_type, c.fatalities, text))
        base.append(_baseline(art.text, a["id"], a["published"]))
    for label, subset in (("all", None), ("first written set (rules tuned on them)", "tuned"),
                          ("second written set (tuned after a first blind run)", "tuned_after_first_run"),
                          ("held-out (written, never tuned on)", "held_out"), ("seed", "seed")):
        ids = {a["id"] for a in arts if subset is None or a["set"] == subset}
        if not ids:
            continue
        g = [x for x in gold if x.article in ids]
        _print_table(f"extractor, {label} articles", evaluate.tally(g, [p for p in preds if p.article in ids]))
        if label == "all":
            _print_table("baseline (one event per article), all articles",
                         evaluate.tally(g, [p for p in base if p.article in ids]))
    t = evaluate.tally(gold, preds)
    print(_classifier(t.pairs))
    print("   misses (labelled events not found):")
    for g in t.missed:
        print(f"     {g.key}: {g.date} ({g.date_precision}) {g.state_code} {g.municipality_code or '-'} {g.event_type}")
    print("   spurious candidates:")
    for p in t.spurious:
        print(f"     {p.article}: {p.date} ({p.date_precision}) {p.state_code} {p.municipality_code or '-'} {p.event_type}")
    print("   wrong fields on found events:")
    for g, p in t.pairs:
        wrong = [f for f, ok in (("date", evaluate.date_right(p, g)), ("state", p.state_code == g.state_code),
                                 ("municipality", not g.municipality_code or p.municipality_code == g.municipality_code),
                                 ("type", p.event_type == g.event_type),
                                 ("fatalities", g.fatalities is None or p.fatalities == g.fatalities)) if not ok]
        if wrong:
            print(f"     {g.key}: {', '.join(wrong)} (got {p.date} {p.date_precision} {p.state_code} "
                  f"{p.municipality_code or '-'} {p.event_type} {p.fatalities})")
    print(f"   time per article: median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
          f"(first call, loading gazetteer and lexicon: {warm * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
