"""One writer: a command-line import and a page import into one database, started together,
both land; a killed write's temporary copy is cleaned by the next writer."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading

import pytest
from support import ROOT
from support.datahelpers import write_csv

from scoring.db import store
from scoring.load import ingest, upload

HEAD = "event_id,date,date_precision,state_code,geo_precision,event_type,fatalities,source_ids\n"


def _events(tmp_path, tag: str, n: int):
    rows = "".join(f"{tag}{i},2026-07-{1 + i % 28:02d},day,{1 + i % 32:02d},state,killing,1,MyNotes\n"
                   for i in range(n))
    return write_csv(tmp_path / f"{tag}.csv", HEAD + rows)


def test_a_cli_import_and_a_page_import_at_once_both_land(db_copy, tmp_path):
    rng = random.Random(7)
    for round_ in range(3):
        cli_file, page_file = _events(tmp_path, f"C{round_}x", 40), _events(tmp_path, f"P{round_}x", 25)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen([sys.executable, "-c", (
            "import random, sys, time; time.sleep(random.random() * 0.3); "
            "from scoring import cli; sys.exit(cli.main(sys.argv[1:]))"),
            "ingest", str(cli_file), "--format", "events", "--db", str(db_copy)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        import time
        time.sleep(rng.random() * 2.5)      # the CLI process needs 1-2 s to start: land anywhere in its write
        page = upload.import_upload(db_copy, page_file.name, page_file.read_bytes(), "events")
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert page.result.loaded == 25
        con = store.connect(db_copy, read_only=True)
        try:
            got = dict(con.execute(f"""SELECT substr(event_id, 1, 3), count(*) FROM events
                                       WHERE event_id LIKE 'C{round_}x%' OR event_id LIKE 'P{round_}x%'
                                       GROUP BY 1""").fetchall())
            batches = con.execute("SELECT count(*) FROM ingest_batches WHERE file_name IN (?, ?)",
                                  [cli_file.name, page_file.name]).fetchall()[0][0]
        finally:
            con.close()
        assert got == {f"C{round_}x": 40, f"P{round_}x": 25} and batches == 2, (round_, got, out, err)


def test_a_killed_writers_temporary_copy_is_cleaned_by_the_next_writer(db_copy, tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = db_copy.with_name(f".{db_copy.name}.import-{dead.pid}-1234")
    stale.write_bytes(b"half a copy")
    spill = db_copy.with_name(f".{db_copy.name}.import-{dead.pid}-1234.tmp")   # DuckDB's spill folder
    spill.mkdir()
    (spill / "duckdb_temp_storage-0.tmp").write_bytes(b"spilled")
    mine = db_copy.with_name(f".{db_copy.name}.import-{os.getpid()}-1")   # a live writer's: kept
    mine.write_bytes(b"in progress")
    ingest.ingest(_events(tmp_path, "K", 3), "events", db_copy)
    assert not stale.exists() and not spill.exists() and mine.exists()
    mine.unlink()


def test_an_import_on_a_copy_runs_under_a_memory_limit(db_copy, monkeypatch):
    """Imports cap DuckDB's memory (it spills beyond it), configurable; removals do not."""
    def limit(con):
        return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]

    seen = [store.apply_to_copy(db_copy, limit, limit_memory=True)]
    monkeypatch.setenv(store.WRITE_MEMORY_ENV, "1GB")
    seen.append(store.apply_to_copy(db_copy, limit, limit_memory=True))
    seen.append(store.apply_to_copy(db_copy, limit))
    monkeypatch.setenv(store.WRITE_MEMORY_ENV, "1; DROP TABLE events")     # not a size: ignored
    assert store.apply_to_copy(db_copy, lambda con: con.execute("SELECT count(*) FROM events").fetchone()[0],
                               limit_memory=True) > 0
    assert seen[0].startswith(("286", "300")) and seen[1].startswith(("953", "1000", "1.0")), seen
    assert seen[2] != seen[0] and seen[2] != seen[1], seen


