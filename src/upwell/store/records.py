"""Writing normalized records for one member: pseudonymous ids, encrypted values, no bodies.

Reads: :class:`Message` / :class:`Event` records. Writes: ``persons``, ``messages``,
``message_parties``, ``events``, ``event_attendees``. Everything that names a person or repeats
what someone wrote (handles, display names, subjects, titles) is sealed with the member's key;
what stays in clear is shape (times, counts, flags) and blind index keys. Writes are idempotent:
a record whose id already exists is counted as a duplicate and left alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from upwell.model import Address, Event, Message, Record
from upwell.normalize.address import fold_name, handle_rank, person_name_key
from upwell.normalize.mime import is_sent_folder
from upwell.normalize.threads import (
    LinkRow,
    is_forward_subject,
    is_reply_subject,
    link_replies,
    normalize_subject,
    thread_roots,
)
from upwell.store.crypto import MemberCipher
from upwell.store.schema import event_attendees, events, message_parties, messages, persons


def insert_ignoring_duplicates(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]]
) -> None:
    """INSERT ... ON CONFLICT DO NOTHING on either dialect."""
    if not rows:
        return
    ins = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(ins(table).on_conflict_do_nothing(), list(rows))


@dataclass
class RecordWriter:
    """Buffers one member's records and writes them in batches.

    ``aliases`` maps a handle to the canonical handle of the same person (a Slack user whose
    export lists their email address is the person known by that address).
    """

    member_id: int
    cipher: MemberCipher
    import_id: int | None = None
    aliases: dict[str, str] = field(default_factory=dict)
    _known_persons: set[str] = field(default_factory=set)
    _canon: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    _by_name: dict[str, tuple[int, str]] = field(default_factory=dict)

    def preload(self, conn: Connection) -> None:
        """Learn the member's stored persons, so names seen before resolve to the same person."""
        for r in conn.execute(
            select(persons.c.id, persons.c.name_enc, persons.c.handle_enc)
            .where(persons.c.member_id == self.member_id)
        ):
            handle = self.cipher.open("persons", r.id, "handle", r.handle_enc)
            name = self.cipher.open("persons", r.id, "name", r.name_enc) if r.name_enc else ""
            self._known_persons.add(r.id)
            self._learn_name(handle, name)

    def _learn_name(self, handle: str, name: str) -> str:
        """The canonical handle for ``handle`` known by ``name``: the best-ranked handle seen
        with the same full name (an email address beats an X.500 path beats a bare name)."""
        folded = person_name_key(handle, name)
        if folded is None:
            return handle
        rank = handle_rank(handle)
        known = self._by_name.get(folded)
        if known is not None and known[0] <= rank:
            return known[1]
        # New, or better than what was seen: earlier rows are merged after the import.
        self._by_name[folded] = (rank, handle)
        return handle

    def canonical(self, address: Address) -> tuple[str, str]:
        """(person id, canonical handle) of the person behind ``address``."""
        key = (address.handle, address.name)
        hit = self._canon.get(key)
        if hit is None:
            handle = self.aliases.get(address.handle, address.handle)
            handle = self._learn_name(handle, address.name)
            hit = self._canon[key] = (self.cipher.index("person|" + handle), handle)
        return hit

    def person_id(self, address: Address) -> str:
        """The member's pseudonymous id for the person behind ``address``."""
        return self.canonical(address)[0]

    def _person_row(self, address: Address, rows: dict[str, dict[str, Any]]) -> str:
        pid, handle = self.canonical(address)
        if pid not in self._known_persons and pid not in rows:
            seal = self.cipher.seal
            rows[pid] = {
                "id": pid,
                "member_id": self.member_id,
                "is_self": False,
                "name_enc": seal("persons", pid, "name", address.name) if address.name else None,
                "handle_enc": seal("persons", pid, "handle", handle),
            }
        return pid

    def _name_key(self, name: str | None) -> str | None:
        folded = fold_name(name) if name else ""
        return self.cipher.index("name|" + folded) if folded else None

    def record_id(self, record: Record) -> str:
        prefix = "msg|" if isinstance(record, Message) else "evt|"
        return self.cipher.index(prefix + record.source_item_id)

    def write(self, conn: Connection, records: Iterable[Record],
              ids: Sequence[str] | None = None) -> set[str]:
        """Write ``records`` (with their :meth:`record_id` if already known); returns the ids
        of those that were new."""
        recs = list(records)
        ids = list(ids) if ids is not None else [self.record_id(r) for r in recs]
        existing: set[str] = set()
        msg_ids = [i for i, r in zip(ids, recs, strict=True) if isinstance(r, Message)]
        evt_ids = [i for i, r in zip(ids, recs, strict=True) if isinstance(r, Event)]
        for table, chunk in ((messages, msg_ids), (events, evt_ids)):
            for start in range(0, len(chunk), 500):
                part = chunk[start : start + 500]
                existing.update(conn.scalars(select(table.c.id).where(table.c.id.in_(part))))
        person_rows: dict[str, dict[str, Any]] = {}
        msg_rows: list[dict[str, Any]] = []
        party_rows: list[dict[str, Any]] = []
        evt_rows: list[dict[str, Any]] = []
        att_rows: list[dict[str, Any]] = []
        new: set[str] = set()
        for rid, rec in zip(ids, recs, strict=True):
            if rid in existing:
                continue
            existing.add(rid)
            new.add(rid)
            if isinstance(rec, Message):
                msg_rows.append(self._message_row(rid, rec, person_rows, party_rows))
            else:
                evt_rows.append(self._event_row(rid, rec, person_rows, att_rows))
        insert_ignoring_duplicates(conn, persons, list(person_rows.values()))
        self._known_persons.update(person_rows)
        insert_ignoring_duplicates(conn, messages, msg_rows)
        insert_ignoring_duplicates(conn, message_parties, party_rows)
        insert_ignoring_duplicates(conn, events, evt_rows)
        insert_ignoring_duplicates(conn, event_attendees, att_rows)
        return new

    def _message_row(self, rid: str, m: Message, prows: dict[str, dict[str, Any]],
                     parties: list[dict[str, Any]]) -> dict[str, Any]:
        idx = self.cipher.index
        sender = self._person_row(m.sender, prows)
        seen_roles: set[tuple[str, str]] = set()
        for role, group in (("to", m.to), ("cc", m.cc), ("bcc", m.bcc), ("mention", m.mentions)):
            for a in group:
                pid = self._person_row(a, prows)
                if (pid, role) not in seen_roles:
                    seen_roles.add((pid, role))
                    parties.append({"message_id": rid, "person_id": pid, "role": role,
                                    "member_id": self.member_id})
        norm_subject = normalize_subject(m.subject)
        return {
            "id": rid,
            "member_id": self.member_id,
            "import_id": self.import_id,
            "source": m.source,
            "channel": m.channel,
            "sent_at": m.sent_at,
            "utc_offset": m.utc_offset_minutes,
            "sender_id": sender,
            "in_sent_folder": is_sent_folder(m.folder),
            "n_to": len(m.to),
            "n_cc": len(m.cc),
            "subject_enc": self.cipher.seal("messages", rid, "subject", m.subject)
            if m.subject else None,
            "subject_key": idx("subj|" + norm_subject) if norm_subject else None,
            "is_reply": bool(m.in_reply_to) or is_reply_subject(m.subject),
            "is_forward": bool(m.forwarded) or is_forward_subject(m.subject),
            "msgid_key": idx("mid|" + m.message_id) if m.message_id else None,
            "in_reply_to_key": idx("mid|" + m.in_reply_to) if m.in_reply_to else None,
            "quoted_from_key": self._name_key(m.quoted_from),
            "sender_name_key": self._name_key(m.sender.name or m.sender.handle.split("@")[0]),
            "conversation_key": idx("conv|" + m.conversation) if m.conversation else None,
            "parent_id": None,
            "thread_key": None,
            "link_method": None,
            "word_count": len(m.body.split()),
            "quoted_chars": len(m.quoted),
            "attachments": m.attachments,
            "notes": ",".join(sorted(set(m.notes)))[:200],
        }

    def _event_row(self, rid: str, e: Event, prows: dict[str, dict[str, Any]],
                   atts: list[dict[str, Any]]) -> dict[str, Any]:
        organizer = self._person_row(e.organizer, prows) if e.organizer else None
        seen: set[str] = set()
        for a in e.attendees:
            pid = self._person_row(a.address, prows)
            if pid not in seen:
                seen.add(pid)
                atts.append({"event_id": rid, "person_id": pid, "member_id": self.member_id,
                             "response": a.response})
        return {
            "id": rid,
            "member_id": self.member_id,
            "import_id": self.import_id,
            "source": e.source,
            "uid_key": self.cipher.index("uid|" + e.uid),
            "title_enc": self.cipher.seal("events", rid, "title", e.title) if e.title else None,
            "start_at": e.start,
            "end_at": e.end,
            "utc_offset": e.utc_offset_minutes,
            "all_day": e.all_day,
            "cancelled": e.cancelled,
            "recurring": e.recurring,
            "organizer_id": organizer,
            "n_attendees": len(seen),
            "notes": ",".join(sorted(set(e.notes)))[:200],
        }


