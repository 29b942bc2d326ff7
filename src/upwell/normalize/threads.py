"""Subjects for reply linkage: reply and forward prefixes, and the normalized subject whose
blind key the store matches (:mod:`upwell.store.threads` does the linking)."""

from __future__ import annotations

import re

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
