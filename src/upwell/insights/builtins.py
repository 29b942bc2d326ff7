"""The built-in insight types. Each compares the coached week with the member's own baseline.

Thresholds are deliberately plain so a member can see why a card appeared; the quality issue
measures them against planted behaviours of the synthetic organization.

Why one module of over 500 lines: it is the catalog's built-in types, each a declaration
(definition, trigger, action, basis, what would make it wrong) and a short function, read as one
list by ``upwell insights --markdown``; the positive types live in ``positive.py`` and
``commitments.py``. Splitting the rest by theme (rhythm, language, meetings) is open work.
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import timedelta
from itertools import pairwise

from upwell.analyze.kinds import personal_account
from upwell.analyze.names import GRATITUDE, HARSH, KINDS, POLITENESS, REQUESTS, TONE
from upwell.analyze.stream import (
    after_hours,
    attended,
    attention,
    everything,
    exchanges,
    gini,
    harsh,
    in_window,
    meeting_load,
    mine,
    one_on_one_events,
    one_on_ones,
    recognizes,
    reply_pairs,
    talk_share,
    to_each,
    unanswered_asks,
)
from upwell.insights.catalog import (
    Card,
    Evidence,
    InsightInput,
    card,
    event_evidence,
    insight,
    person_name,
    plural,
)
from upwell.store.member_view import EventView, MessageView


def _sent(ctx: InsightInput, baseline: bool = False) -> list[MessageView]:
    w = ctx.week
    start, end = (w.baseline_start, w.start) if baseline else (w.start, w.end)
    return [m for m in in_window(ctx.view.messages, start, end) if mine(ctx.view, m)]


def _feature(m: MessageView, analyzer: str, name: str) -> object:
    return m.features.get(analyzer, {}).get(name)


def _number(m: MessageView, analyzer: str, name: str) -> float:
    value = m.features.get(analyzer, {}).get(name)
    return float(value) if isinstance(value, int | float) else 0.0


def _per_week(count: int, ctx: InsightInput) -> float:
    return count / max(1, ctx.week.baseline_weeks)


#: Sent messages before the coached week below which there is no usual after-hours share.
AFTER_HOURS_BASELINE = 10
#: A usual after-hours share from which the hours set are not the hours the member works.
AFTER_HOURS_NOT_YOUR_HOURS = 0.35


@insight("after_hours_sent", title="Messages sent after hours",
         caveat="If these were scheduled to go out later, or you worked other hours than the ones "
                "you set (travel, a shifted day), ignore this.",
         definition="Share of your messages sent outside your working hours or on days off, "
                    "in your own time zone (as you set it, or inferred from when your mail "
                    "goes out; a low-confidence guess shows no card).",
         threshold="3 or more after-hours messages and a share 15 points above your own usual, "
                   "over at least 10 messages of yours before; none while your usual share is "
                   "35% or more (then the hours set are not the hours you work: a shift, "
                   "another zone, or an archive's clock)",
         action="Schedule-send non-urgent messages for the start of the working day.",
         basis="Always-on norms and after-hours email predict exhaustion (Barber & Santuzzi "
               "2015; Becker et al. 2021).", impact=1.0)
def after_hours_sent(ctx: InsightInput) -> Card | None:
    if not ctx.profile.zone_known:
        return None
    now = after_hours(ctx.view, ctx.profile, ctx.week.start, ctx.week.end)
    base = after_hours(ctx.view, ctx.profile, ctx.week.baseline_start, ctx.week.start)
    if now.sent == 0 or len(now.after_hours) < 3:
        return None
    if base.sent < AFTER_HOURS_BASELINE:
        return None  # no usual to compare with: silence over a guess
    share = len(now.after_hours) / now.sent
    usual = len(base.after_hours) / base.sent
    if usual >= AFTER_HOURS_NOT_YOUR_HOURS or share < usual + 0.15:
        return None
    return card("after_hours_sent",
                f"{len(now.after_hours)} of your {now.sent} messages this week went out after "
                f"hours ({share:.0%}; usually {usual:.0%}).",
                severity=share / max(0.15, usual), n=len(now.after_hours),
                msgs=now.after_hours, metrics={"share": round(share, 3)})


@insight("after_hours_landing", title="Pings landing in others' off-hours",
         caveat="If the recipient's time zone is wrong here (a mail server's clock, travel) or "
                "they asked for the message then, ignore this.",
         definition="Messages you sent that arrived outside the recipient's own working hours, "
                    "in their time zone (estimated from their latest messages to you; people who "
                    "never wrote to you are not judged, and nobody is when the archive's time "
                    "stamps are not credible: your own stamps disagree with your zone, or "
                    "everyone carries the same offset).",
         threshold="3 or more this week",
         action="Check the recipient's local time; schedule-send for their morning.",
         basis="Receiving after-hours email raises strain even when no reply is expected "
               "(Giurge & Woolley 2022).", impact=1.0)
def after_hours_landing(ctx: InsightInput) -> Card | None:
    now = after_hours(ctx.view, ctx.profile, ctx.week.start, ctx.week.end)
    total = sum(now.landed_off_hours.values())
    if total < 3:
        return None
    worst = ", ".join(f"{ctx.view.name(p)} {n}" for p, n in now.landed_off_hours.most_common(3))
    return card("after_hours_landing",
                f"{plural(total, 'message')} reached people outside their working hours, in "
                f"their time zone ({worst}).",
                severity=total / 3, n=total, metrics={"pings": total}, msgs=now.landed,
                detail="landed outside a recipient's working hours")


@insight("unanswered_asks", title="Asks left unanswered",
         caveat="If you answered by phone, in person or in a chat Upwell does not see, or someone "
                "else answered for you, ignore this.",
         definition="Requests and questions in conversational work mail asked of you alone (you "
                    "the one person in To, or named at the start of a line) that got no "
                    "response from you "
                    "within two working days: no reply to it or its other copies, and no "
                    "message from you to the asker or to anyone on the ask, on its subject or "
                    "in its thread. Only days on which you sent mail count (a holiday or a day "
                    "off is no day to answer in). Social notes are left out, and so is an ask "
                    "the asker took back (a later note to you alone that asks nothing: 'please "
                    "ignore my last email'), and any ask from a time when the archive holds "
                    "none of your own mail (away, or not kept).",
         threshold="1 or more this week",
         action="Reply, even briefly ('on it, by Thursday'), or hand the ask to someone else.",
         basis="Responsiveness is the strongest driver of trust in distributed teams "
               "(Jarvenpaa & Leidner 1999).", impact=1.2)
def unanswered(ctx: InsightInput) -> Card | None:
    asks = unanswered_asks(ctx.view, ctx.profile, ctx.week.start, ctx.week.end)
    if not asks:
        return None
    who = Counter(ctx.view.name(m.sender) for m in asks).most_common(3)
    return card("unanswered_asks",
                f"{plural(len(asks), 'ask')} to you got no reply within two working days "
                f"({', '.join(f'{n} {c}' for n, c in who)}).",
                severity=len(asks) / 2, n=len(asks), msgs=asks, ctx=ctx, phrase="ask")


@insight("slow_replies", title="Slower replies than usual",
         caveat="If the slower replies had a reason (leave, travel, a deadline you chose to focus "
                "on) or you answered by phone first, ignore this.",
         definition="Median time you took to reply to others this week, counted in your own "
                    "working hours (nights and weekends do not count), against your own usual.",
         threshold="at least 4 working hours and twice your usual median, over 5+ replies",
         action="Block two short reply windows a day.",
         basis="Reply latency signals relationship priority (Avrahami & Hudson 2006).",
         impact=0.8)
def slow_replies(ctx: InsightInput) -> Card | None:
    pairs = reply_pairs(ctx.view, ctx.week.start, ctx.week.end, by_member=True,
                        profile=ctx.profile)
    now = [hours for _m, hours in pairs]
    base = [hours for _m, hours in reply_pairs(ctx.view, ctx.week.baseline_start,
                                                ctx.week.start, by_member=True,
                                                profile=ctx.profile)]
    if len(now) < 5 or len(base) < 5:  # a median of fewer replies is noise
        return None
    med, usual = statistics.median(now), statistics.median(base)
    if med < 4 or med < 2 * usual:
        return None
    return card("slow_replies",
                f"Your median reply took {med:.1f} working hours this week (usually "
                f"{usual:.1f}).",
                severity=med / max(usual, 1), n=len(now),
                metrics={"median_hours": round(med, 1), "usual_hours": round(usual, 1)},
                rows=tuple(Evidence(m.id, m.sent_at, m.subject,
                                    f"your reply came {hours:.1f} working hours later")
                           for m, hours in sorted(pairs, key=lambda p: -p[1])[:10]))


@insight("recognition_drop", title="Less recognition than usual",
         caveat="If you thanked people in person or in a channel Upwell does not see, or it was a "
                "quiet week, ignore this.",
         definition="Specific thanks and recognition you gave (naming what someone did).",
         threshold="none this week while you usually give at least one a week",
         action="Name one concrete thing a colleague did well this week, and tell them.",
         basis="Specific gratitude builds relationships (Algoe 2012, find-remind-bind); "
               "recognition is a top driver of engagement (Gallup Q12).", impact=0.9)
def recognition_drop(ctx: InsightInput) -> Card | None:
    now = [m for m in _sent(ctx) if recognizes(m)]
    base = [m for m in _sent(ctx, baseline=True) if recognizes(m)]
    usual = _per_week(len(base), ctx)
    if now or usual < 1:
        return None
    return card("recognition_drop",
                f"No specific thanks or recognition from you this week (usually {usual:.1f} a "
                f"week).", severity=usual, n=len(base), msgs=base[-5:],
                metrics={"usual_per_week": round(usual, 2)})


@insight("generic_thanks", title="Thanks without specifics",
         caveat="A short 'thanks' closing a routine exchange is fine; if these were such closings, "
                "ignore this.",
         definition="Your thanks this week that named nothing in particular ('thanks!', not a "
                    "sign-off closing a message), sent as the answer to something the person "
                    "sent you and asking nothing back, in a week with no specific thanks.",
         threshold="3 or more bare thanks to 2 or more people and none specific this week",
         action="Say what the thanks is for: 'thanks for catching the pricing error'.",
         basis="Specific praise is perceived as more sincere and more useful "
               "(Kluger & DeNisi 1996 on feedback specificity).", impact=0.5)
def generic_thanks(ctx: InsightInput) -> Card | None:
    sent = _sent(ctx)
    bare = [m for m in sent if _feature(m, GRATITUDE, "thanks_kind") == "bare"
            and _thanks_back(ctx, m)]
    people = {p for m in bare for p in m.to}
    if len(bare) < 3 or len(people) < 2 or any(recognizes(m) for m in sent):
        return None
    return card("generic_thanks", f"{len(bare)} of your thanks this week named nothing specific.",
                severity=len(bare) / 3, n=len(bare), msgs=bare)


def _thanks_back(ctx: InsightInput, m: MessageView) -> bool:
    """``m`` answers something a recipient sent (it replies to their message) and asks nothing:
    thanks for what they did. A "Thanks." closing the member's own request, or opening a new
    note, thanks nobody for anything (on real mail these were most "generic" thanks)."""
    parent = ctx.view.by_id.get(m.parent_id) if m.parent_id else None
    return (parent is not None and parent.sender in m.to
            and not _number(m, REQUESTS, "requests") and not _number(m, REQUESTS, "questions"))


@insight("tone_toward_colleague", title="Tone toward a colleague turned negative",
         caveat="Tone is read from words alone: if the subject was bad news rather than the "
                "person, or you were quoting someone, ignore this.",
         definition="Average tone of your messages to one colleague this week against your "
                    "usual tone with them.",
         threshold="3+ messages averaging negative and 0.3 below your usual with them, or "
                   "negativity aimed at them in 2+ messages",
         action="Re-read before sending; consider a call instead of another email.",
         basis="Negative email tone is read as more negative than intended (Byron 2008).",
         impact=1.1)
def tone_toward(ctx: InsightInput) -> Card | None:
    now = to_each(ctx.view, _sent(ctx))
    base = to_each(ctx.view, _sent(ctx, baseline=True))
    worst: tuple[float, str, list[MessageView]] | None = None
    for person, msgs in now.items():
        vals = [_number(m, TONE, "valence") for m in msgs]
        aimed = [m for m in msgs if _number(m, TONE, "addressee_negativity") >= 0.5]
        usual_vals = [_number(m, TONE, "valence") for m in base.get(person, [])]
        drop = (statistics.fmean(usual_vals) - statistics.fmean(vals)) if usual_vals else 0.0
        # a drop from warm to neutral (last month's praise, this week's logistics) is not a
        # negative turn: the week's own average must be negative too
        soured = (len(vals) >= 3 and len(usual_vals) >= 3 and drop >= 0.3
                  and statistics.fmean(vals) < 0)
        if soured or len(aimed) >= 2:
            score = drop + 0.5 * len(aimed)
            if worst is None or score > worst[0]:
                worst = (score, person, aimed or msgs)
    if worst is None:
        return None
    score, person, msgs = worst
    return card("tone_toward_colleague",
                f"Your messages to {ctx.view.name(person)} read more negative than usual.",
                severity=1 + score, n=len(msgs), msgs=msgs, ctx=ctx, phrase="aimed_negativity")


#: Below this share of the member's usual weekly exchanges, all of it went quiet, not one tie.
QUIET_SHARE = 0.5


#: Weeks with contact before a tie counts as regular: a month-long project's burst of mail
#: ended with the project (on real mail, most "faded" ties were such bursts).
REGULAR_WEEKS = 5


@insight("fading_tie", title="A regular contact gone quiet",
         caveat="If you now talk by phone, in person or in a chat Upwell does not see, or the "
                "work you shared has ended, ignore this.",
         definition="A colleague you exchanged messages with in most of your baseline weeks, "
                    "with no exchange in the last three weeks (a busy week or two of one project "
                    "does not make a regular contact).",
         threshold="contact in two thirds or more of the weeks before the last three (and at "
                   "least 5 of them: a month-long project is not a regular tie), none in the "
                   "last three weeks (not even on the same mail in Cc), while your other "
                   "exchanges went on (at least half your usual)",
         action="Check in with them: a short note or a coffee.",
         basis="Weak and dormant ties carry new information and support (Granovetter 1973; "
               "Levin, Walter & Murnighan 2011 on reconnecting dormant ties).", impact=0.7)
def fading_tie(ctx: InsightInput) -> Card | None:
    w = ctx.week
    recent_start = w.end - timedelta(weeks=3)
    weeks = round((recent_start - w.baseline_start) / timedelta(weeks=1))
    if weeks < 3:
        return None
    first = recent_start - timedelta(weeks=weeks)
    seen: Counter[str] = Counter()  # weeks with any exchange, per person
    for i in range(weeks):
        seen.update(set(exchanges(ctx.view, first + timedelta(weeks=i),
                                  first + timedelta(weeks=i + 1))))
    recent = exchanges(ctx.view, recent_start, w.end)
    # still on the same mail (in To or Cc with the member, or writing to them in any way):
    # not gone quiet, only no longer in one-to-one exchange
    around = {p for m in in_window(everything(ctx.view), recent_start, w.end)
              for p in (m.sender, *m.to, *m.cc)}
    usual = sum(exchanges(ctx.view, first, recent_start).values()) / weeks
    if sum(recent.values()) / 3 < QUIET_SHARE * usual:
        return None  # everything went quiet (leave, holidays): not about one person
    faded = sorted(((p, k) for p, k in seen.items()
                    if k * 3 >= weeks * 2 and k >= REGULAR_WEEKS and recent[p] == 0
                    and p not in around
                    and not personal_account(ctx.view, p)),
                   key=lambda pk: (-pk[1], person_name(ctx.view, pk[0]), pk[0]))
    if not faded:
        return None
    rows: list[Evidence] = []
    earlier = in_window(ctx.view.messages, first, recent_start)
    for p, _k in faded[:3]:
        last = [m for m in earlier if m.sender == p or (mine(ctx.view, m) and p in m.to)][-3:]
        # one to one: from them, or to them alone (a person id says nothing of To's order)
        rows += [Evidence(m.id, m.sent_at, m.subject,
                          "" if p == m.sender or set(m.to) - ctx.view.me == {p} else
                          f"with {person_name(ctx.view, p)} among others") for m in last]
    if len(faded) == 1:
        p, k = faded[0]
        summary = (f"No exchange in three weeks with {person_name(ctx.view, p)}; before that you "
                   f"were in touch in {k} of {plural(weeks, 'week')}.")
    else:
        names = ", ".join(person_name(ctx.view, p) for p, _k in faded[:3])
        summary = (f"No exchange in three weeks with {names}; before that you were in touch with "
                   f"each in most weeks.")
    return card("fading_tie", summary, severity=faded[0][1] / weeks * 2, n=len(faded),
                rows=tuple(rows), metrics={"weeks_with_contact": faded[0][1],
                                            "baseline_weeks": weeks})


@insight("harsh_language", title="Wording that may read as hostile",
         caveat="If the words were quoted, a joke between friends or festive ('Merry "
                "Christmas!!'), ignore this.",
         definition="Messages with profanity, or two of: shouting in capitals, '!!!', absolutes "
                    "('always', 'never').",
         threshold="1 or more this week",
         action="Swap absolutes for specifics ('twice this month') and drop the capitals.",
         basis="Absolutes and shouting escalate conflict in text (Friedman & Currall 2003).",
         impact=1.0)
def harsh_language(ctx: InsightInput) -> Card | None:
    flagged = [m for m in _sent(ctx) if harsh(m)]
    if not flagged:
        return None
    return card("harsh_language",
                f"{plural(len(flagged), 'message')} you sent this week had wording that may read "
                f"as hostile (profanity, shouting in capitals, '!!!' or absolutes).",
                severity=len(flagged), n=len(flagged), msgs=flagged, ctx=ctx, phrase="harsh")


#: Terms the analyzer finds that a careful reader of real mail seldom faults: "chairman" as a
#: person's title, "crazy" as an idiom. On real mailboxes no card they raised was useful.
AMBIGUOUS_TERMS = frozenset({"chairman", "crazy/insane/lame"})
#: "guys" is raised only for a message to this many people or more, or a chat channel post:
#: greeting a group, where it can leave someone out, not two colleagues (every such card on
#: real mail was wrong).
GUYS_GROUP = 3


def _clear_terms(m: MessageView) -> list[str]:
    """The message's non-inclusive terms ("term→alternative") a reader would agree with."""
    # a post in a chat channel goes to the channel: a group, whoever the export lists
    group = m.channel == "chat" or len(set(m.to) | set(m.cc)) >= GUYS_GROUP
    return [t for t in str(_feature(m, HARSH, "noninclusive_terms") or "").split(",")
            if t and (term := t.split("→", 1)[0]) not in AMBIGUOUS_TERMS
            and (term != "guys" or group)]


