"""harsh.v2: hostile language aimed at people, and non-inclusive terms with an alternative.

Reads: ``body``. Writes ``shouting`` (sentences shouted in capitals in a message that is not
written in capitals throughout), ``exclaim_runs`` ("!!", "?!?" outside greetings and festive
wishes), ``absolutes`` ("always", "never", "nobody", ...), ``profanity`` (words of a profanity
and insult list), ``harsh`` (a hostile sentence, below), ``noninclusive`` (count) and
``noninclusive_terms`` (``term→alternative``, comma separated). The suggestions follow common
inclusive-language guides (e.g. the Google developer documentation style guide and the IETF's
terminology draft).

A sentence is hostile (v2; measured on labelled real mail by ``upwell eval sentences``) when it

- insults someone: an insult word ("idiot", "incompetent", "pathetic") about "you", "they", "he",
  "she" or "this", not about the writer ("I am such a jerk");
- states anger or contempt: "I am disgusted and appalled", "this is unacceptable", "how many
  times", "what the hell", "are you kidding";
- swears at the reader: strong profanity with "you", an exclamation or capitals;
- accuses with an absolute: "you always ...", "you never ..." with an exclamation or capitals;
- escalates in capitals: a sentence shouted in capitals (three words or more, in a message not
  written in capitals throughout) that complains of silence or repetition ("TO DATE - NO
  RESPONSE FROM ANYONE.", "STILL WAITING", "AGAIN").

Not hostile: festive or greeting punctuation ("Merry Christmas!!", "Guten Morgen!!!"), an
acronym or one emphasised word in capitals ("ECTRIC", "LOGOFF"), a message typed in capitals
throughout, profanity as an intensifier with nobody aimed at ("one damn big cat"). v1 called a
message harsh on any two of capitals, "!!" and an absolute, which read greetings and acronyms as
hostility and missed escalations in capitals. :func:`harsh_sentences` gives the sentences that
triggered, which the evidence quotes.
"""

from __future__ import annotations

import re
from functools import lru_cache

from upwell.analyze.names import HARSH
from upwell.analyze.registry import Features, analyzer
from upwell.analyze.text import Words, whole_sentences
from upwell.model import Message

_I = re.IGNORECASE
_ABSOLUTES = Words(
    r"\b(always|never|nobody|no\s+one|everyone\s+knows|constantly|every\s+single\s+time|"
    r"completely\s+useless|totally\s+unacceptable)\b")
_EXCLAIM = re.compile(r"[!?]*![!?]*!+[!?]*|\?\?+")
_PROFANITY = Words(
    r"\b(damn(?:it)?|hell|crap|shit\w*|bullshit|fuck\w*|wtf|bastard\w*|asshole\w*|idiot\w*|"
    r"stupid|moron\w*|dumbass|piss(?:ed)?)\b")
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


_ANY_NONINCLUSIVE = Words("|".join(p.pattern for p, _t, _a in _NONINCLUSIVE))


# -- hostile sentences ---------------------------------------------------------------------------


def _any_word(*words: str) -> Words:
    """Any of ``words`` (patterns) as a whole word, each its own alternative so that a scan can
    skip ahead to their first letters (see Words)."""
    return Words("|".join(rf"\b{w}\b" for w in words))


_INSULT = _any_word(r"idiot\w*", "stupid", r"moron\w*", "dumbass", r"asshole\w*", r"bastard\w*",
                    "jerks?", r"incompeten\w+", "clueless", "pathetic", "worthless", "useless",
                    "lazy", "liars?", "lying")
_AIMED = Words(r"\b(?:you|your|you're|they|they're|them|he|he's|she|she's|this|that|these|"
                    r"those|people|guys)\b")
_SELF = Words(r"\b(?:i\s+am|i'm|i\s+feel|i\s+was)\s+(?:such\s+an?\s+|so\s+|an?\s+)?")
# Each alternative opens with a letter, so that a scan can skip ahead to it (see Words).
_FEELING = (r"\s+(?:so\s+|very\s+|really\s+|absolutely\s+|completely\s+|just\s+)?(?:disgusted"
            r"|appalled|furious|livid|outraged|fed\s+up|sick\s+and\s+tired|pissed)\b")
_VERDICT = (r"\s+(?:is|was|'s)\s+(?:completely\s+|totally\s+|absolutely\s+|simply\s+|just\s+)?"
            r"(?:unacceptable|ridiculous|absurd|outrageous|a\s+joke|a\s+disgrace|disgraceful"
            r"|pathetic|bullshit|crap|insane)\b")
_CONTEMPT = Words(
    rf"\bi(?:\s+am|'m){_FEELING}|\bwe(?:\s+are|'re){_FEELING}"
    rf"|\bth(?:is|at){_VERDICT}|\bit{_VERDICT}|\bwhich{_VERDICT}"
    r"|\btotally\s+unacceptable\b|\bcompletely\s+useless\b|\bhow\s+many\s+times\b"
    r"|\bwhat\s+the\s+(?:hell|fuck|heck)\b|\bare\s+you\s+(?:kidding|serious|blind|deaf)\b"
    r"|\bshut\s+up\b|\bgo\s+to\s+hell\b")
_SWEAR = _any_word(r"fuck\w*", r"shit\w*", "bullshit", r"goddamn\w*", r"damn\s+it", "dammit", "wtf",
                   r"piss\s+off")
