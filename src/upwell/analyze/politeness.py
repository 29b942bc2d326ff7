"""politeness.v2: the politeness strategies of Danescu-Niculescu-Mizil et al. (2013) and an
overall politeness score learned from human ratings.

Reads: ``body``. Writes one count per strategy in "A computational approach to politeness with
application to social factors" (ACL 2013), Table 3, detected with lexical and positional rules
(no parser: the paper's dependency-based cues are approximated by word order, which keeps this at
tens of thousands of messages a second), and ``score`` (-1 impolite .. 1 polite): a logistic
regression over the strategies and frequent words, trained by ``upwell train politeness`` on the
Stanford Politeness Corpus and shipped as ``analyze/models/politeness.json`` (v1 had no score).

Strategies: ``gratitude``, ``deference``, ``greeting``, ``positive_lexicon``,
``negative_lexicon``, ``apologizing``, ``please``, ``please_start``, ``indirect_btw``,
``direct_question``, ``direct_start``, ``counterfactual_modal``, ``indicative_modal``,
``first_person_start``, ``first_person_plural``, ``first_person``, ``second_person``,
``second_person_start``, ``hedges``, ``factuality``.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from upwell.analyze.registry import Features, analyzer
from upwell.analyze.text import sentences
from upwell.model import Message

_TOKEN = re.compile(r"[a-z]+")

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
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return {k.lower(): float(v) for k, v in SentimentIntensityAnalyzer().lexicon.items()}


def _count(counter: Counter[str], words_: set[str]) -> int:
    return sum(counter[w] for w in words_)


def _modal(pairs: Counter[tuple[str, str]], modals: tuple[str, ...]) -> int:
    return sum(pairs[(m, y)] for m in modals for y in ("you", "u"))


def strategies(text: str) -> dict[str, int]:
    """Count of each strategy in ``text``."""
    return _strategies(text)[0]


def _strategies(text: str) -> tuple[dict[str, int], Counter[str]]:
    """Strategy counts and the word counts they came from. Words are counted with one Counter
    per message and sentence-start rules look at each sentence's first words, so the cost is a
    few passes in C rather than twenty regular expressions per sentence."""
    tokens: list[str] = []
    firsts: Counter[str] = Counter()
    first_pairs: Counter[tuple[str, str]] = Counter()
    for sentence in sentences(text):
        toks = _TOKEN.findall(sentence.lower())
        if toks:
            firsts[toks[0]] += 1
            if len(toks) > 1:
                first_pairs[(toks[0], toks[1])] += 1
            tokens.extend(toks)
    c = Counter(tokens)
    pairs = Counter(pairwise(tokens))
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
_WORD = re.compile(r"[a-z']+")


@lru_cache(maxsize=1)
def _model() -> tuple[float, dict[str, float], dict[str, float]]:
    """(intercept, strategy weights, word weights) of the shipped model."""
    data = json.loads(MODEL.read_text(encoding="utf-8"))
    weights: dict[str, float] = data["weights"]
    strat = {k.removeprefix("strategy:"): v for k, v in weights.items()
             if k.startswith("strategy:")}
    word = {k.removeprefix("word:"): v for k, v in weights.items() if k.startswith("word:")}
    return float(data["intercept"]), strat, word


def score(text: str) -> float:
    """Politeness of ``text`` from -1 (impolite) to 1 (polite)."""
    return _score(*_strategies(text), text)


def _score(counts: dict[str, int], words: Counter[str], text: str) -> float:
    intercept, strat, word = _model()
    z = intercept + sum(w for s, w in strat.items() if counts.get(s, 0) > 0)
    # The model's words keep apostrophes ("don't"); the strategy tokens split them.
    z += sum(word.get(t, 0.0) for t in (set(_WORD.findall(text.lower())) if "'" in text
                                         else words))
    return round(2 / (1 + math.exp(-z)) - 1, 4)


@analyzer("politeness.v2", reads=("body",), writes=(*STRATEGIES, "score"))
def politeness(message: Message) -> Features:
    counts, words = _strategies(message.body)
    return {**counts, "score": _score(counts, words, message.body) if message.body.strip()
            else 0.0}
