"""Identity resolution over one member's stored persons: one Person per colleague.

Reads: the member's ``persons`` (decrypted in memory with the member's key) and message shape.
Writes: merged person ids in ``messages``, ``message_parties``, ``events``, ``event_attendees``
and ``persons``. A colleague who appears under several handles with the same full name (an SMTP
address, an Exchange X.500 path, a bare display name) is one person; the email address is kept
as the canonical handle. Also infers which persons are the member themselves, from every
signal the archive holds (:func:`own_identities`, described in docs/identity.md).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.engine import Connection

from upwell.model import fold_name, handle_kind, handle_rank, natural_name, person_name_key
from upwell.store.crypto import MemberCipher
from upwell.store.records import insert_ignoring_duplicates
from upwell.store.schema import event_attendees, events, message_parties, messages, persons


@dataclass(slots=True)
class Known:
    """One of the member's persons, decrypted for identity resolution (in memory only)."""

    handle: str
    name: str
    is_self: bool


def known_persons(conn: Connection, member_id: int, cipher: MemberCipher) -> dict[str, Known]:
    """The member's persons by id, decrypted once for the passes below (which keep it current
    as they merge, rename and mark)."""
    out: dict[str, Known] = {}
    for r in conn.execute(
        select(persons.c.id, persons.c.name_enc, persons.c.handle_enc, persons.c.is_self)
        .where(persons.c.member_id == member_id)
    ):
        out[r.id] = Known(cipher.open("persons", r.id, "handle", r.handle_enc),
                          cipher.open("persons", r.id, "name", r.name_enc) if r.name_enc else "",
                          bool(r.is_self))
    return out


def merge_same_name(conn: Connection, member_id: int, cipher: MemberCipher,
                    people: dict[str, Known] | None = None) -> int:
    """Merge persons whose full names (two words or more) fold the same; returns merges made.

    The import resolves most of these as it goes; what is left is a better handle (an email
    address) that turned up after rows were written under a worse one (a bare name).
    """
    people = known_persons(conn, member_id, cipher) if people is None else people
    groups: dict[str, list[tuple[int, str, bool]]] = defaultdict(list)
    for pid, k in people.items():
        key = person_name_key(k.handle, k.name)
        if key is not None:
            groups[key].append((handle_rank(k.handle), pid, k.is_self))
    mapping: dict[str, str] = {}
    selves: set[str] = set()
    for group in groups.values():
        if len(group) < 2:
            continue
        group.sort()
        keep = group[0][1]
        for _rank, pid, is_self in group[1:]:
            mapping[pid] = keep
            if is_self:
                selves.add(keep)
    if mapping:
        _apply(conn, member_id, mapping, selves)
        for pid in mapping:
            del people[pid]
        for pid in selves:
            people[pid].is_self = True
    return len(mapping)


def natural_names(conn: Connection, member_id: int, cipher: MemberCipher,
                  people: dict[str, Known] | None = None) -> int:
    """Put stored names in natural order where the person's address shows the order
    (:func:`upwell.model.natural_name`): names stored before that rule, or under a handle
    learned later; returns how many changed."""
    people = known_persons(conn, member_id, cipher) if people is None else people
    changed: list[dict[str, object]] = []
    for pid, k in people.items():
        if not k.name:
            continue
        natural = natural_name(k.name, k.handle if handle_kind(k.handle) == "email" else "")
        if natural != k.name:
            k.name = natural
            changed.append({"b_id": pid, "b_name": cipher.seal("persons", pid, "name", natural)})
    if changed:
        conn.execute(update(persons).where(persons.c.id == bindparam("b_id"))
                     .values(name_enc=bindparam("b_name")), changed)
    return len(changed)