@insight("noninclusive_terms", title="Non-inclusive terms",
         caveat="If the term is a product or technical name you cannot change, or a quotation, "
                "ignore this.",
         definition="Terms such as 'guys' for a group (three or more, or a channel) or "
                    "'whitelist', with an "
                    "alternative ('guys' to one or two people, 'chairman' and 'crazy' are left "
                    "out: in real mail they are mostly a greeting, a title or an idiom).",
         threshold="1 or more this week",
         action="Use the suggested alternative next time.",
         basis="Inclusive-language guides (Google developer style guide; IETF terminology "
               "draft).", impact=0.4)
def noninclusive(ctx: InsightInput) -> Card | None:
    found = [m for m in _sent(ctx) if _clear_terms(m)]
    if not found:
        return None
    terms = sorted({t for m in found for t in _clear_terms(m)})
    return card("noninclusive_terms", "Suggested: " + "; ".join(terms[:4]) + ".",
                severity=len(found), n=len(found), msgs=found)


def _softened(m: MessageView) -> bool:
    # politeness.v3 reads softeners (a sentence-initial "Please" counts) in one feature.
    return bool(m.features.get(POLITENESS, {}).get("softened"))


def _work_ask(ctx: InsightInput, m: MessageView) -> bool:
    """``m`` asks something of a colleague about work: it has a request, it is not social chat
    (lunch, a joke, family), and someone it goes to is not only ever on a personal account. On
    real mail most "blunt requests" were banter and notes to family and friends."""
    return (bool(_feature(m, REQUESTS, "requests")) and not _feature(m, KINDS, "social")
            and any(not personal_account(ctx.view, p) for p in m.to))


