"""Message kinds, addressing and responses, on small real-shaped examples of the failure
patterns seen on real mail (issue 20: patterns 3, 4 and 9). Each message is built as MIME,
normalized and analyzed by the real code; the member's view is built from the results."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from sqlalchemy import insert, select

from upwell.analyze import analyze_message
from upwell.analyze.kinds import classify, consumer_address, personal_people, vocative
from upwell.analyze.names import KINDS, feature
from upwell.analyze.stream import (
    WorkProfile,
    asked_of_member,
    correspondents,
    handled,
    unanswered_asks,
)
from upwell.cli import cli
from upwell.config import Settings
from upwell.insights.view import coaching_view
from upwell.model import Address, Message, RawItem
from upwell.normalize.mime import from_mime
from upwell.store.db import Store
from upwell.store.member_view import MemberView, MessageView
from upwell.store.schema import message_parties, messages
from upwell.store.threads import relink
from upwell.testing import make_email, write_maildir

CHI = ZoneInfo("America/Chicago")
PROFILE = WorkProfile(CHI, 8, 18)
MON = datetime(2001, 3, 5, tzinfo=CHI)  # a Monday
SUSAN = '"Bailey, Susan" <susan.bailey@example.com>'
_ids = itertools.count()

# person ids in the member's view, and the names the store would give them
PEOPLE = {"susan": "Susan Bailey", "sara": "Sara Shackleton", "pam": "Pam Butler",
          "richard": "Richard Baumfield", "armin": "Armin Scharnberger", "hr": "HR Benefits",
          "louis": "Louis Dicarlo"}
HANDLES = {"susan.bailey@example.com": "susan", "sara.shackleton@example.com": "sara",
           "pam.butler@example.com": "pam", "richard.baumfield@example.com": "richard",
           "armin-s@t-online.de": "armin", "benefits@example.com": "hr",
           "louis.dicarlo@example.com": "louis"}


def at(day: int, hour: float) -> datetime:
    return MON + timedelta(days=day, hours=hour)


def normalized(raw: bytes) -> Message:
    return from_mime(RawItem("mime", "maildir", f"i{next(_ids)}", raw))


def features(raw: bytes) -> dict[str, object]:
    return dict(analyze_message(normalized(raw))[KINDS])


def mail(when: datetime, body: str, *, sender: str, to: str, cc: str = "", subject: str = "s",
         parent: MessageView | None = None, extra: dict[str, str] | None = None,
         thread: str | None = None) -> MessageView:
    """A message as the member's view holds it, from MIME through the real analyzers."""
    headers = dict(extra or {})
    if cc:
        headers["Cc"] = cc
    msg = normalized(make_email(sender=sender, to=to, subject=subject, body=body,
                                date=when.astimezone(UTC), extra=headers))

    def pid(a: Address) -> str:
        return HANDLES.get(a.handle, a.handle)

    return MessageView(id=f"m{next(_ids)}", sent_at=when.astimezone(UTC), utc_offset=-360,
                       channel="email", sender=pid(msg.sender),
                       to=tuple(pid(a) for a in msg.to), cc=tuple(pid(a) for a in msg.cc),
                       parent_id=parent.id if parent else None, subject=msg.subject,
                       features=dict(analyze_message(msg)), words=len(msg.body.split()),
                       thread=thread)


def view(msgs: list[MessageView]) -> MemberView:
    return MemberView(me={"susan"}, names=dict(PEOPLE),
                      messages=sorted(msgs, key=lambda x: (x.sent_at, x.id)), events=[])


def history() -> list[MessageView]:
    """Susan has written to each colleague before (they are correspondents)."""
    return [mail(at(-7, 10 + i / 10), "Thanks, noted.", sender=SUSAN, to=f"{n} <{h}>")
            for i, (h, n) in enumerate((("sara.shackleton@example.com", "Sara Shackleton"),
                                        ("louis.dicarlo@example.com", "Louis Dicarlo"),
                                        ("armin-s@t-online.de", "Armin Scharnberger")))]


