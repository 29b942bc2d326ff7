"""Analyze: registered, versioned analyzers over normalized records.

Importing this package registers the built-in per-item analyzers (tone, gratitude, politeness,
requests, harsh, commitments, kinds; their versioned names are in :mod:`upwell.analyze.names`).
:func:`analyze_message` runs them all on one message's own words: its first :data:`MAX_CHARS`
characters; the analyzers whose features only coaching reads (tone, politeness, harsh,
commitments) are skipped on mail that ``kinds`` files as not work (automated, broadcast,
personal), which is never coached: 44 % of the Enron messages.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from upwell.analyze import (  # noqa: F401
    commitments,
    gratitude,
    harsh,
    kinds,
    politeness,
    requests,
    tone,
)
from upwell.analyze.names import KINDS
from upwell.analyze.registry import AnalyzerSpec, Features, analyzer, analyzers, run
from upwell.model import Address, Message

__all__ = ["MAX_CHARS", "AnalyzerSpec", "Features", "analyze_message", "analyzer", "analyzers",
           "run", "warm"]

#: Characters of a message's own words that the analyzers read (about 650 words, a full page).
#: How someone treats people shows in what they write to them, not in a report or contract
#: pasted below it; one message in twenty is longer, and those long tails were half of all the
#: text the analyzers scanned in the Enron mailboxes. The cut falls at a line or sentence end.
MAX_CHARS = 2500


def readable_part(body: str) -> str:
    """The part of ``body`` the analyzers read: all of it up to :data:`MAX_CHARS` characters,
    else its opening, cut at the last line or sentence end before the limit (at the limit when
    there is none in its second half)."""
    if len(body) <= MAX_CHARS:
        return body
    cut = max(body.rfind("\n", 0, MAX_CHARS), body.rfind(". ", 0, MAX_CHARS - 1) + 1)
    return body[: cut if cut > MAX_CHARS // 2 else MAX_CHARS]


def analyze_message(message: Message, names: tuple[str, ...] | None = None
                    ) -> dict[str, Features]:
    """Every (or the named) analyzer's features for ``message``, keyed by analyzer name; when
    ``kinds`` is among them and files the message as not work, without the ``coached_only``
    analyzers (nothing reads their features on mail that is not coached)."""
    specs = analyzers()
    chosen = [specs[n] for n in names] if names is not None else list(specs.values())
    part = readable_part(message.body)
    if part is not message.body:
        message = replace(message, body=part)
    first = run(specs[KINDS], message) if KINDS in specs and specs[KINDS] in chosen else None
    if first is not None and first.get("kind") != "work":
        chosen = [s for s in chosen if not s.coached_only]
    return {s.name: first if s.name == KINDS and first is not None else run(s, message)
            for s in chosen}


def warm(names: tuple[str, ...]) -> None:
    """Read the named analyzers' models and lexicons now (a worker process does this while it
    starts, so that it is ready when its first chunk of messages arrives)."""
    analyze_message(Message(source="warm", source_item_id="warm", channel="email",
                            sent_at=datetime(2024, 1, 1, tzinfo=UTC), utc_offset_minutes=0,
                            sender=Address("warm@example.org"),
                            body="Thanks, could you send it?"), names)
