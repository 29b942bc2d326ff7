"""gratitude.v2: thanks and recognition, and whether they name what was done.

Reads: ``body``. Writes:

- ``thanks_kind``: ``none``; ``signoff`` (a formulaic closing line such as "Thanks," that carries
  no recognition); ``in_advance`` ("thanks in advance": a request marker, not gratitude);
  ``bare`` ("thanks!", "thanks for your help"); ``specific`` (thanks that name a concrete thing
  done: "thanks for pulling the Q3 numbers together before the board call").
- ``gratitude``: thanks given for something (bare or specific; not sign-offs or in advance).
- ``recognition``: praise of someone's work ("great job", "well done", "nice work", ...).
- ``recognition_specific``: that praise names what was good ("great job on the migration plan").

v2 reads where the thanks stands (measured on labelled real mail by ``upwell eval sentences``):
thanks that name nothing in particular ("Thanks.", "Thanks, Joe", "Thanks for your help") are a
sign-off when they close an e-mail (a letter convention: in chat they thank), that is when only
a name, a closing ("Regards,") or other short lines follow and something was said before them
(the signature block below is already cut off by :func:`upwell.normalize.text.split_body`); the
same words opening a reply ("Thanks. I think we would be interested") are bare thanks. Thanks
name something only with words beyond the courtesies ("your prompt attention to this matter",
"taking care of this" name nothing).

Research basis: Algoe's find-remind-bind theory (specific thanks build relationships); the
GoEmotions "gratitude" and "admiration" labels (Demszky et al. 2020) are the evaluation anchor.
"""

from __future__ import annotations

import re

from upwell.analyze.names import GRATITUDE
from upwell.analyze.registry import Features, analyzer
from upwell.analyze.text import Words, sentences, sentences_matching, words
from upwell.model import Message

_I = re.IGNORECASE
_THANK = r"(?:thanks|thank\s+you)"
_THANKS = Words(
    r"\b(thank(?:s|\s+you|\s+u|ful|fully|\s+youu+)?|thx|thnx|tnx|ty|tysm|many\s+thanks"
    r"|(?:much\s+)?appreciated?|appreciates|grateful|gratitude)\b")
#: Thanks that decline ("no thanks", "thanks but no thanks") are not gratitude.
_DECLINE = Words(r"\bno,?\s+thanks?\b|\bthanks?,?\s+but\s+no\b|\bgiving\s+thanks\b")
_IN_ADVANCE = Words(rf"\b{_THANK}(?:\s+so\s+much)?\s+in\s+advance\b|\btia\b")
_SIGNOFF_LINE = re.compile(rf"^(?:(?:many|much|big)\s+)?(?:{_THANK}|thx|cheers|ty)"
                           r"(?:\s+(?:again|all|everyone))?[\s!,.:-]*$", _I)
# What was done follows "for"/"on", or "you" and a gerund ("I appreciate you covering the visit").
_FOR = Words(r"\b(?:(?:for|on)\s+|(?:you|your)\s+(?=[a-z]+ing\b))(?P<object>.+)$")
_PRAISE = Words(
    r"\b(great|good|nice|excellent|amazing|awesome|fantastic|outstanding|terrific|superb|stellar)"
    r"\s+(?:job|work|catch|call|effort|stuff|presentation|writeup|write-up|analysis)\b"
    r"|\bwell\s+done\b|\bkudos\b|\bnailed\s+it\b|\bshout[\s-]?out\b|\bprops\s+to\b"
    r"|\bimpressive\b|\bcouldn'?t\s+have\s+done\s+(?:it|this)\s+without\b")
_GENERIC = {
    "it", "this", "that", "everything", "all", "help", "your", "the", "a", "an", "info",
    "information", "update", "time", "note", "email", "message", "reply", "response", "quick",
    "so", "much", "very", "again", "you", "me", "us", "input", "support", "assistance", "heads",
    "up", "of", "coming", "sending", "getting", "back", "to", "letting", "know", "checking",
    "prompt", "attention", "matter", "matters", "patience", "cooperation", "understanding",
    "consideration", "business", "interest", "efforts", "effort", "kind", "words", "follow",
    "follow-up", "followup", "revision", "taking", "care", "being", "for", "our", "my", "his",
    "her", "their", "them", "these", "those", "on", "in", "with", "and", "regard", "regards",
    "sharing", "continued", "fast", "speedy", "kindly", "way",
    "thoughts", "feedback", "reminder", "offer", "invitation", "thought",
    "about", "at", "from", "by", "participation", "process", "important", "shopping",
    "forwarding", "forwarded", "attached", "telling", "giving", "year",
}
_STOP_AFTER = re.compile(r"[,;:()\n]|\s-\s|\s(?:and|but|so)\s+(?:we|i|you|they|he|she|it)\b",
                         re.IGNORECASE)


