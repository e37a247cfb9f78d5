"""Bad input gives one clear line and exit 2, never a traceback; the JSON contract of
``python -m scoring extract``."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from support import ROOT

from scoring.errors import FormatError
from scoring.extract.text import MAX_BYTES, from_bytes, read_file

ARTICLES = ROOT / "tests" / "fixtures" / "articles"


def cli(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "scoring", "extract", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def test_json_contract():
    done = cli(ARTICLES / "es_celaya_bar.txt", "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert len(rows) == 2
    keys = {"date", "date_precision", "state", "municipality", "locality", "event_type", "fatalities", "injured",
            "actors", "evidence", "confidence"}
    assert all(keys <= set(r) for r in rows)
    first = rows[0]
    assert (first["date"], first["date_precision"], first["state"], first["municipality"]) == (
        "2024-03-10", "day", "Guanajuato", "Celaya")
    assert first["event_type"] == "killing" and first["fatalities"] == 6 and first["injured"] == 3
    assert isinstance(first["actors"], list) and first["confidence"] in ("high", "medium", "low")
    text = (ARTICLES / "es_celaya_bar.txt").read_text(encoding="utf-8")
    for ev in first["evidence"].values():
        assert text[ev["start"]:ev["end"]] == ev["text"]


def test_html_page_read_with_its_metadata():
    done = cli(ARTICLES / "en_reynosa_migrants.html", "--format", "json")
    rows = json.loads(done.stdout)
    assert [(r["event_type"], r["municipality"], r["date"]) for r in rows] == [("kidnapping", "Reynosa", "2025-03-17")]


def test_an_article_without_events_gives_none_and_a_reason():
    done = cli(ARTICLES / "es_economia_sin_eventos.txt", "--format", "json")
    assert done.returncode == 0 and json.loads(done.stdout) == []
    assert "no candidate events" in done.stderr


@pytest.mark.parametrize("name, payload, message", [
    ("empty.txt", b"", "is empty"),
    ("blank.txt", b"   \n\n  ", "is empty"),
    ("paper.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "is a PDF"),
    ("prog.txt", bytes(range(256)) * 20, "binary"),
    ("short.txt", b"Balacera en Celaya.", "not an article"),
    ("french.txt", ("Des hommes armés ont tué six personnes dans un bar de la ville dimanche soir, selon les "
                    "autorités locales qui ont ouvert une enquête.").encode(), "French"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, name, payload, message):
    path = tmp_path / name
    path.write_bytes(payload)
    done = cli(path, "--published", "2024-03-12")
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.txt"
    with path.open("wb") as f:
        f.truncate(50 * 1024 * 1024)      # 50 MB, sparse
    done = cli(path)
    assert done.returncode == 2 and "MB" in done.stderr and "Traceback" not in done.stderr


def test_missing_file_and_bad_date_exit_2(tmp_path):
    assert cli(tmp_path / "nope.txt").returncode == 2
    done = cli(ARTICLES / "es_celaya_bar.txt", "--published", "12/03/2024")
    assert done.returncode == 2 and "--published" in done.stderr


def test_no_date_in_text_asks_for_it(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Hombres armados asesinaron a seis personas el domingo en un bar de Celaya, Guanajuato, "
                    "informaron las autoridades del estado.", encoding="utf-8")
    done = cli(path)
    assert done.returncode == 2 and "--published" in done.stderr


def test_reading_limits_in_process():
    with pytest.raises(FormatError, match="MB"):
        from_bytes(b"a" * (MAX_BYTES + 1))
    with pytest.raises(FormatError, match="no such file"):
        read_file(ROOT / "no-such-article.txt")


def test_db_option_flags_likely_duplicates_read_only(tmp_path, built_db):
    path = tmp_path / "irapuato.txt"
    path.write_text("IRAPUATO, Gto., 3 de julio de 2020.- Hombres armados asesinaron a 27 personas el pasado miércoles "
                    "en un centro de rehabilitación de Irapuato, Guanajuato, informaron las autoridades.",
                    encoding="utf-8")
    before = built_db.stat().st_mtime_ns
    done = cli(path, "--db", built_db, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert [r["duplicate_of"] for r in json.loads(done.stdout)] == [["S012"]]
    assert built_db.stat().st_mtime_ns == before
    missing = cli(path, "--db", tmp_path / "none.duckdb")
    assert missing.returncode == 2 and "no database" in missing.stderr