@insight("blunt_requests", title="Requests with no softening words",
         caveat="Short requests are normal between people who work closely and expect them; if "
                "that is the case here, ignore this.",
         definition="Your requests to colleagues about work (not social notes, not mail only to "
                    "personal accounts) with no please, thanks, 'could you' or hedge, more of "
                    "them than usual for you.",
         threshold="4+ requests this week, 75% or more of them blunt, and 20 points above your "
                   "own usual share when you made 5+ requests before",
         action="Open with 'could you' and say why it matters.",
         basis="Politeness strategies predict how requests are received (Danescu-Niculescu-"
               "Mizil et al. 2013).", impact=0.6)
def blunt_requests(ctx: InsightInput) -> Card | None:
    reqs = [m for m in _sent(ctx) if _work_ask(ctx, m)]
    blunt = [m for m in reqs if not _softened(m)]
    if len(reqs) < 4 or len(blunt) / len(reqs) < 0.75:
        return None
    before = [m for m in _sent(ctx, baseline=True) if _work_ask(ctx, m)]
    if len(before) >= 5 and len(blunt) / len(reqs) < sum(
            not _softened(m) for m in before) / len(before) + 0.2:
        return None  # the member's usual way of asking: not news this week
    return card("blunt_requests",
                f"{len(blunt)} of your {plural(len(reqs), 'request')} this week had no please, "
                f"thanks, 'could you' or hedge.",
                severity=len(blunt) / len(reqs) * 2, n=len(blunt), msgs=blunt, ctx=ctx,
                phrase="ask")


