"""Evidence snippets: the member's own phrases behind a card, kept only if their settings allow.

Reads: a message's own words and its analyzer features. Writes: ``{kind: phrase}`` with at most
one short phrase per kind (a harsh sentence, a specific thanks, an ask, negativity aimed at
"you", a commitment). The phrase is the first sentence the flagging analyzer itself read as such
(:func:`~upwell.analyze.harsh.harsh_sentences`, :func:`~upwell.analyze.requests.ask_sentences`,
:func:`~upwell.analyze.gratitude.recognition_sentences`), so a card quotes what triggered it.
The store seals them with the member's key and deletes them after the retention period.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from upwell.analyze.commitments import commitment_sentences
from upwell.analyze.gratitude import recognition_sentences
from upwell.analyze.harsh import harsh_sentences
from upwell.analyze.names import COMMITMENTS, GRATITUDE, HARSH, REQUESTS, TONE
from upwell.analyze.requests import ask_sentences
from upwell.analyze.text import Words, sentences
from upwell.model import Message

MAX_CHARS = 160

_YOU = Words(r"\b(you|your)\b")


def _aimed(text: str) -> list[str]:
    return [s for s in sentences(text) if _YOU.search(s)]


#: Each kind: the analyzer and feature that flag it, and the analyzer's own reading of which
#: sentences did (so the phrase shown is the one that triggered, never a look-alike).
_KINDS: dict[str, tuple[str, str, Callable[[str], list[str]]]] = {
    "harsh": (HARSH, "harsh", harsh_sentences),
    "specific_thanks": (GRATITUDE, "recognition_specific", recognition_sentences),
    "ask": (REQUESTS, "requests", ask_sentences),
    "aimed_negativity": (TONE, "addressee_negativity", _aimed),
    "commitment": (COMMITMENTS, "commitments", commitment_sentences),
}
#: A message whose thanks are specific shows them even when no praise is (``thanks_kind``).
_SPECIFIC_THANKS = (GRATITUDE, "thanks_kind", "specific")


def _flagged(features: Mapping[str, Mapping[str, Any]], kind: str) -> bool:
    analyzer, feature, _read = _KINDS[kind]
    value = features.get(analyzer, {}).get(feature)
    if kind == "specific_thanks" and features.get(_SPECIFIC_THANKS[0], {}).get(
            _SPECIFIC_THANKS[1]) == _SPECIFIC_THANKS[2]:
        return True
    return value >= 0.5 if isinstance(value, float) else bool(value)


def snippets(message: Message, features: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """The phrase behind each flagged feature of ``message`` (none when nothing is flagged)."""
    out: dict[str, str] = {}
    for kind, (_analyzer, _feature, read) in _KINDS.items():
        if not _flagged(features, kind):
            continue
        hit = next(iter(read(message.body)), None)
        if hit:
            out[kind] = hit if len(hit) <= MAX_CHARS else hit[: MAX_CHARS - 1] + "…"
    return out
