"""Writing normalized records for one member: pseudonymous ids, encrypted values, no bodies.

Reads: :class:`~upwell.store.prepared.Prepared` records. Writes: ``persons``, ``messages``,
``message_parties``, ``events``, ``event_attendees``. Everything that names a person or repeats
what someone wrote (handles, display names, subjects, titles) is sealed with the member's key;
what stays in clear is shape (times, counts, flags) and blind index keys. Writes are idempotent:
a record whose id already exists is counted as a duplicate and left alone. A message stored
twice under different ids (two folders' copies written differently, stamps hours apart) is kept
once (:func:`is_copy`); the copy in a Sent folder wins (docs/identity.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from upwell.model import Address, handle_rank, person_name_key
from upwell.store.crypto import MemberCipher
from upwell.store.prepared import Prepared
from upwell.store.schema import (
    event_attendees,
    events,
    evidence,
    features,
    message_parties,
    messages,
    persons,
)

_ParamMaker = Callable[[dict[str, Any]], Any]
_INSERT_SQL: dict[tuple[str, str, tuple[str, ...]], tuple[str, _ParamMaker]] = {}


def _param_maker(
    table: Table, order: list[str], dialect: Any, positional: bool
) -> _ParamMaker:
    procs = {c: p for c in order if (p := table.c[c].type.bind_processor(dialect)) is not None}
    if positional:
        get = itemgetter(*order)
        if not procs:
            return (lambda r: (get(r),)) if len(order) == 1 else get
        idx = [(i, procs[c]) for i, c in enumerate(order) if c in procs]

        def make(r: dict[str, Any]) -> tuple[Any, ...]:
            values = list(get(r))
            for i, proc in idx:
                values[i] = proc(values[i])
            return tuple(values)

        return make
    return lambda r: {c: (procs[c](v) if c in procs else v) for c, v in r.items()}


def insert_ignoring_duplicates(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]]
) -> None:
    """INSERT ... ON CONFLICT DO NOTHING on either dialect, for many rows at once.

    The hot path of an import: the statement is compiled once per table and column set and
    handed to the driver's executemany, with only the columns whose type needs it (timestamps
    on SQLite) converted, instead of SQLAlchemy building parameters row by row.
    """
    if not rows:
        return
    cols = tuple(rows[0])
    key = (conn.dialect.name, table.name, cols)
    cached = _INSERT_SQL.get(key)
    if cached is None:
        ins = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        compiled = ins(table).on_conflict_do_nothing().compile(
            dialect=conn.dialect, column_keys=list(cols)
        )
        positional = conn.dialect.paramstyle in {"qmark", "numeric", "format"}
        order = list(compiled.positiontup or cols)
        cached = _INSERT_SQL[key] = (
            str(compiled), _param_maker(table, order, conn.dialect, positional)
        )
    sql, make = cached
    conn.exec_driver_sql(sql, [make(r) for r in rows])


def stored_ids(conn: Connection, table: Table, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` the member's ``table`` (messages or events) already holds."""
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        found.update(conn.scalars(select(table.c.id).where(table.c.id.in_(part))))
    return found


#: Stamps of two copies may differ by a multiple of this (time zones run on half hours) ...
COPY_STEP = timedelta(minutes=30)
#: ... give or take this much (a server stamps receipt a few seconds after sending) ...
COPY_SLACK = timedelta(seconds=90)
#: ... up to this far apart (UTC-12 to UTC+14).
COPY_MAX_SHIFT = timedelta(hours=26)
#: Stamps this close are one message's even from one folder and sender (a copy read again).
COPY_SAME = timedelta(seconds=1)


def stamps_agree(a: datetime, b: datetime, step: timedelta = COPY_STEP) -> bool:
    """Whether two stamps can be one message's, written by clocks whole ``step``s apart."""
    shift = abs(a - b)
    if shift > COPY_MAX_SHIFT:
        return False
    off = shift % step
    return min(off, step - off) <= COPY_SLACK


def is_copy(a: tuple[datetime, str | None, str], b: tuple[datetime, str | None, str]) -> bool:
    """Whether two messages with one content fingerprint (:mod:`upwell.normalize.copies`),
    each as (stamp, folder, sender), are copies of one message: the same stamp; stamps whole
    half hours apart in different folders; or in one folder, a sender written differently and
    stamps whole hours apart. The same text sent twice from one folder by one sender (an hourly
    report) is two messages.
    Folders and senders are compared for equality only: blind keys and person ids will do."""
    if abs(a[0] - b[0]) <= COPY_SAME:
        return True
    if a[1] != b[1]:
        return stamps_agree(a[0], b[0])
    # one folder: only a sender written differently, by clocks whole hours apart
    return a[2] != b[2] and stamps_agree(a[0], b[0], timedelta(hours=1))


