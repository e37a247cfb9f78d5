"""A large event file read as a stream of blocks of whole lines, each checked as it comes.

Read whole, a 2.2 GB file of ten million events was resident three times over at its peak
(its bytes, its cells as text, its checked rows: 7 GB), and on a virtual machine that hands
idle memory back to its host every gigabyte touched cost up to 10 s. Read here, only the
checked rows accumulate; a block's bytes and cells are dropped once it is checked.

A block is the file's header followed by the next whole lines (:func:`block_bytes_for`),
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


# A file is streamed from this size on, in blocks of lines of about a sixteenth of the file,
# between 16 and 128 MB, and DuckDB may hold about half the file's size of written rows, between
# its default cap (300 MB) and 1 GB. Measured (``bench_import``, 2 cores): a 221 MB file of a
# million events read whole took 12.9-15.0 s within 958 MiB; streamed in 16 MB blocks 8.9-10.3 s
# within 620 MiB (in 64 MB blocks 1,121 MiB: three blocks are alive at once, one being written and
# two waiting); ten million events (2.2 GB) are quickest in 128 MB blocks with 1 GB for the writes
# (a 300 MB cap made DuckDB flush so often that the write took twice as long). Each is overridable
# (bytes) for tests and small machines.
def _env_bytes(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() else None


STREAM_FROM = 64 << 20 if _env_bytes("RISK_IMPORT_STREAM_FROM") is None else _env_bytes("RISK_IMPORT_STREAM_FROM")
BLOCK_BYTES = _env_bytes("RISK_IMPORT_BLOCK_BYTES")          # None: by the file's size
WRITE_MEMORY = _env_bytes("RISK_IMPORT_WRITE_BYTES")         # None: by the file's size
BLOCK_RANGE = (16 << 20, 128 << 20)
WRITE_RANGE = (300 * 10**6, 1 << 30)


def block_bytes_for(size: int) -> int:
    """Bytes of lines per block for a file of ``size`` bytes."""
    return BLOCK_BYTES or min(max(size // 16, BLOCK_RANGE[0]), BLOCK_RANGE[1])


def write_memory_for(size: int) -> int:
    """DuckDB's memory for the writes of a streamed file of ``size`` bytes."""
    return WRITE_MEMORY or min(max(size // 2, WRITE_RANGE[0]), WRITE_RANGE[1])


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
    block_bytes = block_bytes or block_bytes_for(path.stat().st_size)
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