def _chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _apply(conn: Connection, member_id: int, mapping: dict[str, str], selves: set[str]) -> None:
    drops = list(mapping)
    for table in (message_parties, event_attendees):
        for part in _chunks(drops):
            cond = (table.c.member_id == member_id) & table.c.person_id.in_(part)
            rows = [dict(r._mapping) for r in conn.execute(select(table).where(cond))]
            conn.execute(delete(table).where(cond))
            for r in rows:
                r["person_id"] = mapping[r["person_id"]]
            insert_ignoring_duplicates(conn, table, rows)
    pairs = [{"b_drop": d, "b_keep": k} for d, k in mapping.items()]
    conn.execute(
        update(messages)
        .where(messages.c.member_id == member_id, messages.c.sender_id == bindparam("b_drop"))
        .values(sender_id=bindparam("b_keep")),
        pairs,
    )
    conn.execute(
        update(events)
        .where(events.c.member_id == member_id, events.c.organizer_id == bindparam("b_drop"))
        .values(organizer_id=bindparam("b_keep")),
        pairs,
    )
    if selves:
        conn.execute(update(persons).where(persons.c.id.in_(list(selves))).values(is_self=True))
    for part in _chunks(drops):
        conn.execute(delete(persons).where(persons.c.id.in_(part)))


def mark_self(conn: Connection, member_id: int, person_ids: list[str]) -> int:
    """Mark persons as the member's own identities; returns how many rows changed."""
    if not person_ids:
        return 0
    res = conn.execute(
        update(persons).where(persons.c.member_id == member_id, persons.c.id.in_(person_ids))
        .values(is_self=True)
    )
    return int(res.rowcount or 0)


def infer_self(conn: Connection, member_id: int, min_share: float = 0.2) -> list[str]:
    """The member's own identities, inferred: the senders of their Sent folders (each with at
    least ``min_share`` of them); with no Sent folder, the one person most of the mail is
    addressed to (To or Cc), else the one who sent or received the most messages, if that is at
    least 30 % of them."""
    rows = conn.execute(
        select(messages.c.sender_id).where(
            messages.c.member_id == member_id, messages.c.in_sent_folder.is_(True)
        )
    ).scalars().all()
    if rows:
        counts = Counter(rows)
        return [sid for sid, n in counts.items() if n / len(rows) >= min_share]
    # No Sent folder: the member is the one the mail is addressed to (senders vary, the
    # recipient is the archive's owner), else the one party on most of it either way.
    total = conn.scalar(
        select(func.count()).select_from(messages).where(messages.c.member_id == member_id)
    ) or 0
    received = _received(conn, member_id)
    if received and total:
        top, n = received.most_common(1)[0]
        if n / total >= 0.3:
            return [top]
    on: Counter[str] = Counter(
        conn.execute(select(messages.c.sender_id).where(messages.c.member_id == member_id))
        .scalars().all()
    )
    for pid, n in conn.execute(
        select(message_parties.c.person_id, func.count(func.distinct(message_parties.c.message_id)))
        .where(message_parties.c.member_id == member_id, message_parties.c.role != "mention")
        .group_by(message_parties.c.person_id)
    ):
        on[pid] += n
    if not on or not total:
        return []
    top, n = on.most_common(1)[0]
    return [top] if n / total >= 0.3 else []


#: A one-word form ("Quenet") that writes to the member in at least this share of its messages
#: is a colleague who shares the member's name, not the member.
SELF_ADDRESSED_MAX = 0.2
#: With no Sent folder and no full name among the member's forms, the full name is that of the
#: person on at least this share of the member's messages (as a recipient).
RECIPIENT_SHARE = 0.1
#: A login cut short (8-character Unix logins: "shendri") still names the member when at least
#: this many letters of it are matched.
MIN_LOGIN = 6


