"""Shared text helpers for analyzers: sentences and words of a message's own text."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
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


#: Texts up to this long (a sentence) are scanned with the pattern as written: the fast scan
#: saves less there than lower-casing and checking boundaries cost.
_SHORT = 300
_ESCAPE = re.compile(r"\\.|\(\?P<\w+>|\(\?P=\w+\)")
_CASED = re.compile(r"[A-Z]")


class Words:
    """A case-insensitive pattern whose every alternative opens with a word boundary
    (``\\b``), scanned fast.

    ``re`` cannot skip ahead to a pattern's possible first letters when the pattern opens with
    ``\\b`` or ignores case, so it tries the whole pattern at every position of the text (on
    message bodies, about ten times slower than a skip at C speed). A :class:`Words` keeps the
    pattern as written (``pattern``, ``flags``), and scans a lower-cased copy of the text with
    the pattern less its opening ``\\b`` and without IGNORECASE, checking the word boundary at
    each hit itself: the same matches at the same places, as a test checks on real mail. Match
    objects of a long text are of its lower-cased copy (same positions, lower-case text). The
    pattern must be written in lower case (checked here); a short text, or one whose lower case
    is not as long as itself, is scanned with the pattern as written.
    """

    __slots__ = ("_fast", "as_written", "flags", "pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        alternatives = _top_alternatives(pattern)
        if not all(a.startswith(r"\b") for a in alternatives):
            raise ValueError("every alternative of a Words pattern opens with \\b")
        if _CASED.search(_ESCAPE.sub("", pattern)):
            raise ValueError("write a Words pattern in lower case")
        self.as_written = re.compile(pattern, flags | re.IGNORECASE)
        # \b(?:a|b) is \ba|\bb: the boundary is checked at the same place for each.
        self._fast = re.compile("(?:" + "|".join(a[2:] for a in alternatives) + ")",
                                flags & ~re.IGNORECASE)
        self.pattern, self.flags = self.as_written.pattern, self.as_written.flags

    def __repr__(self) -> str:
        return f"Words({self.pattern!r})"

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        """The first match at or after ``pos``, or ``None`` (as :meth:`re.Pattern.search`)."""
        low = _low(text) if len(text) > _SHORT else None
        return self.as_written.search(text, pos) if low is None else self._next(low, pos)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """Every match, left to right, not overlapping (as :meth:`re.Pattern.finditer`)."""
        low = _low(text) if len(text) > _SHORT else None
        if low is None:
            yield from self.as_written.finditer(text)
            return
        pos = 0
        while (m := self._next(low, pos)) is not None:
            yield m
            pos = max(m.end(), m.start() + 1)

    def count(self, text: str) -> int:
        """How many times the pattern matches (``len(findall(text))``)."""
        return sum(1 for _m in self.finditer(text))

    def _next(self, low: str, pos: int) -> re.Match[str] | None:
        while (m := self._fast.search(low, pos)) is not None:
            if _boundary(low, m.start()):
                return m
            pos = m.start() + 1
        return None


def _top_alternatives(pattern: str) -> list[str]:
    """``pattern`` split at each ``|`` outside every group and character class."""
    out, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 1
        elif in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            i += pattern[i + 1 : i + 2] == "^"
            i += pattern[i + 1 : i + 2] == "]"  # a "]" first in the class is a literal
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    return [*out, pattern[start:]]


def _boundary(text: str, at: int) -> bool:
    """Whether ``\\b`` holds at ``at``: a word character on one side only."""
    before = at > 0 and (text[at - 1].isalnum() or text[at - 1] == "_")
    after = at < len(text) and (text[at].isalnum() or text[at] == "_")
    return before != after


@lru_cache(maxsize=64)
def _low(text: str) -> str | None:
    return lowered(text)


def lowered(text: str) -> str | None:
    """``text`` in lower case when that keeps every character's position (so a case-sensitive
    pattern can scan it in place of a slower case-insensitive one), else ``None``."""
    low = text.lower()
    return low if len(low) == len(text) else None


def sentences_matching(text: str, *patterns: Words) -> list[str]:
    """The sentences of ``text`` in which any of ``patterns`` matches, found by scanning the
    whole text once per pattern instead of every sentence with every pattern."""
    found = [m.start() for pattern in patterns for m in pattern.finditer(text)]
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
