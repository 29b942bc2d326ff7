"""Reply linkage: which earlier message a reply answers.

Reads: per-message blind keys only (never content). Writes: ``{message id: (parent id, method)}``.
Methods, tried in order: ``header`` (In-Reply-To / References match a stored Message-ID, or a chat
thread parent), ``quote`` (same normalized subject, earlier, sent by the person named in the quoted
header block), ``subject`` (same normalized subject, the latest earlier message).
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg|sv|antw|tr)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_REPLY = re.compile(r"^\s*(re|aw|sv|antw)\s*(\[\d+\])?\s*:", re.IGNORECASE)
_FORWARD = re.compile(r"^\s*(fw|fwd|wg|tr)\s*:", re.IGNORECASE)


def normalize_subject(subject: str) -> str:
    """Subject with reply/forward prefixes removed, case and spaces folded."""
    return " ".join(_PREFIX.sub("", subject).lower().split())


def is_reply_subject(subject: str) -> bool:
    return bool(_REPLY.match(subject))


def is_forward_subject(subject: str) -> bool:
    return bool(_FORWARD.match(subject))


@dataclass(frozen=True, slots=True)
class LinkRow:
    id: str
    sent_at: datetime
    is_reply: bool
    subject_key: str | None
    msgid_key: str | None
    in_reply_to_key: str | None
    quoted_from_key: str | None
    sender_name_key: str | None


def link_replies(rows: list[LinkRow]) -> dict[str, tuple[str, str]]:
    """Parent and method for every reply that can be linked."""
    by_msgid = {r.msgid_key: r.id for r in rows if r.msgid_key}
    by_subject: dict[str, list[LinkRow]] = defaultdict(list)
    for r in rows:
        if r.subject_key:
            by_subject[r.subject_key].append(r)
    times: dict[str, list[datetime]] = {}
    for key, group in by_subject.items():
        group.sort(key=lambda r: (r.sent_at, r.id))
        times[key] = [g.sent_at for g in group]
    out: dict[str, tuple[str, str]] = {}
    for r in rows:
        if r.in_reply_to_key and r.in_reply_to_key in by_msgid:
            parent = by_msgid[r.in_reply_to_key]
            if parent != r.id:
                out[r.id] = (parent, "header")
                continue
        if not (r.is_reply and r.subject_key):
            continue
        group = by_subject[r.subject_key]
        end = bisect.bisect_left(times[r.subject_key], r.sent_at)
        if end == 0:
            continue
        named: LinkRow | None = None
        if r.quoted_from_key:
            for g in reversed(group[max(0, end - 50) : end]):
                if g.sender_name_key == r.quoted_from_key:
                    named = g
                    break
        if named is not None:
            out[r.id] = (named.id, "quote")
        else:
            out[r.id] = (group[end - 1].id, "subject")
    return out


def thread_roots(parents: dict[str, str]) -> dict[str, str]:
    """The root of each linked message's chain (cycles broken at the repeat)."""
    roots: dict[str, str] = {}
    for start in parents:
        seen = {start}
        node = start
        while node in parents and parents[node] not in seen:
            node = parents[node]
            seen.add(node)
        roots[start] = node
    return roots
