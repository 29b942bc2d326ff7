"""The frozen records shared by every stage: sources yield raw items, normalize makes these.

Reads: nothing. Writes: nothing. Analyzers and the store only ever see these types; they never
see MIME, Slack JSON or iCalendar. All datetimes are timezone-aware UTC; where the source gave an
offset it is kept beside the instant in ``utc_offset_minutes``. Beside :class:`Address` live
the rules for handles (:func:`make_address`, :func:`handle_rank`, :func:`person_name_key`) that
normalize uses to read parties and the store uses to resolve them to persons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Literal

RawKind = Literal["mime", "outlook", "slack", "ics", "teams"]
Channel = Literal["email", "chat"]
AddressKind = Literal["email", "x500", "slack", "teams", "name"]
Response = Literal["accepted", "declined", "tentative", "needs-action", "delegated", "unknown"]


@dataclass(frozen=True, slots=True)
class RawItem:
    """One item as a source hands it over, before any interpretation.

    ``source`` is the reader id (``"mbox"``, ``"slack"``, ...). ``item_id`` is stable for the same
    item across runs (a path inside the archive, a byte offset, a Slack ``ts``); it is only used as
    a fallback identity and is never logged. ``data`` holds bytes for ``mime`` and ``ics`` items and
    a mapping for ``outlook`` and ``slack`` items. ``context`` carries what the reader knows around
    the item (mail folder, Slack channel and user directory), never content.
    """

    kind: RawKind
    source: str
    item_id: str
    data: object
    context: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A source item that could not be read: counted under a content-free ``reason``."""

    reason: str
    count: int = 1


@dataclass(frozen=True, slots=True)
class Address:
    """A party to a message or meeting.

    ``handle`` is the normalized identifier: a lower-cased SMTP address, an Exchange X.500 path
    (lower-cased), ``slack:<user id>``, or a bare display name when nothing better exists.
    """

    handle: str
    name: str = ""
    kind: AddressKind = "email"


