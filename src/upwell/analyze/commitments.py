"""commitments.v1: promises the author makes in their own words, and what they promise.

Reads: ``body``. Writes ``commitments`` (sentences in which the author pledges an action of their
own: "I will send the agreements shortly", "I'll get back to you by Friday", "we'll call you"),
``due`` (one of them names a time: "by Friday", "tomorrow", "next week"), ``delivers`` (the
message hands something over: "attached is", "here is", "I've sent") and ``action`` (the verb of
the first commitment, lower case, or empty: what a later message would deliver).

A commitment is a first-person subject ("I", "we"), a future ("will", "'ll", "shall", "am going
to") and a verb of doing for someone (send, call, check, forward, review, get back, take care
of, ...), optionally after "If so," or "When I receive it,". Not commitments: plans and states
("I will be out of the office", "we will meet in EN 1336", "we will need new job
descriptions"), negations ("I will not be able"), announcements with a passive or a group plan
("the meeting will be moved"), courtesy ("I'll be in touch"), and offers ("I can send it"), which
:mod:`upwell.analyze.requests` counts apart. Research basis: the "commit" act of Cohen,
Carvalho & Mitchell (2004), "Learning to classify email into speech acts"; measured on labelled
real workplace sentences by ``upwell eval sentences``.
"""

from __future__ import annotations

import re

from upwell.analyze.names import COMMITMENTS
from upwell.analyze.registry import Features, analyzer
from upwell.analyze.text import Words, whole_sentences
from upwell.model import Message

_I = re.IGNORECASE
#: Verbs of doing something for someone (what a promise delivers).
ACTIONS = (
    "send", "resend", "forward", "fax", "email", "e-mail", "mail", "call", "phone", "contact",
    "check", "review", "look", "find", "get", "follow", "reply", "respond", "confirm", "update",
    "prepare", "draft", "write", "put", "set", "schedule", "arrange", "book", "make", "take",
    "handle", "coordinate", "ask", "advise", "let", "provide", "furnish", "deliver", "bring",
    "pick", "sign", "file", "fix", "finish", "complete", "do", "give", "share", "post", "publish",
    "circulate", "distribute", "investigate", "research", "talk", "speak", "discuss", "visit",
    "come", "go", "run", "pull", "print", "copy", "add", "remove", "change", "correct", "pay",
    "process", "submit", "order", "reserve", "notify", "inform", "work", "try", "be sure",
)
_VERB = "|".join(re.escape(v).replace(r"\ ", r"\s+") for v in ACTIONS)
_PLEDGE = Words(
    r"\b(?P<subject>i|we)(?:'ll|\s+will|\s+shall|\s+am\s+going\s+to|'m\s+going\s+to|\s+are\s+going\s+to"
    r"|'re\s+going\s+to)\s+(?:(?:also|then|now|just|gladly|certainly|definitely|personally|try\s+to"
    r"|probably|l)\s+)*(?P<verb>" + _VERB + r")\b")
#: "let" pledges only as "let you know"; "go", "come", "run" only with "to"/"by"/"over".
_WEAK = {"let": re.compile(r"\blet\s+(?:you|him|her|them|everyone|all)\s+know\b", _I),
         "go": re.compile(r"\bgo\s+(?:to|by|over|ahead)\b", _I),
         "come": re.compile(r"\bcome\s+(?:to|by|over)\b", _I),
         "run": re.compile(r"\brun\s+(?:it|this|that|the|a)\b", _I),
         "work": re.compile(r"\bwork\s+(?:with|on)\b", _I),
         "try": re.compile(r"\btry\s+to\s+\w+", _I),
         "make": re.compile(r"\bmake\s+(?:sure|copies|a|the|it|arrangements)\b", _I),
         "take": re.compile(r"\btake\s+(?:care|this|it|a\s+look|them)\b", _I),
         "do": re.compile(r"\bdo\s+(?:it|this|that|so|the)\b", _I),
         "get": re.compile(r"\bget\s+(?:back|it|this|that|the|you|a|them|with)\b", _I),
         "put": re.compile(r"\bput\s+(?:together|it|this|the|a|them)\b", _I),
         "set": re.compile(r"\bset\s+(?:up|it|the|a)\b", _I),
         "look": re.compile(r"\blook\s+(?:into|at|for|over)\b", _I),
         "follow": re.compile(r"\bfollow\s+up\b", _I)}
_DUE = Words(
    r"\b(?:today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"eod|cob|end\s+of\s+(?:the\s+)?(?:day|week|month)|next\s+week|this\s+week|this\s+afternoon|"
    r"this\s+morning|shortly|asap|as\s+soon\s+as|right\s+away|in\s+the\s+next\s+(?:day|hour|week)"
    r"|by\s+\d{1,2}(?::\d{2})?\s*(?:am|pm)?|in\s+\d+\s+(?:minutes|hours|days)|\d{1,2}/\d{1,2})\b")
_DELIVERS = Words(
    r"\battached\b|\battachment\b|\benclosed\b|\bhere\s+(?:is|are)\b|\bhere's\b|\bplease\s+find\b"
    r"|\bi(?:'ve|\s+have)\s+(?:just\s+)?(?:sent|forwarded|faxed|attached|mailed|e-?mailed|included)\b"
    r"|\bas\s+(?:promised|requested|discussed)\b")
#: A Lotus Notes attachment line.
_FILE_NOTE = re.compile(r"<<\s*File:", _I)


def _pledge(sentence: str) -> str | None:
    """The verb of the author's pledge in ``sentence``, or ``None``."""
    # A future with no verb of doing ("I will be out", "we will meet", "I will not") is no match.
    for m in _PLEDGE.finditer(sentence):
        verb = m.group("verb").lower()
        weak = _WEAK.get(verb.split()[0])
        if weak is not None and weak.search(sentence, m.start("verb")) is None:
            continue
        return verb
    return None


def _pledges(text: str) -> list[tuple[str, str]]:
    """Each sentence of ``text`` with a pledge, and the pledge's verb, in order. A first look
    over the whole text: a pledge in a sentence is a match in the text (a sentence ends at
    punctuation or a line end, so the word boundaries hold there too), and most mail has none."""
    if _PLEDGE.search(text) is None:
        return []
    return [(s, verb) for s in whole_sentences(text) if (verb := _pledge(s)) is not None]


def commitment_sentences(text: str) -> list[str]:
    """The sentences of ``text`` in which the author commits to an action, in order."""
    return [s for s, _verb in _pledges(text)]


def delivers(text: str) -> bool:
    """Whether ``text`` hands something over ("attached is", "here is", "I've sent")."""
    return _DELIVERS.search(text) is not None or _FILE_NOTE.search(text) is not None


@analyzer(COMMITMENTS, reads=("body",), coached_only=True,
          writes=("commitments", "due", "delivers", "action"))
def commitments(message: Message) -> Features:
    found = _pledges(message.body)
    return {
        "commitments": len(found),
        "due": any(_DUE.search(s) for s, _v in found),
        "delivers": delivers(message.body),
        "action": found[0][1] if found else "",
    }