def at_work() -> list[MessageView]:
    """Susan at her mail every working day of the week and the next (writing to someone on no
    ask, about something else): a day she sent nothing is no day to answer in."""
    return [mail(at(d, 8), "Here are the numbers.", sender=SUSAN,
                 to="Dee Ortiz <dee.ortiz@example.org>", subject="numbers")
            for d in (*range(5), *range(7, 12))]


def unanswered(msgs: list[MessageView]) -> list[MessageView]:
    v = view(history() + at_work() + msgs)
    later = mail(at(9, 10), "Thanks, noted.", sender=SUSAN,
                 to="Pam Butler <pam.butler@example.com>")
    v = classify(view([*v.messages, later]))  # the archive runs past the grace period
    return unanswered_asks(v, PROFILE, MON, MON + timedelta(weeks=1))


SARA = '"Shackleton, Sara" <sara.shackleton@example.com>'
LOUIS = '"Dicarlo, Louis" <louis.dicarlo@example.com>'
RICHARD = '"Baumfield, Richard" <richard.baumfield@example.com>'
ASK = "Can you send me the executed netting agreement for Southern?"


# -- kinds --------------------------------------------------------------------------------------


def test_distribution_list_in_single_to_is_a_broadcast() -> None:
    raw = make_email(sender="Benefits <benefits@example.com>",
                     to="All Houston Employees <dl-ga-all_houston@example.com>",
                     subject="HEALTH INSURANCE CARDS",
                     body="Please note: new cards will be mailed to your home this week. "
                          "Could you check your address in the portal?")
    got = features(raw)
    assert got["list_to"] is True
    assert got["kind"] == "broadcast"
    # the same ask to one person is work
    one = make_email(sender="Benefits <benefits@example.com>", to=SUSAN,
                     body="Could you check your address in the portal?")
    assert features(one)["kind"] == "work"


def test_many_recipients_is_a_broadcast() -> None:
    to = ", ".join(f"P{i} Example <p{i}@example.com>" for i in range(12))
    assert features(make_email(sender=SARA, to=to, body="Can everyone send timesheets?"))[
        "kind"] == "broadcast"


def test_out_of_office_replies_are_automated() -> None:
    by_subject = make_email(sender='"Panus, Stephanie" <stephanie.panus@example.com>', to=SUSAN,
                            subject="Out of Office AutoReply: Officially terminated deals",
                            body="I am out of the office until Monday. If you need immediate "
                                 "assistance, please contact Susan Bailey.")
    assert features(by_subject)["kind"] == "automated"
    assert features(by_subject)["automated"] == "auto_reply"
    by_header = make_email(sender="Stephanie Panus <stephanie.panus@example.com>", to=SUSAN,
                           subject="Re: deals", body="I will be back on Monday; please call "
                                                     "Ann if it cannot wait.",
                           extra={"Auto-Submitted": "auto-replied"})
    assert features(by_header)["automated"] == "auto_submitted"


def test_newsletters_by_list_id_and_by_unsubscribe_footer() -> None:
    listed = make_email(sender="Daily Briefing <briefing@news.example.net>", to=SUSAN,
                        subject="Your Tuesday briefing", body="Markets rose. What's next?",
                        extra={"List-Id": "<briefing.news.example.net>",
                               "Precedence": "bulk"})
    assert features(listed)["automated"] == "list_id"
    footer = make_email(sender="Word of the Day <wotd@example.net>", to=SUSAN,
                        subject="Word of the day", body="Would you use it in a sentence?\n\n"
                        "To unsubscribe, reply with REMOVE in the subject.")
    assert features(footer)["automated"] == "unsubscribe"
    noreply = make_email(sender="Portal <no-reply@example.com>", to=SUSAN,
                         body="Can you confirm your password change?")
    assert features(noreply)["automated"] == "noreply_sender"