@insight("thanks_in_advance", title="Requests closed with 'thanks in advance'",
         caveat="If the request is routine and the closing is simply your style, ignore this: "
                "it does not lower replies.",
         definition="Requests closed with 'thanks in advance', which some readers take as "
                    "presuming a yes when the request is a favour.",
         threshold="2 or more this week",
         action="Where the request is a favour, ask plainly and thank them once it is done.",
         basis="Practice opinion, not a measured harm: etiquette guides call the closing "
               "presumptuous, while Boomerang's 2017 analysis of about 350,000 email threads "
               "found closings with 'thanks in advance' got more replies (65.7 %) than any other "
               "closing and than closings with no thanks (about 46 %). The card is about how a "
               "favour reads, not about getting a reply.", impact=0.3)
def thanks_in_advance(ctx: InsightInput) -> Card | None:
    tia = [m for m in _sent(ctx) if _feature(m, REQUESTS, "thanks_in_advance")]
    if len(tia) < 2:
        return None
    return card("thanks_in_advance",
                f"{plural(len(tia), 'request')} this week closed with 'thanks in advance'.",
                severity=len(tia) / 2, n=len(tia), msgs=tia, ctx=ctx, phrase="ask")


@insight("meeting_overload", title="Meeting overload",
         caveat="If the calendar holds blocks that are not meetings (travel, time you booked for "
                "yourself), ignore this.",
         definition="Hours in meetings this week (declined ones not counted) against your "
                    "usual, and free blocks left.",
         threshold="20+ hours, or 1.5x your usual with at least 10 hours",
         action="Decline or shorten one recurring meeting; protect two focus blocks.",
         basis="Meeting load reduces well-being and productivity (Rogelberg et al. 2006; "
               "Perlow, Hadley & Eun 2017).", impact=0.9)