@dataclass
class _Forms:
    """What the member is known by: the words of their full names, their email logins and the
    domains of their email addresses."""

    names: list[list[str]] = field(default_factory=list)
    domains: set[str] = field(default_factory=set)

    @property
    def words(self) -> set[str]:
        return {w for n in self.names for w in n}

    def logins(self, *, short: bool) -> set[str]:
        """Login spellings of each full name: first+last and last+first, and with ``short``
        also initial+last and last+initial (both orders, since a name's order is not always
        known)."""
        out: set[str] = set()
        for name in self.names:
            for first in name:
                for last in name:
                    if first == last:
                        continue
                    out |= {first + last, last + first}
                    if short:
                        out |= {first[0] + last, last + first[0]}
        return out


def _letters(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalpha())


def _login(handle: str) -> str:
    """The login a handle carries: an email's local part, an X.500 path's last CN."""
    if handle_kind(handle) == "x500":
        return _letters(handle.rsplit("cn=", 1)[-1]) if "cn=" in handle else ""
    if handle_kind(handle) == "email":
        return _letters(handle.split("@", 1)[0])
    return ""


def _domain(handle: str) -> str:
    host = handle.split("@", 1)[1] if "@" in handle else ""
    return ".".join(host.split(".")[-2:])


def _login_matches(login: str, forms: _Forms, *, short: bool) -> bool:
    """Whether ``login`` spells one of the member's full names (with ``short``: also as an
    initial and surname, a middle initial added, or cut short after ``MIN_LOGIN`` letters)."""
    if len(login) < 3:
        return False
    if login in forms.logins(short=False):
        return True
    if not short:
        return False
    spellings = forms.logins(short=True)
    if login in spellings:
        return True
    return any((len(login) >= MIN_LOGIN and s.startswith(login))
               or (len(login) == len(s) + 1 and any(login[:i] + login[i + 1:] == s
                                                    for i in range(1, len(login) - 1)))
               for s in spellings)


def own_identities(conn: Connection, member_id: int, cipher: MemberCipher,
                   seeds: Iterable[str] = (), known: dict[str, Known] | None = None
                   ) -> list[str]:
    """The member's own person ids: ``seeds`` (addresses they named), those marked before, the
    senders of their Sent folders (:func:`infer_self`) when none they named is in the archive,
    and every other form of them the archive holds:

    - the same full name in another form (an X.500 path, a bare display name);
    - a bare surname ("Quenet"), where one of their addresses shows it is their surname
      (``joe.quenet@``, ``jquenet``), when mail from it is not addressed to them (a colleague
      who shares the name writes to them);
    - an X.500 path whose CN, or an email address (same domain) whose local part, spells their
      name as a login ("JQUENET", "brapp", "shendri"), if any name on it is theirs too.

    With no full name among the seeds (only "Meyers" in the Sent folder), the person with a full
    name holding that word who receives the most of the member's mail gives it.
    """
    known = known_persons(conn, member_id, cipher) if known is None else known
    people = {pid: (k.handle, k.name) for pid, k in known.items()}
    marked = {pid for pid, k in known.items() if k.is_self}
    given = {pid for pid in seeds if pid in people}
    own = given | marked
    if not given:
        # none named, or none of those named is in this archive: infer
        own |= set(infer_self(conn, member_id))
    if not own:
        return []
    words_of = {pid: fold_name(name or (h[5:] if h.startswith("name:") else ""))
                .split() for pid, (h, name) in people.items()}
    received = _received(conn, member_id)
    forms = _Forms()
    for pid in own:
        if len(words_of[pid]) >= 2:
            forms.names.append(words_of[pid])
        if handle_kind(people[pid][0]) == "email":
            forms.domains.add(_domain(people[pid][0]))
    if not forms.names:
        # Only a bare word so far: the full name is the most-mailed person who has it.
        bare = {w for pid in own for w in words_of[pid]}
        ranked = sorted((n, pid) for pid, n in received.items()
                        if len(words_of.get(pid, ())) >= 2 and bare & set(words_of[pid]))
        total = conn.scalar(select(func.count()).select_from(messages)
                            .where(messages.c.member_id == member_id)) or 0
        if ranked and total and ranked[-1][0] / total >= RECIPIENT_SHARE:
            own.add(ranked[-1][1])
            forms.names.append(words_of[ranked[-1][1]])
            if handle_kind(people[ranked[-1][1]][0]) == "email":
                forms.domains.add(_domain(people[ranked[-1][1]][0]))
    full = {" ".join(n) for n in forms.names}
    words = forms.words
    one_word: list[str] = []
    for pid, (handle, _name) in people.items():
        if pid in own:
            continue
        w = words_of[pid]
        kind = handle_kind(handle)
        if len(w) >= 2 and " ".join(w) in full:
            own.add(pid)
        elif kind == "name" and len(w) == 1 and w[0] in words:
            one_word.append(pid)
        elif kind in {"x500", "email"} and len(set(w) & words) >= min(2, len(w)):
            # a short login ("jquenet") only on the member's own server: an X.500 path, or an
            # address without digits in a domain of theirs
            local = handle.rsplit("cn=", 1)[-1] if kind == "x500" else handle.split("@")[0]
            short = kind == "x500" or (_domain(handle) in forms.domains
                                       and not any(c.isdigit() for c in local))
            if _login_matches(_login(handle), forms, short=short):
                own.add(pid)
    # One word of their name ("Quenet"): theirs if it is their surname, it writes, and not to
    # them (a relative or colleague who shares the name writes to them).
    surnames = _surnames((people[pid][0] for pid in own), forms.names)
    to_self = _addressed_share(conn, member_id, own)
    for pid in one_word:
        if (words_of[pid][0] in surnames and pid in to_self
                and to_self[pid] < SELF_ADDRESSED_MAX):
            own.add(pid)
    return sorted(own)