def test_personal_needs_a_consumer_domain_and_social_text() -> None:
    friend = "Armin Scharnberger <armin-s@t-online.de>"
    social = make_email(sender=friend, to=SUSAN, subject="GOOD MORNING!",
                        body="How was Vegas?! Did you and Julie have fun at the party on the "
                             "weekend? Are you set for Christmas?")
    assert features(social)["kind"] == "personal"
    # a contractor writing about work from a home account is work
    contractor = make_email(sender=friend, to=SUSAN, subject="Invoice",
                            body="Could you approve the invoice for the pipeline capacity "
                                 "report? The contract terms are attached.")
    assert features(contractor)["kind"] == "work"
    # a colleague's weekend chat from the office is not personal by itself
    colleague = make_email(sender=SARA, to=SUSAN, subject="Monday",
                           body="How was your weekend? Did the kids enjoy the party?")
    assert features(colleague)["kind"] == "work"
    assert consumer_address(Address("x@mail.t-online.de"))
    assert not consumer_address(Address("x@example.com"))


def test_a_note_signed_with_affection_is_personal_from_any_domain() -> None:
    # real-shaped: family writing from the office ("Don't forget to order your ham. Love you.")
    family = make_email(sender=SARA, to=SUSAN, subject="RE:",
                        body="Thank you for the cards you sent the kids.\n\nLove,\nSteve\n")
    assert features(family)["kind"] == "personal"
    for sign_off in ("Love you.", "Hugs", "XOXO,", "Love ya"):
        note = make_email(sender=SARA, to=SUSAN, subject="x",
                          body=f"See you soon.\n\n{sign_off}\n")
        assert features(note)["kind"] == "personal", sign_off
    # "love" in a sentence about work is work
    work = make_email(sender=SARA, to=SUSAN, subject="Format",
                      body="I love the new report format. Could you send the Q3 version?\n")
    assert features(work)["kind"] == "work"


def test_a_friend_is_personal_for_the_view_and_leaves_coaching() -> None:
    friend = "Armin Scharnberger <armin-s@t-online.de>"
    chat = [mail(at(0, 9 + i), body, sender=friend, to=SUSAN, subject=subject)
            for i, (subject, body) in enumerate((
                ("Morning!", "How is Bean? Did you have fun at the party this weekend?"),
                ("r u there?", "Are you vacationing??? Who were you partying with?"),
                ("AOL messenger", "What is your AOL name? Can you send it?")))]
    work = mail(at(0, 15), ASK, sender=SARA, to=SUSAN)
    v = view(history() + chat + [work])
    assert personal_people(v) == {"armin"}
    coached = classify(v)
    assert {m.sender for m in coached.messages if m.sender != "susan"} == {"sara"}
    assert {m.kind for m in coached.uncoached} == {"personal"}
    # the member's own notes to the friend are personal too
    assert any(m.sender == "susan" and m.kind == "personal" for m in coached.uncoached)
    # and no ask of the friend's is coached, even the one the text model reads as work
    assert all(m.sender != "armin" for m in unanswered_asks(
        classify(view([*v.messages, mail(at(9, 9), "ok", sender=SUSAN, to=SARA)])), PROFILE,
        MON, MON + timedelta(weeks=1)))


def test_a_friend_the_member_writes_to_about_life_is_personal_from_any_domain() -> None:
    # real-shaped: Susan arranging a Saturday lunch with a friend at a club's domain
    dona = "Dona Carmony <dona.carmony@ourclub.com>"
    notes = [mail(at(0, 9 + i), body, sender=SUSAN, to=dona, subject="Weekend")
             for i, body in enumerate((
                 "Are we still on for lunch Saturday? Margaritas and mexican food!",
                 "My sister is visiting this weekend, can she join us for lunch?",
                 "See you Saturday."))]
    back = mail(at(0, 14), "Sounds great, see you then.", sender=dona, to=SUSAN,
                subject="RE: Weekend")
    v = view([*history(), *notes, back])
    assert personal_people(v) >= {"dona.carmony@ourclub.com"}
    assert {m.kind for m in classify(v).uncoached} == {"personal"}
    # a colleague to whom the member also writes about work stays a colleague
    work = mail(at(1, 9), "Please send me the contract for the pipeline capacity deal.",
                sender=SUSAN, to=dona, subject="Contract")
    assert "dona.carmony@ourclub.com" not in personal_people(view([*v.messages, work]))