def meeting_overload(ctx: InsightInput) -> Card | None:
    w = ctx.week
    now = meeting_load(attended(ctx.view), ctx.profile, w.start, w.end)
    base = meeting_load(attended(ctx.view), ctx.profile, w.baseline_start, w.start)
    usual = base.hours / max(1, w.baseline_weeks)
    if not (now.hours >= 20 or (now.hours >= 10 and usual and now.hours >= 1.5 * usual)):
        return None
    return card("meeting_overload",
                f"{now.hours:.0f} h in {now.meetings} meetings this week (usually {usual:.0f} h); "
                f"{now.back_to_back} back-to-back, {now.focus_blocks} focus blocks.",
                severity=now.hours / 20, n=now.meetings,
                metrics={"hours": now.hours, "focus_blocks": now.focus_blocks,
                         "cost_person_hours": now.cost_person_hours},
                rows=event_evidence(_timed(ctx), limit=40))


@insight("no_focus_time", title="Little focus time",
         caveat="If you work in time the calendar does not show (early mornings, a day you keep "
                "free without booking it), ignore this.",
         definition="Free blocks of two hours or more inside your working hours this week.",
         threshold="fewer than 3 blocks in a week with meetings",
         action="Book two 2-hour blocks for deep work next week.",
         basis="Uninterrupted time is needed for complex work (Newport 2016; Mark et al. 2008 "
               "on the cost of interruption).", impact=0.8)
