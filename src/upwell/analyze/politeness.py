"""politeness.v3: the politeness strategies of Danescu-Niculescu-Mizil et al. (2013) and an
overall politeness score learned from human ratings.

Reads: ``body``. Writes one count per strategy in "A computational approach to politeness with
application to social factors" (ACL 2013), Table 3, detected with lexical and positional rules
(no parser: the paper's dependency-based cues are approximated by word order, which keeps this at
tens of thousands of messages a second), and ``score`` (-1 impolite .. 1 polite): a logistic
regression over the strategies, words and word pairs (see :func:`model_features`), trained by
``upwell train politeness`` on the Stanford Politeness Corpus and shipped as
``analyze/models/politeness.json`` (v1 had no score), and ``softened`` (v3): whether the message
softens what it asks. The paper counts a sentence-initial "Please" as a direct strategy
(``please_start``) apart from ``please``; in workplace mail "Please send the confirms. Thanks,"
is the formal register, so for ``softened`` any "please" counts, as do "could/would you",
thanks, hedges, apologies and "if possible" / "when you get a chance" (the strategies and the
score are unchanged, so the shipped model still reproduces). Model card, with its accuracy in
and across domains: docs/analyzers/politeness.md.

Strategies: ``gratitude``, ``deference``, ``greeting``, ``positive_lexicon``,
``negative_lexicon``, ``apologizing``, ``please``, ``please_start``, ``indirect_btw``,
``direct_question``, ``direct_start``, ``counterfactual_modal``, ``indicative_modal``,
``first_person_start``, ``first_person_plural``, ``first_person``, ``second_person``,
``second_person_start``, ``hedges``, ``factuality``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from upwell.analyze.models import load, ngrams, tokens
from upwell.analyze.names import POLITENESS
from upwell.analyze.registry import Features, analyzer
from upwell.analyze.text import Words, sentence_lines, sentences
from upwell.model import Message

_TOKEN = re.compile(r"[a-z]+")
#: The first two words of each line (the second empty when the line has one).
_FIRST_TWO = re.compile(r"^[^a-z\n]*([a-z]+)(?:[^a-z\n]+([a-z]+))?", re.MULTILINE)

_GRATITUDE = {"thanks", "thank", "appreciate", "appreciated", "appreciates", "grateful"}
_DEFERENCE_1 = {"great", "good", "nice", "interesting", "excellent", "fantastic", "wonderful",
                "impressive"}
_DEFERENCE_2 = {"work", "job", "point", "question", "idea", "catch", "find", "stuff", "effort"}
_GREETING = {"hi", "hello", "hey", "dear"}
_APOLOGY = {"sorry", "apologize", "apologise", "apologies", "apologizing", "apologising",
            "pardon"}
_APOLOGY_2 = {("my", "bad"), ("forgive", "me"), ("excuse", "me")}
_DIRECT_Q = {"what", "why", "who", "how"}
_DIRECT_START = {"so", "then", "and", "but", "or"}
_FIRST = {"i", "my", "mine", "myself", "me"}
_FIRST_START = {"i", "my", "mine", "myself"}
_PLURAL = {"we", "our", "ours", "us", "ourselves"}
_SECOND = {"you", "your", "yours", "yourself", "u"}
_HEDGES = {"think", "thought", "believe", "suggest", "guess", "maybe", "perhaps", "possibly",
           "probably", "might", "seem", "seems", "appear", "appears", "somewhat", "wonder",
           "wondering", "presumably", "likely", "unclear", "apparently", "assume", "suppose",
           "suspect"}
_HEDGES_2 = {("sort", "of"), ("kind", "of")}
_FACTUAL = {"actually", "honestly", "obviously", "clearly", "really"}
_FACTUAL_2 = {("in", "fact")}
_PHRASES = {
    "indirect_btw": re.compile(r"\bby the way\b|\bbtw\b"),
    "factuality": re.compile(r"\bthe (?:point|reality|truth) is\b"),
}
STRATEGIES = (
    "gratitude", "deference", "greeting", "apologizing", "please", "please_start",
    "indirect_btw", "direct_question", "direct_start", "counterfactual_modal",
    "indicative_modal", "first_person_start", "first_person_plural", "first_person",
    "second_person", "second_person_start", "hedges", "factuality", "positive_lexicon",
    "negative_lexicon",
)


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, float]:
    """VADER's valence lexicon (shipped in the vaderSentiment package), lower-cased words."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: PLC0415 - VADER loads on first use, so import workers that only parse start light

    return {k.lower(): float(v) for k, v in SentimentIntensityAnalyzer().lexicon.items()}


def _count(counter: Counter[str], words_: set[str]) -> int:
    return sum(counter[w] for w in counter.keys() & words_)


def _modal(pairs: Counter[tuple[str, str]], modals: tuple[str, ...]) -> int:
    return sum(pairs[(m, y)] for m in modals for y in ("you", "u"))


def strategies(text: str) -> dict[str, int]:
    """Count of each strategy in ``text``."""
    return _strategies(text)[0]


