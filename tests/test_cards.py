"""Cards worth reading: each names its messages (who, which day, an excerpt), says what would
make it wrong, speaks of messages rather than the person, agrees its plurals, does not repeat
without new evidence, and some say what went well. Features come from the real analyzers run on
real-shaped sentences."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from upwell.analyze import analyze_message
from upwell.analyze.stream import WorkProfile
from upwell.deliver.report import render_report
from upwell.insights import Card, catalog, coached_week, weekly_cards
from upwell.insights.catalog import natural_name, plural
from upwell.model import Address, Message
from upwell.store.member_view import MemberView, MessageView

NY = ZoneInfo("America/New_York")
PROFILE = WorkProfile(NY, 9, 17)
ME, DANA, RAVI, LEA = "me", "dana", "ravi", "lea"
MON = datetime(2024, 3, 4, tzinfo=NY)
_ids = itertools.count()


def m(when: datetime, body: str = "Noted.", *, sender: str = ME, to: tuple[str, ...] = (DANA,),
      parent: MessageView | None = None, subject: str = "Budget", cc: tuple[str, ...] = ()
      ) -> MessageView:
    msg = Message(source="t", source_item_id="x", channel="email", sent_at=when.astimezone(UTC),
                  utc_offset_minutes=None, sender=Address(sender), body=body)
    return MessageView(id=f"c{next(_ids)}", sent_at=when.astimezone(UTC), utc_offset=None,
                       channel="email", sender=sender, to=to, cc=cc,
                       parent_id=parent.id if parent else None, subject=subject,
                       features=dict(analyze_message(msg)))


def view(msgs: list[MessageView]) -> MemberView:
    # names as a directory export writes them: "Last, First"
    return MemberView(me={ME}, names={DANA: "Lee, Dana", RAVI: "Rao, Ravi", LEA: "Lea Park",
                                      ME: "Me"},
                      messages=sorted(msgs, key=lambda x: x.sent_at), events=[])


def at(week: int, day: int, hour: float) -> datetime:
    return MON + timedelta(weeks=week, days=day, hours=hour)


def routine(weeks: int, reply_after: float = 3.0) -> list[MessageView]:
    """Daily asks from Dana answered ``reply_after`` hours later, specific thanks to Dana weekly."""
    out = []
    for w in range(weeks):
        for d in range(5):
            ask = m(at(w, d, 10), "Could you please review the budget draft?", sender=DANA,
                    to=(ME,))
            out += [ask, m(at(w, d, 10 + reply_after), "Sure, I'll review it today.", parent=ask)]
        out.append(m(at(w, 4, 15), "Thanks for catching the pricing error in the Q3 deck!"))
    return out


def cards_of(v: MemberView, week: int, **kw: object) -> dict[str, Card]:
    return {c.insight: c for c in weekly_cards(v, PROFILE, cap=30, at=at(week, 2, 12),
                                               **kw)}  # type: ignore[arg-type]


def test_plural_and_natural_names() -> None:
    assert plural(1, "ask") == "1 ask"
    assert plural(2, "ask") == "2 asks"
    assert plural(3, "reply") == "3 replies"
    assert plural(2, "day") == "2 days"
    assert plural(2, "match") == "2 matches"
    assert plural(0, "message") == "0 messages"
    assert natural_name("Ellis, Laurie") == "Laurie Ellis"
    assert natural_name("Pereira, Susan W.") == "Susan W. Pereira"
    assert natural_name("Laurie Ellis") == "Laurie Ellis"
    assert natural_name("Denton Rhonda L.") == "Rhonda L. Denton"
    assert natural_name("Rhonda L. Denton") == "Rhonda L. Denton"
    assert natural_name("King Jr. Frazier") == "King Jr. Frazier"
    assert natural_name("Smith, Jones, and Co") == "Smith, Jones, and Co"
    assert natural_name("ellis@example.com, x") == "ellis@example.com, x"


def test_every_type_says_what_would_make_it_wrong_and_the_card_carries_it() -> None:
    for spec in catalog().values():
        assert "ignore this" in spec.caveat or "says less" in spec.caveat, spec.id
    harsh = m(at(8, 1, 10), "You ALWAYS miss the deadline!!! UNACCEPTABLE.")
    card = cards_of(view([*routine(8), harsh]), 8)["harsh_language"]
    assert card.caveat == catalog()["harsh_language"].caveat
    assert Card.from_json(card.to_json()) == card


def test_evidence_names_who_which_day_and_an_excerpt_and_round_trips() -> None:
    asks = [m(at(8, 0, 10), "Could you send me the Q3 forecast?", sender=RAVI, to=(ME,),
              subject="Forecast"),
            m(at(8, 1, 10), "Can you review the invoice by Friday?", sender=RAVI, to=(ME,),
              subject="Invoice")]
    v = view([*routine(9), m(at(7, 1, 12), "Here is the draft.", to=(RAVI,)), *asks])
    v.snippets = {asks[0].id: {"ask": "Could you send me the Q3 forecast?"}}
    card = cards_of(v, 8)["unanswered_asks"]
    first = next(e for e in card.evidence if e.message_id == asks[0].id)
    assert first.who == "from Ravi Rao"  # the directory form, in natural order
    assert first.day == at(8, 0, 10).strftime("%a %d %b")
    assert first.quote
    assert first.detail == "Could you send me the Q3 forecast?"
    line = first.line()
    assert "from Ravi Rao" in line
    assert "Q3 forecast" in line
    assert first.day in line
    second = next(e for e in card.evidence if e.message_id == asks[1].id)
    assert "Invoice" in second.line()  # no kept phrase: the subject stands in
    back = Card.from_json(card.to_json())
    assert back == card
    assert back.evidence[0].who
    assert back.evidence[0].day


def test_evidence_of_the_members_own_message_names_whom_they_wrote_to() -> None:
    harsh = m(at(8, 1, 10), "You ALWAYS miss the deadline!!! UNACCEPTABLE.", to=(RAVI, LEA, DANA))
    card = cards_of(view([*routine(8), harsh]), 8)["harsh_language"]
    assert card.evidence[0].who == "to Ravi Rao and 2 others"


def test_no_verdict_words_about_the_person_and_agreed_plurals() -> None:
    for spec in catalog().values():
        for word in ("harsh", "blunt", "pressure"):
            assert word not in spec.title.lower(), (spec.id, word)
    one = m(at(8, 1, 10), "You ALWAYS miss the deadline!!! UNACCEPTABLE.")
    card = cards_of(view([*routine(8), one]), 8)["harsh_language"]
    assert card.summary.startswith("1 message you sent")
    assert "harsh" not in card.summary.lower()
    # its own subject: the routine's replies on "Budget" would count as handling it
    ask = m(at(8, 0, 10), "Could you send me the Q3 forecast?", sender=RAVI, to=(ME,),
            subject="Forecast")
    v = view([*routine(9), m(at(7, 1, 12), "Here is the draft.", to=(RAVI,)), ask])
    assert cards_of(v, 8)["unanswered_asks"].summary.startswith("1 ask to you")


def test_thanks_in_advance_basis_says_what_the_study_found() -> None:
    spec = catalog()["thanks_in_advance"]
    assert "more replies" in spec.basis
    assert "lower" not in spec.basis.lower() or "does not lower" in spec.caveat
    assert "pressure" not in spec.title.lower()


def test_fading_tie_counts_weeks_with_contact_not_a_burst() -> None:
    # one project week of 17 messages with Ravi, then silence: not a regular contact
    burst = [m(at(3, d % 5, 9 + d // 5), "Here is the next part of the load study.", to=(RAVI,))
             for d in range(17)]
    assert "fading_tie" not in cards_of(view(routine(9) + burst), 8, cool_down=0)
    # a month of weekly contact is a project, not yet a regular tie
    month = [m(at(w, 1, 14), "Here is the weekly load forecast.", to=(RAVI,)) for w in range(2, 6)]
    assert "fading_tie" not in cards_of(view(routine(9) + month), 8, cool_down=0)
    # a few messages every week for six weeks, then silence: regular
    regular = [m(at(w, 1, 14), "Here is the weekly load forecast.", to=(RAVI,)) for w in range(6)]
    card = cards_of(view(routine(9) + regular), 8, cool_down=0)["fading_tie"]
    assert "Ravi Rao" in card.summary
    assert "6 of 6 weeks" in card.summary
    assert card.metrics["weeks_with_contact"] == 6
    # everyone went quiet (holidays, leave): not about one person
    away = [x for x in routine(9) + regular if x.sent_at < at(6, 0, 0)]
    assert "fading_tie" not in cards_of(view(away), 8, cool_down=0)
    # still on the same mail in Cc (the desk-mate on the team's daily notes): not gone quiet
    cc = [replace(m(at(w, 2, 9), "Today's schedule.", to=(DANA,)), cc=(RAVI,)) for w in (6, 7, 8)]
    assert "fading_tie" not in cards_of(view(routine(9) + regular + cc), 8, cool_down=0)


def test_cool_down_holds_a_repeat_back_and_new_evidence_brings_it_back() -> None:
    regular = [m(at(w, 1, 14), "Here is the weekly load forecast.", to=(RAVI,)) for w in range(6)]
    v = view(routine(13) + regular)
    shown = [w for w in range(8, 13) if "fading_tie" in cards_of(v, w)]
    raw = [w for w in range(8, 13) if "fading_tie" in cards_of(v, w, cool_down=0)]
    assert raw[:2] == [8, 9]  # the silence persists: every week would say it again
    assert shown[0] == 8
    assert 9 not in shown
    assert 10 not in shown
    assert 11 not in shown
    # a card resting on new messages each week is not held back
    late = [m(at(w, d, 22), "Quick note on the plan.") for w in range(9, 12) for d in range(4)]
    v2 = view(routine(12) + late)
    assert all("after_hours_sent" in cards_of(v2, w) for w in (9, 10, 11))


def test_helped_fast_names_each_quick_answer_with_a_floor() -> None:
    base = routine(8, reply_after=3.0)
    fast = []
    for d in range(4):
        ask = m(at(8, d, 10), "Could you please check the invoice totals?", sender=DANA, to=(ME,),
                subject=f"Invoice {d}")
        fast += [ask, m(at(8, d, 10.5), "Done, the totals match.", parent=ask,
                        subject=f"RE: Invoice {d}")]
    card = cards_of(view(base + fast), 8)["helped_fast"]
    assert card.positive
    assert card.summary.startswith("You answered 4 asks to you within 2 working hours")
    assert card.evidence_count == 4
    assert card.evidence[0].who == "from Dana Lee"
    assert "replied 30 minutes later" in card.evidence[0].line()
    # one quick answer is too few to point out
    assert "helped_fast" not in cards_of(view(base + fast[:2]), 8)
    # answers three working hours later are not quick
    assert "helped_fast" not in cards_of(view(routine(9, reply_after=3.0)), 8)


KIM, LOU = "kim@example.org", "lou@example.org"


def _quick(asks: list[MessageView], answer: str, words: int = 0) -> list[MessageView]:
    """Each ask in week 8 answered 30 minutes later by the member, to its sender, with
    ``answer`` (``words`` sets its word count, as the store keeps it)."""
    out: list[MessageView] = []
    for ask in asks:
        reply = m(ask.sent_at + timedelta(minutes=30), answer, to=(ask.sender,), parent=ask,
                  subject=f"RE: {ask.subject}")
        out += [ask, replace(reply, words=words) if words else reply]
    return out


def test_helped_fast_counts_asks_and_answered_group_asks_only() -> None:
    # real-shaped: a forward "for your info" and a reply to the member's own request are no
    # asks, however fast the reply
    base = routine(8, reply_after=3.0)
    mine_ask = m(at(8, 0, 9), "Please send me the confirms for the Q3 swap.", to=(KIM,),
                 subject="Confirms")
    not_asks = [m(at(8, 0, 10), "FYI - the revised transport schedule is attached.",
                  sender=KIM, to=(ME,), subject="FW: Transport schedule"),
                m(at(8, 1, 10), "All changes are acceptable to our legal group.", sender=KIM,
                  to=(ME,), parent=mine_ask, subject="RE: Confirms"),
                m(at(8, 2, 10), "If 3:00 is not good for you, please let me know.", sender=KIM,
                  to=(ME, DANA), subject="Call")]
    replies = _quick(not_asks, "Got it, the numbers look right to me.")
    assert "helped_fast" not in cards_of(view([*base, mine_ask, *replies]), 8)
    # asks put to the member with others (To or Cc) count when the member answered them: on
    # real mail a quick answer to a colleague's question to the team was help a reader names
    group = [m(at(8, 2, 10), "Could you check the pipeline capacity numbers?", sender=LOU,
               to=(ME, DANA), subject="Capacity"),
             m(at(8, 3, 10), "Can you confirm the storage rates for December?", sender=LOU,
               to=(RAVI,), cc=(ME,), subject="Storage rates")]
    card = cards_of(view([*base, *_quick(group, "Got it, the numbers look right to me.")]), 8)
    assert card["helped_fast"].evidence_count == 2
    assert "(2 of 2 answered in all)" in card["helped_fast"].summary
    # unanswered, they are anyone's to answer: not judged at all
    unanswered = [m(at(8, 4, 10), "Can you send the Q4 forecast?", sender=LOU, to=(ME, RAVI),
                    subject="Forecast")]
    card = cards_of(view([*base, *_quick(group, "Got it, the numbers look right to me."),
                          *unanswered]), 8)
    assert "(2 of 2 answered in all)" in card["helped_fast"].summary
    # one answer to a thread in which two people asked counts once
    both = [group[0], m(at(8, 2, 11), "And the compression numbers too?", sender=DANA,
                        to=(ME, LOU), parent=group[0], subject="RE: Capacity")]
    reply = m(at(8, 2, 11) + timedelta(minutes=20), "Both look right to me.", to=(LOU, DANA),
              parent=both[1], subject="RE: Capacity")
    assert "helped_fast" not in cards_of(view([*base, *both, reply]), 8)
    # asks of the member alone make the card as before
    asks = [m(at(8, d, 10), "Could you check the pipeline capacity numbers?", sender=LOU,
              to=(ME,), subject=f"Capacity {d}") for d in range(2)]
    card = cards_of(view([*base, *_quick(asks, "Got it, the numbers look right to me.")]), 8)
    assert card["helped_fast"].evidence_count == 2


def test_helped_fast_a_bare_thanks_or_a_social_note_is_no_answer() -> None:
    base = routine(8, reply_after=3.0)
    asks = [m(at(8, d, 10), "Could you check the pipeline capacity numbers?", sender=LOU,
              to=(ME,), subject=f"Capacity {d}") for d in range(3)]
    # "Thanks." closes a note; it answers no question
    assert "helped_fast" not in cards_of(view([*base, *_quick(asks, "Thanks.", words=1)]), 8)
    # a friend's ask answered with news of the family is a personal exchange, not work help
    social = "Hey, great to hear from you! The kids loved the beach trip, family dinner Friday?"
    assert "helped_fast" not in cards_of(view([*base, *_quick(asks, social)]), 8)
    # a thanks with an answer in it still answers
    answer = "Thanks, the capacity numbers match the pipeline report for December."
    assert "helped_fast" in cards_of(view([*base, *_quick(asks, answer, words=10)]), 8)


def test_specific_recognition_for_someone_new_with_the_message() -> None:
    thanks = m(at(8, 2, 11), "Thanks for catching the pricing error in the vendor contract!",
               to=(RAVI,))
    v = view([*routine(9), thanks])
    v.snippets = {thanks.id: {"specific_thanks": "Thanks for catching the pricing error in "
                                                 "the vendor contract!"}}
    card = cards_of(v, 8)["specific_recognition"]
    assert card.positive
    assert "Ravi Rao" in card.summary
    assert card.evidence[0].quote
    assert "pricing error" in card.evidence[0].line()
    # the weekly thanks to Dana is the member's usual: no card
    assert "specific_recognition" not in cards_of(view(routine(9)), 8)
    # a bare sign-off is not specific thanks
    bare = m(at(8, 2, 11), "Thanks.", to=(RAVI,))
    assert "specific_recognition" not in cards_of(view([*routine(9), bare]), 8)
    # nor is a stock phrase the analyzer took for specific, once its kept phrase shows it
    for text in ("I look forward to your response and many thanks for your help in this matter.",
                 "Thanks for all your help."):
        stock = m(at(8, 2, 11), text, to=(RAVI,))
        v = view([*routine(9), stock])
        v.snippets = {stock.id: {"specific_thanks": text}}
        assert "specific_recognition" not in cards_of(v, 8), text


def test_report_shows_who_which_day_excerpt_and_caveat() -> None:
    ask = m(at(8, 0, 10), "Could you send me the <Q3> forecast?", sender=RAVI, to=(ME,),
            subject="Forecast")
    v = view([*routine(9), m(at(7, 1, 12), "Here is the draft.", to=(RAVI,)), ask])
    v.snippets = {ask.id: {"ask": "Could you send me the <Q3> forecast?"}}
    cards = weekly_cards(v, PROFILE, at=at(8, 2, 12))
    page = render_report(v, PROFILE, coached_week(v, PROFILE, at(8, 2, 12)), cards)
    assert "from Ravi Rao" in page
    assert "&lt;Q3&gt; forecast" in page
    assert "<Q3>" not in page
    assert at(8, 0, 10).strftime("%d %b") in page
    assert catalog()["unanswered_asks"].caveat.replace("'", "&#x27;") in page