def no_focus_time(ctx: InsightInput) -> Card | None:
    w = ctx.week
    now = meeting_load(attended(ctx.view), ctx.profile, w.start, w.end)
    if now.meetings == 0 or now.focus_blocks >= 3:
        return None
    return card("no_focus_time", f"Only {now.focus_blocks} free 2-hour blocks this week.",
                severity=(3 - now.focus_blocks), n=now.meetings,
                metrics={"focus_blocks": now.focus_blocks},
                rows=event_evidence(_timed(ctx), limit=40))


def _timed(ctx: InsightInput) -> list[EventView]:
    """The week's timed meetings the member did not decline, in order (what took the time)."""
    return sorted((e for e in attended(ctx.view) if not e.all_day and not e.cancelled
                   and ctx.week.start <= e.start < ctx.week.end and e.end > e.start),
                  key=lambda e: e.start)


def _reports(ctx: InsightInput) -> list[str]:
    return sorted(p for p, rel in ctx.view.team.items() if rel == "report")


@insight("one_on_one_lapse", title="A one-to-one has lapsed",
         caveat="If you meet them without a calendar entry, or one of you is away, ignore this.",
         definition="Time since your last one-to-one with a direct report against your usual "
                    "rhythm with them.",
         threshold="more than twice your usual gap and at least 14 days",
         action="Book the next one-to-one now; keep it even when short.",
         basis="Regular one-to-ones drive engagement with one's manager (Rogelberg 2022, "
               "'Glad We Met'; Gallup manager research).", impact=1.1)
