"""External assessments: imported whole or not at all, compared with and never scored from."""

from __future__ import annotations

import pandas as pd
import pytest
from support.datahelpers import table_digest, write_csv

from scoring import cli
from scoring.db.store import Store
from scoring.errors import FormatError
from scoring.index import queries, report
from scoring.index.model import RiskModel
from scoring.index.weights import load_profile
from scoring.load import ingest

HEAD = "state,assessor,as_of,level,level_max,level_name\n"


def _scores(db) -> pd.DataFrame:
    store = Store(db)
    try:
        return RiskModel(store).run(load_profile("analyst"), uncertainty=False).table[["region_id", "score"]]
    finally:
        store.close()


def test_an_assessment_is_loaded_compared_and_never_scored(db_copy, tmp_path):
    before = _scores(db_copy)
    path = write_csv(tmp_path / "mine.csv", HEAD + "Sinaloa,Our team,2026-09-01,5,5,Critical\n"
                     "Yucatán,Our team,2026-09-01,1,5,Low\nJalisco,Our team,2026-09-01,4,5,\n")
    res = ingest.ingest(path, "assessment", db_copy)
    assert (res.loaded, res.rejected) == (3, 0)
    pd.testing.assert_frame_equal(_scores(db_copy), before, check_exact=True)    # never feeds a score
    store = Store(db_copy)
    try:
        ratings = queries.assessments(store)
        res_ = RiskModel(store).run(load_profile("analyst"), uncertainty=False)
    finally:
        store.close()
    found = {a.assessor: a for a in report.assessment_agreement(res_, ratings)}
    assert set(found) == {"Our team", "US Department of State travel advisory"}
    us = found["US Department of State travel advisory"]
    assert us.n == 32 and -1 <= us.rho <= 1 and len(us.table) == 32
    assert us.table["divergence"].abs().is_monotonic_decreasing and us.table["reason"].str.len().gt(0).all()
    lines = report.beside(res_, ratings, "25")
    assert any("Our team" in x and "Critical, 5 of 5" in x for x in lines)


@pytest.mark.parametrize("body, words", [
    ("Atlantis,X,2026-01-01,2,4,\n", "'Atlantis' is not in data/reference/state_names.csv"),
    ("Sinaloa,X,2026-01-01,5,4,\n", "level '5' is not a whole number from 1 to level_max"),
    ("Sinaloa,X,2026-01-01,3.5,4,\n", "level '3.5'"),
    ("Sinaloa,X,2026-13-01,3,4,\n", "is not YYYY-MM-DD"),
    ("Sinaloa,X,2026-01-01,3,1,\n", "level_max '1' is not a whole number from 2 to 10"),
    ("Sinaloa,X,0000-01-01,3,4,\n", "date '0000-01-01' is not YYYY-MM-DD"),   # was an internal error
    ("Sinaloa,X,1850-01-01,3,4,\n", "date '1850-01-01' is before 1900"),
    ("Sinaloa,X,2099-01-01,3,4,\n", "date '2099-01-01' is in the future"),
])
def test_a_bad_assessment_is_refused_whole_with_exit_2(db_copy, tmp_path, capsys, body, words):
    before = table_digest(db_copy)
    path = write_csv(tmp_path / "bad.csv", HEAD + "Yucatán,X,2026-01-01,1,4,\n" + body)
    with pytest.raises(FormatError, match="nothing was imported"):
        ingest.ingest(path, "assessment", db_copy)
    assert cli.main(["ingest", str(path), "--format", "assessment", "--db", str(db_copy)]) == 2
    err = capsys.readouterr().err
    errors = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "bad.csv, line 3" in errors[0] and words in errors[0]
    assert table_digest(db_copy) == before