def _surnames(handles: Iterable[str], names: list[list[str]]) -> set[str]:
    """The member's surnames, where their addresses show the order: the last part of a local
    part such as ``first.last`` or ``first_m_last``, and the surname a login spells after a
    first name or its initial ("jquenet", CN=MOKAFOR). A display name alone does not show it
    ("Okafor Maya" may be either order), so it gives none."""
    out: set[str] = set()
    for handle in handles:
        kind = handle_kind(handle)
        if kind == "email":
            local = handle.split("@", 1)[0].replace("_", ".").replace("-", ".")
            parts = [x for x in (_letters(part) for part in local.split(".")) if x]
            if len(parts) >= 2:
                out.add(parts[-1])
        login = _login(handle) if kind in {"email", "x500"} else ""
        for name in names if login else ():
            out.update(last for first in name for last in name
                       if first != last and login in {first + last, first[0] + last})
    return out


def _received(conn: Connection, member_id: int) -> Counter[str]:
    """Messages each person is on as a recipient (To or Cc)."""
    rows = conn.execute(
        select(message_parties.c.person_id, func.count(func.distinct(message_parties.c.message_id)))
        .where(message_parties.c.member_id == member_id, message_parties.c.role.in_(("to", "cc")))
        .group_by(message_parties.c.person_id))
    return Counter({str(pid): int(n) for pid, n in rows})


def _addressed_share(conn: Connection, member_id: int, own: set[str]) -> dict[str, float]:
    """For each sender, the share of their messages that have one of ``own`` as a recipient."""
    sent: Counter[str] = Counter(conn.execute(
        select(messages.c.sender_id).where(messages.c.member_id == member_id)).scalars().all())
    to_own: Counter[str] = Counter(conn.execute(
        select(messages.c.sender_id).where(
            messages.c.member_id == member_id,
            select(message_parties.c.message_id).where(
                message_parties.c.member_id == member_id,
                message_parties.c.message_id == messages.c.id,
                message_parties.c.role.in_(("to", "cc")),
                message_parties.c.person_id.in_(sorted(own))).exists())
    ).scalars().all())
    return {pid: to_own[pid] / n for pid, n in sent.items() if n}