def test_a_person_marked_personal_leaves_coaching() -> None:
    ask = mail(at(0, 10), ASK, sender=LOUIS, to=SUSAN)
    v = view([*history(), ask])
    assert ask in classify(v).messages
    marked = classify(v, {"louis"})
    assert ask.id not in {m.id for m in marked.messages}
    assert {m.id for m in marked.uncoached if m.kind == "personal"} >= {ask.id}


# -- addressing ---------------------------------------------------------------------------------


def test_cc_only_ask_is_not_to_the_member() -> None:
    cc_only = mail(at(0, 10), ASK, sender=SARA, to="Pam Butler <pam.butler@example.com>",
                   cc=SUSAN)
    to_me = mail(at(0, 11), ASK, sender=SARA, to=SUSAN, subject="t")
    assert unanswered([cc_only, to_me]) == [to_me]


def test_ask_naming_someone_else_first_is_not_to_the_member() -> None:
    both = f"{SUSAN}, Pam Butler <pam.butler@example.com>"
    to_pam = mail(at(0, 10), "Pam, would you do a request to have the extensions moved?",
                  sender=SARA, to=both)
    to_susan = mail(at(0, 11), "Susan: can you please update the demand letter log?",
                    sender=SARA, to=both, subject="t")
    to_all = mail(at(0, 12), "Hi all, could you send me your hours?", sender=SARA, to=both,
                  subject="u")
    assert vocative("Pam, would you do a request") == "pam"
    assert vocative("Thanks, can you send it?") == ""
    assert vocative("Hi all, could you") == "*"
    assert unanswered([to_pam, to_susan, to_all]) == [to_susan]


def test_an_ask_naming_the_member_on_a_later_line_is_theirs_even_on_cc() -> None:
    both = f"{SUSAN}, Pam Butler <pam.butler@example.com>"
    log = mail(at(0, 10), "Johns Manville wants to settle.\n\nSusan: please update the demand "
               "letter log with the above note.\n\nPam: please file the letter.", sender=LOUIS,
               to=SARA, cc=both, subject="Johns Manville")
    other_only = mail(at(0, 11), "We received the cash.\n\nPam: please reclassify this "
                      "counterparty as expired.", sender=LOUIS, to=both, subject="PSCC")
    assert vocative("Johns Manville wants to settle.\n\nSusan: please update.\n\nPam: "
                    "please file.") == "susan,pam"
    assert unanswered([log, other_only]) == [log]


def test_an_ask_on_anothers_lines_is_not_the_members_though_they_are_named() -> None:
    # real-shaped: "Susan: notes for the DDL" then "Stephanie: please update the log"
    both = f"{SUSAN}, Pam Butler <pam.butler@example.com>"
    notes = mail(at(0, 10), "Navajo wants to settle.\n\nSusan: notes for the DDL file.\n\n"
                 "Pam: please update the demand letter log with the above note.", sender=LOUIS,
                 to=SARA, cc=both, subject="Navajo")
    assert feature(notes.features, KINDS, "asks_of") == "pam"
    assert unanswered([notes]) == []


def test_single_to_that_is_not_the_member_is_not_to_them() -> None:
    # the member got it through a list or a Bcc: To holds one address that is not theirs
    via_list = mail(at(0, 10), ASK, sender=SARA, to="Legal Group <legal@example.com>")
    assert unanswered([via_list]) == []


def test_reply_all_answering_someone_else_is_not_to_the_member() -> None:
    group = f"{SARA}, {SUSAN}"
    question = mail(at(0, 9), "Did Dominic already request contract reviews for these two?",
                    sender=LOUIS, to=group, subject="SMUD, AIG")
    # Pam answers Louis with a question of her own, to all: it is for Louis
    back = mail(at(0, 10), "We have dealt with several AIG entities. Do you know which one he "
                "means?", sender="Pam Butler <pam.butler@example.com>",
                to=f"{LOUIS}, {SUSAN}", subject="RE: SMUD, AIG", parent=question)
    # unless it opens with the member's name
    named = mail(at(0, 11), "Susan, can you check which one he means?",
                 sender="Pam Butler <pam.butler@example.com>", to=f"{LOUIS}, {SUSAN}",
                 subject="RE: SMUD, AIG", parent=question)
    v = view([*history(), question, back, named])
    assert not asked_of_member(v, back)
    assert asked_of_member(v, named)


