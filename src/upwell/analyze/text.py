"""Shared text helpers for analyzers: sentences and words of a message's own text."""

from __future__ import annotations

import re

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def sentences(text: str) -> list[str]:
    """Sentences (and lines without end punctuation), stripped, in order."""
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def words(text: str) -> list[str]:
    """Alphabetic words, case kept."""
    return _WORD.findall(text)
