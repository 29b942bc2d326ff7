"""The positive insight ``commitments_kept``: promises the member made and then delivered.

Reads: the member's sent messages of the week with ``commitments.v1`` features, and their later
messages. Writes a card or nothing. A commitment counts as kept only on clear evidence: a later
message from the member, within :data:`GRACE_DAYS` working days, to the same person (or in the
same thread to them) that hands something over ("attached", "here is", "I've sent", an
attachment line). A follow-up with nothing handed over, a reply from someone else, or a
commitment to a crowd is not judged: a wrong "you kept your word" costs more than a missing one.
"""

from __future__ import annotations

from datetime import datetime

from upwell.analyze.names import COMMITMENTS, feature
from upwell.analyze.stream import MAX_ASK_RECIPIENTS, in_window, mine
from upwell.insights.catalog import Card, InsightInput, card, insight
from upwell.store.member_view import MemberView, MessageView

#: Working days after a commitment within which a delivery counts as keeping it.
GRACE_DAYS = 3


def _promised(view: MemberView, m: MessageView) -> bool:
    """A message of the member's that commits to something, sent to a few people."""
    return (mine(view, m) and bool(feature(m.features, COMMITMENTS, "commitments"))
            and 0 < len(m.to) + len(m.cc) <= MAX_ASK_RECIPIENTS)


def _delivers(m: MessageView) -> bool:
    return bool(feature(m.features, COMMITMENTS, "delivers"))


def kept(view: MemberView, promise: MessageView, due: datetime) -> MessageView | None:
    """The member's first later message, up to ``due``, that delivers to the person the
    ``promise`` was made to (same To recipient, or the same thread and one of its parties)."""
    people = set(promise.to) - view.me
    if not people:
        return None
    for m in view.messages:
        if not (promise.sent_at < m.sent_at <= due) or not mine(view, m) or not _delivers(m):
            continue
        to = set(m.to) | set(m.cc)
        same_thread = promise.thread is not None and m.thread == promise.thread
        if set(m.to) & people or (same_thread and to & people):
            return m
    return None


@insight("commitments_kept", title="You kept your word",
         caveat="If what you sent was not what you had promised (a different file, a partial "
                "answer), or the promise was someone else's, ignore this.",
         definition="Promises you made in your own words ('I will send the agreements shortly', "
                    "'I'll get back to you by Friday') to one to three people, followed within "
                    "three working days by a message of yours to the same person that delivers "
                    "(an attachment, 'attached', 'here is', 'I've sent').",
         threshold="2 or more kept this week, or 1 kept that named a time",
         action="Keep closing the loop: a short 'as promised, here it is' tells people they can "
                "rely on you.",
         basis="Reliability (doing what one said) is a core component of trust at work (Mayer, "
               "Davis & Schoorman 1995); commitments are one of the speech acts of email "
               "(Cohen, Carvalho & Mitchell 2004).", impact=0.6, positive=True)
def commitments_kept(ctx: InsightInput) -> Card | None:
    view = ctx.view
    done: list[MessageView] = []
    dated = 0
    for promise in in_window(view.messages, ctx.week.start, ctx.week.end):
        if not _promised(view, promise):
            continue
        due = ctx.profile.add_working_days(promise.sent_at, GRACE_DAYS)
        if kept(view, promise, due) is None:
            continue
        done.append(promise)
        dated += bool(feature(promise.features, COMMITMENTS, "due"))
    if len(done) < 2 and not dated:
        return None
    who = sorted({view.name(p) for m in done for p in m.to if p not in view.me})
    summary = (f"{len(done)} promise{'s' if len(done) != 1 else ''} kept this week"
               + (f" (to {', '.join(who[:3])})" if who else "") + ".")
    return card("commitments_kept", summary, severity=len(done) / 2, n=len(done), msgs=done,
                ctx=ctx, phrase="commitment")