# -- responses ----------------------------------------------------------------------------------


def test_reply_under_a_new_subject_counts() -> None:
    ask = mail(at(0, 10), ASK, sender=SARA, to=SUSAN, subject="Southern Company Netting")
    reply = mail(at(0, 14), "Here it is.", sender=SUSAN, to=SARA, subject="executed copy")
    assert unanswered([ask]) == [ask]
    assert unanswered([ask, reply]) == []


def test_empty_subject_reply_counts() -> None:
    ask = mail(at(0, 10), ASK, sender=LOUIS, to=SUSAN, subject="Noble Gas")
    reply = mail(at(1, 9), "Done.", sender=SUSAN, to=LOUIS, subject="")
    assert unanswered([ask, reply]) == []


def test_a_reply_after_the_grace_period_does_not_count() -> None:
    ask = mail(at(0, 10), ASK, sender=LOUIS, to=SUSAN, subject="Noble Gas")
    late = mail(at(7, 9), "Done.", sender=SUSAN, to=LOUIS, subject="Re: Noble Gas")
    assert unanswered([ask, late]) == [ask]


def test_forward_to_the_named_person_counts() -> None:
    ask = mail(at(0, 10), "Please send the foregoing list to Richard.", sender=SARA, to=SUSAN,
               cc=RICHARD,
               subject="Master Netting Agreement List")
    forward = mail(at(0, 11), "Richard, the list is attached.", sender=SUSAN,
                   to=RICHARD,
                   subject="FW: Master Netting Agreement List")
    assert unanswered([ask]) == [ask]
    assert unanswered([ask, forward]) == []
    # a forward of the thread to anyone counts too (same subject)
    other = mail(at(0, 11), "See below.", sender=SUSAN, to="Pam Butler <pam.butler@example.com>",
                 subject="FW: Master Netting Agreement List")
    assert unanswered([ask, other]) == []


def test_reply_linked_to_the_other_duplicate_copy_counts_and_one_copy_is_listed() -> None:
    inbox = mail(at(0, 10), ASK, sender=SARA, to=SUSAN, subject="Netting")
    # the same message filed again under "All documents", stamped three hours off
    copy = mail(at(0, 13), ASK, sender=SARA, to=SUSAN, subject="Netting")
    reply = mail(at(0, 12), "Attached.", sender=SUSAN, to="Pam Butler <pam.butler@example.com>",
                 subject="other", parent=inbox)
    v = view([*history(), inbox, copy, reply])
    assert handled(v, copy, at(3, 0))
    assert unanswered([inbox, copy]) == [inbox]  # unanswered, listed once
    assert unanswered([inbox, copy, reply]) == []


def test_an_ask_to_several_that_another_answered_is_handled() -> None:
    # named, the ask is Susan's to answer even with Pam beside her in To
    ask = mail(at(0, 10), "Susan, can you tell me which entity this is?", sender=SARA,
               to=f"{SUSAN}, Pam Butler <pam.butler@example.com>", subject="AIG")
    pam = mail(at(0, 12), "It is AIG Financial Products.",
               sender="Pam Butler <pam.butler@example.com>", to=SARA, subject="RE: AIG")
    assert unanswered([ask]) == [ask]
    assert unanswered([ask, pam]) == []
    # unnamed, an ask to two people in To is anyone's to answer: not listed as Susan's
    anyone = mail(at(0, 10), "Can you tell me which entity this is?", sender=SARA,
                  to=f"{SUSAN}, Pam Butler <pam.butler@example.com>", subject="AIG")
    assert unanswered([anyone]) == []


