"""Positive insight types: what went well this week, held to the same care as the others.

Reads: the member's own view and profile through :class:`upwell.insights.catalog.InsightInput`.
Writes: at most one :class:`upwell.insights.catalog.Card` per type. A positive card, like any
other, names the messages it rests on, is measured against the member's own usual (a habit the
member always has is not news every week) and stays silent below a floor of real evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from upwell.analyze.kinds import addressee, personal_account
from upwell.analyze.names import KINDS, feature
from upwell.analyze.stream import (
    MAX_ASK_RECIPIENTS,
    answered_at,
    ask_due,
    asks_something,
    copies,
    correspondents,
    everything,
    in_window,
    member_ask,
    mine,
    recognizes,
    working_hours_between,
)
from upwell.insights.catalog import Card, Evidence, InsightInput, card, insight, person_name, plural
from upwell.store.member_view import MessageView

#: Quick answers in a week below which there is nothing to point out.
MIN_QUICK = 2
#: The longest reply, in the member's working hours, that counts as a quick answer.
QUICK_HOURS = 2.0
GRACE_DAYS = 2


def _asks(ctx: InsightInput, start: datetime, end: datetime) -> list[MessageView]:
    """The asks of the member in the window, as :func:`upwell.analyze.stream.unanswered_asks`
    counts them (:func:`~upwell.analyze.stream.member_ask`): a request or question from someone
    they correspond with, to them alone, not a social note. On real mail most "asks" counted
    without the request analyzer's word were forwards for information, answers to the member's
    own requests or jokes, and a reply to an ask put to several people was often no answer to
    the member."""
    return [m for m in in_window(ctx.view.messages, start, end) if member_ask(ctx.view, m)]


def _group_asks(ctx: InsightInput, start: datetime, end: datetime) -> list[MessageView]:
    """Asks put to the member with others, in To or Cc (a request or question from someone
    they correspond with, naming nobody else, not a social note): anyone's to answer, so only
    the ones the member did answer say anything (:func:`_answers` with ``group``). On real mail
    a quick answer to a colleague's "comments?" to the team, or to a question the member was
    copied on, was the help a reader would name."""
    view = ctx.view
    return [m for m in in_window(view.messages, start, end)
            if not mine(view, m) and m.sender in correspondents(view)
            and asks_something(m) and (set(m.to) | set(m.cc)) & view.me
            and addressee(view, m) != "other" and not member_ask(view, m)
            and not feature(m.features, KINDS, "social")]


#: An ask the member answered: the ask, the working hours it took and the answer.
Answer = tuple[MessageView, float, MessageView]


def _answers(ctx: InsightInput, asks: Iterable[MessageView], *, group: bool = False
             ) -> tuple[list[Answer], int]:
    """Each ask answered by the member by the time it was due (:func:`ask_due`, as for
    unanswered asks; two working days where the archive cannot say), with the working hours it
    took, and how many asks could be judged (an unanswered ask not yet due at the archive's
    end, or due when the archive holds no mail of the member's, cannot). An ask the member
    answered with a social note was a personal exchange (a friend asking for an address), not
    help with work: it is left out. With ``group`` (asks to several people), only a reply to
    the ask itself answers it (a reply-all to another message of the thread does not), and an
    ask the member did not answer is not judged: another recipient may have."""
    last = max(m.sent_at for m in everything(ctx.view))
    answered: list[Answer] = []
    judged = 0
    seen: set[str] = set()
    for ask in asks:
        if ask.id in seen:
            continue  # another copy of an ask already counted
        ids = {o.id for o in copies(ctx.view, ask)}
        seen |= ids
        due = ask_due(ctx.view, ctx.profile, ask, GRACE_DAYS)
        reply = answered_at(ctx.view, ask,
                            due or ctx.profile.add_working_days(ask.sent_at, GRACE_DAYS))
        if group and reply is not None and reply.parent_id not in ids:
            reply = None  # in a thread of many, only a reply to the ask itself answers it
        if reply is None and (group or due is None or due > last):
            continue
        if reply is not None and feature(reply.features, KINDS, "social"):
            continue
        judged += 1
        if reply is not None:
            took = working_hours_between(ctx.profile, ask.sent_at, reply.sent_at)
            answered.append((ask, took, reply))
    return answered, judged


@insight("helped_fast", title="You answered people's asks quickly",
         caveat="If your replies were quick acknowledgements rather than answers, or the asks "
                "were trivial, this says less than it seems.",
         definition="Requests and questions from people you work with, not social notes, to "
                    "you alone (you the one person in To, or named) or to you with others (in "
                    "To or Cc, counted only when you answered them), that you answered within "
                    f"{QUICK_HOURS:g} of your working hours this week (a reply, or a message to "
                    "them on the same subject; a bare thanks or a social note is no answer), "
                    "each named with how fast.",
         threshold=f"{MIN_QUICK}+ asks answered within {QUICK_HOURS:g} working hours, more "
                   "than in your usual week, with 2+ baseline weeks",
         action="Keep the habit: a short reply early beats a full one late.",
         basis="Responsiveness is the strongest early driver of trust in distributed teams "
               "(Jarvenpaa & Leidner 1999); reply latency signals how much a relationship "
               "matters (Avrahami & Hudson 2006).", impact=0.6, positive=True)
def helped_fast(ctx: InsightInput) -> Card | None:
    answered, judged = _all_answers(ctx, ctx.week.start, ctx.week.end)
    quick = sorted(((m, h, r) for m, h, r in answered if h <= QUICK_HOURS), key=lambda p: p[1])
    if len(quick) < MIN_QUICK:
        return None
    w = ctx.week
    if w.baseline_weeks < 2:
        return None  # without a usual, a habit would be news every week
    before, _n = _all_answers(ctx, w.baseline_start, w.start)
    usual = sum(1 for _m, h, _r in before if h <= QUICK_HOURS) / w.baseline_weeks
    if len(quick) <= usual:
        return None  # a habit the member always has is not news every week
    people = list(dict.fromkeys(person_name(ctx.view, m.sender) for m, _h, _r in quick))
    return card("helped_fast",
                f"You answered {plural(len(quick), 'ask')} to you within {QUICK_HOURS:g} working "
                f"hours this week ({len(answered)} of {judged} answered in all), from "
                f"{_listed(people)}.",
                severity=min(3.0, len(quick) / MIN_QUICK), n=len(quick),
                metrics={"quick": len(quick), "answered": len(answered), "asks": judged},
                rows=tuple(Evidence(m.id, m.sent_at, m.subject, f"you replied {_took(h)} later")
                           for m, h, _r in quick[:10]))


def _all_answers(ctx: InsightInput, start: datetime, end: datetime
                 ) -> tuple[list[Answer], int]:
    """The answers to the member's own asks and to the group asks they answered; one answer
    counts once (a reply to a thread in which two people asked answers one ask)."""
    alone, judged = _answers(ctx, _asks(ctx, start, end))
    group, _n = _answers(ctx, _group_asks(ctx, start, end), group=True)
    used = {r.id for _m, _h, r in alone}
    once: list[Answer] = []
    for a in sorted(group, key=lambda a: a[1]):  # the quickest ask an answer answers
        if a[2].id not in used:
            used.add(a[2].id)
            once.append(a)
    return alone + once, judged + len(once)


def _took(hours: float) -> str:
    """A reply's delay in words: "20 minutes", "1.5 working hours"."""
    if hours < 1:
        return plural(max(1, round(hours * 60)), "minute")
    return f"{hours:.1f} working hours"


#: Thanks "for" these name nothing in particular, whatever the analyzer says ("many thanks for
#: your help in this matter"); a kept phrase this short cannot name anything either ("Thanks.").
_GENERIC = re.compile(r"\b(?:thanks|thank you)\s+(?:so much |very much |again )?for\s+(?:all\s+)?"
                      r"(?:of\s+)?(?:your\s+|the\s+)?(?:help|time|assistance|support|everything|"
                      r"this|that|it|info|information|email|e-mail|note|message|patience|"
                      r"letting me know|understanding|cooperation)\b", re.IGNORECASE)
MIN_PHRASE_WORDS = 4


def _specific(ctx: InsightInput, m: MessageView) -> bool:
    """Specific thanks by the analyzer, and, where the phrase was kept, a phrase that names
    something (a sign-off or a stock "thanks for your help" does not)."""
    if not recognizes(m):
        return False
    phrase = ctx.view.snippets.get(m.id, {}).get("specific_thanks", "")
    return not phrase or (len(phrase.split()) >= MIN_PHRASE_WORDS
                          and _GENERIC.search(phrase) is None)


def _recognitions(ctx: InsightInput, start: datetime, end: datetime) -> list[MessageView]:
    """The member's specific thanks in the window, to a few people (not a broadcast)."""
    return [m for m in in_window(ctx.view.messages, start, end)
            if mine(ctx.view, m) and _specific(ctx, m)
            and 0 < len(_recipients(ctx, m)) <= MAX_ASK_RECIPIENTS]


def _listed(people: list[str]) -> str:
    """Names in prose: "Ann", "Ann and Bo", "Ann, Bo and Cy", "Ann, Bo, Cy and 2 others"."""
    if len(people) <= 3:
        return " and ".join(filter(None, [", ".join(people[:-1]), people[-1]]))
    return f"{', '.join(people[:3])} and {plural(len(people) - 3, 'other')}"


def _recipients(ctx: InsightInput, m: MessageView) -> list[str]:
    """Whom a message of the member's went to: colleagues, not the member, nor anyone only
    ever seen on a personal (consumer) mail account."""
    return [p for p in dict.fromkeys((*m.to, *m.cc))
            if p not in ctx.view.me and not personal_account(ctx.view, p)]


@insight("specific_recognition", title="You thanked someone for something specific",
         caveat="If the thanks was a sign-off or a form reply rather than about something the "
                "person did, ignore this.",
         definition="Thanks you gave this week that named what someone did ('thanks for "
                    "catching the pricing error'), to someone you had not thanked that way in "
                    "your baseline weeks, or more often than your usual.",
         threshold="1+ specific thanks to someone new to your thanks, or 2+ and twice your "
                   "usual weekly count, with 2+ baseline weeks",
         action="Keep naming what people did: it is what makes thanks land.",
         basis="Specific gratitude builds relationships (Algoe 2012, find-remind-bind); people "
               "thanked for their help were about twice as likely to help again (Grant & Gino "
               "2010).", impact=0.6, positive=True)
def specific_recognition(ctx: InsightInput) -> Card | None:
    w = ctx.week
    if w.baseline_weeks < 2:
        return None  # without a usual, every thanks would be news
    now = _recognitions(ctx, w.start, w.end)
    if not now:
        return None
    base = _recognitions(ctx, w.baseline_start, w.start)
    thanked_before = {p for m in base for p in _recipients(ctx, m)}
    new = [m for m in now if set(_recipients(ctx, m)) - thanked_before]
    usual = len(base) / w.baseline_weeks
    more = len(now) >= 2 and len(now) >= 2 * usual
    if not new and not more:
        return None
    shown = new or now
    people = list(dict.fromkeys(person_name(ctx.view, p) for m in shown
                                for p in _recipients(ctx, m)))
    names = _listed(people)
    if new and not more:
        whom = "someone" if len(people) == 1 else "people"
        summary = (f"You thanked {names} this week for something specific: {whom} you had not "
                   f"thanked that way in your {plural(w.baseline_weeks, 'week')} before.")
    else:
        summary = (f"You gave {plural(len(now), 'specific thanks', 'specific thanks')} this "
                   f"week (usually {usual:.1f} a week), to {names}.")
    return card("specific_recognition", summary, severity=1.0 + 0.5 * (len(shown) - 1),
                n=len(now), msgs=shown, ctx=ctx, phrase="specific_thanks",
                metrics={"specific_thanks": len(now), "usual_per_week": round(usual, 2)})
