"""requests.v1: asks, questions, FYIs and commitments in the author's own words.

Reads: ``body``. Writes: ``questions`` (sentences that ask), ``requests`` (sentences that ask
someone to do something: "can you send", "please review", "let me know", "I need you to"),
``thanks_in_advance`` (a request marker), ``fyi`` (informational only), ``commitments``
(pledges such as "I'll send it Friday", "we will follow up", and offers such as "I can send it"),
``commitment_due`` (a commitment with a time).
Research basis: speech-act classification of email (Cohen, Carvalho & Mitchell 2004: request,
commit, deliver); Parakweet's email intent data is the evaluation anchor.

A sentence is a request when the learned model says so: a logistic regression over the
sentence's words and word pairs and the rules below (as features), trained by
``upwell train requests`` on Parakweet's training split and shipped as
``analyze/models/requests.json``. A sentence that opens with an imperative is always a request;
one whose only cue is a pledge of the author ("I'll send it Friday") never is (Parakweet counts
some; an ask of the reader is what the coach tracks). An offer or proposal ("I can send it", "I'd
be happy to review") is left to the model: it invites the reader's answer. Model card:
docs/analyzers/requests.md.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from upwell.analyze.models import load, ngrams, tokens
from upwell.analyze.names import REQUESTS
from upwell.analyze.registry import Features, analyzer
from upwell.analyze.text import sentences
from upwell.model import Message

_I = re.IGNORECASE
_REQUEST = re.compile(
    r"\b(?:can|could|would|will)\s+(?:you|u|someone|somebody|anyone|we)\b"
    r"|\bwould\s+you\s+mind\b|\bplease\b|\bpls\b|\bplz\b"
    r"|\blet\s+me\s+know\b|\bi\s+(?:need|want|would\s+like)\s+(?:you|u)\s+to\b"
    r"|\b(?:need|want)\s+(?:your|ur)\s+(?:input|help|feedback|review|approval|sign[- ]off)\b"
    r"|\bkindly\b|\basap\b|\bby\s+(?:eod|cob|tomorrow|today|monday|tuesday|wednesday|thursday"
    r"|friday)\b(?=.*\b(?:send|get|review|finish|reply|confirm)\b)",
    _I,
)
_IMPERATIVE = re.compile(
    r"^(?:please\s+)?(send|review|check|call|forward|confirm|update|approve|sign|fill|submit|"
    r"schedule|book|add|remove|fix|look|read|reply|respond|share|make|get|give|prepare|draft|"
    r"finish|complete)\b", _I)
_IN_ADVANCE = re.compile(r"\b(?:thanks|thank\s+you)(?:\s+so\s+much)?\s+in\s+advance\b|\btia\b", _I)
_FYI = re.compile(
    r"\bfyi\b|\bfor\s+your\s+(?:information|reference|records)\b|\bno\s+action\s+(?:needed|"
    r"required)\b|\bjust\s+(?:a\s+)?heads[- ]up\b", _I)
# A commitment is a pledge ("I'll send", "we will follow up") or an offer or proposal ("I can
# send", "we can meet", "I'd be happy to review"); the named group says which.
_COMMIT = re.compile(
    r"\b(?:i|we)(?:(?P<commit>'ll|\s+will|\s+shall|\s+am\s+going\s+to|'m\s+going\s+to|"
    r"\s+are\s+going\s+to|'re\s+going\s+to)|(?P<offer>\s+can|'d\s+be\s+happy\s+to))"
    r"\s+(?!not\b|never\b|be\s+out\b)"
    r"(?:send|get|have|do|follow|call|take|look|review|check|finish|make|prepare|share|update|"
    r"circle|reach|set|schedule|write|draft|fix|handle|cover|confirm|forward|put|give|bring|"
    r"loop|ping|email|reply|respond|deliver)\b",
    _I,
)
_DUE = re.compile(
    r"\b(?:today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"eod|cob|end\s+of\s+(?:the\s+)?(?:day|week|month)|next\s+week|this\s+week|this\s+afternoon|"
    r"this\s+morning|by\s+\d{1,2}(?::\d{2})?\s*(?:am|pm)?|in\s+\d+\s+(?:minutes|hours|days)|"
    r"\d{1,2}/\d{1,2})\b",
    _I,
)


# The same rules over one sentence per line, so one scan of the text counts them all.
_QUESTION_LINE = re.compile(
    r"^(?:[^\n]*\?|(?:so\s+|and\s+|but\s+)?(?:what|why|who|whom|whose|when|where|which|how|is|"
    r"are|was|were|do|does|did|can|could|would|will|should|shall|may|might|have|has|any)\b"
    r"(?:[^\n]*[^.!\n])?)$", re.IGNORECASE | re.MULTILINE)
_IMPERATIVE_LINE = re.compile(r"^(?:" + _IMPERATIVE.pattern[1:] + r")[^\n]*",
                              re.IGNORECASE | re.MULTILINE)


def _lower(p: re.Pattern[str]) -> re.Pattern[str]:
    """The same pattern without IGNORECASE, for lower-cased text (about twice as fast)."""
    return re.compile(p.pattern, p.flags & ~re.IGNORECASE)


_FAST = {name: _lower(p) for name, p in (("request", _REQUEST), ("advance", _IN_ADVANCE),
                                          ("fyi", _FYI), ("commit", _COMMIT),
                                          ("question", _QUESTION_LINE),
                                          ("imperative", _IMPERATIVE_LINE))}


#: Sentences of a message the request model reads (long mails are mostly pasted material).
MAX_SENTENCES = 30
_RULES = (("r:ask", _FAST["request"]), ("r:advance", _FAST["advance"]), ("r:fyi", _FAST["fyi"]),
          ("r:commit", _FAST["commit"]), ("r:question", _FAST["question"]),
          ("r:imperative", _FAST["imperative"]), ("r:due", _lower(_DUE)))


def _rule_hits(parts: list[str]) -> list[set[str]]:
    """For each sentence, the rules of this module that fire in it: one scan of the sentences
    (one per line, lower-cased) per rule, each match mapped back to its line."""
    low = [p.lower() for p in parts]
    lines = "\n".join(low)
    starts = [0]
    for p in low[:-1]:
        starts.append(starts[-1] + len(p) + 1)
    hits: list[set[str]] = [set() for _p in parts]
    for name, rule in _RULES:
        for m in rule.finditer(lines):
            # The commitment rule names its kind (``r:commit`` or ``r:offer``) by its group.
            hits[bisect_right(starts, m.start()) - 1].add(
                name if m.lastgroup is None else "r:" + m.lastgroup)
    return hits


def _features(sentence: str, rules: set[str]) -> set[str]:
    toks = tokens(sentence)
    feats = ngrams(toks)
    feats.update(["f:" + t for t in toks[:2]])
    feats.update(rules)
    return feats


def sentence_features(sentence: str) -> set[str]:
    """What the request model reads for one sentence: words, word pairs, its first two words
    (``f:``: imperatives and question words), and which rules of this module fire (``r:``), with
    ``r:due`` for a time phrase and a commitment as ``r:commit`` (a pledge) or ``r:offer``."""
    return _features(sentence, _rule_hits([sentence])[0])


def _is_request(feats: set[str]) -> bool:
    # A sentence that opens with an imperative ("Fix the report.") is an ask even when the model,
    # which saw few bare orders, is unsure; one that only pledges the author's own action is not.
    if "r:imperative" in feats:
        return True
    return load("requests").decision(feats) and not (
        "r:commit" in feats and "r:ask" not in feats)


def is_request(sentence: str) -> bool:
    """Whether one sentence asks the reader to do something (the learned model)."""
    return _is_request(sentence_features(sentence))


def _ask_sentences(parts: list[str], hits: list[set[str]]) -> list[str]:
    # A sentence of one or two words ("Thanks,", a name) asks nothing unless a rule says so.
    return [p for p, rules in zip(parts[:MAX_SENTENCES], hits, strict=False)
            if (rules or p.count(" ") >= 2) and _is_request(_features(p, rules))]


def ask_sentences(text: str) -> list[str]:
    """The sentences of ``text`` that :func:`requests` counts as asks, in order."""
    parts = sentences(text)
    return _ask_sentences(parts, _rule_hits(parts))


def commitment_sentences(text: str) -> list[str]:
    """The sentences of ``text`` that :func:`requests` counts as commitments, in order."""
    parts = sentences(text)
    return [p for p, rules in zip(parts, _rule_hits(parts), strict=True)
            if "r:commit" in rules or "r:offer" in rules]


@analyzer(REQUESTS, reads=("body",),
          writes=("questions", "requests", "thanks_in_advance", "fyi", "commitments",
                  "commitment_due"))
def requests(message: Message) -> Features:
    # One scan of the sentences per rule gives every count: questions and commitments are
    # sentences, and the request model reads the first MAX_SENTENCES with their rule hits.
    parts = sentences(message.body)
    hits = _rule_hits(parts)
    commits = [p for p, rules in zip(parts, hits, strict=True)
               if "r:commit" in rules or "r:offer" in rules]
    return {
        "questions": sum("r:question" in rules for rules in hits),
        "requests": len(_ask_sentences(parts, hits)),
        "thanks_in_advance": any("r:advance" in rules for rules in hits),
        "fyi": any("r:fyi" in rules for rules in hits),
        "commitments": len(commits),
        "commitment_due": any(_DUE.search(s) for s in commits),
    }