def _strategies(text: str) -> tuple[dict[str, int], Counter[str]]:
    """Strategy counts and the word counts they came from. Words are counted with one Counter
    per message and sentence-start rules look at each sentence's first words, so the cost is a
    few passes in C rather than twenty regular expressions per sentence."""
    # Sentences never hold a line break, so one scan of them one per line, lower-cased, gives
    # every sentence's words in order, and a second gives each sentence's first two words.
    lines = sentence_lines(text).lower()
    words_ = _TOKEN.findall(lines)
    heads = _FIRST_TWO.findall(lines)
    firsts = Counter(a for a, _b in heads)
    first_pairs = Counter((a, b) for a, b in heads if b)
    c = Counter(words_)
    pairs = Counter(pairwise(words_))
    lower = text.lower()
    first_start = _count(firsts, _FIRST_START)
    second_start = _count(firsts, _SECOND)
    out = {
        "gratitude": _count(c, _GRATITUDE),
        "deference": sum(n for (a, b), n in first_pairs.items()
                         if a in _DEFERENCE_1 and b in _DEFERENCE_2),
        "greeting": _count(firsts, _GREETING) + sum(
            first_pairs[("good", t)] for t in ("morning", "afternoon", "evening")),
        "apologizing": _count(c, _APOLOGY) + sum(pairs[p] for p in _APOLOGY_2),
        "please": c["please"] + c["pls"] - firsts["please"],
        "please_start": firsts["please"],
        "indirect_btw": len(_PHRASES["indirect_btw"].findall(lower)),
        "direct_question": _count(firsts, _DIRECT_Q),
        "direct_start": _count(firsts, _DIRECT_START),
        "counterfactual_modal": _modal(pairs, ("could", "would")),
        "indicative_modal": _modal(pairs, ("can", "will")),
        "first_person_start": first_start,
        "first_person_plural": _count(c, _PLURAL),
        "first_person": max(0, _count(c, _FIRST) - first_start),
        "second_person": max(0, _count(c, _SECOND) - second_start),
        "second_person_start": second_start,
        "hedges": _count(c, _HEDGES) + sum(pairs[p] for p in _HEDGES_2),
        "factuality": _count(c, _FACTUAL) + sum(pairs[p] for p in _FACTUAL_2)
        + len(_PHRASES["factuality"].findall(lower)),
        "positive_lexicon": 0,
        "negative_lexicon": 0,
    }
    lex = _lexicon()
    for word, n in c.items():
        v = lex.get(word)
        if v is not None:
            out["positive_lexicon" if v > 0 else "negative_lexicon"] += n
    return out, c


MODEL = Path(__file__).parent / "models" / "politeness.json"
#: Words the model reads: the corpus rated two-sentence requests, and a long mail's politeness
#: shows in its opening (its strategies are still counted over the whole text).
MAX_TOKENS = 150


def model_features(text: str, counts: dict[str, int] | None = None) -> set[str]:
    """What the politeness model reads: words and word pairs (of the first :data:`MAX_TOKENS`
    tokens), the first two words of the first sentence (``f:``) and the first three of the last
    (``l:``: the request itself), and each strategy present (``s:``)."""
    toks = tokens(text)[:MAX_TOKENS]
    feats = ngrams(toks)
    parts = sentences(text)
    if parts:
        feats.update("f:" + t for t in tokens(parts[0])[:2])
        feats.update("l:" + t for t in tokens(parts[-1])[:3])
    counts = counts if counts is not None else strategies(text)
    feats.update("s:" + k for k, n in counts.items() if n > 0)
    return feats


def score(text: str) -> float:
    """Politeness of ``text`` from -1 (impolite) to 1 (polite)."""
    return _score(strategies(text), text)


def _score(counts: dict[str, int], text: str) -> float:
    z = load("politeness").margin(model_features(text, counts))
    return round(2 / (1 + math.exp(-max(-700.0, z))) - 1, 4)


_SOFTENER_STRATEGIES = ("please", "please_start", "counterfactual_modal", "indicative_modal",
                        "gratitude", "hedges", "apologizing")
_SOFT_PHRASE = Words(
    r"\b(?:if\s+possible|when\s+you\s+(?:get|have)\s+a\s+(?:chance|minute|moment)"
    r"|at\s+your\s+(?:earliest\s+)?convenience|kindly|i\s+would\s+appreciate)\b")


def softened(text: str, counts: dict[str, int] | None = None) -> bool:
    """Whether ``text`` softens its asks: a "please" anywhere (sentence-initial too), "could" or
    "would you", thanks, a hedge, an apology, or "if possible" and the like."""
    counts = counts if counts is not None else strategies(text)
    return any(counts.get(k, 0) for k in _SOFTENER_STRATEGIES) or bool(_SOFT_PHRASE.search(text))


@analyzer(POLITENESS, reads=("body",), coached_only=True,
          writes=(*STRATEGIES, "score", "softened"))
def politeness(message: Message) -> Features:
    counts = strategies(message.body)
    return {**counts, "score": _score(counts, message.body) if message.body.strip() else 0.0,
            "softened": softened(message.body, counts)}