@dataclass(frozen=True, slots=True)
class Person:
    """One colleague (or the member), possibly known by several handles across sources."""

    key: str
    name: str
    handles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Message:
    """One email or chat message, normalized.

    ``body`` is only the author's own words: quoted history, signatures and forwarded parts are
    split off into ``quoted`` and ``forwarded`` so that no analyzer mistakes them for the author's
    words. ``message_id``/``in_reply_to``/``references`` are the RFC 5322 ids (or chat equivalents);
    ``quoted_from``/``quoted_sent`` come from a quoted header block and support reply linkage when
    ids are missing. ``notes`` lists content-free remarks made while normalizing (for example
    ``charset_repaired``). ``headers`` keeps the few delivery headers that say how a message
    was sent, never content: lower-cased name and value pairs of ``List-Id``,
    ``List-Unsubscribe``, ``Precedence``, ``Auto-Submitted`` and the auto-reply markers
    (:data:`upwell.normalize.mime.KIND_HEADERS`), read by the ``kinds`` analyzer.
    """

    source: str
    source_item_id: str
    channel: Channel
    sent_at: datetime
    utc_offset_minutes: int | None
    sender: Address
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    bcc: tuple[Address, ...] = ()
    subject: str = ""
    body: str = ""
    quoted: str = ""
    forwarded: str = ""
    message_id: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    quoted_from: str | None = None
    quoted_sent: datetime | None = None
    conversation: str | None = None
    thread_id: str | None = None
    mentions: tuple[Address, ...] = ()
    folder: str | None = None
    attachments: int = 0
    notes: tuple[str, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Attendee:
    """An invitee of an event with their response."""

    address: Address
    response: Response = "unknown"
    role: str = "required"


@dataclass(frozen=True, slots=True)
class Event:
    """One calendar event occurrence (recurrences are expanded, one Event per occurrence).

    ``uid`` is the iCalendar UID shared by all occurrences; ``recurrence_id`` identifies one
    occurrence (its original start, ISO 8601 UTC) and is ``None`` for a single event. All-day events
    have ``all_day`` set and start/end at UTC midnight of their dates.
    """

    source: str
    source_item_id: str
    uid: str
    title: str
    start: datetime
    end: datetime
    utc_offset_minutes: int | None = None
    timezone: str | None = None
    all_day: bool = False
    cancelled: bool = False
    recurring: bool = False
    recurrence_id: str | None = None
    organizer: Address | None = None
    attendees: tuple[Attendee, ...] = ()
    location: str = ""
    notes: tuple[str, ...] = ()


Record = Message | Event


# Handles: how an address string becomes an Address, and which handle names a person best.
# Here rather than in normalize/address.py so that the store, which resolves people when it
# writes, needs nothing from normalize (docs/architecture.md).

_X500 = re.compile(r"^/o=[^<>]*$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+$")
_SPACES = re.compile(r"\s+")
_PAREN = re.compile(r"\([^()]*\)")
_PAREN_NAME = re.compile(r"\(([^()@]{3,80})\)")
_ANGLE = re.compile(r"<([^<>]*)>")


#: A Notes or Exchange routing domain after a display name ("Grant, Bruce S @ENRON",
#: "Jane Doe @ Acme"): where the mail was routed, not part of the name.
_NOTES_DOMAIN = re.compile(r"\s@\s?[A-Za-z][\w.-]*\s*$")


def fold_name(name: str) -> str:
    """A display name folded for comparison: "Smith, John", "John Smith" and "Smith, John
    @ACME" fold the same."""
    cleaned = _PAREN.sub(" ", _ANGLE.sub(" ", _NOTES_DOMAIN.sub("", name)))
    cleaned = cleaned.replace('"', " ").replace("'", " ")
    words = [w for w in re.findall(r"[^\W\d_]+", cleaned.lower()) if len(w) > 1]
    return " ".join(sorted(words))


_ON_BEHALF = re.compile(r"^.+?\s+on\s+behalf\s+of\s+(.+)$", re.IGNORECASE)
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq"})
_LETTERS = re.compile(r"[^a-z]")


def _word_key(word: str) -> str:
    return _LETTERS.sub("", word.lower())


def natural_name(name: str, addr: str = "") -> str:
    """``name`` in natural order ("Louis Dicarlo") where the source wrote it surname first and
    says so: a "Surname, First" comma, or an address whose local part gives the order
    ("Dicarlo Louis" with ``louis.dicarlo@...``). Without such evidence the name is unchanged:
    the order is never guessed from the words themselves."""
    if name.count(",") == 1 and "@" not in name:
        last, first = (part.strip() for part in name.split(","))
        if last and first and _word_key(first) not in _SUFFIXES:
            return f"{first} {last}"
        return name
    words = name.split()
    local = addr.split("@", 1)[0] if "@" in addr else ""
    tokens = [t for t in (_word_key(x) for x in re.split(r"[._-]+", local)) if t]
    if len(words) < 2 or len(tokens) < 2 or tokens[-1] != _word_key(words[0]):
        return name
    for i in range(1, len(words)):
        if _word_key(words[i]) == tokens[0]:
            return " ".join(words[i:] + words[:i])
    return name


@lru_cache(maxsize=65536)
def make_address(addr: str, name: str = "") -> Address | None:
    """One party from an address string and an optional display name; ``None`` if empty.

    A delegate's "Assistant on behalf of Boss" names the person the mail is from (the boss);
    a name written surname first is put in natural order where the source shows the order
    (:func:`natural_name`)."""
    addr = addr.strip().strip("<>").strip()
    name = _SPACES.sub(" ", name.replace('"', "")).strip().strip("'").strip()
    behalf = _ON_BEHALF.match(name)
    if behalf:
        name = behalf.group(1).strip().strip("'").strip()
    if name.lower() == addr.lower():
        name = ""
    name = natural_name(name, addr)
    if _EMAIL.match(addr):
        return Address(handle=addr.lower(), name=name, kind="email")
    if _X500.match(addr):
        return Address(handle=addr.lower(), name=name, kind="x500")
    label = name or addr
    inner = _PAREN_NAME.search(label)
    if inner and len(inner.group(1).split()) >= 2:
        # Notes-style "user@host (Full Name)@DOMAIN": the person is the name in parentheses.
        label = inner.group(1).strip()
    folded = fold_name(label)
    if not folded:
        return None
    return Address(handle="name:" + folded, name=label, kind="name")


_KIND_RANK = {"email": 0, "x500": 1, "slack": 2, "name": 3}


def handle_kind(handle: str) -> str:
    """The kind of a normalized handle."""
    if handle.startswith("name:"):
        return "name"
    if handle.startswith("slack:"):
        return "slack"
    if handle.startswith("/o="):
        return "x500"
    return "email"


def handle_rank(handle: str) -> int:
    """How good a handle is as a person's canonical one (lower is better)."""
    return _KIND_RANK[handle_kind(handle)]


def person_name_key(handle: str, name: str) -> str | None:
    """The folded full name that identifies a person across handles, or ``None`` when there is
    no full name (at least two words) to go by."""
    folded = fold_name(name) if name else (handle[5:] if handle.startswith("name:") else "")
    return folded if len(folded.split()) >= 2 else None