def test_a_write_yields_the_cpu_in_its_own_thread_only(db_copy, monkeypatch):
    """An import runs at a lower CPU priority than the pages (its thread, and DuckDB's threads
    started for it); the priority is back afterwards where the process may raise it; 0 = off."""
    tid = threading.get_native_id()
    start = os.getpriority(os.PRIO_PROCESS, tid)
    if start > 19 - store.WRITE_NICE_DEFAULT:
        pytest.skip(f"this test runs at nice {start}: no room to lower it by {store.WRITE_NICE_DEFAULT}")

    def nice_now(con):
        con.execute("SELECT count(*) FROM events").fetchone()
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    during = store.apply_to_copy(db_copy, nice_now, limit_memory=True)
    assert during == start + store.WRITE_NICE_DEFAULT
    other = []
    t = threading.Thread(target=lambda: other.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))
    with store.yielding_cpu():
        t.start()            # started inside the write: inherits the write's priority ...
        t.join()
        inside = os.getpriority(os.PRIO_PROCESS, tid)
    assert other == [inside] == [start + store.WRITE_NICE_DEFAULT]
    if os.geteuid() == 0:    # ... and only a privileged process may raise it back
        assert os.getpriority(os.PRIO_PROCESS, tid) == start
        monkeypatch.setenv(store.WRITE_NICE_ENV, "0")
        assert store.apply_to_copy(db_copy, nice_now) == start


def test_an_import_that_runs_out_under_the_cap_starts_again_without_it(db_copy):
    import duckdb

    tries = []

    def write(con):
        tries.append(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])
        con.execute("INSERT INTO sources (source_id, kind, title) VALUES (?, 'dataset', 'x')", [f"S{len(tries)}"])
        if len(tries) == 1:
            raise duckdb.OutOfMemoryException("Out of Memory Error: failed to pin block")
        return "done"

    notes = []
    assert store.apply_to_copy(db_copy, write, limit_memory=True, on_wait=notes.append) == "done"
    assert len(tries) == 2 and tries[0] != tries[1] and notes
    con = store.connect(db_copy, read_only=True)
    try:        # the first try's row is not kept: the second ran on a fresh copy
        got = [r[0] for r in con.execute("SELECT source_id FROM sources WHERE source_id IN ('S1', 'S2')").fetchall()]
    finally:
        con.close()
    assert got == ["S2"]


def test_a_writer_killed_at_any_point_leaves_the_database_before_or_after(db_copy, tmp_path):
    """kill -9 a CLI import at random points: the database opens and equals the state before
    or after the import, and the next writer cleans what the killed one left."""
    import signal
    import time

    from support.datahelpers import table_digest

    rng = random.Random(11)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for k in range(6):
        before = table_digest(db_copy)
        path = _events(tmp_path, f"X{k}x", 30)
        proc = subprocess.Popen([sys.executable, "-m", "scoring", "ingest", str(path), "--format", "events",
                                 "--db", str(db_copy)], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.5, 3.0))          # start-up, parse, copy, write, swap: somewhere in there
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        after = table_digest(db_copy)               # the file opens (table_digest connects read-only)
        con = store.connect(db_copy, read_only=True)
        try:
            landed = con.execute(f"SELECT count(*) FROM events WHERE event_id LIKE 'X{k}x%'").fetchall()[0][0]
        finally:
            con.close()
        assert landed in (0, 30)                    # all of the batch or none of it
        assert (after == before) == (landed == 0)
        ingest.ingest(_events(tmp_path, f"N{k}x", 1), "events", db_copy)   # the next writer
        leftovers = [p.name for p in db_copy.parent.glob(f".{db_copy.name}.*") if ".import-" in p.name]
        assert leftovers == []


def _limit(con) -> int:
    return con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]


def test_a_large_batch_gets_as_much_memory_as_its_rows(tmp_path, monkeypatch):
    """store.make_room: an import capped by default may give DuckDB as much memory as its parsed
    rows take (10M events: written in 16 s instead of 29 s under 300 MB); a cap the user set and
    an uncapped connection stay as they are."""
    import duckdb

    from scoring.db import store

    monkeypatch.delenv(store.WRITE_MEMORY_ENV, raising=False)
    db = tmp_path / "w.duckdb"
    duckdb.connect(str(db)).close()

    def limits(batch_bytes):
        def fn(con):
            before = _limit(con)
            store.make_room(con, batch_bytes)
            return before, _limit(con)
        return store.apply_to_copy(db, fn, limit_memory=True)

    small, big = limits(10**6), limits(2 * 10**9)
    assert small[0] == small[1] == big[0]
    assert big[1] != big[0] and big[1].startswith("1.8")            # 1907 MiB: '1.8 GiB'
    assert not store._DEFAULT_CAPS                                   # forgotten with the connection
    monkeypatch.setenv(store.WRITE_MEMORY_ENV, "200MB")
    mine = limits(2 * 10**9)
    assert mine[0] == mine[1]
    monkeypatch.delenv(store.WRITE_MEMORY_ENV)
    uncapped = store.apply_to_copy(db, lambda con: (_limit(con), store.make_room(con, 2 * 10**9), _limit(con)))
    assert uncapped[0] == uncapped[2]
