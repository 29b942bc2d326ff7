"""Evidence snippets: the member's own phrases behind a card, kept only if their settings allow.

Reads: a message's own words and its analyzer features. Writes: ``{kind: phrase}`` with at most
one short phrase per kind (a harsh sentence, a specific thanks, an ask, negativity aimed at
"you"). The store seals them with the member's key and deletes them after the retention period.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from upwell.analyze.names import GRATITUDE, HARSH, REQUESTS, TONE
from upwell.analyze.text import sentences
from upwell.model import Message

MAX_CHARS = 160

_KINDS: dict[str, tuple[str, str, re.Pattern[str]]] = {
    "harsh": (HARSH, "harsh",
              re.compile(r"!!|\b[A-Z]{5,}\b"
                         r"|(?i:\b(?:always|never|nobody)\b|damn|shit|fuck|idiot|stupid)")),
    "specific_thanks": (GRATITUDE, "gratitude",
                        re.compile(r"\b(thanks|thank you|appreciate|great job|well done|kudos)\b",
                                   re.IGNORECASE)),
    "ask": (REQUESTS, "requests",
            re.compile(r"\?|\b(please|could you|can you|would you|let me know)\b",
                       re.IGNORECASE)),
    "aimed_negativity": (TONE, "addressee_negativity",
                         re.compile(r"\b(you|your)\b", re.IGNORECASE)),
}


def snippets(message: Message, features: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """The phrase behind each flagged feature of ``message`` (none when nothing is flagged)."""
    out: dict[str, str] = {}
    parts: list[str] | None = None
    for kind, (analyzer, feature, pattern) in _KINDS.items():
        value = features.get(analyzer, {}).get(feature)
        flagged = value >= 0.5 if isinstance(value, float) else bool(value)
        if not flagged:
            continue
        parts = parts if parts is not None else sentences(message.body)
        hit = next((s for s in parts if pattern.search(s)), None)
        if hit:
            out[kind] = hit if len(hit) <= MAX_CHARS else hit[: MAX_CHARS - 1] + "…"
    return out
