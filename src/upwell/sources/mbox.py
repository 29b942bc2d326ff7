"""mbox files (mboxo/mboxrd, as Thunderbird, Apple Mail and Google Takeout write them).

Streams the file in 1 MiB blocks, split on ``From `` separator lines that follow a blank line (or
start the file); ``>From`` escapes (mboxrd) are undone. A message over ``MAX_ITEM_BYTES`` is
skipped as ``item_too_large``; at most that much of it is ever held in memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from upwell.model import RawItem, Skipped
from upwell.sources.base import MAX_ITEM_BYTES, reader

_ESCAPED_FROM = re.compile(rb"(?m)^>(>*From )")


def _looks_like_mbox(path: Path) -> bool:
    if not path.is_file():
        return False
    if path.suffix.lower() in {".mbox", ".mbx"}:
        return True
    with path.open("rb") as fh:
        return fh.read(5) == b"From "


_BLOCK = 1 << 20


def _separator(buf: bytes, pos: int) -> tuple[int, int] | None:
    """(start, end) of the next ``From `` line at or after ``pos`` that starts the buffer or
    follows a blank line: start is where the previous message ends, end where the next begins.
    ``None`` if no complete separator line is in the buffer yet."""
    if pos == 0 and buf.startswith(b"From "):
        eol = buf.find(b"\n")
        return None if eol < 0 else (0, eol + 1)
    while True:
        hit = buf.find(b"\nFrom ", pos)
        if hit < 0:
            return None
        if (hit > 0 and buf[hit - 1 : hit] == b"\n") or buf[hit - 2 : hit] == b"\n\r":
            eol = buf.find(b"\n", hit + 1)
            return None if eol < 0 else (hit, eol + 1)
        pos = hit + 1


def _messages(fh: IO[bytes]) -> Iterator[tuple[int, bytes | None]]:
    """(offset, message bytes) for each message; ``None`` bytes for one over the size limit.

    Reads in 1 MiB blocks and finds separators with ``bytes.find``, so a large mbox is never held
    in memory and Python does not loop per line.
    """
    buf = b""
    base = 0  # file offset of buf[0]
    start: int | None = None  # offset in buf of the current message's first byte
    msg_offset = 0
    oversized = False
    eof = False
    while not eof:
        block = fh.read(_BLOCK)
        eof = not block
        buf += block
        pos = 0 if start is None else start
        while True:
            sep = _separator(buf, pos)
            if sep is None:
                break
            if start is not None:
                end = sep[0] + (1 if sep[0] > 0 else 0)
                too_big = oversized or end - start > MAX_ITEM_BYTES
                yield msg_offset, (None if too_big else buf[start:end])
            msg_offset = base + (sep[0] + 1 if sep[0] else 0)
            start = pos = sep[1]
            oversized = False
        if start is None:
            # No separator yet: only a bounded tail is kept while looking for the first one.
            keep = buf[-4096:]
            base += len(buf) - len(keep)
            buf = keep
            continue
        if len(buf) - start > MAX_ITEM_BYTES:
            oversized = True
            tail = buf[-4096:]  # enough to find the next separator across the block boundary
            base += len(buf) - len(tail)
            buf, start = tail, 0
        elif start > 0:
            base += start
            buf = buf[start:]
            start = 0
    if start is not None:
        too_big = oversized or len(buf) - start > MAX_ITEM_BYTES
        yield msg_offset, (None if too_big else buf[start:])


def iter_mbox(fh: IO[bytes], *, source: str, origin: str, folder: str | None = None
              ) -> Iterator[RawItem | Skipped]:
    """Items of an mbox stream; ``origin`` names the file for item ids."""
    context: dict[str, object] = {"folder": folder} if folder else {}
    for offset, data in _messages(fh):
        if data is None:
            yield Skipped("item_too_large")
            continue
        text = _ESCAPED_FROM.sub(rb"\1", data) if b"\n>" in data else data
        yield RawItem("mime", source, f"{origin}@{offset}", text, context)


@reader("mbox", title="mbox mail file", provides=("messages",), detect=_looks_like_mbox,
        priority=10)
def read_mbox(path: Path) -> Iterator[RawItem | Skipped]:
    """Every message in one mbox file."""
    with path.open("rb") as fh:
        yield from iter_mbox(fh, source="mbox", origin=path.name, folder=path.stem)
