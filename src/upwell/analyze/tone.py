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
import string
from functools import lru_cache

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    N_SCALAR,
    NEGATE,
    SentimentIntensityAnalyzer,
    SentiText,
)

from upwell.analyze.models import load, ngrams, tokens
from upwell.analyze.names import TONE
from upwell.analyze.registry import Features, analyzer
from upwell.analyze.text import Words, sentences
from upwell.model import Message

_SECOND_PERSON = Words(r"\b(you|your|you're|youre|yours|yourself|u)\b")
_SARCASM = Words(
    r"\b(yeah,? right|oh,? great|oh,? wonderful|just what i needed|thanks a lot for nothing"
    r"|sure,? because|as if)\b")
#: The "/s" that marks a sarcastic line.
_SLASH_S = re.compile(r"(?:^|\s)/s\b", re.IGNORECASE)
#: Tone is read from a message's first sentences: long announcements and pasted reports say
#: nothing more about how the author treats people, and VADER's cost grows with length.
MAX_SENTENCES = 25
#: GoEmotions labels the model predicts, and the sentiment groups, in the artifact's order.
EMOTIONS = ("admiration", "approval", "caring", "annoyance", "anger", "disapproval")
SENTIMENTS = ("positive", "negative", "ambiguous", "neutral")
#: Words read by the emotion model (a message's opening says how it feels).
MAX_TOKENS = 150
_CAPS = re.compile(r"\b[A-Z]{3,}\b")


class _Vader(SentimentIntensityAnalyzer):  # type: ignore[misc]
    """VADER with its negation step looking only at the words it checks: VADER's own version
    lower-cases the whole sentence for every sentiment word and each of the three words before
    it (a third of its time on work mail). Same rules, same scores (tested)."""

    @staticmethod
    def _negation_check(valence: float, words: list[str], start_i: int, i: int) -> float:
        before = [w.lower() for w in words[max(0, i - 3) : i]]
        before = ["", "", "", *before][-3:]  # before[-1] is the word right before the item
        w3, w2, w1 = before
        if start_i == 0:
            return valence * N_SCALAR if _negates(w1) else valence
        if start_i == 1:
            if w2 == "never" and w1 in {"so", "this"}:
                return valence * 1.25
            if w2 == "without" and w1 == "doubt":
                return valence
            return valence * N_SCALAR if _negates(w2) else valence
        if start_i == 2:
            if (w3 == "never" and w2 in {"so", "this"}) or w1 in {"so", "this"}:
                return valence * 1.25
            if w3 == "without" and "doubt" in {w2, w1}:
                return valence
            return valence * N_SCALAR if _negates(w3) else valence
        return valence


_NEGATE = frozenset(NEGATE)


def _negates(word: str) -> bool:
    # VADER's negated() for one lower-cased word.
    return word in _NEGATE or "n't" in word


@lru_cache(maxsize=1)
def _vader() -> SentimentIntensityAnalyzer:
    return _Vader()


def _scores(text: str) -> dict[str, float]:
    # VADER's polarity_scores first rewrites emoji as words, a character-by-character loop that
    # is a third of its cost; ASCII text holds no emoji, so that loop changes nothing there, and
    # the rest of the method runs as is, calling VADER's own steps, except that words outside
    # its lexicon skip the call that would only record their zero (a test checks that the
    # scores are identical).
    vader = _vader()
    if not text.isascii():
        return vader.polarity_scores(text)  # type: ignore[no-any-return]
    text = text.strip()
    senti = SentiText(text)
    tokens_ = senti.words_and_emoticons
    sentiments: list[float] = []
    lexicon = vader.lexicon
    for i, item in enumerate(tokens_):
        low = item.lower()
        # A word outside the lexicon scores 0 in sentiment_valence, which then only appends it.
        if low not in lexicon or low in BOOSTER_DICT or (
                low == "kind" and i < len(tokens_) - 1 and tokens_[i + 1].lower() == "of"):
            sentiments.append(0)
            continue
        sentiments = vader.sentiment_valence(0, senti, item, i, sentiments)
    sentiments = vader._but_check(tokens_, sentiments)
    return vader.score_valence(sentiments, text)  # type: ignore[no-any-return]


@lru_cache(maxsize=4096)
def compound(text: str) -> float:
    """VADER's compound score of one sentence (0.0 without calling VADER when no word of it is in
    VADER's lexicon: most sentences of work mail carry no sentiment word, and VADER's score is
    then exactly zero). Remembered for the last few thousand sentences: greetings, sign-offs
    and lines quoted back recur (a quarter of the Enron sentences VADER reads)."""
    if text.isascii() and not _has_lexicon_word(text):
        return 0.0
    return float(_scores(text)["compound"])


_PUNCTUATION = string.punctuation


def _has_lexicon_word(text: str) -> bool:
    # VADER's own tokens (SentiText: split on whitespace, punctuation stripped unless that leaves
    # two characters or fewer), looked up as VADER looks them up (lower-cased). Only non-ASCII
    # text can hold emoji, which VADER first turns into words; such text always goes to VADER.
    words = _lexicon_words()
    for token in text.split():
        stripped = token.strip(_PUNCTUATION)
        if (stripped if len(stripped) > 2 else token).lower() in words:
            return True
    return False


@lru_cache(maxsize=1)
def _lexicon_words() -> frozenset[str]:
    return frozenset(_vader().lexicon)


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


@analyzer(TONE, reads=("body",), coached_only=True,
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
    sarcasm = bool(_SARCASM.search(message.body) or _SLASH_S.search(message.body))
    if sarcasm:
        valence = min(valence, 0.0)
    return {
        "valence": round(valence, 4),
        "most_negative": round(min(scores), 4),
        "addressee_negativity": round(max(aimed, default=0.0), 4),
        "sarcasm_marker": sarcasm,
        **_emotion_features(message.body),
    }