def one_on_one_lapse(ctx: InsightInput) -> Card | None:
    lapsed = []
    for report in _reports(ctx):
        starts = [s for s in one_on_ones(ctx.view, report) if s < ctx.week.end]
        if len(starts) < 3:
            continue
        usual = timedelta(seconds=statistics.median(
            (b - a).total_seconds() for a, b in pairwise(starts)))
        since = ctx.week.end - starts[-1]
        if since > 2 * usual and since >= timedelta(days=14):
            lapsed.append((since / usual, report, since.days))
    if not lapsed:
        return None
    lapsed.sort(reverse=True)
    ratio, report, days = lapsed[0]
    held = [e for e in one_on_one_events(ctx.view, report) if e.start < ctx.week.end]
    return card("one_on_one_lapse",
                f"{days} days since your last one-to-one with {ctx.view.name(report)}.",
                severity=ratio, n=len(lapsed),
                rows=event_evidence(held[::-1], f"one-to-one with {ctx.view.name(report)}"))


@insight("attention_spread", title="Attention spread unevenly across your reports",
         caveat="If one report needs more of you this month (onboarding, a launch), uneven "
                "attention can be right; ignore this then.",
         definition="How evenly your messages, one-to-one time and recognition went to your "
                    "direct reports over the last four weeks (Gini coefficient).",
         threshold="3+ reports and a Gini of 0.4 or more",
         action="Give the least-reached report a check-in this week.",
         basis="Perceived unequal treatment within a team lowers trust and performance "
               "(leader-member exchange differentiation; Henderson et al. 2009).", impact=0.9)
