"""A large event file read as a stream of blocks (:mod:`scoring.load.stream`) gives exactly the
whole-file reading's batch: the same events, links, sources and rejects (lines, fields, reasons,
raw text), whatever the block size; a file the block reader declines is read whole.

Streaming is forced on small files here (``STREAM_FROM = 0``, blocks of a few hundred bytes),
so that every rule meets a block edge: an id repeating one of an earlier block (also when that
earlier row was itself rejected, and when the repeat is bad in another field too), a built-in
event's id, blank and CRLF lines, quoted commas, new sources.
"""

from __future__ import annotations

import csv
import io
import random
import shutil

import pytest
from support.datahelpers import query, table_digest

from scoring.load import ingest, stream
from scoring.load.parse import events as events_mod

HEAD = ["event_id", "date", "date_precision", "state_code", "municipality_code", "place", "latitude", "longitude",
        "geo_precision", "event_type", "fatalities", "source_ids", "corridor_id", "notes"]


def rows(seed: int = 3) -> list[list[str]]:
    rnd = random.Random(seed)
    out = []
    for i in range(240):
        r = [f"U{i:04d}", f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}", "day", "25", "", "", "", "", "state",
             "killing", str(i % 4), f"UserSrc-{i % 5}", "", ""]
        kind = rnd.random()
        if kind < 0.08:
            r[0] = f"U{rnd.randrange(max(i, 1)):04d}"               # repeats an earlier row's id
        elif kind < 0.12:
            r[0] = f"U{rnd.randrange(max(i, 1)):04d}"               # repeats, and bad in another field
            r[1] = "2025-13-01"
        elif kind < 0.18:
            r[1] = "1899-12-31"
        elif kind < 0.22:
            r[10] = "1.5"
        elif kind < 0.25:
            r[3] = "99"
        elif kind < 0.28:
            r[11] = ";"
        elif kind < 0.31:
            r[6], r[7] = "24.8091", "-107.3940"                      # Culiacán, inside Sinaloa
        elif kind < 0.33:
            r[6], r[7] = "15.5", "-88.0"                             # Honduras, claimed for Sinaloa
        elif kind < 0.36:
            r[13] = 'a note, with a comma and "quotes"'
        elif kind < 0.38:
            r[4] = "09002"                                            # a municipality of another state
        out.append(r)
    out[5][0] = "U0003"          # a repeat of a row early in the file
    out[150][0] = out[40][0]     # far across blocks
    return out


def write(path, data, *, newline="\n", blank_every=0):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=newline)
    w.writerow(HEAD)
    for k, r in enumerate(data):
        w.writerow(r)
        if blank_every and k % blank_every == blank_every - 1:
            buf.write(newline)
    path.write_bytes(buf.getvalue().encode("utf-8"))


def outcome(db, result):
    rejects = query(db, "SELECT line, field, reason, raw FROM rejected_rows ORDER BY line")
    digest = table_digest(db)
    del digest["ingest_batches"]     # its loaded_at differs
    batch = query(db, "SELECT batch_id, file_name, format, release, rows_read, rows_loaded, rows_rejected, "
                      "rows_superseded, note FROM ingest_batches WHERE batch_id = ?", [result.batch_id])
    return (result.summary(), result.rows_read, result.loaded, result.rejected, result.superseded, result.notes,
            rejects, digest, batch)


def both_ways(tmp_path, ref_db, path, monkeypatch, block_bytes, *, before=(), release=None):
    """The file imported whole and as a stream, each into its own copy of ``ref_db`` after the
    ``before`` imports (path, release) made there whole."""
    whole_db, streamed_db = tmp_path / "whole.duckdb", tmp_path / "streamed.duckdb"
    shutil.copy(ref_db, whole_db)
    monkeypatch.setattr(stream, "STREAM_FROM", 1 << 40)
    for earlier, rel in before:
        ingest.ingest(earlier, "events", whole_db, release=rel)
    shutil.copy(whole_db, streamed_db)
    whole = outcome(whole_db, ingest.ingest(path, "events", whole_db, release=release))
    added = []
    real_add = events_mod.EventRows.add
    monkeypatch.setattr(events_mod.EventRows, "add",
                        lambda self, df, **kw: (added.append(len(df)), real_add(self, df, **kw))[1])
    monkeypatch.setattr(stream, "STREAM_FROM", 0)
    monkeypatch.setattr(stream, "BLOCK_BYTES", block_bytes)
    streamed = outcome(streamed_db, ingest.ingest(path, "events", streamed_db, release=release))
    blocks = list(added)
    again = ingest.ingest(path, "events", streamed_db, release=release)     # changes nothing
    assert again.already_loaded and again.batch_id == streamed[-1][0][0] and again.rows_read == whole[1]
    assert outcome(streamed_db, again)[6:] == streamed[6:]
    return whole, streamed, blocks


