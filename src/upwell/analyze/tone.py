"""tone.v1: how a message sounds, and whether negativity is aimed at the person addressed.

Reads: ``body`` (the author's own words). Writes: ``valence`` (VADER compound averaged over
sentences, -1..1), ``most_negative`` (the lowest sentence compound), ``addressee_negativity``
(0..1: the strongest negative sentence that speaks to "you"), ``sarcasm_marker`` (a phrase that
usually flips praise into its opposite; valence is then capped at 0). VADER handles negation
("not bad at all" reads positive), intensifiers, caps and punctuation; it ships its lexicon in the
package.

It also writes six GoEmotions labels (Demszky et al. 2020) as flags — ``admiration``,
``approval``, ``caring`` (warmth given), ``annoyance``, ``anger``, ``disapproval`` (negativity) —
and ``sentiment``, the GoEmotions sentiment groups present (``positive``, ``negative``,
``ambiguous``, ``neutral``, joined by ``+``; ``neutral`` when none is). They come from a linear
model over words, word pairs and VADER-lexicon counts, trained by ``upwell train emotions`` and
shipped as ``analyze/models/emotions.json``. Model card: docs/evaluation-analyzers.md.
"""

from __future__ import annotations

import re
from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from upwell.analyze.models import load, ngrams, tokens
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
#: GoEmotions labels the model predicts, and the sentiment groups, in the artifact's order.
EMOTIONS = ("admiration", "approval", "caring", "annoyance", "anger", "disapproval")
SENTIMENTS = ("positive", "negative", "ambiguous", "neutral")
#: Words read by the emotion model (a message's opening says how it feels).
MAX_TOKENS = 150
_CAPS = re.compile(r"\b[A-Z]{3,}\b")


@lru_cache(maxsize=1)
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def compound(text: str) -> float:
    """VADER's compound score of one sentence."""
    return float(_vader().polarity_scores(text)["compound"])


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, float]:
    return {k.lower(): float(v) for k, v in _vader().lexicon.items()}


def emotion_features(text: str) -> set[str]:
    """What the emotion model reads: words and word pairs of the first :data:`MAX_TOKENS`
    tokens, how many strongly negative and positive VADER-lexicon words there are (capped at 3),
    and whether a word is in capitals."""
    toks = tokens(text)[:MAX_TOKENS]
    feats = ngrams(toks)
    lex = _lexicon()
    values = [v for v in map(lex.get, toks) if v is not None]
    feats.add(f"x:neg{min(3, sum(1 for v in values if v < -1))}")
    feats.add(f"x:pos{min(3, sum(1 for v in values if v > 1))}")
    if _CAPS.search(text, 0, 8 * MAX_TOKENS):
        feats.add("x:caps")
    return feats


def emotions(text: str) -> dict[str, bool]:
    """Each of :data:`EMOTIONS` and :data:`SENTIMENTS`, at the shipped model's thresholds."""
    return load("emotions").decisions(emotion_features(text))


def _emotion_features(text: str) -> dict[str, bool | str]:
    found = emotions(text)
    groups = [g for g in SENTIMENTS if found[g]]
    return {**{e: found[e] for e in EMOTIONS}, "sentiment": "+".join(groups) or "neutral"}


@analyzer("tone.v1", reads=("body",),
          writes=("valence", "most_negative", "addressee_negativity", "sarcasm_marker",
                  *EMOTIONS, "sentiment"))
def tone(message: Message) -> Features:
    parts = sentences(message.body)[:MAX_SENTENCES]
    if not parts:
        return {"valence": 0.0, "most_negative": 0.0, "addressee_negativity": 0.0,
                "sarcasm_marker": False, **dict.fromkeys(EMOTIONS, False),
                "sentiment": "neutral"}
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
        **_emotion_features(message.body),
    }
