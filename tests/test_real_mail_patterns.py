"""The failure patterns of issue 20 seen in real workplace mail, each on a small real-shaped
example built here (not copied mail): quoted history and signatures kept out of the author's
words, look-alike asks, sign-off thanks, festive punctuation and acronyms, escalation in
capitals, sentence-initial "Please", commitments and whether they were kept."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from upwell.analyze import analyze_message
from upwell.analyze.commitments import commitment_sentences
from upwell.analyze.evidence import snippets
from upwell.analyze.gratitude import thanks_sentences
from upwell.analyze.harsh import harsh_sentences
from upwell.analyze.names import COMMITMENTS, GRATITUDE, HARSH, POLITENESS, REQUESTS
from upwell.analyze.registry import analyzers, run
from upwell.analyze.requests import ask_sentences
from upwell.analyze.stream import WorkProfile
from upwell.insights import weekly_cards
from upwell.lab.evaluate.sentences import (
    LABELS,
    family,
    label_sentences,
    load_labels,
    split_of,
)
from upwell.model import Address, Message
from upwell.normalize.text import split_body
from upwell.store.member_view import MemberView, MessageView


def msg(body: str, channel: str = "email") -> Message:
    return Message(source="t", source_item_id="x", channel=channel,  # type: ignore[arg-type]
                   sent_at=datetime(2024, 1, 1, tzinfo=UTC), utc_offset_minutes=0,
                   sender=Address("ann@example.org"), body=body)


def feat(name: str, body: str) -> dict[str, object]:
    return dict(run(analyzers()[name], msg(body)))


# -- body parts ----------------------------------------------------------------------------------

def test_notes_style_quote_header_without_on_ends_the_authors_words() -> None:
    body = ("Sounds good, I will send the agreements shortly.\n\n"
            "Jay Reitmeyer/ENRON@enronXgate 08/23/2001 07:12 AM\n"
            "To: Dana Lee/HOU/ECT@ECT\ncc:\nSubject: Re: storage\n\n"
            "Can you send me the storage agreements?")
    parts = split_body(body)
    assert parts.own == "Sounds good, I will send the agreements shortly."
    assert parts.quoted.startswith("Jay Reitmeyer/ENRON")
    assert parts.quoted_from == "Jay Reitmeyer"
    assert feat(REQUESTS, parts.own)["requests"] == 0


def test_notes_header_over_two_lines_and_aol_header() -> None:
    two = split_body("Thanks. Let me know where to send the $6.\nAnn\n\nChris Germany\n"
                     "01/26/2001 05:44 PM\n\t\n\nTo: Ann Lee/HOU/ECT@ECT\ncc:\nSubject: Egan\n"
                     "I changed the volumes.")
    assert two.own == "Thanks. Let me know where to send the $6.\nAnn"
    assert two.quoted_from == "Chris Germany"
    aol = split_body("We had a great trip.\nIn a message dated 2/21/02 10:19:38 AM Eastern "
                     "Standard Time,\nann@example.com writes:\n> Welcome back!")
    assert aol.own == "We had a great trip."


def test_signature_block_and_footers_are_not_the_authors_words() -> None:
    body = ("Diane,\nPlease advise if there are any financial transactions with them.\n"
            "Thanks\nCordially,\nSusan S. Bailey\nSenior Legal Specialist\n"
            "Example North America Corp.\n1400 Smith Street, Suite 3803A\n"
            "Houston, Texas 77002\nPhone: (713) 555-4737\nFax: (713) 555-3490")
    parts = split_body(body)
    assert parts.own.endswith("Thanks\nCordially,")
    assert "Phone" in parts.signature
    assert "Phone" not in parts.own
    yahoo = split_body("I love you all - Gil\n" + "_" * 50 + "\nDo You Yahoo!?\n"
                       "Get personalized email addresses from Yahoo! Mail\n"
                       "http://personal.mail.yahoo.com/")
    assert yahoo.own == "I love you all - Gil"
    assert yahoo.footer.startswith("_____")
    assert ask_sentences(yahoo.own) == []  # "Do You Yahoo!?" is the provider's, not an ask
    legal = split_body("Please confirm.\nThanks\n\n" + "*" * 70 + "\nThis e-mail is the "
                       "property of Example Corp. and may contain confidential material.")
    assert legal.own == "Please confirm.\nThanks"
    assert "property" in legal.footer
    # A list of names under the text is not a signature (no contact line).
    listed = split_body("here is the list.\nMEDIAGEN\nGEORPA\nlet me know")
    assert listed.own.endswith("let me know")
    assert listed.signature == ""


# -- requests ------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    "Let me know if you need anything else.",
    "If you have any questions, please call me.",
    "Please contact me if you would like further information.",
    "Please keep me posted.",
    "If I can do anything else to help just let me know.",
    "asp?",
    "Full Day URL <http://desk.example/RT/AtcFinalComp/?startHour=1&endHour=24>",
    "Where:\tEB 1336",
    "Effective date:\t\t\t?",
    "How was your weekend?",
    "Please note that we have already run several hundred test cases.",
    '"OK??',
    'Dana: Please note both "paid in full" and "expired" on the tracking log.',
    "PLEASE IGNORE PREVIOUS EMAIL - ALL OK",
    "Please disregard my earlier note, the deal is fine.",
    "check this out............",
    "check this one out...............www.example.org/",
])
def test_look_alikes_are_not_asks(body: str) -> None:
    out = feat(REQUESTS, body)
    assert (out["requests"], out["questions"]) == (0, 0)
    assert ask_sentences(body) == []


def test_out_of_office_reply_asks_nothing() -> None:
    body = ("I am out of the office until Monday. If you need assistance please call Heather "
            "at Ext. 33278. Could you resend urgent items then?")
    assert feat(REQUESTS, body)["requests"] == 0


@pytest.mark.parametrize("body", [
    "Maria: Please reclassify this CP as expired on our list.",
    "Dana: please update the tracking log with this information.",
    "Michelle, can you please convert these to a % of capacity?",
    "Is the contract price in error or has the contract changed?",
    "Please let me know by tomorrow morning if you have any comments.",
    'Is "US Brick Co." the actual name of this counterparty ?',
    "Check this out and tell me what you think.",
    "Please check this out by Friday.",
])
def test_real_asks_still_count(body: str) -> None:
    assert ask_sentences(body), body


def test_sentence_initial_please_softens_and_offers_are_not_requests() -> None:
    formal = "Diane,\nPlease check whether there are any live deals with them.\nCordially,\nSusan"
    assert feat(POLITENESS, formal)["softened"] is True
    assert feat(POLITENESS, "Send me the file. Why did you change the config?")["softened"] is False
    assert feat(REQUESTS, "Do you want me to send the drafts?")["requests"] == 0
    assert feat(REQUESTS, "Let me know if you would like one or both timeframes changed.")[
        "requests"] == 0


# -- gratitude -----------------------------------------------------------------------------------

def test_thanks_above_a_signature_is_a_signoff() -> None:
    body = split_body("Ellen,\nSo please conduct another search under that name.\nThanks,\n"
                      "Susan\nExample North America Corp.\nPhone: (713) 555-4737").own
    assert dict(thanks_sentences(body)) == {"Thanks,": "signoff"}
    assert feat(GRATITUDE, body)["thanks_kind"] == "signoff"
    closing = "Please forward the revisions as soon as they are ready so I can review them. Thanks."
    assert feat(GRATITUDE, closing)["thanks_kind"] == "signoff"
    assert feat(GRATITUDE, "Thanks Toby.\nDF")["thanks_kind"] == "bare"
    assert feat(GRATITUDE, "Thanks. I think we would definitely be interested.")[
        "thanks_kind"] == "bare"


def test_specific_thanks_name_what_was_done_and_courtesies_do_not() -> None:
    assert feat(GRATITUDE, "Grace:\nThank you for your prompt attention to this matter.\nBert")[
        "thanks_kind"] == "bare"
    assert feat(GRATITUDE, "Thanks for hitting me on that bid earlier.")["thanks_kind"] == \
        "specific"
    # In chat a closing "thanks" thanks the reader; in a letter it signs off.
    chat = dict(run(analyzers()[GRATITUDE], msg("That makes sense. Thanks!", "chat")))
    assert chat["thanks_kind"] == "bare"


# -- harsh ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    "Merry Christmas!!",
    "Guten Morgen!!!\nHow was your weekend?",
    "Please advise if the transactions were confirmed with ENA or ECTRIC??",
    "Also, please make sure that we LOGOFF again tonight.",
    "SUSAN....... I AM STILL IN FLORIDA. AND I AM USING A LOANER COMPUTER.",
    "That is one DAMN BIG cat!",
    "I am such a jerk after all!",
])
def test_festive_punctuation_acronyms_and_caps_writers_are_not_harsh(body: str) -> None:
    assert feat(HARSH, body)["harsh"] is False
    assert harsh_sentences(body) == []


def test_escalation_in_capitals_is_harsh_and_the_evidence_quotes_it() -> None:
    body = ("Sara,\nHere is my request as sent to Tom and Vera. I also forwarded it to Beth "
            "so she could process it.\n\nTO DATE - NO RESPONSE FROM ANYONE.\n\nSusan")
    out = feat(HARSH, body)
    assert out["harsh"] is True
    assert out["shouting"] == 1
    features = analyze_message(msg(body))
    assert snippets(msg(body), features)["harsh"] == "TO DATE - NO RESPONSE FROM ANYONE."


def test_hostile_language_is_harsh() -> None:
    assert feat(HARSH, "After reading about your payout, I am disgusted and appalled.")["harsh"]
    assert feat(HARSH, "You never read what I send!!")["harsh"]
    assert feat(HARSH, "You are an idiot.")["harsh"]


# -- commitments ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "found"), [
    ("I will send the agreements shortly.", True),
    ("I'll get back to you by Friday.", True),
    ("When I receive it, I'll fax it to Charlie.", True),
    ("OK - I'll ask Melissa to send you her list separately.", True),
    ("I will be out of the office until Monday.", False),
    ("We will meet in EN 1336.", False),
    ("I will not be able to attend.", False),
    ("I'll be in touch soon.", False),
    ("I can send it tomorrow.", False),
])
def test_commitments(body: str, found: bool) -> None:
    assert bool(commitment_sentences(body)) is found
    out = feat(COMMITMENTS, body)
    assert (out["commitments"] > 0) is found


CHI = ZoneInfo("America/Chicago")
PROFILE = WorkProfile(CHI, 8, 18)
MON = datetime(2024, 3, 4, tzinfo=CHI)
ME, DANA, RAVI = "me", "dana", "ravi"


def _view(items: list[tuple[datetime, str, str, tuple[str, ...], str | None]]) -> MemberView:
    out = []
    for i, (when, sender, body, to, thread) in enumerate(items):
        message = Message(source="t", source_item_id=str(i), channel="email",
                          sent_at=when.astimezone(UTC), utc_offset_minutes=-360,
                          sender=Address(sender), body=body)
        out.append(MessageView(id=f"m{i}", sent_at=when.astimezone(UTC), utc_offset=-360,
                               channel="email", sender=sender, to=to, cc=(), parent_id=None,
                               subject="s", features=dict(analyze_message(message)),
                               thread=thread))
    return MemberView(me={ME}, names={DANA: "Dana", RAVI: "Ravi", ME: "Me"},
                      messages=sorted(out, key=lambda m: m.sent_at), events=[])


def _baseline() -> list[tuple[datetime, str, str, tuple[str, ...], str | None]]:
    return [(MON + timedelta(weeks=w, days=d, hours=10), DANA, "Noted, see you then.", (ME,), None)
            for w in range(4) for d in range(3)]


def _cards(items: list[tuple[datetime, str, str, tuple[str, ...], str | None]]) -> dict[str, str]:
    return {c.insight: c.summary for c in weekly_cards(_view(items), PROFILE, cap=20)}


def test_a_commitment_kept_is_recognized() -> None:
    wk = MON + timedelta(weeks=4)
    items = [*_baseline(),
             (wk + timedelta(hours=9), DANA, "Can you send me the storage agreements?", (ME,),
              "t1"),
             (wk + timedelta(hours=10), ME, "Sure. I will send the agreements by Wednesday.",
              (DANA,), "t1"),
             (wk + timedelta(days=1, hours=11), ME,
              "Dana,\nAttached are the storage agreements.\nThanks,\nAnn\n<< File: storage.doc >>",
              (DANA,), "t1")]
    cards = _cards(items)
    assert "commitments_kept" in cards
    assert "Dana" in cards["commitments_kept"]


def test_a_commitment_not_kept_gets_no_card() -> None:
    wk = MON + timedelta(weeks=4)
    items = [*_baseline(),
             (wk + timedelta(hours=10), ME, "I will send the agreements by Wednesday.", (DANA,),
              "t1"),
             # A follow-up with nothing handed over, and a delivery to someone else.
             (wk + timedelta(days=1, hours=11), ME, "Still working on it, sorry.", (DANA,), "t1"),
             (wk + timedelta(days=1, hours=12), ME, "Attached is the gas report.", (RAVI,), "t2"),
             # A delivery to the same person too late (five working days on).
             (wk + timedelta(days=7, hours=11), ME, "Attached are the agreements.", (DANA,),
              "t1")]
    assert "commitments_kept" not in _cards(items)


# -- the labelled real sentences -----------------------------------------------------------------

def test_labels_are_well_formed_and_split_by_family() -> None:
    labels = load_labels()
    assert len(labels) >= 150
    assert {lb.task for lb in labels} == {"requests", "gratitude", "harsh", "commitments"}
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        assert set(record) == {"task", "source_file", "sentence", "excerpt", "label"}
        assert len(record["excerpt"].split()) <= 4  # a few words, never the mail
    halves = {split_of(lb) for lb in labels}
    assert halves == {"dev", "test"}
    # Copies and replies of one message family fall in the same half.
    assert family("mail/a-b/Inbox/RE_ US Brick Co (2).html") == family(
        "mail/a-b/Deleted Items/US Brick Co.html")
    assert label_sentences("See www.example.com now. Ok?") == [
        "See www.", "example.", "com now.", "Ok?"]


@pytest.mark.corpus
def test_labels_never_come_from_a_held_out_week(corpus: Callable[[str], Path]) -> None:
    folder = corpus("enron-edrm-10-mailboxes")
    weeks = json.loads((LABELS.parent / "real_labels" / "weeks.json").read_text("utf-8"))
    held_out = {(w["mailbox"], w["week"]) for w in weeks["weeks"] if w["split"] == "test"}
    wanted = {lb.source_file for lb in load_labels()}
    export = timezone(timedelta(hours=-3))  # the corpus README: dates are UTC-03:00
    seen = set()
    for path in folder.glob("*.jsonl"):
        with path.open(encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh]
        for d in rows:
            if d.get("source_file") not in wanted or not d.get("date_local"):
                continue
            local = datetime.fromisoformat(d["date_local"]).replace(tzinfo=export).astimezone(CHI)
            monday = (local.date() - timedelta(days=local.weekday())).isoformat()
            assert (d["mailbox"], monday) not in held_out, d["source_file"]
            seen.add(d["source_file"])
    assert seen == wanted


@pytest.mark.corpus
def test_sentence_eval_on_the_corpus(corpus: Callable[[str], Path]) -> None:
    from upwell.lab.evaluate.sentences import evaluate  # noqa: PLC0415 - needs the corpus

    result = evaluate(corpus("enron-edrm-10-mailboxes").parent)
    assert result["all"]["requests"]["kappa"] >= 0.6
    assert result["all"]["gratitude"]["accuracy"] >= 0.85
    assert result["all"]["commitments"]["f1"] >= 0.85
    assert result["all"]["harsh"]["precision"] >= 0.99