def relink(conn: Connection, member_id: int) -> dict[str, int]:
    """Recompute reply links and thread roots for the member; returns counts by method."""
    cols = messages.c
    rows = [
        LinkRow(r.id, r.sent_at, r.is_reply, r.subject_key, r.msgid_key, r.in_reply_to_key,
                r.quoted_from_key, r.sender_name_key)
        for r in conn.execute(
            select(cols.id, cols.sent_at, cols.is_reply, cols.subject_key, cols.msgid_key,
                   cols.in_reply_to_key, cols.quoted_from_key, cols.sender_name_key)
            .where(cols.member_id == member_id)
        )
    ]
    links = link_replies(rows)
    roots = thread_roots({k: v[0] for k, v in links.items()})
    counts: dict[str, int] = {}
    updates: list[dict[str, str | None]] = []
    for mid, (parent, method) in links.items():
        counts[method] = counts.get(method, 0) + 1
        updates.append({"b_id": mid, "b_parent": parent, "b_method": method,
                        "b_thread": roots[mid]})
    for root in set(roots.values()) - links.keys():
        updates.append({"b_id": root, "b_parent": None, "b_method": None, "b_thread": root})
    if updates:
        stmt = (
            update(messages).where(messages.c.id == bindparam("b_id"))
            .values(parent_id=bindparam("b_parent"), link_method=bindparam("b_method"),
                    thread_key=bindparam("b_thread"))
        )
        conn.execute(stmt, updates)
    return counts
