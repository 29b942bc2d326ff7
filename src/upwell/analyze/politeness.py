"""politeness.v1: the politeness strategies of Danescu-Niculescu-Mizil et al. (2013).

Reads: ``body``. Writes one count per strategy in "A computational approach to politeness with
application to social factors" (ACL 2013), Table 3, detected with lexical and positional rules
(no parser: the paper's dependency-based cues are approximated by word order, which keeps this at
tens of thousands of messages a second). The overall politeness score is learned from these
strategies by ``upwell train`` (the analyzer-quality issue), not set by hand here.

Strategies: ``gratitude``, ``deference``, ``greeting``, ``positive_lexicon``,
``negative_lexicon``, ``apologizing``, ``please``, ``please_start``, ``indirect_btw``,
``direct_question``, ``direct_start``, ``counterfactual_modal``, ``indicative_modal``,
``first_person_start``, ``first_person_plural``, ``first_person``, ``second_person``,
``second_person_start``, ``hedges``, ``factuality``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from upwell.analyze.registry import Features, analyzer
from upwell.analyze.text import sentences, words
from upwell.model import Message

_I = re.IGNORECASE

_RULES: dict[str, re.Pattern[str]] = {
    "gratitude": re.compile(r"\b(thanks|thank\s+you|appreciate[ds]?|grateful)\b", _I),
    "deference": re.compile(
        r"^(?:great|good|nice|interesting|excellent|fantastic|wonderful|impressive)\s+"
        r"(?:work|job|point|question|idea|catch|find|stuff|effort)\b", _I),
    "greeting": re.compile(r"^(?:hi|hello|hey|dear|good\s+(?:morning|afternoon|evening))\b", _I),
    "apologizing": re.compile(
        r"\b(sorry|apologi[sz]e|apologies|my\s+bad|forgive\s+me|excuse\s+me|pardon)\b", _I),
    "please": re.compile(r"(?<!^)\bplease\b|\bpls\b", _I),
    "please_start": re.compile(r"^please\b", _I),
    "indirect_btw": re.compile(r"\bby\s+the\s+way\b|\bbtw\b", _I),
    "direct_question": re.compile(r"^(?:what|why|who|how)\b", _I),
    "direct_start": re.compile(r"^(?:so|then|and|but|or)\b", _I),
    "counterfactual_modal": re.compile(r"\b(could|would)\s+(?:you|u)\b", _I),
    "indicative_modal": re.compile(r"\b(can|will)\s+(?:you|u)\b", _I),
    "first_person_start": re.compile(r"^(?:i|my|mine|myself)\b", _I),
    "first_person_plural": re.compile(r"\b(we|our|ours|us|ourselves)\b", _I),
    "first_person": re.compile(r"(?<!^)\b(i|my|mine|myself|me)\b", _I),
    "second_person": re.compile(r"(?<!^)\b(you|your|yours|yourself|u)\b", _I),
    "second_person_start": re.compile(r"^(?:you|your|yours|yourself|u)\b", _I),
    "hedges": re.compile(
        r"\b(think|thought|believe|suggest|guess|maybe|perhaps|possibly|probably|might|seems?|"
        r"appears?|somewhat|sort\s+of|kind\s+of|i\s+wonder|wondering|presumably|likely|unclear|"
        r"apparently|assume|suppose|suspect)\b", _I),
    "factuality": re.compile(
        r"\b(in\s+fact|actually|the\s+point\s+is|the\s+reality\s+is|the\s+truth\s+is|"
        r"honestly|obviously|clearly|really)\b", _I),
}
STRATEGIES = (*_RULES, "positive_lexicon", "negative_lexicon")


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, float]:
    """VADER's valence lexicon (shipped in the vaderSentiment package), lower-cased words."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return {k.lower(): float(v) for k, v in SentimentIntensityAnalyzer().lexicon.items()}


def strategies(text: str) -> dict[str, int]:
    """Count of each strategy over the sentences of ``text``."""
    counts = dict.fromkeys(STRATEGIES, 0)
    for s in sentences(text):
        for name, rule in _RULES.items():
            counts[name] += len(rule.findall(s))
    lex = _lexicon()
    for w in words(text):
        v = lex.get(w.lower())
        if v is not None:
            counts["positive_lexicon" if v > 0 else "negative_lexicon"] += 1
    return counts


@analyzer("politeness.v1", reads=("body",), writes=STRATEGIES)
def politeness(message: Message) -> Features:
    return strategies(message.body)
