"""requests.v4: asks, questions, FYIs and commitments in the author's own words.

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

v2 (rules after the model, measured on labelled real mail by ``upwell eval sentences``): a
sentence is neither a request nor a question when it is a courtesy closing or a conventional
offer of help ("let me know if you need anything else", "if you have any questions, please call
me", "keep me posted", "do you want me to ..."), small talk ("how was your weekend?") or a shared
link ("check this out...", "look at this: www..."), a form or
meeting-notice field ("Where: EB 1336", "Effective date: ?"), a piece of a URL ("asp?"), an
informational "please note / please see" (also after a name: "Susan: please note"), a retraction
("please ignore my previous email"), or a fragment of fewer than three words with nothing but a
question mark ("OK??"); and an out-of-office reply asks nothing at all. The model and its
features are unchanged (``upwell train check`` still reproduces the shipped file).

v3 (the same model and features; stored v2 features are re-read by ``upwell reanalyze``): a
retraction ("please ignore/disregard my previous email"), "please note" after the reader's name
("Susan: please note ...") and a shared link ("check this out...", "look at this: www...") are no
asks.

v4 (the same model and features): a conditional opt-out, where the writer wants a word only if
something is wrong ("if 3:00 is not good for you, please let me know", "let me know if this
doesn't work", "if you cannot attend, let me know"), is no ask, unless a direct ask comes
first or it names a time.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from upwell.analyze.models import load, ngrams, tokens
from upwell.analyze.names import REQUESTS
from upwell.analyze.registry import Features, analyzer
from upwell.analyze.text import Words
from upwell.analyze.text import whole_sentences as sentences
from upwell.model import Message

_I = re.IGNORECASE
_REQUEST = Words(
    r"\b(?:can|could|would|will)\s+(?:you|u|someone|somebody|anyone|we)\b"
    r"|\bwould\s+you\s+mind\b|\bplease\b|\bpls\b|\bplz\b"
    r"|\blet\s+me\s+know\b|\bi\s+(?:need|want|would\s+like)\s+(?:you|u)\s+to\b"
    r"|\b(?:need|want)\s+(?:your|ur)\s+(?:input|help|feedback|review|approval|sign[- ]off)\b"
    r"|\bkindly\b|\basap\b|\bby\s+(?:eod|cob|tomorrow|today|monday|tuesday|wednesday|thursday"
    r"|friday)\b(?=.*\b(?:send|get|review|finish|reply|confirm)\b)")
_IMPERATIVE = re.compile(
    r"^(?:please\s+)?(send|review|check|call|forward|confirm|update|approve|sign|fill|submit|"
    r"schedule|book|add|remove|fix|look|read|reply|respond|share|make|get|give|prepare|draft|"
    r"finish|complete)\b", _I)
_IN_ADVANCE = Words(r"\b(?:thanks|thank\s+you)(?:\s+so\s+much)?\s+in\s+advance\b|\btia\b")
_FYI = Words(
    r"\bfyi\b|\bfor\s+your\s+(?:information|reference|records)\b|\bno\s+action\s+(?:needed|"
    r"required)\b|\bjust\s+(?:a\s+)?heads[- ]up\b")
# A commitment is a pledge ("I'll send", "we will follow up") or an offer or proposal ("I can
# send", "we can meet", "I'd be happy to review"); the named group says which.
_COMMIT = Words(
    r"\b(?:i|we)(?:(?P<commit>'ll|\s+will|\s+shall|\s+am\s+going\s+to|'m\s+going\s+to|"
    r"\s+are\s+going\s+to|'re\s+going\s+to)|(?P<offer>\s+can|'d\s+be\s+happy\s+to))"
    r"\s+(?!not\b|never\b|be\s+out\b)"
    r"(?:send|get|have|do|follow|call|take|look|review|check|finish|make|prepare|share|update|"
    r"circle|reach|set|schedule|write|draft|fix|handle|cover|confirm|forward|put|give|bring|"
    r"loop|ping|email|reply|respond|deliver)\b")
_DUE = Words(
    r"\b(?:today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"eod|cob|end\s+of\s+(?:the\s+)?(?:day|week|month)|next\s+week|this\s+week|this\s+afternoon|"
    r"this\s+morning|by\s+\d{1,2}(?::\d{2})?\s*(?:am|pm)?|in\s+\d+\s+(?:minutes|hours|days)|"
    r"\d{1,2}/\d{1,2})\b")


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


# -- v2: what reads like an ask but is not one -------------------------------------------------

# "not good", "doesn't work", "cannot attend": what a conditional opt-out says.
_OPT_OUT = (r"(?:\bnot|n't|\bcannot)\s+(?:\w+\s+)?(?:good|work|works|ok|okay|convenient|suit"
            r"|suits|acceptable|possible|correct|right|accurate|agree|attend|make\s+it|come)\b")
_COURTESY = Words(
    r"\blet\s+(?:me|us)\s+know\s+if\s+(?:you|there)\b[^.?!]{0,40}?\b(?:need|have|want|would\s+like"
    r"|is|are|require)\b[^.?!]{0,40}?\b(?:anything|questions?|more|further|additional|else|help"
    r"|assistance|info(?:rmation)?|changed?|me\s+to)\b"
    r"|\bif\s+(?:you|anyone|there)\s+(?:have|has|need|needs|require|are|is|would\s+like)\s+(?:any\s+)?"
    r"(?:further\s+|additional\s+|more\s+|other\s+)?(?:questions?|info(?:rmation)?|help|assistance"
    r"|anything|clarification|comments|concerns|problems|trouble|issues|unable|not\s+able"
    r"|interested)\b"
    r"|\bif\s+(?:there\s+is|there's)\s+anything\b|\bif\s+i\s+can\s+(?:do|help|be)\b"
    r"|\bshould\s+you\s+(?:have|need|require)\b|\b(?:may|can)\s+be\s+of\s+(?:any\s+)?(?:further\s+)?"
    r"(?:assistance|help|service)\b|\bkeep\s+(?:me|us)\s+(?:posted|informed|in\s+the\s+loop)\b"
    r"|\bfeel\s+free\s+to\b|\bdon'?t\s+hesitate\s+to\b|\banything\s+else\s+(?:i|we)\s+can\b"
    # v4: a word wanted only if something is wrong ("if 3:00 is not good for you, let me know")
    rf"|\bif\s+[^.?!,]{{0,50}}?{_OPT_OUT}|\blet\s+(?:me|us)\s+know\s+if\s+[^.?!]{{0,50}}?{_OPT_OUT}")
_COURTESY_OPENING = re.compile(
    r"^\W*(?:once\s+again,?\s+)?if\s+you\s+(?:would\s+like|wish|want|prefer|observe|see|notice"
    r"|are\s+unable)\b", _I)
_OFFER = re.compile(
    r"^\W*(?:would|do)\s+you\s+(?:like|want)\s+(?:me|us)\s+to\b|^\W*(?:shall|should)\s+(?:i|we)\b"
    r"|\bdo\s+you\s+want\s+(?:me\s+to|us\s+to|to\s+see)\b|\bwould\s+you\s+be\s+interested\b"
    r"|^\W*anything\s+else\s+you\b", _I)
_SOCIAL = re.compile(
    r"^\W*(?:hi\b.{0,20})?(?:how\s+(?:are|have)\s+you|how\s+(?:was|is|were)\s+(?:your|the)\s+(?:weekend"
    r"|trip|holidays?|vacation|day|week|flight|party)|how'?s\s+(?:it\s+going|everything|life|the\s+"
    r"(?:family|weather))|hope\s+(?:you|your|all|everyone)|any\s+luck\b|what'?s\s+up\b|guess\s+what"
    r"|can\s+you\s+believe|who\s+knows|why\s+not\b|what\s+else\s+is\s+new|sure\b"
    # a share, not an ask: "check this out...", "look at this one"
    r"|check\s+(?:this|these|that)(?:\s+(?:one|ones|site|link))?\s+out\W*(?:$|https?://|www\.)"
    r"|(?:check|look\s+at)\s+(?:this|these|that)(?:\s+(?:one|ones|site|link))?\W*(?:https?://|www\.))",
    _I)
_FIELD = re.compile(
    r"^\W*(?:when|where|time|date|location|place|room|cost|subject|to|from|cc|bcc|sent|re|phone"
    r"|fax|importance|attendees|dial[- ]?in|passcode)\s*:|^[^\n:]{1,40}:\t", _I)
# A question mark that ends a link or a file name split off by the sentence splitter.
_FILE_KINDS = "asp|aspx|html?|cgi|php|jsp|pdf|bat|dll|nhtml|exe"
_URL_PIECE = re.compile(rf"(?:(?:https?://|www\.)\S*|\.(?:{_FILE_KINDS})|^\W*(?:{_FILE_KINDS}|com\S*))"
                        r"\?+\W*$", _I)
_INFORMATIONAL = re.compile(
    r"^\W*(?:please\s+(?:note|be\s+advised|be\s+aware|find|refer|ignore|disregard)\b|please\s+see\s+(?:below|above|"
    r"attached|the\s+attached|enclosed|example|my|our)\b|attached\s+please\s+find\b)", _I)
_OUT_OF_OFFICE = re.compile(
    r"^\W*(?:i\s+am|i'm|i\s+will\s+be)\s+(?:currently\s+)?(?:out\s+of\s+(?:the\s+)?office"
    r"|away\s+from\s+(?:the|my)\s+(?:office|desk)|on\s+(?:vacation|holiday|leave))\b"
    r"|^\W*out\s+of\s+office\b", _I)
_WORD3 = re.compile(r"\S+\s+\S+\s+\S")


_DIRECT = Words(r"\b(?:can|could|would|will)\s+you\b")
# A name (one or two capitalised words) that opens a sentence, addressing one reader of several:
# "Susan: please note ..." is as informational as "Please note ...".
_VOCATIVE = re.compile(r"^\W*[A-Z][\w'.-]*(?:\s+[A-Z][\w'.-]*)?\s*[:,]\s*")


def not_an_ask(sentence: str) -> bool:
    """Whether ``sentence`` only looks like an ask: a courtesy closing or conventional offer
    (unless it names a time or a direct ask comes first: "can you review it and let me know if
    there are any problems", "let me know by tomorrow if you have comments"), small talk, a
    form or notice field, a URL piece or an informational "please note" (also after the name
    of the one it is for: "Susan: please note ...")."""
    courtesy = _COURTESY_OPENING.search(sentence) or _COURTESY.search(sentence)
    if courtesy is not None:
        direct = _DIRECT.search(sentence)
        if _DUE.search(sentence) is None and (direct is None or direct.start() > courtesy.start()):
            return True
    return bool(_OFFER.search(sentence) or _SOCIAL.search(sentence) or _FIELD.search(sentence)
                or _URL_PIECE.search(sentence) or _INFORMATIONAL.search(sentence)
                or _INFORMATIONAL.search(_VOCATIVE.sub("", sentence, count=1)))


def out_of_office(text: str) -> bool:
    """Whether ``text`` is an out-of-office reply (it opens by saying the author is away)."""
    return _OUT_OF_OFFICE.search(text) is not None


#: Sentences of a message the request model reads (long mails are mostly pasted material).
MAX_SENTENCES = 30
_RULES = (("r:ask", _REQUEST), ("r:advance", _IN_ADVANCE), ("r:fyi", _FYI),
          ("r:commit", _COMMIT), ("r:question", _lower(_QUESTION_LINE)),
          ("r:imperative", _lower(_IMPERATIVE_LINE)), ("r:due", _DUE))


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
    # A sentence of one or two words ("Thanks,", a name, "OK??") asks nothing unless it opens
    # with an imperative or carries an ask phrase ("Call me.", "Please advise.").
    return [p for p, rules in zip(parts[:MAX_SENTENCES], hits, strict=False)
            if (_WORD3.search(p) or rules & {"r:imperative", "r:ask"})
            and _is_request(_features(p, rules)) and not not_an_ask(p)]


def _questions(parts: list[str], hits: list[set[str]]) -> list[str]:
    # A question is a sentence the question rule matches that is not a look-alike (above) and
    # has at least three words ("OK??", "html?" are not questions).
    return [p for p, rules in zip(parts, hits, strict=True)
            if "r:question" in rules and _WORD3.search(p) and not not_an_ask(p)]


def ask_sentences(text: str) -> list[str]:
    """The sentences of ``text`` that ask the reader something: requests and questions, in
    order (none in an out-of-office reply)."""
    parts = sentences(text)
    if not parts or out_of_office(text):
        return []
    hits = _rule_hits(parts)
    chosen = set(_ask_sentences(parts, hits)) | set(_questions(parts, hits))
    return [p for p in parts if p in chosen]


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
    away = bool(parts) and out_of_office(message.body)
    commits = [p for p, rules in zip(parts, hits, strict=True)
               if "r:commit" in rules or "r:offer" in rules]
    return {
        "questions": 0 if away else len(_questions(parts, hits)),
        "requests": 0 if away else len(_ask_sentences(parts, hits)),
        "thanks_in_advance": any("r:advance" in rules for rules in hits),
        "fyi": any("r:fyi" in rules for rules in hits),
        "commitments": len(commits),
        "commitment_due": any(_DUE.search(s) for s in commits),
    }
