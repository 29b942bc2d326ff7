"""mbox files (mboxo/mboxrd, as Thunderbird, Apple Mail and Google Takeout write them).

Streams the file: one message in memory at a time, split on ``From `` separator lines that follow
a blank line (or start the file); ``>From`` escapes (mboxrd) are undone. A message over
``MAX_ITEM_BYTES`` is skipped as ``item_too_large`` without being held in memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from upwell.model import RawItem, Skipped
from upwell.sources.base import MAX_ITEM_BYTES, reader

_ESCAPED_FROM = re.compile(rb"^>(>*From )")


def _looks_like_mbox(path: Path) -> bool:
    if not path.is_file():
        return False
    if path.suffix.lower() in {".mbox", ".mbx"}:
        return True
    with path.open("rb") as fh:
        return fh.read(5) == b"From "


def iter_mbox(fh: IO[bytes], *, source: str, origin: str, folder: str | None = None
              ) -> Iterator[RawItem | Skipped]:
    """Items of an mbox stream; ``origin`` names the file for item ids."""
    lines: list[bytes] = []
    size = 0
    too_large = False
    start = 0
    offset = 0
    prev_blank = True
    index = 0
    context: dict[str, object] = {"folder": folder} if folder else {}

    def emit() -> RawItem | Skipped | None:
        if too_large:
            return Skipped("item_too_large")
        if not lines:
            return None
        data = b"".join(lines)
        return RawItem("mime", source, f"{origin}@{start}", data, context)

    for line in fh:
        if line.startswith(b"From ") and prev_blank:
            if index or lines or too_large:
                item = emit()
                if item is not None:
                    yield item
            lines, size, too_large, start = [], 0, False, offset
            index += 1
        elif not too_large:
            kept = line[1:] if line.startswith(b">") and _ESCAPED_FROM.match(line) else line
            size += len(kept)
            if size > MAX_ITEM_BYTES:
                too_large, lines = True, []
            else:
                lines.append(kept)
        prev_blank = line in (b"\n", b"\r\n")
        offset += len(line)
    item = emit()
    if item is not None:
        yield item


@reader("mbox", title="mbox mail file", provides=("messages",), detect=_looks_like_mbox,
        priority=10)
def read_mbox(path: Path) -> Iterator[RawItem | Skipped]:
    """Every message in one mbox file."""
    with path.open("rb") as fh:
        yield from iter_mbox(fh, source="mbox", origin=path.name, folder=path.stem)