def attention_spread(ctx: InsightInput) -> Card | None:
    reports = _reports(ctx)
    if len(reports) < 3:
        return None
    given = attention(ctx.view, reports, ctx.week.end - timedelta(weeks=4), ctx.week.end)
    g = gini(list(given.values()))
    if g < 0.4:
        return None
    least = min(given, key=lambda p: (given[p], p))
    rows = tuple(Evidence(p, ctx.week.end, ctx.view.name(p),
                          f"{given[p]:.0f} attention points in four weeks (a message 1, a "
                          f"specific recognition 4, an hour of one-to-one 4)", kind="person")
                 for p in sorted(given, key=lambda p: (given[p], p)))
    return card("attention_spread",
                f"Your attention across {len(reports)} reports is uneven (Gini {g:.2f}: 0 is "
                f"even, 1 all to one person); {ctx.view.name(least)} got the least.",
                severity=g / 0.4, n=len(reports), metrics={"gini": round(g, 3)}, rows=rows)


@insight("conversation_balance", title="You did most of the talking",
         caveat="If you were the one asked to explain (a write-up, an answer to a question), "
                "ignore this.",
         definition="Your share of the words in threads with others this week.",
         threshold="70% or more of the words in 2+ threads of 4+ messages",
         action="End with a question and leave room for others' answers.",
         basis="Equal turn-taking predicts team performance (Woolley et al. 2010, collective "
               "intelligence).", impact=0.5)
def conversation_balance(ctx: InsightInput) -> Card | None:
    heavy = [(t, share, n) for t, share, n in talk_share(ctx.view, ctx.week.start, ctx.week.end)
             if share >= 0.7]
    if len(heavy) < 2:
        return None
    top = max(share for _t, share, _n in heavy)
    week = in_window(ctx.view.messages, ctx.week.start, ctx.week.end)
    rows = []
    for thread, share, n in sorted(heavy, key=lambda h: -h[1]):
        mine_in = [m for m in week if m.thread == thread and mine(ctx.view, m)]
        if mine_in:
            m = mine_in[-1]
            rows.append(Evidence(m.id, m.sent_at, m.subject,
                                 f"you wrote {share:.0%} of the words over {n} messages"))
    return card("conversation_balance",
                f"In {len(heavy)} threads you wrote {top:.0%} or more of the words.",
                severity=top / 0.7, n=len(heavy), rows=tuple(rows))
