"""Which corpus items a member's stored records came from (test data, not product).

Reads: an archive converted from a corpus whose converter names each file (or calendar UID)
after a digest of the item's source name, and that corpus's digest -> source index. Writes
nothing. Used by ``upwell eval real`` to tie each card's evidence back to the corpus, so that
human labels (which name corpus items) can judge it. A stored message may have been read from
several copies (the same mail in two folders): every copy is kept, in reading order, the first
being the one the import stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from upwell.errors import BadItem
from upwell.model import RawItem
from upwell.normalize import to_records
from upwell.pipeline.rows import record_id
from upwell.sources import detect
from upwell.store.crypto import MemberCipher

_HEX40 = re.compile(r"(?<![0-9a-f])([0-9a-f]{40})(?![0-9a-f])")


@dataclass(frozen=True, slots=True)
class SourceRef:
    """One corpus item behind a stored record: its source name and its folder."""

    source_file: str
    folder: str


#: A member's record id -> every corpus item it was read from.
Provenance = dict[str, tuple[SourceRef, ...]]


def _digest(item: RawItem, source_item_id: str) -> str | None:
    """The digest in a converted item's file name (maildir ``<digest>.<n>``) or in its record's
    source id (a calendar UID ``<digest>@...``)."""
    for text in (item.item_id.rsplit("/", 1)[-1], source_item_id):
        m = _HEX40.search(text)
        if m:
            return m.group(1)
    return None


def provenance(path: Path, cipher: MemberCipher, index: Mapping[str, tuple[str, str]],
               fmt: str | None = None) -> Provenance:
    """Read ``path`` again as the import did and tie each record id of the member (``cipher``)
    to the corpus items (``index``: digest -> source_file, folder) whose files hold it. Items
    that do not parse, or whose digest the index lacks, tie nothing."""
    refs: dict[str, list[SourceRef]] = {}
    for item in detect(path, fmt).read(path):
        if not isinstance(item, RawItem):
            continue
        try:
            records = to_records(item)
        except BadItem:
            continue
        for record in records:
            digest = _digest(item, record.source_item_id)
            found = index.get(digest) if digest else None
            if found is None:
                continue
            ref = SourceRef(*found)
            seen = refs.setdefault(record_id(cipher, record), [])
            if ref not in seen:
                seen.append(ref)
    return {rid: tuple(v) for rid, v in refs.items()}
