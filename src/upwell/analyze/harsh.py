"""harsh.v1: harsh language and non-inclusive terms, with a suggested alternative.

Reads: ``body``. Writes: ``shouting`` (words in capitals beyond acronyms), ``exclaim_runs``
("!!", "?!?"), ``absolutes`` ("always", "never", "nobody", ...), ``profanity``, ``harsh`` (any
two of those signals, or profanity), ``noninclusive`` (count) and ``noninclusive_terms``
(``term→alternative``, comma separated). The suggestions follow common inclusive-language guides
(e.g. the Google developer documentation style guide and the IETF's terminology draft).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from upwell.analyze.names import HARSH
from upwell.analyze.registry import Features, analyzer
from upwell.analyze.text import sentences
from upwell.model import Address, Message

_I = re.IGNORECASE
_ABSOLUTES = re.compile(
    r"\b(always|never|nobody|no\s+one|everyone\s+knows|constantly|every\s+single\s+time|"
    r"completely\s+useless|totally\s+unacceptable)\b", _I)
_EXCLAIM = re.compile(r"[!?]*![!?]*!+[!?]*|\?\?+")
_PROFANITY = re.compile(
    r"\b(damn(?:it)?|hell|crap|shit\w*|bullshit|fuck\w*|wtf|bastard\w*|asshole\w*|idiot\w*|"
    r"stupid|moron\w*|dumbass|piss(?:ed)?)\b", _I)
_NONINCLUSIVE: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(p, _I), term, alt)
    for p, term, alt in (
        (r"\bguys\b", "guys",
         "everyone / folks / team"),
        (r"\bwhite[- ]?list(?:ed|ing|s)?\b", "whitelist", "allowlist"),
        (r"\bblack[- ]?list(?:ed|ing|s)?\b", "blacklist", "denylist / blocklist"),
        (r"\bmaster\s*/\s*slave\b|\bslave\b", "master/slave", "primary/replica"),
        (r"\bmanpower\b", "manpower", "staff / workforce"),
        (r"\bman[- ]?hours?\b", "man-hours", "person-hours"),
        (r"\bchairman\b", "chairman", "chair / chairperson"),
        (r"\bsanity[- ]check\b", "sanity check", "quick check"),
        (r"\bgrandfather(?:ed|ing)?\b", "grandfathered", "legacy / exempt"),
        (r"\b(?:crazy|insane|lame)\b", "crazy/insane/lame", "surprising / wild / weak"),
        (r"\bspirit\s+animal\b", "spirit animal", "favorite / role model"),
    )
)


_ANY_NONINCLUSIVE = re.compile(
    "|".join(f"(?:{p.pattern})" for p, _t, _a in _NONINCLUSIVE), _I)


_SHOUT = re.compile(r"\b[A-Z][A-Z'’-]{4,}\b")
# Case-sensitive twins of the word patterns, for lower-cased text (about twice as fast).
_ABSOLUTES_LOW = re.compile(_ABSOLUTES.pattern)
_PROFANITY_LOW = re.compile(_PROFANITY.pattern)
_ANY_NONINCLUSIVE_LOW = re.compile(_ANY_NONINCLUSIVE.pattern)


# Cheap first looks (a scan for a literal or a character class skips ahead at C speed; a
# pattern that opens with \b tries every position): most messages have neither.
_FIVE_CAPS = re.compile(r"[A-Z][A-Z'’-]{4}")


def _shouting(text: str) -> int:
    return len(_SHOUT.findall(text)) if _FIVE_CAPS.search(text) else 0


def _exclaim_runs(text: str) -> int:
    return len(_EXCLAIM.findall(text)) if "!" in text or "??" in text else 0


#: The sentence shown as evidence of a harsh message: the first with one of the signals.
_EVIDENCE = re.compile(r"!!|\b[A-Z]{5,}\b"
                       r"|(?i:\b(?:always|never|nobody)\b|damn|shit|fuck|idiot|stupid)")


def harsh_sentences(text: str) -> list[str]:
    """The sentence shown for a harsh ``text`` (none when it is not harsh)."""
    if not harsh(_as_message(text))["harsh"]:
        return []
    return [s for s in sentences(text) if _EVIDENCE.search(s)][:1]


def _as_message(text: str) -> Message:
    return Message(source="text", source_item_id="text", channel="email",
                   sent_at=datetime(2024, 1, 1, tzinfo=UTC), utc_offset_minutes=0,
                   sender=Address("text@example.org"), body=text)


@analyzer(HARSH, reads=("body",),
          writes=("shouting", "exclaim_runs", "absolutes", "profanity", "harsh",
                  "noninclusive", "noninclusive_terms"))
def harsh(message: Message) -> Features:
    text = message.body
    low = text.lower()
    shouting = _shouting(text)
    exclaim = _exclaim_runs(text)
    absolutes = len(_ABSOLUTES_LOW.findall(low))
    profanity = len(_PROFANITY_LOW.findall(low))
    found = ([(term, alt) for pattern, term, alt in _NONINCLUSIVE if pattern.search(text)]
             if _ANY_NONINCLUSIVE_LOW.search(low) else [])
    signals = sum((shouting >= 2, exclaim >= 1, absolutes >= 1))
    return {
        "shouting": shouting,
        "exclaim_runs": exclaim,
        "absolutes": absolutes,
        "profanity": profanity,
        "harsh": profanity > 0 or signals >= 2,
        "noninclusive": len(found),
        "noninclusive_terms": ",".join(f"{t}→{a}" for t, a in found),
    }