#: What finds the sentences worth a closer look.
_SCAN = (_THANKS, _PRAISE, _IN_ADVANCE)


def _names_object(rest: str) -> bool:
    """Whether ``rest`` (what follows "thanks" or a praise phrase) names a concrete thing with
    "for"/"on" (or "you" + gerund): a number, two or more content words, or a content word and
    a capitalized term ("the info on Stan", "shopping at Lands' End" name nothing done)."""
    m = _FOR.search(rest)
    if m is None:
        return False
    obj = _STOP_AFTER.split(m.group("object"), maxsplit=1)[0]
    content = [w for w in words(obj) if w.lower() not in _GENERIC]
    if any(ch.isdigit() for ch in obj):
        return bool(content)
    lower = [w for w in content if not w[:1].isupper()]
    return len(lower) >= 2 or (len(lower) == 1 and len(content) > 1)


def _closing_lines(text: str) -> tuple[list[str], int]:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-3:], len(lines)


def _is_signoff(sentence: str, tail: list[str], n_lines: int) -> bool:
    return (n_lines > 1 and _SIGNOFF_LINE.match(sentence.strip()) is not None
            and any(_SIGNOFF_LINE.match(ln) for ln in tail))


#: A message's kind is its strongest sentence's: specific over bare over in advance over sign-off.
_RANK = {"none": 0, "signoff": 1, "in_advance": 2, "bare": 3, "specific": 4}


def _read(text: str, letter: bool = True) -> tuple[list[tuple[str, str]], bool, bool]:
    """Each thanks sentence of ``text`` with its kind, and whether there is (specific) praise.
    ``letter``: the text is an e-mail, whose closing thanks are a sign-off (in a chat message
    or a comment, "Makes sense. Thanks!" thanks the reader)."""
    found: list[tuple[str, str]] = []
    recognition = recognition_specific = False
    tail, n_lines = _closing_lines(text)
    # Only sentences with thanks, praise or a closing line need a closer look.
    candidates = sentences_matching(text, *_SCAN)
    candidates += [ln for ln in tail if _SIGNOFF_LINE.match(ln) and ln not in candidates]
    parts: list[str] | None = None
    for s in candidates:
        praise = _PRAISE.search(s)
        if praise is not None:
            recognition = True
            recognition_specific = recognition_specific or _names_object(s[praise.end():])
        if _IN_ADVANCE.search(s):
            found.append((s, "in_advance"))
            continue
        if _is_signoff(s, tail, n_lines):
            found.append((s, "signoff"))
            continue
        thanks = _THANKS.search(s)
        if thanks is None or _DECLINE.search(s):
            continue
        if _names_object(s[thanks.end():]):
            found.append((s, "specific"))
            continue
        parts = parts if parts is not None else sentences(text)
        found.append((s, "signoff" if letter and _closes(s, parts) else "bare"))
    return found, recognition, recognition_specific


_CLOSING_WORDS = 4


def _closes(sentence: str, parts: list[str]) -> bool:
    """Whether ``sentence`` closes the message: something of three or more words was said
    before it, and only short lines (a name, "Regards,", "Take care.") follow it."""
    try:
        k = parts.index(sentence.strip())
    except ValueError:
        return False
    before = any(len(words(p)) >= 3 for p in parts[:k])
    after = all(len(words(p)) <= _CLOSING_WORDS and not p.endswith("?") for p in parts[k + 1:])
    return before and after


def recognition_sentences(text: str) -> list[str]:
    """The sentences of ``text`` that thank or praise someone naming what they did."""
    found = [s for s, kind in _read(text)[0] if kind == "specific"]
    praised = sentences_matching(text, _PRAISE)
    found += [s for s in praised if s not in found and (m := _PRAISE.search(s)) is not None
              and _names_object(s[m.end():])]
    return found


def thanks_sentences(text: str, channel: str = "email") -> list[tuple[str, str]]:
    """Each sentence of ``text`` that thanks, with its kind (``signoff``, ``in_advance``,
    ``bare`` or ``specific``), in the order they were read."""
    return _read(text, channel == "email")[0]


@analyzer(GRATITUDE, reads=("body", "channel"),
          writes=("thanks_kind", "gratitude", "recognition", "recognition_specific"))
def gratitude(message: Message) -> Features:
    found, recognition, recognition_specific = _read(message.body, message.channel == "email")
    kind = max((k for _s, k in found), key=_RANK.__getitem__, default="none")
    return {
        "thanks_kind": kind,
        "gratitude": kind in {"bare", "specific"},
        "recognition": recognition,
        "recognition_specific": recognition_specific,
    }
