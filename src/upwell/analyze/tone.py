"""tone.v1: how a message sounds, and whether negativity is aimed at the person addressed.

Reads: ``body`` (the author's own words). Writes: ``valence`` (VADER compound averaged over
sentences, -1..1), ``most_negative`` (the lowest sentence compound), ``addressee_negativity``
(0..1: the strongest negative sentence that speaks to "you"), ``sarcasm_marker`` (a phrase that
usually flips praise into its opposite; valence is then capped at 0). VADER handles negation
("not bad at all" reads positive), intensifiers, caps and punctuation; it ships its lexicon in the
package.
"""

from __future__ import annotations

import re
from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from upwell.analyze.registry import Features, analyzer
from upwell.analyze.text import sentences
from upwell.model import Message

_SECOND_PERSON = re.compile(r"\b(you|your|you're|youre|yours|yourself|u)\b", re.IGNORECASE)
_SARCASM = re.compile(
    r"\b(yeah,? right|oh,? great|oh,? wonderful|just what i needed|thanks a lot for nothing"
    r"|sure,? because|as if)\b|(?:^|\s)/s\b",
    re.IGNORECASE,
)
#: Tone is read from a message's first sentences: long announcements and pasted reports say
#: nothing more about how the author treats people, and VADER's cost grows with length.
MAX_SENTENCES = 40


@lru_cache(maxsize=1)
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def compound(text: str) -> float:
    """VADER's compound score of one sentence."""
    return float(_vader().polarity_scores(text)["compound"])


@analyzer("tone.v1", reads=("body",),
          writes=("valence", "most_negative", "addressee_negativity", "sarcasm_marker"))
def tone(message: Message) -> Features:
    parts = sentences(message.body)[:MAX_SENTENCES]
    if not parts:
        return {"valence": 0.0, "most_negative": 0.0, "addressee_negativity": 0.0,
                "sarcasm_marker": False}
    scores = [compound(s) for s in parts]
    weights = [max(1, len(s.split())) for s in parts]
    valence = sum(c * w for c, w in zip(scores, weights, strict=True)) / sum(weights)
    aimed = [-c for s, c in zip(parts, scores, strict=True) if c < 0 and _SECOND_PERSON.search(s)]
    sarcasm = bool(_SARCASM.search(message.body))
    if sarcasm:
        valence = min(valence, 0.0)
    return {
        "valence": round(valence, 4),
        "most_negative": round(min(scores), 4),
        "addressee_negativity": round(max(aimed, default=0.0), 4),
        "sarcasm_marker": sarcasm,
    }
