"""Reply linkage in the database: which earlier message each reply answers, and its thread.

Reads and writes: the member's ``messages`` rows, by blind keys only (never content), in SQL, so
memory stays flat however many messages a member has. Methods, tried in order for each reply
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

from sqlalchemy import text
from sqlalchemy.engine import Connection

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

_QUOTED_PARENT = """
    SELECT p.id FROM messages p
    WHERE p.member_id = messages.member_id AND p.sender_name_key = messages.quoted_from_key
      AND p.sent_at < messages.sent_at AND p.id <> messages.id
      AND EXISTS (SELECT 1 FROM message_parties q
                  WHERE q.member_id = p.member_id AND q.message_id = p.id
                    AND q.person_id = messages.sender_id)"""

_QUOTED = text(f"""
UPDATE messages SET link_method = 'quoted', parent_id = (
    {_QUOTED_PARENT} ORDER BY p.sent_at DESC, p.id DESC LIMIT 1)
WHERE member_id = :m AND quoted_from_key IS NOT NULL AND parent_id IS NULL
  AND EXISTS ({_QUOTED_PARENT})
""")  # noqa: S608 - a constant fragment, no input in it

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
    for statement in (_HEADER, _QUOTE, _SUBJECT, _QUOTED, _THREADS):
        conn.execute(statement, params)
    return {str(method): int(n) for method, n in conn.execute(_COUNTS, params)}