def test_automated_and_broadcast_mail_is_not_coached_but_still_received() -> None:
    ooo = mail(at(0, 10), "In my absence, please contact Cynthia at ext 37328.", sender=SARA,
               to=SUSAN, subject="Out of Office AutoReply: Default Demand Log")
    v = view([*history(), ooo])
    c = classify(v)
    assert [m.kind for m in c.uncoached] == ["automated"]
    assert ooo.id not in {m.id for m in c.messages}
    assert "sara" in correspondents(c)
    assert unanswered([ooo]) == []


# -- marking a person personal, from the CLI and the web app -----------------------------------


def test_mark_a_person_personal_from_the_cli(tmp_path: Path) -> None:
    t0 = datetime(2024, 1, 1, 15, tzinfo=UTC)  # a Monday
    inbox, sent = [], []
    for week in range(3):
        for day in range(3):
            t = t0 + timedelta(weeks=week, days=day)
            inbox.append(make_email(sender="Dana Lee <dana@example.org>",
                                    to="Ann Example <ann@example.org>",
                                    subject=f"Budget {week} {day}",
                                    body="Could you please review the budget draft?\n",
                                    date=t))
            sent.append(make_email(sender="Ann Example <ann@example.org>",  # at her mail
                                   to="Sam Park <sam@example.org>", subject=f"Numbers {day}",
                                   body="Here are the numbers.\n", date=t - timedelta(hours=1)))
        sent.append(make_email(sender="Ann Example <ann@example.org>",
                               to="Dana Lee <dana@example.org>", subject=f"Notes {week}",
                               body="Thanks, noted.\n", date=t0 + timedelta(weeks=week,
                                                                           days=4)))
    inbox.append(make_email(sender="Dana Lee <dana@example.org>",
                            to="Ann Example <ann@example.org>", subject="later",
                            body="Noted.\n", date=t0 + timedelta(weeks=4)))
    archive = write_maildir(tmp_path / "md", {"": inbox, "Sent Items": sent})
    home = str(tmp_path / "h")
    runner = CliRunner()
    args = ["--home", home, "coach", str(archive), "--tz", "America/New_York", "--json"]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    card = next(c for c in json.loads(first.stdout)["cards"] if c["insight"] == "unanswered_asks")
    listed = card["evidence"][0]["message_id"]
    marked = runner.invoke(cli, ["--home", home, "personal", listed])
    assert marked.exit_code == 0, marked.output
    assert "marked personal" in marked.stdout
    shown = runner.invoke(cli, ["--home", home, "personal", "--list"])
    assert "Dana Lee" in shown.stdout
    again = json.loads(runner.invoke(cli, args).stdout)
    assert all(c["insight"] != "unanswered_asks" for c in again["cards"])
    # still the member's mail: counted, only not coached
    store = Store(Settings(home=Path(home)))
    try:
        member = store.open_member(Settings(home=Path(home)).member, create=False)
        opened = coaching_view(store, member, paused_ok=True)
        assert opened is not None
        assert any(m.kind == "personal" for m in opened.view.uncoached)
    finally:
        store.close()
    bad = runner.invoke(cli, ["--home", home, "personal", "nosuchid"])
    assert bad.exit_code == 2
    mark_id = shown.stdout.split()[0]
    undone = runner.invoke(cli, ["--home", home, "personal", "--undo", mark_id])
    assert "coached again" in undone.stdout
    back = json.loads(runner.invoke(cli, args).stdout)
    assert any(c["insight"] == "unanswered_asks" for c in back["cards"])


# -- reply linkage in the store: a reply under a new or empty subject ------------------------


def _row(member: int, i: str, minutes: int, sender: str, *, subject: str | None,
         quoted: str | None = None, name: str | None = None) -> dict[str, object]:
    return {
        "id": i, "member_id": member, "source": "t", "channel": "email",
        "sent_at": datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes),
        "utc_offset": 0, "sender_id": sender, "in_sent_folder": False, "n_to": 1, "n_cc": 0,
        "subject_key": subject, "is_reply": False, "is_forward": False, "msgid_key": None,
        "in_reply_to_key": None, "quoted_from_key": quoted, "sender_name_key": name,
        "word_count": 1, "quoted_chars": 0, "attachments": 0, "notes": "",
    }