_ACCUSE = Words(r"\byou(?:'re|\s+are)?\s+(?:always|never|constantly)\b")
_CAPS_RUN = re.compile(r"\b[A-Z][A-Z'’]+(?:[^A-Za-z\n]+[A-Z][A-Z'’]+){2,}\b")
_ESCALATION = re.compile(
    r"\b(?:NO\s+(?:RESPONSE|REPLY|ANSWER|ONE|WORD)|NOBODY|ANYONE|STILL|AGAIN|NEVER|WHY|"
    r"UNACCEPTABLE|IMMEDIATELY|STOP|HOW\s+MANY|NOT\s+ACCEPTABLE|WHAT\s+IS\s+GOING\s+ON|"
    r"HAS\s+NOT|HAVE\s+NOT|HASN'T|HAVEN'T)\b")
_FESTIVE = Words(
    r"\b(?:merry|christmas|x-?mas|happy|holidays?|new\s+year|birthday|congrat\w*|thanks?|thank\s+you"
    r"|welcome|good\s+(?:morning|luck|job|night|news)|morning|morgen|tag|great|awesome|wonderful|"
    r"yay|yea+h?|hooray|woo\w*|fun|love|cool|nice|wow|enjoy|hello|hi|hey|cheers|howdy|bravo|"
    r"excellent|amazing|fantastic|beautiful|lucky|best|glad|hope|miss\s+you|see\s+you)\b")


_UPPER = bytes(range(ord("A"), ord("Z") + 1))
_LOWER = bytes(range(ord("a"), ord("z") + 1))


def _letters(text: str) -> tuple[int, int]:
    """Capitals and letters of ``text``, ASCII A-Z and a-z alone (deleting a set of bytes
    counts them at C speed)."""
    ascii_ = text.encode("ascii", "ignore")
    upper = len(ascii_) - len(ascii_.translate(None, _UPPER))
    return upper, upper + len(ascii_) - len(ascii_.translate(None, _LOWER))


@lru_cache(maxsize=8)
def _caps_throughout(text: str) -> bool:
    """The message is typed in capitals (a habit or a notice, not shouting at someone): most of
    its sentences are in capitals."""
    read = [_letters(s) for s in whole_sentences(text)]
    read = [(upper, letters) for upper, letters in read if letters >= 4]
    caps = sum(upper / letters >= 0.7 for upper, letters in read)
    return bool(read) and caps / len(read) > 0.5


def _shouted(sentence: str) -> bool:
    upper, letters = _letters(sentence)
    return letters >= 10 and upper / letters >= 0.7 and _CAPS_RUN.search(sentence) is not None


def _hostile(sentence: str, caps_message: bool) -> bool:
    if _CONTEMPT.search(sentence):
        return True
    insult = _INSULT.search(sentence)
    if insult and _AIMED.search(sentence) and not _SELF.search(sentence[: insult.start()]):
        return True
    loud = "!" in sentence or (not caps_message and _shouted(sentence))
    if _SWEAR.search(sentence) and (loud or re.search(r"\byou", sentence, _I)):
        return True
    if _ACCUSE.search(sentence) and loud:
        return True
    return (not caps_message and _shouted(sentence)
            and _ESCALATION.search(sentence) is not None)


#: The word patterns at once, for a first look over the whole text.
_FIRST_LOOK = Words("|".join(p.pattern for p in (_CONTEMPT, _INSULT, _SWEAR)))


def harsh_sentences(text: str) -> list[str]:
    """The hostile sentences of ``text``, in order (what the evidence quotes)."""
    # A first look over the whole text: most messages have no hostile word and no run of
    # capitals, and need no sentence read; then only sentences that could be hostile are read.
    words = _FIRST_LOOK.search(text) is not None
    caps = _CAPS_RUN.search(text) is not None
    accuse = "!" in text and _ACCUSE.search(text) is not None
    if not (words or caps or accuse):
        return []
    in_caps: bool | None = None
    out = []
    for s in whole_sentences(text):
        shout = caps and _CAPS_RUN.search(s) is not None
        if not ((words and _FIRST_LOOK.search(s)) or shout
                or (accuse and _ACCUSE.search(s))):
            continue
        if in_caps is None:
            in_caps = caps and _caps_throughout(text)
        if _hostile(s, in_caps):
            out.append(s)
    return out


# Cheap first looks (a scan for a literal or a character class skips ahead at C speed; a
# pattern that opens with \b tries every position): most messages have neither.
_FIVE_CAPS = re.compile(r"[A-Z][A-Z'’-]{4}")


def _shouting(text: str) -> int:
    """Sentences shouted in capitals, in a message not typed in capitals throughout."""
    if not _FIVE_CAPS.search(text) or not _CAPS_RUN.search(text) or _caps_throughout(text):
        return 0
    return sum(_shouted(s) for s in whole_sentences(text))


def _exclaim_runs(text: str) -> int:
    """"!!" and "??" runs outside greetings and festive wishes."""
    if ("!" not in text and "??" not in text) or not _EXCLAIM.search(text):
        return 0
    return sum(len(_EXCLAIM.findall(s)) for s in whole_sentences(text)
               if not _FESTIVE.search(s))


@analyzer(HARSH, reads=("body",), coached_only=True,
          writes=("shouting", "exclaim_runs", "absolutes", "profanity", "harsh",
                  "noninclusive", "noninclusive_terms"))
def harsh(message: Message) -> Features:
    text = message.body
    found = ([(term, alt) for pattern, term, alt in _NONINCLUSIVE if pattern.search(text)]
             if _ANY_NONINCLUSIVE.search(text) else [])
    return {
        "shouting": _shouting(text),
        "exclaim_runs": _exclaim_runs(text),
        "absolutes": _ABSOLUTES.count(text),
        "profanity": _PROFANITY.count(text),
        "harsh": bool(harsh_sentences(text)),
        "noninclusive": len(found),
        "noninclusive_terms": ",".join(f"{t}→{a}" for t, a in found),
    }