@dataclass(slots=True)
class _Kept:
    """A stored message that later copies are compared with."""

    id: str
    sent_at: datetime
    folder_key: str | None
    sender_id: str
    in_sent: bool


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
    refreshed: int = 0
    #: Ids of records recognized as copies of a message already kept (not written).
    copies: set[str] = field(default_factory=set)
    #: Ids of kept messages a Sent-folder copy was seen for: marked sent at the next write.
    sent_copies: set[str] = field(default_factory=set)
    #: Kept messages whose Sent-folder copy won (its sender, stamp and folder replace theirs).
    promoted: int = 0
    _kept: dict[str, list[_Kept]] = field(default_factory=dict)
    _promote: dict[str, dict[str, Any]] = field(default_factory=dict)

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

    def canonical(self, handle: str, name: str) -> tuple[str, str]:
        """(person id, canonical handle) of the person behind ``handle`` known by ``name``."""
        key = (handle, name)
        hit = self._canon.get(key)
        if hit is None:
            canon = self._learn_name(self.aliases.get(handle, handle), name)
            hit = self._canon[key] = (self.cipher.index("person|" + canon), canon)
        return hit

    def person_id(self, address: Address) -> str:
        """The member's pseudonymous id for the person behind ``address``."""
        return self.canonical(address.handle, address.name)[0]

    def person_rows(self, address: Address) -> tuple[str, list[dict[str, Any]]]:
        """The person id behind ``address`` and the ``persons`` row to insert (ignoring a
        duplicate) so that someone the member names before any of their data is known by the
        name or address they gave."""
        rows: dict[str, dict[str, Any]] = {}
        pid = self._person(address.handle, address.name, rows)
        return pid, list(rows.values())

    def _person(self, handle: str, name: str, rows: dict[str, dict[str, Any]]) -> str:
        hit = self._canon.get((handle, name)) or self.canonical(handle, name)
        pid = hit[0]
        if pid not in self._known_persons and pid not in rows:
            seal = self.cipher.seal
            rows[pid] = {
                "id": pid,
                "member_id": self.member_id,
                "is_self": False,
                "name_enc": seal("persons", pid, "name", name) if name else None,
                "handle_enc": seal("persons", pid, "handle", hit[1]),
            }
        return pid

    def write(self, conn: Connection, prepared: Sequence[Prepared], *, refresh: bool = False
              ) -> set[str]:
        """Write prepared records; returns the ids of those that were new (a record whose id is
        already stored is a duplicate and is left alone). With ``refresh``, the features of
        records already stored are replaced where the analyzer versions differ."""
        existing: set[str] = set()
        for table in (messages, events):
            existing |= stored_ids(conn, table, [p.id for p in prepared if p.table == table.name])
        if any(p.unanalyzed and p.id not in existing for p in prepared):
            # prepare.prepared() re-analyzes any such record that turns out new.
            raise RuntimeError("a new message was left unanalyzed")
        if refresh:
            self._refresh_features(conn, [p for p in prepared if p.id in existing])
        person_rows: dict[str, dict[str, Any]] = {}
        rows: dict[str, list[dict[str, Any]]] = {
            "messages": [], "message_parties": [], "events": [], "event_attendees": [],
            "features": [], "evidence": []}
        new: set[str] = set()
        member = self.member_id
        person = self._person
        # The messages later copies are compared with: those stored (earlier batches included)
        # with this batch's fingerprints, and this batch's own; forgotten after the batch, so
        # memory stays flat however large the archive.
        self._kept = {}
        self._load_kept(conn, [p.row["copy_key"] for p in prepared
                               if p.table == "messages" and p.row.get("copy_key")])
        for p in prepared:
            if p.id in existing:
                if p.table == "messages" and p.row.get("in_sent_folder"):
                    self.sent_copies.add(p.id)
                continue
            row = dict(p.row, member_id=member, import_id=self.import_id)
            if p.table == "messages":
                parties: list[dict[str, Any]] = []
                added: list[str] = []  # persons first seen on this message
                seen: set[tuple[str, str]] = set()
                for role, handle, name, _response in p.parties:
                    n_rows = len(person_rows)
                    pid = person(handle, name, person_rows)
                    if len(person_rows) > n_rows:
                        added.append(pid)
                    if role == "sender":
                        row["sender_id"] = pid
                    elif (pid, role) not in seen:
                        seen.add((pid, role))
                        parties.append({"message_id": p.id, "person_id": pid, "role": role,
                                        "member_id": member})
                copy, won = self._copy_of(row)
                if copy:
                    # not written: nor are the people only it named, but for a winning copy's
                    # sender (now the kept message's)
                    self.copies.add(p.id)
                    for pid in added:
                        if not (won and pid == row["sender_id"]):
                            del person_rows[pid]
                    continue
                existing.add(p.id)
                new.add(p.id)
                rows["message_parties"].extend(parties)
                rows["messages"].append(row)
                if p.features is not None:
                    rows["features"].append(dict(p.features, member_id=member))
                if p.evidence is not None:
                    rows["evidence"].append(dict(p.evidence, member_id=member))
            else:
                existing.add(p.id)
                new.add(p.id)
                attendees: set[str] = set()
                row["organizer_id"] = None
                for role, handle, name, response in p.parties:
                    pid = person(handle, name, person_rows)
                    if role == "organizer":
                        row["organizer_id"] = pid
                    elif pid not in attendees:
                        attendees.add(pid)
                        rows["event_attendees"].append(
                            {"event_id": p.id, "person_id": pid, "member_id": member,
                             "response": response})
                row["n_attendees"] = len(attendees)
                rows["events"].append(row)
        insert_ignoring_duplicates(conn, persons, list(person_rows.values()))
        self._known_persons.update(person_rows)
        for table in (messages, message_parties, events, event_attendees, features, evidence):
            insert_ignoring_duplicates(conn, table, rows[table.name])
        self._mark_sent(conn)
        self._kept = {}
        return new

    def _load_kept(self, conn: Connection, keys: list[str]) -> None:
        """Learn the stored messages with these content fingerprints."""
        fresh = sorted(set(keys))
        for k in fresh:
            self._kept[k] = []
        for start in range(0, len(fresh), 500):
            for r in conn.execute(
                select(messages.c.id, messages.c.copy_key, messages.c.sent_at,
                       messages.c.folder_key, messages.c.sender_id, messages.c.in_sent_folder)
                .where(messages.c.member_id == self.member_id,
                       messages.c.copy_key.in_(fresh[start : start + 500]))
            ):
                self._kept[r.copy_key].append(
                    _Kept(r.id, r.sent_at, r.folder_key, r.sender_id, bool(r.in_sent_folder)))

    def _copy_of(self, row: dict[str, Any]) -> tuple[bool, bool]:
        """Whether the message ``row`` is a copy of one already kept, and whether it won: the
        Sent folder's copy, while the kept one is not, gives the kept one its sender, stamp and
        folder. A message that is no copy is kept."""
        key = row.get("copy_key")
        if not key:
            return False, False
        kept = self._kept.setdefault(key, [])
        for k in kept:
            if is_copy((k.sent_at, k.folder_key, k.sender_id),
                       (row["sent_at"], row.get("folder_key"), row["sender_id"])):
                if not row["in_sent_folder"] or k.in_sent:
                    return True, False
                k.in_sent, k.sent_at, k.sender_id, k.folder_key = (
                    True, row["sent_at"], row["sender_id"], row.get("folder_key"))
                self._promote[k.id] = {
                    "in_sent_folder": True, "sent_at": row["sent_at"],
                    "utc_offset": row["utc_offset"], "sender_id": row["sender_id"],
                    "folder_key": row.get("folder_key")}
                return True, True
        kept.append(_Kept(row["id"], row["sent_at"], row.get("folder_key"), row["sender_id"],
                          bool(row["in_sent_folder"])))
        return False, False

    def _mark_sent(self, conn: Connection) -> None:
        """A message is the member's sent mail if any copy of it is in a Sent folder: mark the
        kept rows whose later copies were (exact duplicates: the flag; other copies: their
        sender, stamp and folder too)."""
        for mid, values in self._promote.items():
            conn.execute(update(messages).where(
                messages.c.member_id == self.member_id, messages.c.id == mid).values(**values))
        self.promoted += len(self._promote)
        self._promote.clear()
        ids = sorted(self.sent_copies)
        for start in range(0, len(ids), 500):
            conn.execute(update(messages).where(
                messages.c.member_id == self.member_id,
                messages.c.id.in_(ids[start : start + 500]),
                messages.c.in_sent_folder.is_(False)).values(in_sent_folder=True))
        self.sent_copies.clear()

    def _refresh_features(self, conn: Connection, stored: Sequence[Prepared]) -> None:
        fresh = {p.id: p.features for p in stored if p.features is not None}
        if not fresh:
            return
        current: dict[str, str] = {}
        ids = list(fresh)
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            for r in conn.execute(
                select(features.c.message_id, features.c.versions).where(
                    features.c.member_id == self.member_id, features.c.message_id.in_(part))
            ):
                current[r.message_id] = r.versions
        stale = [mid for mid, f in fresh.items() if current.get(mid) != f["versions"]]
        for start in range(0, len(stale), 500):
            conn.execute(delete(features).where(
                features.c.member_id == self.member_id,
                features.c.message_id.in_(stale[start : start + 500])))
        insert_ignoring_duplicates(
            conn, features, [dict(fresh[mid], member_id=self.member_id) for mid in stale])
        self.refreshed += len(stale)
