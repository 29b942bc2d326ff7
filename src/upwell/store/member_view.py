"""A member's own data, decrypted in memory for their own coaching run.

Reads: the member's ``persons``, ``messages``, ``message_parties``, ``features``, ``events`` and
``event_attendees`` with the member's key. Writes nothing. Only the member's own jobs call this;
what it returns never leaves the member's views.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from upwell.store.db import Member, Store
from upwell.store.schema import (
    event_attendees,
    events,
    evidence,
    features,
    message_parties,
    messages,
    persons,
    team,
)


@dataclass(frozen=True, slots=True)
class MessageView:
    id: str
    sent_at: datetime
    utc_offset: int | None
    channel: str
    sender: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    parent_id: str | None
    subject: str
    features: dict[str, dict[str, Any]]
    words: int = 0
    thread: str | None = None
    #: What kind of mail it is (``work``, ``personal``, ``automated``, ``broadcast``): set by
    #: the coaching view (:func:`upwell.analyze.kinds.classify`) on the messages it keeps out
    #: of coaching; ``work`` for everything loaded.
    kind: str = "work"


@dataclass(frozen=True, slots=True)
class EventView:
    id: str
    start: datetime
    end: datetime
    all_day: bool
    cancelled: bool
    organizer: str | None
    attendees: tuple[tuple[str, str], ...]
    title: str

    @property
    def people(self) -> set[str]:
        """Everyone on the event: organizer and attendees."""
        return {p for p, _r in self.attendees} | ({self.organizer} if self.organizer else set())


@dataclass
class MemberView:
    """Everything the coach reads about one member, in memory."""

    me: set[str]
    names: dict[str, str]
    messages: list[MessageView]
    events: list[EventView]
    team: dict[str, str] = field(default_factory=dict)
    snippets: dict[str, dict[str, str]] = field(default_factory=dict)
    by_id: dict[str, MessageView] = field(default_factory=dict)
    #: Messages kept out of coaching by their kind (personal, automated, broadcast): not
    #: coached, but still the member's mail, for responses and honest counts.
    uncoached: list[MessageView] = field(default_factory=list)
    #: Measures derived from the whole view, computed once per coaching run (see
    #: :func:`upwell.analyze.stream.derived`).
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.by_id = {m.id: m for m in self.messages}

    def name(self, person: str) -> str:
        """A display name for the member's own views."""
        return self.names.get(person) or "someone"


def load_member(store: Store, member: Member) -> MemberView:
    """Decrypt the member's data for their own coaching run."""
    c = member.cipher
    mid = member.id
    with store.engine.connect() as conn:
        me: set[str] = set()
        names: dict[str, str] = {}
        for r in conn.execute(select(persons).where(persons.c.member_id == mid)):
            name = c.open("persons", r.id, "name", r.name_enc) if r.name_enc else ""
            handle = c.open("persons", r.id, "handle", r.handle_enc)
            names[r.id] = name or handle.removeprefix("name:")
            if r.is_self:
                me.add(r.id)
        roles: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for p in conn.execute(select(message_parties).where(message_parties.c.member_id == mid)):
            roles[p.message_id][p.role].append(p.person_id)
        feats = {
            f.message_id: json.loads(c.open("features", f.message_id, "values", f.values_enc))
            for f in conn.execute(select(features).where(features.c.member_id == mid))
        }
        msgs = []
        for r in conn.execute(select(messages).where(messages.c.member_id == mid)
                              .order_by(messages.c.sent_at, messages.c.id)):
            parties = roles.get(r.id, {})
            msgs.append(MessageView(
                id=r.id, sent_at=r.sent_at, utc_offset=r.utc_offset, channel=r.channel,
                sender=r.sender_id, to=tuple(parties.get("to", ())),
                cc=tuple(parties.get("cc", ())), parent_id=r.parent_id,
                subject=c.open("messages", r.id, "subject", r.subject_enc) if r.subject_enc else "",
                features=feats.get(r.id, {}), words=r.word_count, thread=r.thread_key,
            ))
        atts: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for a in conn.execute(select(event_attendees).where(event_attendees.c.member_id == mid)):
            atts[a.event_id].append((a.person_id, a.response))
        evts = [
            EventView(id=r.id, start=r.start_at, end=r.end_at, all_day=r.all_day,
                      cancelled=r.cancelled, organizer=r.organizer_id,
                      attendees=tuple(atts.get(r.id, ())),
                      title=c.open("events", r.id, "title", r.title_enc) if r.title_enc else "")
            for r in conn.execute(select(events).where(events.c.member_id == mid)
                                  .order_by(events.c.start_at))
        ]
        kept = {
            e.message_id: json.loads(c.open("evidence", e.message_id, "snippets", e.snippets_enc))
            for e in conn.execute(select(evidence).where(evidence.c.member_id == mid))
        }
        relations = {r.person_id: r.relation
                     for r in conn.execute(select(team).where(team.c.member_id == mid))}
    return MemberView(me=me, names=names, messages=msgs, events=evts, team=relations,
                      snippets=kept)
