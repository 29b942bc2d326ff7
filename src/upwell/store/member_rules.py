"""What a member keeps out of their coaching: people, chat channels, forgotten date ranges,
and correspondents they marked as personal (not work).

Reads/writes: ``exclusions`` and, to forget, the member's ``messages``, ``message_parties``,
``features``, ``evidence``, ``events`` and ``event_attendees``. An excluded person or channel
is dropped from every coaching view (:func:`filter_view`) and their evidence is deleted; a
person marked personal (:func:`mark_personal`) stays in the member's mail but their messages are
not coached (:func:`personal_marks`, read by :func:`upwell.insights.view.coaching_view`); a
forgotten range is deleted outright and deleted again after every later import, so a re-import
cannot bring it back. Labels (a colleague's name) are sealed with the member's key.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from upwell.store.db import Member, Store
from upwell.store.member_view import MemberView
from upwell.store.schema import (
    event_attendees,
    events,
    evidence,
    exclusions,
    features,
    message_parties,
    messages,
    persons,
)

KINDS = ("person", "channel", "range", "personal")


@dataclass(frozen=True, slots=True)
class Exclusion:
    id: int
    kind: str
    label: str
    start: datetime | None = None
    end: datetime | None = None  # a range is half-open: [start, end)

    @property
    def last_day(self) -> date | None:
        """The range's last day, inclusive, as the member entered it (``end`` is the midnight
        after it)."""
        return None if self.end is None else (self.end - timedelta(microseconds=1)).date()


def _add(store: Store, member: Member, kind: str, target: str | None, label: str, *,
         start: datetime | None = None, end: datetime | None = None) -> int:
    with store.engine.begin() as conn:
        existing = conn.scalar(select(exclusions.c.id).where(
            exclusions.c.member_id == member.id, exclusions.c.kind == kind,
            exclusions.c.target_key == target)) if target else None
        if existing is not None:
            return int(existing)
        pk = conn.execute(insert(exclusions).values(
            member_id=member.id, kind=kind, target_key=target, start_at=start, end_at=end,
            created_at=datetime.now(UTC))).inserted_primary_key
        assert pk is not None
        new_id = int(pk[0])
        if label:
            conn.execute(exclusions.update().where(exclusions.c.id == new_id).values(
                label_enc=member.cipher.seal("exclusions", str(new_id), "label", label)))
    return new_id


def _drop_evidence(conn: Connection, member_id: int, message_ids: list[str]) -> None:
    for i in range(0, len(message_ids), 500):
        conn.execute(delete(evidence).where(evidence.c.member_id == member_id,
                                            evidence.c.message_id.in_(message_ids[i:i + 500])))


def exclude_person(store: Store, member: Member, person_id: str, label: str) -> int:
    """Keep one colleague (by the member's person id) out of coaching; their evidence goes."""
    new_id = _add(store, member, "person", person_id, label)
    with store.engine.begin() as conn:
        ids = [r[0] for r in conn.execute(select(messages.c.id).where(
            messages.c.member_id == member.id, messages.c.sender_id == person_id))]
        ids += [r[0] for r in conn.execute(select(message_parties.c.message_id).where(
            message_parties.c.member_id == member.id, message_parties.c.person_id == person_id))]
        _drop_evidence(conn, member.id, ids)
    return new_id


def mark_personal(store: Store, member: Member, person_id: str, label: str) -> int:
    """Mark one correspondent (by the member's person id) as personal, not work: their mail is
    kept out of coaching but still counted; lifted like an exclusion."""
    return _add(store, member, "personal", person_id, label)


def sender_of(store: Store, member: Member, message_id: str) -> tuple[str, str] | None:
    """(person id, name) of who sent one of the member's messages; ``None`` when there is no
    such message or the member sent it."""
    with store.engine.connect() as conn:
        row = conn.execute(select(persons.c.id, persons.c.is_self, persons.c.name_enc,
                                  persons.c.handle_enc)
                           .join(messages, messages.c.sender_id == persons.c.id)
                           .where(messages.c.member_id == member.id,
                                  messages.c.id == message_id,
                                  persons.c.member_id == member.id)).first()
    if row is None or row.is_self:
        return None
    c = member.cipher
    name = c.open("persons", row.id, "name", row.name_enc) if row.name_enc else ""
    return row.id, name or c.open("persons", row.id, "handle", row.handle_enc).removeprefix(
        "name:")


def personal_marks(store: Store, member: Member) -> set[str]:
    """The person ids the member marked as personal."""
    with store.engine.connect() as conn:
        return {str(r[0]) for r in conn.execute(select(exclusions.c.target_key).where(
            exclusions.c.member_id == member.id, exclusions.c.kind == "personal"))
            if r[0] is not None}


def channel_key(member: Member, channel_id: str) -> str:
    """The member's blind key of a chat conversation id (as the import stores it)."""
    return member.cipher.index("conv|" + channel_id.strip())


def exclude_channel(store: Store, member: Member, channel_id: str) -> int:
    """Keep one chat channel (its id, e.g. Slack's C0123ABCD) out of coaching."""
    key = channel_key(member, channel_id)
    new_id = _add(store, member, "channel", key, channel_id.strip())
    with store.engine.begin() as conn:
        ids = [r[0] for r in conn.execute(select(messages.c.id).where(
            messages.c.member_id == member.id, messages.c.conversation_key == key))]
        _drop_evidence(conn, member.id, ids)
    return new_id


def forget_range(store: Store, member: Member, start: datetime, end: datetime,
                 *, remember: bool = True) -> dict[str, int]:
    """Delete everything of the member's dated in [start, end); remembered so later imports of
    the same archive are forgotten again. Returns rows removed by table."""
    if start.tzinfo is None or end.tzinfo is None or end <= start:
        raise ValueError("a range needs aware datetimes with start before end")
    removed: dict[str, int] = {}
    with store.engine.begin() as conn:
        ids = [r[0] for r in conn.execute(select(messages.c.id).where(
            messages.c.member_id == member.id, messages.c.sent_at >= start,
            messages.c.sent_at < end))]
        eids = [r[0] for r in conn.execute(select(events.c.id).where(
            events.c.member_id == member.id, events.c.start_at >= start,
            events.c.start_at < end))]
        for table, col, keys in ((evidence, evidence.c.message_id, ids),
                                 (features, features.c.message_id, ids),
                                 (message_parties, message_parties.c.message_id, ids),
                                 (messages, messages.c.id, ids),
                                 (event_attendees, event_attendees.c.event_id, eids),
                                 (events, events.c.id, eids)):
            n = 0
            for i in range(0, len(keys), 500):
                res = conn.execute(delete(table).where(table.c.member_id == member.id,
                                                       col.in_(keys[i:i + 500])))
                n += int(res.rowcount or 0)
            removed[table.name] = n
    if remember:
        _add(store, member, "range", None, "", start=start, end=end)
    return removed


def reapply_forgotten(store: Store, member: Member) -> int:
    """Forget every remembered range again (after an import); returns messages removed."""
    total = 0
    for x in list_exclusions(store, member):
        if x.kind == "range" and x.start is not None and x.end is not None:
            total += forget_range(store, member, x.start, x.end, remember=False)["messages"]
    return total


def list_exclusions(store: Store, member: Member) -> list[Exclusion]:
    with store.engine.connect() as conn:
        rows = list(conn.execute(select(exclusions).where(exclusions.c.member_id == member.id)
                                 .order_by(exclusions.c.id)))
    return [Exclusion(r.id, r.kind,
                      member.cipher.open("exclusions", str(r.id), "label", r.label_enc)
                      if r.label_enc else "", r.start_at, r.end_at)
            for r in rows]


def remove_exclusion(store: Store, member: Member, exclusion_id: int) -> bool:
    """Lift a person, channel or personal mark (a forgotten range stays forgotten: it is
    gone)."""
    with store.engine.begin() as conn:
        res = conn.execute(delete(exclusions).where(exclusions.c.id == exclusion_id,
                                                    exclusions.c.member_id == member.id))
    return bool(res.rowcount)


def filter_view(store: Store, member: Member, view: MemberView) -> MemberView:
    """``view`` without excluded people and channels (messages from or to them, meetings with
    them)."""
    with store.engine.connect() as conn:
        rows = list(conn.execute(select(exclusions.c.kind, exclusions.c.target_key).where(
            exclusions.c.member_id == member.id, exclusions.c.kind.in_(("person", "channel")))))
        people = {r.target_key for r in rows if r.kind == "person"}
        channels = [r.target_key for r in rows if r.kind == "channel"]
        hidden = {r[0] for r in conn.execute(select(messages.c.id).where(
            messages.c.member_id == member.id, messages.c.conversation_key.in_(channels)))
        } if channels else set()
    if not people and not hidden:
        return view
    msgs = [m for m in view.messages if m.id not in hidden and m.sender not in people
            and not (set(m.to) | set(m.cc)) & people]
    evts = [e for e in view.events if not e.people & people]
    return replace(view, messages=msgs, events=evts, derived={},
                   team={p: r for p, r in view.team.items() if p not in people})
