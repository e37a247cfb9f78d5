"""A large event file read as a stream of blocks of whole lines, each checked as it comes.

Read whole, a 2.2 GB file of ten million events was resident three times over at its peak
(its bytes, its cells as text, its checked rows: 7 GB), and on a virtual machine that hands
idle memory back to its host every gigabyte touched cost up to 10 s. Read here, only the
checked rows accumulate; a block's bytes and cells are dropped once it is checked.

A block is the file's header followed by the next whole lines (about :data:`BLOCK_BYTES`),
read by Arrow's reader (:mod:`scoring.load.fast_csv`) and checked by the format's block
checker, with each row's line number in the file. The result is the whole-file reading's,
rejects included (``tests/load/test_stream.py`` compares the two). A file this reader cannot
take as blocks (UTF-16, a line that is not UTF-8, a lone carriage return, a quoted field over a
line end, a row of the wrong width: anything the fast reader declines) returns ``None``, and
the caller reads it whole with the line-by-line reader, which says what is wrong with each row.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from scoring.load import fast_csv
from scoring.load.validate import MAX_COLUMNS, TEXT, _utf16, line_offsets

# Bytes of lines per block (about 620,000 events of the benchmark's file), and the file size
# from which a file is streamed; both overridable for tests and small machines.
BLOCK_BYTES = int(os.environ.get("RISK_IMPORT_BLOCK_BYTES", str(128 << 20)))
STREAM_FROM = int(os.environ.get("RISK_IMPORT_STREAM_FROM", str(256 << 20)))
# DuckDB's memory for a streamed import's writes (its buffers of the rows written; a cap of
# 300 MB made it flush so often that writing ten million events took twice as long)
WRITE_MEMORY = int(os.environ.get("RISK_IMPORT_WRITE_BYTES", str(1 << 30)))
# a longer first line is no header this reader takes (the whole-file reader says why)
HEADER_MAX = 1 << 20


def blocks(f, first: bytes, block_bytes: int, digest):
    """The file's blocks as frames (line numbers of the file in ``_line``), from the already-read
    ``first`` bytes and the open file ``f``; ``digest`` is updated with every byte read. Yields
    ``None`` (and stops) at the first block the fast reader declines.

    Every block is read into one buffer, allocated once: the header, the end of the previous
    block's last line, then the file's next bytes. A fresh buffer per block (and the copies that
    joined them) made the kernel hand the process new pages for every block: gigabytes for a
    large file, and seconds each on a virtual machine that takes them from its host."""
    if first.startswith(b"\xef\xbb\xbf"):
        first = first[3:]
    end = first.find(b"\n")
    if end < 0:
        yield None
        return
    header = first[:end + 1].replace(b"\r\n", b"\n")
    h = len(header)
    pending = first[end + 1:]
    buf = bytearray(h + len(pending) + block_bytes)     # grown only for a line longer than a block
    buf[:h] = header
    line = 1                   # the file's last line before the block
    while True:
        lp = len(pending)
        if h + lp + block_bytes > len(buf):
            buf.extend(bytes(h + lp + block_bytes - len(buf)))
        buf[h:h + lp] = pending
        n = _read_into(f, buf, h + lp, block_bytes, digest)
        stop = h + lp + n
        cut = buf.rfind(b"\n", h, stop) + 1 if n else stop
        if n and cut == 0:          # no line end yet: a line longer than a block, read on
            pending = bytes(buf[h:stop])
            continue
        pending = bytes(buf[cut:stop])
        if cut > h:
            mv = memoryview(buf)[:cut]
            try:
                if buf.find(b"\r", h, cut) >= 0:
                    part = bytes(mv[h:]).replace(b"\r\n", b"\n")     # (a copy: Windows line ends)
                    if b"\r" in part:      # a lone carriage return as a line end: the whole-file reader's
                        yield None
                        return
                    raw = header + part
                    n_lines = part.count(b"\n") + (not part.endswith(b"\n"))
                    del part
                else:
                    raw = mv
                    n_lines = buf.count(b"\n", h, cut) + (buf[cut - 1] != 10)
                frame = fast_csv.read(raw, line_offsets(raw), text_dtype=TEXT, max_columns=MAX_COLUMNS,
                                      first_line=line - 1, one_chunk=True)
                del raw
            finally:
                try:
                    mv.release()
                except BufferError:
                    # a reader's thread still holds the block for a moment (seen with Arrow's
                    # threaded reader): that buffer is left to it, the next block gets its own
                    buf = bytearray(len(buf))
                    buf[:h] = header
            if frame is None:
                yield None
                return
            line += n_lines
            yield frame
            del frame
        if not n:
            return


def _read_into(f, buf: bytearray, at: int, size: int, digest) -> int:
    """Read up to ``size`` bytes of ``f`` into ``buf`` from ``at`` (fewer only at the end)."""
    done = 0
    with memoryview(buf) as mv:
        while done < size:
            k = f.readinto(mv[at + done:at + size])
            if not k:
                break
            digest.update(mv[at + done:at + done + k])
            done += k
    return done


def sha256(path: Path) -> str:
    """The file's SHA-256, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(16 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def read_blocks(path: Path, check: Callable[[bytes], None], add: Callable[[pd.DataFrame], None],
                block_bytes: int | None = None) -> str | None:
    """Read ``path`` block by block into ``add``; ``check(first_bytes)`` may refuse the file
    (a :class:`FormatError`) before any block. Returns the file's SHA-256, or None when the file
    must be read whole instead (nothing of it is kept)."""
    block_bytes = block_bytes or BLOCK_BYTES
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        first = f.read(block_bytes)
        while b"\n" not in first and len(first) < HEADER_MAX:     # the header, whole
            more = f.read(block_bytes)
            if not more:
                break
            first += more
        digest.update(first)
        if _utf16(first) or b"\x00" in first[:4096]:
            return None
        check(first)
        for frame in blocks(f, first, block_bytes, digest):
            if frame is None:
                return None
            if len(frame.columns) < 3:        # (with _line) refused by the whole-file reading
                return None
            add(frame)
    return digest.hexdigest()