def test_replies_under_a_new_or_empty_subject_link_by_their_quoted_header(store: Store
                                                                          ) -> None:
    m = store.open_member("ann").id
    rows = [
        _row(m, "ask", 0, "dana", subject="netting", name="k-dana"),
        _row(m, "other", 5, "dana", subject="lunch", name="k-dana"),  # not to Ann
        _row(m, "new", 60, "ann", subject="executed copy", quoted="k-dana", name="k-ann"),
        _row(m, "empty", 70, "ann", subject=None, quoted="k-dana", name="k-ann"),
        _row(m, "stranger", 80, "ann", subject=None, quoted="k-nobody", name="k-ann"),
    ]
    parties = [{"member_id": m, "message_id": "ask", "person_id": "ann", "role": "to"},
               {"member_id": m, "message_id": "other", "person_id": "raj", "role": "to"}]
    with store.engine.begin() as conn:
        conn.execute(insert(messages), rows)
        conn.execute(insert(message_parties), parties)
        counts = relink(conn, m)
    with store.engine.connect() as conn:
        got = {r.id: (r.parent_id, r.link_method) for r in conn.execute(
            select(messages).where(messages.c.member_id == m))}
    assert got["new"] == ("ask", "quoted")  # the latest message from Dana that Ann was on
    assert got["empty"] == ("ask", "quoted")
    assert got["stranger"] == (None, None)
    assert counts["quoted"] == 2


def test_a_person_only_seen_on_a_consumer_account_is_not_a_colleague() -> None:
    """Recognition and fading ties are about colleagues: a club or a friend written to only at
    a consumer address (seen in real mail: thanks to a club's manager at ourclub.com counted as
    specific recognition of a colleague) is not one."""
    from upwell.analyze.kinds import personal_account  # noqa: PLC0415 - the one function this test is about

    t0 = datetime(2024, 3, 4, 15, tzinfo=UTC)

    def sent(i: int, to: str, consumer_to: bool) -> MessageView:
        return MessageView(id=f"s{i}", sent_at=t0 + timedelta(days=i), utc_offset=0,
                           channel="email", sender="me", to=(to,), cc=(), parent_id=None,
                           subject="", features={KINDS: {"consumer_to": consumer_to,
                                                         "consumer": False}})

    view = MemberView(me={"me"}, names={}, events=[], messages=[
        sent(0, "club", True), sent(1, "club", True), sent(2, "dana", False),
        sent(3, "mixed", True), sent(4, "mixed", False)])
    assert personal_account(view, "club")
    assert not personal_account(view, "dana")
    assert not personal_account(view, "mixed")  # once at an organization: a colleague too
    assert not personal_account(view, "nobody")  # nothing seen: no claim


def test_an_ask_is_not_judged_where_the_members_own_mail_is_missing_or_it_is_social() -> None:
    """Real archives lose stretches of the member's sent mail (one kept none for months): an
    ask there cannot be called unanswered. A social note ("lunch today?") is settled in person."""
    long_ago = [mail(at(-30, 10), "Thanks, noted.", sender=SUSAN, to=SARA)]
    ask = mail(at(0, 10), ASK, sender=SARA, to=SUSAN)
    later = mail(at(9, 10), "Thanks, noted.", sender=SUSAN,
                 to="Pam Butler <pam.butler@example.com>")
    v = classify(view([*long_ago, ask, later]))
    assert unanswered_asks(v, PROFILE, MON, MON + timedelta(weeks=1)) == []
    assert unanswered([ask]) == [ask]  # with the member's mail of the week before: judged
    lunch = mail(at(0, 11), "Do you have lunch plans today? We could try the new place and "
                            "catch up on the weekend.", sender=SARA, to=SUSAN, subject="lunch")
    assert unanswered([lunch]) == []
