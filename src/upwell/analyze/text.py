"""Shared text helpers for analyzers: sentences and words of a message's own text."""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")
# A whole sentence ends at a run of . ! ? followed by a space, a line end or the end of the
# text: a stop inside a token (a URL "www.example.com/a.asp?q=1", "$1.77", "Co.\"") does not.
_WHOLE = re.compile(r"(?:[^.!?\n]+|[.!?]+(?=[^\s.!?]))+(?:[.!?]+|\n|$)|[.!?]+")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def sentences(text: str) -> list[str]:
    """Sentences (and lines without end punctuation), stripped, in order."""
    return list(_sentences(text))


@lru_cache(maxsize=16)
def _sentences(text: str) -> tuple[str, ...]:
    # Every analyzer of a message asks for the same text in turn: split it once.
    return tuple(text[a:b].strip() for a, b in _spans(text))


@lru_cache(maxsize=16)
def _spans(text: str) -> tuple[tuple[int, int], ...]:
    return tuple(m.span() for m in _SENTENCE.finditer(text) if m.group().strip())


def whole_sentences(text: str) -> list[str]:
    """Sentences as :func:`sentences` reads them, except that a stop inside a token (a URL, a
    number, a quoted abbreviation) does not end one: what the v2 rules of requests, harsh and
    commitments read. (:func:`sentences` stays as the politeness and tone models were fitted.)"""
    return list(_whole(text))


@lru_cache(maxsize=16)
def _whole(text: str) -> tuple[str, ...]:
    return tuple(m.group().strip() for m in _WHOLE.finditer(text) if m.group().strip())


def lowered(text: str) -> str | None:
    """``text`` in lower case when that keeps every character's position (so a case-sensitive
    pattern can scan it in place of a slower case-insensitive one), else ``None``."""
    low = text.lower()
    return low if len(low) == len(text) else None


def sentences_matching(text: str, *patterns: re.Pattern[str], haystack: str | None = None
                       ) -> list[str]:
    """The sentences of ``text`` in which any of ``patterns`` matches, found by scanning the
    whole text once per pattern instead of every sentence with every pattern. ``haystack`` is
    what the patterns scan (a same-length lower-cased copy); the text by default."""
    scanned = haystack if haystack is not None else text
    found = [m.start() for pattern in patterns for m in pattern.finditer(scanned)]
    if not found:
        return []
    spans = _spans(text)
    starts = _starts(text)
    hit = {i for i in (bisect_right(starts, at) - 1 for at in found) if i >= 0}
    return [text[spans[i][0] : spans[i][1]].strip() for i in sorted(hit)]


@lru_cache(maxsize=16)
def _starts(text: str) -> tuple[int, ...]:
    return tuple(a for a, _b in _spans(text))


@lru_cache(maxsize=16)
def sentence_lines(text: str) -> str:
    """The sentences of ``text`` one per line, for patterns anchored at a sentence start
    (``(?m)^``) to run over the whole text at once."""
    return "\n".join(_sentences(text))


def words(text: str) -> list[str]:
    """Alphabetic words, case kept."""
    return _WORD.findall(text)