@pytest.mark.parametrize(("block_bytes", "newline"), [(97, "\n"), (700, "\r\n"), (4096, "\n")])
def test_streamed_file_gives_the_whole_file_batch(tmp_path, ref_db, monkeypatch, block_bytes, newline):
    path = tmp_path / "events.csv"
    data = rows()
    data[7][0] = query(ref_db, "SELECT min(event_id) FROM events WHERE origin <> 'user'")[0][0]   # a built-in id
    write(path, data, newline=newline, blank_every=17)
    whole, streamed, added = both_ways(tmp_path, ref_db, path, monkeypatch, block_bytes)
    assert len(added) > 1, "the file was not read in blocks"
    assert sum(added) == whole[1]
    reasons = " ".join(r[2] for r in whole[6])
    # the file meets every rule the blocks must agree on
    for why in ("repeats the id", "belongs to a built-in event", "before 1900", "not a whole number",
                "names no source", "km outside state", "not in state"):
        assert why in reasons, why
    assert whole[2] > 150
    assert streamed == whole


def test_a_file_the_block_reader_declines_is_read_whole(tmp_path, ref_db, monkeypatch):
    path = tmp_path / "events.csv"
    write(path, rows())
    lines = path.read_bytes().split(b"\n")
    lines[180] = lines[180].replace(b",,", b",Culiac\xe1n,", 1)       # one Latin-1 line, late in the file
    path.write_bytes(b"\n".join(lines))
    whole, streamed, added = both_ways(tmp_path, ref_db, path, monkeypatch, 600)
    assert len(added) > 1 and added[-1] == whole[1], "the streamed reading did not give up for the whole file"
    assert streamed == whole
    # the Latin-1 line read as Windows-1252, that line only (here a municipality code that is none)
    assert query(tmp_path / "streamed.duckdb", "SELECT field, raw LIKE '%,25,Culiacán,%' FROM rejected_rows "
                 "WHERE raw LIKE '%Culiac%'") == [("municipality_code", True)]


@pytest.mark.parametrize("release", [None, "2025-06"])
def test_streamed_batch_supersedes_as_the_whole_file_does(tmp_path, ref_db, monkeypatch, release):
    """Ids already held by earlier batches: a newer release keeps its rows (and their source
    links), an older one gives way; the same whether the file is read whole or as a stream, with
    the release given or taken from the file (the batch's id is then known only at the end)."""
    data = rows()
    older, newer = tmp_path / "older.csv", tmp_path / "newer.csv"
    write(older, [[r[0], "2024-01-05", *r[2:11], "OldSrc", *r[12:]] for r in data[10:60]])
    write(newer, [[r[0], "2024-02-05", *r[2:11], "NewerSrc", *r[12:]] for r in data[100:130]])
    path = tmp_path / "events.csv"
    write(path, data)
    whole, streamed, added = both_ways(tmp_path, ref_db, path, monkeypatch, 700, release=release,
                                       before=[(older, "2024-01"), (newer, "2026-11")])
    assert len(added) > 1
    assert whole[4] > 0, "no row of the file gave way to the newer release"
    assert query(tmp_path / "whole.duckdb", "SELECT count(*) FROM replaced_events")[0][0] > 0
    assert streamed == whole


def test_a_failure_while_writing_a_block_leaves_the_database_as_it_was(tmp_path, ref_db, monkeypatch):
    """The writer thread fails on the third block: the reading stops, the error reaches the
    caller, nothing of the file is kept (one transaction), and no temporary table lingers."""
    from scoring.load import batch

    path = tmp_path / "events.csv"
    write(path, rows())
    before = table_digest(ref_db)
    real_write = batch.EventWriter.write

    def failing(self, df):
        if self.blocks == 2:
            raise RuntimeError("disk full (simulated)")
        real_write(self, df)

    monkeypatch.setattr(batch.EventWriter, "write", failing)
    monkeypatch.setattr(stream, "STREAM_FROM", 0)
    monkeypatch.setattr(stream, "BLOCK_BYTES", 700)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest.ingest(path, "events", ref_db)
    assert table_digest(ref_db) == before
    assert not list(tmp_path.glob(".ref.duckdb.import-*"))
