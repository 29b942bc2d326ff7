"""Reply linkage in the database: which earlier message each reply answers, and its thread.

Reads and writes: the member's ``messages`` rows (and reads their ``message_parties``), by blind
keys only (never content), in SQL, so memory stays flat however many messages a member has;
the ``quoted`` method holds only the candidate replies and the messages of the people they
quote. Methods, tried in order for each reply
that has none yet (or only a ``subject`` guess):

- ``header``: its In-Reply-To (or References, or a chat thread parent) is a stored Message-ID;
- ``quote``: same normalized subject, sent earlier by the person named in its quoted header;
- ``subject``: same normalized subject, the latest earlier message;
- ``quoted``: a reply under a new or empty subject: the latest earlier message from the
  person named in its quoted header that had the replier among its parties.

Copies of one message filed in several folders are separate rows; a reply links to one of them
and the coaching view treats the copies as one (:func:`upwell.analyze.stream.handled`).

Then every linked message gets its thread root as ``thread_key`` (a recursive query; cycles
that forged ids could make are never reached from a root and stay unthreaded).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.engine import Connection

from upwell.store.schema import message_parties, messages

_HEADER = text("""
UPDATE messages SET link_method = 'header', parent_id = (
    SELECT p.id FROM messages p
    WHERE p.member_id = messages.member_id AND p.msgid_key = messages.in_reply_to_key
      AND p.id <> messages.id
    LIMIT 1)
WHERE member_id = :m AND in_reply_to_key IS NOT NULL
  AND (parent_id IS NULL OR link_method <> 'header')
  AND EXISTS (SELECT 1 FROM messages p
              WHERE p.member_id = messages.member_id AND p.msgid_key = messages.in_reply_to_key
                AND p.id <> messages.id)
""")

_QUOTE = text("""
UPDATE messages SET link_method = 'quote', parent_id = (
    SELECT p.id FROM messages p
    WHERE p.member_id = messages.member_id AND p.subject_key = messages.subject_key
      AND p.sent_at < messages.sent_at AND p.sender_name_key = messages.quoted_from_key
    ORDER BY p.sent_at DESC, p.id DESC LIMIT 1)
WHERE member_id = :m AND is_reply AND subject_key IS NOT NULL AND quoted_from_key IS NOT NULL
  AND (parent_id IS NULL OR link_method = 'subject')
  AND EXISTS (SELECT 1 FROM messages p
              WHERE p.member_id = messages.member_id AND p.subject_key = messages.subject_key
                AND p.sent_at < messages.sent_at
                AND p.sender_name_key = messages.quoted_from_key)
""")

_SUBJECT = text("""
UPDATE messages SET link_method = 'subject', parent_id = (
    SELECT p.id FROM messages p
    WHERE p.member_id = messages.member_id AND p.subject_key = messages.subject_key
      AND p.sent_at < messages.sent_at
    ORDER BY p.sent_at DESC, p.id DESC LIMIT 1)
WHERE member_id = :m AND is_reply AND subject_key IS NOT NULL
  AND (parent_id IS NULL OR link_method = 'subject')
  AND EXISTS (SELECT 1 FROM messages p
              WHERE p.member_id = messages.member_id AND p.subject_key = messages.subject_key
                AND p.sent_at < messages.sent_at)
""")

#: Ids per statement when a query names many rows.
_CHUNK = 500


def _link_quoted(conn: Connection, member_id: int) -> None:
    """The ``quoted`` method: one scan for the messages of the people that replies quote, one
    for their parties, then the links, in place of a search per reply."""
    replies = list(conn.execute(
        select(messages.c.id, messages.c.sent_at, messages.c.quoted_from_key,
               messages.c.sender_id).where(messages.c.member_id == member_id,
                                           messages.c.quoted_from_key.is_not(None),
                                           messages.c.parent_id.is_(None))))
    if not replies:
        return
    keys = sorted({r.quoted_from_key for r in replies})
    by_key: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for i in range(0, len(keys), _CHUNK):
        for p in conn.execute(select(messages.c.id, messages.c.sent_at, messages.c.sender_name_key)
                              .where(messages.c.member_id == member_id,
                                     messages.c.sender_name_key.in_(keys[i:i + _CHUNK]))):
            by_key[p.sender_name_key].append((p.sent_at, p.id))
    ids = sorted({pid for found in by_key.values() for _t, pid in found})
    repliers = sorted({r.sender_id for r in replies})
    on: set[tuple[str, str]] = set()
    for i in range(0, len(ids), _CHUNK):
        on.update((q.message_id, q.person_id) for q in conn.execute(
            select(message_parties.c.message_id, message_parties.c.person_id).where(
                message_parties.c.member_id == member_id,
                message_parties.c.message_id.in_(ids[i:i + _CHUNK]),
                message_parties.c.person_id.in_(repliers))))
    links = []
    for r in replies:
        earlier = [(t, pid) for t, pid in by_key.get(r.quoted_from_key, ())
                   if t < r.sent_at and pid != r.id and (pid, r.sender_id) in on]
        if earlier:
            links.append({"rid": r.id, "pid": max(earlier)[1]})
    if links:
        conn.execute(update(messages).where(messages.c.member_id == member_id,
                                            messages.c.id == bindparam("rid"))
                     .values(parent_id=bindparam("pid"), link_method="quoted"), links)


_THREADS = text("""
WITH RECURSIVE chain(id, root, depth) AS (
    SELECT r.id, r.id, 0 FROM messages r
    WHERE r.member_id = :m AND r.parent_id IS NULL
      AND EXISTS (SELECT 1 FROM messages c WHERE c.member_id = :m AND c.parent_id = r.id)
    UNION ALL
    SELECT c.id, chain.root, chain.depth + 1 FROM messages c JOIN chain ON c.parent_id = chain.id
    WHERE c.member_id = :m AND chain.depth < 100000
)
UPDATE messages SET thread_key = chain.root FROM chain
WHERE messages.id = chain.id AND messages.member_id = :m
  AND (messages.thread_key IS NULL OR messages.thread_key <> chain.root)
""")

_COUNTS = text("""
SELECT link_method, count(*) FROM messages
WHERE member_id = :m AND link_method IS NOT NULL GROUP BY link_method
""")


def relink(conn: Connection, member_id: int) -> dict[str, int]:
    """Link the member's replies and thread them; returns how many are linked, by method."""
    params = {"m": member_id}
    for statement in (_HEADER, _QUOTE, _SUBJECT):
        conn.execute(statement, params)
    _link_quoted(conn, member_id)
    conn.execute(_THREADS, params)
    return {str(method): int(n) for method, n in conn.execute(_COUNTS, params)}
