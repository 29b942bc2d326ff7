"""Importing one member's archive: read -> normalize -> store, with counted skips.

Reads: an archive path. Writes: the member's rows and one ``imports`` row with the counts.
Every item either becomes records or is skipped under a content-free reason; nothing else stops
the run. Importing the same archive twice adds nothing (record ids are derived from source item
ids). Bodies are dropped once the records are written.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from upwell.model import Address, RawItem, Skipped
from upwell.normalize.slack import directory_emails
from upwell.pipeline.prepare import prepared
from upwell.sources import detect, read_archive
from upwell.store.db import Member, Store
from upwell.store.identities import (
    known_persons,
    mark_self,
    merge_same_name,
    natural_names,
    own_identities,
)
from upwell.store.prepared import Prepared
from upwell.store.records import RecordWriter, stored_ids
from upwell.store.schema import events, imports, messages
from upwell.store.threads import relink

log = logging.getLogger(__name__)

Progress = Callable[["ImportReport"], None]

#: Items between two progress reports.
PROGRESS_EVERY = 250




@dataclass
class ImportReport:
    """What an import did. ``seen`` = ``imported`` + sum of ``skipped``."""

    reader: str
    seen: int = 0
    imported: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    records: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)
    linked: dict[str, int] = field(default_factory=dict)
    self_identities: int = 0
    persons_merged: int = 0
    reanalyzed: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "reader": self.reader,
            "seen": self.seen,
            "imported": self.imported,
            "skipped": dict(sorted(self.skipped.items())),
            "skipped_total": sum(self.skipped.values()),
            "records": dict(self.records),
            "notes": dict(sorted(self.notes.items())),
            "linked": self.linked,
            "self_identities": self.self_identities,
            "persons_merged": self.persons_merged,
            "reanalyzed": self.reanalyzed,
            "seconds": round(self.seconds, 3),
        }


def import_archive(
    store: Store,
    member: Member,
    path: Path,
    *,
    fmt: str | None = None,
    me: Iterable[Address] = (),
    batch_size: int = 2000,
    workers: int = 0,
    analyzers: tuple[str, ...] = (),
    evidence: bool = False,
    refresh: bool = False,
    progress: Progress | None = None,
    on_start: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import ``path`` for ``member``; ``me`` names the member's own addresses if known.

    ``workers`` > 0 prepares items in that many extra processes once an archive proves large.
    ``analyzers`` names the analyzers whose features are kept for each new message (bodies are
    read by them and dropped); with ``refresh``, messages already stored get their features
    recomputed where the analyzer versions changed (``upwell reanalyze``). With ``evidence`` the
    phrases behind flagged features are kept, sealed, for the member's own cards. ``on_start``
    is told the new ``imports`` row's id before anything is read (the task ledger keeps it, so
    a redelivered task can mark a killed attempt's row interrupted).
    """
    spec = detect(path, fmt)
    report = ImportReport(reader=spec.id)
    started = time.monotonic()
    with store.engine.begin() as conn:
        pk = conn.execute(
            insert(imports).values(member_id=member.id, reader=spec.id,
                                   started_at=datetime.now(UTC), status="running")
        ).inserted_primary_key
    assert pk is not None
    import_id = int(pk[0])
    if on_start is not None:
        on_start(import_id)
    writer = RecordWriter(member.id, member.cipher, import_id)
    with store.engine.connect() as conn:
        writer.preload(conn)
    pending: list[list[Prepared]] = []

    def flush() -> None:
        if not pending and not writer.sent_copies:
            return
        with store.engine.begin() as conn:
            new = writer.write(conn, [p for group in pending for p in group], refresh=refresh)
        # An item is imported if any of its records is new; else an earlier import (or item)
        # has it: the same record ("duplicate") or a copy of it written differently ("copy").
        for group in pending:
            if any(p.id in new for p in group):
                report.imported += 1
                for p in group:
                    report.notes.update(p.notes)
            elif all(p.id in writer.copies for p in group):
                report.skipped["copy"] += 1
            else:
                report.skipped["duplicate"] += 1
        pending.clear()

    def with_aliases() -> Iterator[RawItem | Skipped]:
        # A Slack export's user directory (shared by all its items) maps users to their email,
        # so a colleague seen on Slack and by email is one person: read it at the first item.
        directory_read = False
        for item in read_archive(spec, path):  # the mail and any .ics inside a folder
            if not directory_read and isinstance(item, RawItem) and item.kind == "slack":
                writer.aliases.update(directory_emails(item.context))
                directory_read = True
            yield item

    seen_ids: set[str] = set()
    def stored(ids: list[str]) -> set[str]:
        with store.engine.connect() as conn:
            return stored_ids(conn, messages, ids)

    for item, outcome in prepared(with_aliases(), member.cipher, workers, analyzers, evidence,
                                  stored=None if refresh else stored):
        if isinstance(item, Skipped):
            report.seen += item.count
            report.skipped[item.reason] += item.count
            continue
        report.seen += 1
        if isinstance(outcome, str):
            if outcome.startswith("internal_error:"):
                log.warning("item failed to normalize", extra={"error_type": outcome})
            report.skipped[outcome] += 1
            continue
        assert not isinstance(outcome, Skipped)
        if not outcome:
            report.skipped["no_records"] += 1
            continue
        fresh = [p for p in outcome if p.id not in seen_ids]
        if not fresh:
            # A copy of an item already read; if this copy is in a Sent folder, the message is
            # the member's sent mail whichever folder was read first.
            writer.sent_copies.update(p.id for p in outcome
                                      if p.table == "messages" and p.row.get("in_sent_folder"))
            report.skipped["duplicate"] += 1
            continue
        seen_ids.update(p.id for p in fresh)
        pending.append(fresh)
        if len(pending) >= batch_size:
            flush()
        if progress and report.seen % PROGRESS_EVERY == 0:
            progress(report)
    flush()
    finish(store, member, writer, report, me=list(me), import_id=import_id)
    report.reanalyzed = writer.refreshed
    report.seconds = time.monotonic() - started
    if progress:
        progress(report)
    return report


def finish(store: Store, member: Member, writer: RecordWriter, report: ImportReport, *,
           me: list[Address], import_id: int) -> None:
    """After an import's (or a sync's) records are written: merge same-name persons, put names
    in natural order where the archive shows it, mark the member's own identities, relink
    replies, and close the ``imports`` row with the counts."""
    with store.engine.begin() as conn:
        people = known_persons(conn, member.id, member.cipher)  # decrypted once for all three
        report.persons_merged = merge_same_name(conn, member.id, member.cipher, people)
        natural_names(conn, member.id, member.cipher, people)
        ids = own_identities(conn, member.id, member.cipher, [writer.person_id(a) for a in me],
                             people)
        report.self_identities = mark_self(conn, member.id, ids)
        report.linked = relink(conn, member.id)
        report.records = _record_counts(conn, import_id)
        conn.execute(
            update(imports).where(imports.c.id == import_id).values(
                finished_at=datetime.now(UTC), seen=report.seen, imported=report.imported,
                skipped=json.dumps(dict(report.skipped)), status="done",
            )
        )


def _record_counts(conn: Connection, import_id: int) -> Counter[str]:
    out: Counter[str] = Counter()
    out["messages"] = conn.scalar(
        select(func.count()).select_from(messages).where(messages.c.import_id == import_id)
    ) or 0
    out["events"] = conn.scalar(
        select(func.count()).select_from(events).where(events.c.import_id == import_id)
    ) or 0
    return out
