"""Turning a normalized record into the row the store keeps: analyzed, sealed, body-free.

Reads: a :class:`Message` or :class:`Event` and the member's cipher. Writes: a
:class:`~upwell.store.prepared.Prepared` row, with the named analyzers' features and (when the
member keeps evidence) the phrases behind them already computed: the store never runs
analyzers. This is pure (no database, no shared state), so it runs wherever normalizing runs,
including the member's own import worker processes; only the people on a record are left for
the writer, which resolves them to the member's persons.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from upwell.model import Event, Message, Record
from upwell.normalize.address import fold_name
from upwell.normalize.copies import fingerprint
from upwell.normalize.mime import is_sent_folder
from upwell.normalize.threads import is_forward_subject, is_reply_subject, normalize_subject
from upwell.store.crypto import MemberCipher
from upwell.store.prepared import Party, Prepared

#: ``duplicate_of`` for an item all of whose messages are expected to be duplicates.
ANY_MESSAGE = "*"


@lru_cache(maxsize=65536)
def _folded(name: str) -> str:
    return fold_name(name)


def record_id(cipher: MemberCipher, record: Record) -> str:
    """The member's id for a record: a blind index of its source item id."""
    if isinstance(record, Message):
        return message_id(cipher, record.source_item_id)
    return cipher.index("evt|" + record.source_item_id)


def message_id(cipher: MemberCipher, source_item_id: str) -> str:
    """The member's id for the message with ``source_item_id``."""
    return cipher.index("msg|" + source_item_id)


def _name_key(cipher: MemberCipher, name: str | None) -> str | None:
    folded = _folded(name) if name else ""
    return cipher.index("name|" + folded) if folded else None


def prepare(cipher: MemberCipher, record: Record, analyzers: tuple[str, ...] = (),
            evidence: bool = False, duplicate_of: str | None = None) -> Prepared:
    """The stored form of ``record``: message bodies are read here, by the named analyzers and
    for counts, and then dropped; with ``evidence``, the phrases behind flagged features are
    kept (sealed) for the member's own cards. A message whose id is ``duplicate_of`` (one the
    import expects to have already; :data:`ANY_MESSAGE`: whatever its id) is not analyzed: it
    comes back marked ``unanalyzed``."""
    if isinstance(record, Message):
        if analyzers and duplicate_of is not None and (
                duplicate_of == ANY_MESSAGE or record_id(cipher, record) == duplicate_of):
            return replace(_message(cipher, record, (), False), unanalyzed=True)
        return _message(cipher, record, analyzers, evidence)
    return _event(cipher, record)


def feature_rows(cipher: MemberCipher, message: Message, rid: str, analyzers: tuple[str, ...],
                 evidence: bool) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The sealed features of one message from the named analyzers, with their versions, and
    (with ``evidence``) the sealed phrases behind its flagged features."""
    # Imported here, not at the top: an import worker process with analyzers off (or one that
    # only parses) starts without loading the analyzers' models.
    from upwell.analyze import analyze_message  # noqa: PLC0415 - a worker with analyzers off starts without loading their models
    from upwell.analyze.evidence import snippets  # noqa: PLC0415 - a worker with analyzers off starts without loading their models

    values = analyze_message(message, analyzers)
    versions = ",".join(sorted(values))
    blob = json.dumps(values, sort_keys=True, separators=(",", ":"))
    features = {"message_id": rid, "versions": versions,
                "values_enc": cipher.seal("features", rid, "values", blob)}
    phrases = snippets(message, values) if evidence else {}
    kept = None
    if phrases:
        kept = {"message_id": rid, "captured_at": datetime.now(UTC),
                "snippets_enc": cipher.seal("evidence", rid, "snippets", json.dumps(phrases))}
    return features, kept


def _message(cipher: MemberCipher, m: Message, analyzers: tuple[str, ...], evidence: bool
             ) -> Prepared:
    idx = cipher.index
    rid = record_id(cipher, m)
    norm_subject = normalize_subject(m.subject)
    parties: list[Party] = [("sender", m.sender.handle, m.sender.name, "")]
    for role, group in (("to", m.to), ("cc", m.cc), ("bcc", m.bcc), ("mention", m.mentions)):
        parties.extend((role, a.handle, a.name, "") for a in group)
    row = {
        "id": rid,
        "source": m.source,
        "channel": m.channel,
        "sent_at": m.sent_at,
        "utc_offset": m.utc_offset_minutes,
        "in_sent_folder": is_sent_folder(m.folder),
        "n_to": len(m.to),
        "n_cc": len(m.cc),
        "subject_enc": cipher.seal("messages", rid, "subject", m.subject) if m.subject else None,
        "subject_key": idx("subj|" + norm_subject) if norm_subject else None,
        "is_reply": bool(m.in_reply_to) or is_reply_subject(m.subject),
        "is_forward": bool(m.forwarded) or is_forward_subject(m.subject),
        "msgid_key": idx("mid|" + m.message_id) if m.message_id else None,
        "in_reply_to_key": idx("mid|" + m.in_reply_to) if m.in_reply_to else None,
        "quoted_from_key": _name_key(cipher, m.quoted_from),
        "sender_name_key": _name_key(cipher, m.sender.name or m.sender.handle.split("@")[0]),
        "conversation_key": idx("conv|" + m.conversation) if m.conversation else None,
        "parent_id": None,
        "thread_key": None,
        "link_method": None,
        "word_count": len(m.body.split()),
        "quoted_chars": len(m.quoted),
        "attachments": m.attachments,
        "notes": ",".join(sorted(set(m.notes)))[:200],
        "copy_key": idx("copy|" + fp) if (fp := fingerprint(m)) else None,
        "folder_key": idx("folder|" + m.folder.lower()) if m.folder else None,
    }
    feats, kept = feature_rows(cipher, m, rid, analyzers, evidence) if analyzers else (None, None)
    return Prepared("messages", rid, row, tuple(parties), m.notes, feats, kept)


def _event(cipher: MemberCipher, e: Event) -> Prepared:
    rid = record_id(cipher, e)
    parties: list[Party] = []
    if e.organizer:
        parties.append(("organizer", e.organizer.handle, e.organizer.name, ""))
    parties.extend(("attendee", a.address.handle, a.address.name, a.response)
                   for a in e.attendees)
    row = {
        "id": rid,
        "source": e.source,
        "uid_key": cipher.index("uid|" + e.uid),
        "title_enc": cipher.seal("events", rid, "title", e.title) if e.title else None,
        "start_at": e.start,
        "end_at": e.end,
        "utc_offset": e.utc_offset_minutes,
        "all_day": e.all_day,
        "cancelled": e.cancelled,
        "recurring": e.recurring,
        "notes": ",".join(sorted(set(e.notes)))[:200],
    }
    return Prepared("events", rid, row, tuple(parties), e.notes)
