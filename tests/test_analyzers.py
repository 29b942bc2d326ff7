"""Per-item analyzers: hand-written positive, negative and tricky cases for each one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from upwell.analyze import MAX_CHARS, analyze_message, analyzer, analyzers, readable_part
from upwell.analyze.harsh import _EXCLAIM, _FIVE_CAPS, _exclaim_runs, _shouted
from upwell.analyze.names import GRATITUDE, HARSH, POLITENESS, REQUESTS
from upwell.analyze.registry import run
from upwell.analyze.text import sentences, whole_sentences
from upwell.analyze.tone import _scores, compound
from upwell.model import Address, Message, RawItem
from upwell.normalize.mime import from_mime
from upwell.testing import make_email


def msg(body: str) -> Message:
    return Message(source="t", source_item_id="x", channel="email",
                   sent_at=datetime(2024, 1, 1, tzinfo=UTC), utc_offset_minutes=0,
                   sender=Address("ann@example.org"), body=body)


def feat(name: str, body: str) -> dict[str, object]:
    return dict(run(analyzers()[name], msg(body)))


# tone.v1 -------------------------------------------------------------------------------------

def test_tone_negation_reads_right() -> None:
    assert feat("tone.v1", "Not bad at all.")["valence"] > 0.2
    assert feat("tone.v1", "This is not good.")["valence"] < -0.2


def test_tone_negativity_aimed_at_the_addressee() -> None:
    aimed = feat("tone.v1", "Thanks for coming. You ruined the demo.")
    assert aimed["addressee_negativity"] > 0.3
    impersonal = feat("tone.v1", "The demo was ruined by the outage.")
    assert impersonal["addressee_negativity"] == 0.0
    assert impersonal["most_negative"] < -0.3


def test_tone_sarcasm_marker_caps_valence() -> None:
    out = feat("tone.v1", "Oh great, another status meeting at 7am. Just what I needed.")
    assert out["sarcasm_marker"] is True
    assert out["valence"] <= 0.0
    assert feat("tone.v1", "Great news: the launch went well!")["sarcasm_marker"] is False


def test_tone_empty_body() -> None:
    out = feat("tone.v1", "")
    assert out["valence"] == 0.0
    assert out["sentiment"] == "neutral"
    assert out["annoyance"] is False


def test_tone_emotions_from_the_learned_model() -> None:
    praise = feat("tone.v1", "This is amazing work, I'm so impressed by what you built!")
    assert praise["admiration"] is True
    assert "positive" in str(praise["sentiment"])
    assert praise["anger"] is False
    angry = feat("tone.v1", "This is so annoying. I'm sick of this stupid mess, stop it.")
    assert angry["annoyance"] is True
    assert "negative" in str(angry["sentiment"])
    assert angry["admiration"] is False
    assert feat("tone.v1", "The meeting moved to room 4 at noon.")["sentiment"] == "neutral"


# gratitude.v1 --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("Thanks for pulling the Q3 numbers together before the board call!", "specific"),
        ("Thank you for the detailed review of the vendor contract.", "specific"),
        ("Thanks for your help.", "bare"),
        ("Thanks!", "bare"),
        ("Here is the file.\n\nThanks,\nAnn", "signoff"),
        ("See attached.\n\nCheers", "signoff"),
        ("Can you send the deck? Thanks in advance.", "in_advance"),
        ("Please review by noon. TIA", "in_advance"),
        ("The thanksgiving schedule is attached.", "none"),
        ("No thanks, I'll pass on the extra seats.", "none"),
        ("I really appreciate you covering the Denver client visit.", "specific"),
        ("", "none"),
    ],
)
def test_thanks_kinds(body: str, kind: str) -> None:
    out = feat(GRATITUDE, body)
    assert out["thanks_kind"] == kind
    assert out["gratitude"] is (kind in {"bare", "specific"})


def test_recognition_and_its_specificity() -> None:
    specific = feat(GRATITUDE, "Great job on the migration plan for Friday's cutover.")
    assert specific["recognition"] is True
    assert specific["recognition_specific"] is True
    bare = feat(GRATITUDE, "Great job!")
    assert bare["recognition"] is True
    assert bare["recognition_specific"] is False
    assert feat(GRATITUDE, "The job queue is great at retries.")["recognition"] is False


def test_quoted_thanks_are_not_the_authors_words() -> None:
    body = ("Ok.\n\n-----Original Message-----\nFrom: Dana Lee\nSent: Monday, March 04, 2024 "
            "10:00 AM\nTo: Ann\nSubject: x\n\nThanks for the great analysis of the Q3 numbers!\n")
    m = from_mime(RawItem("mime", "t", "x", make_email(body=body)))
    out = analyze_message(m)
    assert out[GRATITUDE]["gratitude"] is False
    assert out[GRATITUDE]["recognition"] is False


# requests.v1 ---------------------------------------------------------------------------------

def test_requests_questions_and_fyi() -> None:
    ask = feat(REQUESTS, "Can you send the deck by Friday?")
    assert ask["requests"] == 1
    assert ask["questions"] == 1
    fyi = feat(REQUESTS, "FYI, the office is closed on Monday.")
    assert fyi["fyi"] is True
    assert fyi["requests"] == 0
    assert feat(REQUESTS, "The report is attached.")["requests"] == 0
    assert feat(REQUESTS, "Please review the attached draft.")["requests"] == 1
    assert feat(REQUESTS, "Thanks in advance!")["thanks_in_advance"] is True
    two = feat(REQUESTS, "Hi Dana. Could you review the budget? Also send me the deck.")
    assert two["requests"] == 2
    assert feat(REQUESTS, "Our big summer sale starts today.")["requests"] == 0


def test_commitments_with_and_without_time() -> None:
    due = feat(REQUESTS, "I'll send it Friday.")
    assert due["commitments"] == 1
    assert due["commitment_due"] is True
    assert due["requests"] == 0  # a pledge of the author asks nothing of the reader
    offer = feat(REQUESTS, "I can send you the draft tomorrow.")
    assert offer["commitments"] == 1
    assert offer["commitment_due"] is True
    undated = feat(REQUESTS, "We will follow up with legal.")
    assert undated["commitments"] == 1
    assert undated["commitment_due"] is False
    assert feat(REQUESTS, "I will not be able to attend.")["commitments"] == 0
    assert feat(REQUESTS, "I'll be out of office.")["commitments"] == 0


# harsh.v1 ------------------------------------------------------------------------------------

def test_harsh_signals() -> None:
    out = feat(HARSH, "You ALWAYS miss the deadline!!! This is UNACCEPTABLE.")
    assert out["exclaim_runs"] == 1
    assert out["absolutes"] == 1
    assert out["harsh"] is True
    calm = feat(HARSH, "The NASA team sent the API spec. Thanks!")
    assert calm["harsh"] is False
    assert calm["shouting"] == 0
    assert feat(HARSH, "This is bullshit.")["harsh"] is True


def test_noninclusive_terms_get_an_alternative() -> None:
    out = feat(HARSH, "Hi guys, please add the host to the whitelist.")
    assert out["noninclusive"] == 2
    assert "guys→" in str(out["noninclusive_terms"])
    assert "whitelist→allowlist" in str(out["noninclusive_terms"])
    clean = feat(HARSH, "Hi everyone, please add the host to the allowlist.")
    assert clean["noninclusive"] == 0


# politeness.v2 -------------------------------------------------------------------------------

def test_politeness_strategies() -> None:
    soft = feat(POLITENESS, "Could you please take a look? I think it might help.")
    assert soft["counterfactual_modal"] == 1
    assert soft["please"] == 1
    assert soft["please_start"] == 0
    assert soft["hedges"] >= 2
    blunt = feat(POLITENESS, "Please fix this. Why did you change the config?")
    assert blunt["please_start"] == 1
    assert blunt["please"] == 0
    assert blunt["direct_question"] == 1
    other = feat(POLITENESS,
                 "Sorry to bother you. By the way, nice work on the rewrite. In fact it works.")
    assert other["apologizing"] == 1
    assert other["indirect_btw"] == 1
    assert other["factuality"] == 1
    assert feat(POLITENESS, "Nice work on the rewrite.")["deference"] == 1


# registry ------------------------------------------------------------------------------------

def test_registry_rules() -> None:
    assert {"tone.v1", GRATITUDE, POLITENESS, REQUESTS, HARSH} <= set(
        analyzers())
    with pytest.raises(ValueError, match=r"name\.v1"):
        analyzer("tone", reads=("body",), writes=("x",))
    with pytest.raises(ValueError, match="unknown fields"):
        analyzer("oops.v1", reads=("html",), writes=("x",))
    with pytest.raises(ValueError, match="registered twice"):
        analyzer("tone.v1", reads=("body",), writes=("x",))(lambda m: {"x": 1})


def test_every_analyzer_writes_what_it_declares() -> None:
    for spec in analyzers().values():
        for body in ("", "Thanks!", "CAN YOU FIX THIS NOW!!!"):
            assert set(run(spec, msg(body))) == set(spec.writes)


# VADER's own scorer is the reference: tone's fast path must give exactly its scores.
_VADER_CASES = (
    "I am not happy at all.", "This is not bad.", "Never so good!", "never this bad",
    "Without doubt the best work.", "I don't like it, but the result is great.",
    "He isn't very good, at least not yet.", "least good idea", "very least helpful",
    "It's NOT GOOD!!!", "No problem.", "no way this is good", "It was kind of great.",
    "The report is sort of okay :)", "Thanks a lot :-(", "Great work on the deck 👍",
    "Fine.", "", "   ", "We will meet at 10.", "Absolutely AMAZING job, truly.",
    "not so great, never this bad, without doubt awful",
)


@pytest.mark.parametrize("sentence", _VADER_CASES)
def test_tone_scores_equal_vaders_own(sentence: str) -> None:
    reference = SentimentIntensityAnalyzer().polarity_scores(sentence)
    assert _scores(sentence) == reference
    assert compound(sentence) == reference["compound"]


def test_analyzers_read_a_long_message_up_to_a_sentence_end() -> None:
    opening = "Could you send me the draft by Friday? " * 20
    filler = "The appendix lists every meter reading in the region for the year. " * 200
    body = opening + filler + "You are an idiot and this is STUPID!!!"
    part = readable_part(body)
    assert len(part) <= MAX_CHARS
    assert part.endswith(".")
    assert body.startswith(part)
    assert readable_part(opening) is opening
    out = analyze_message(msg(body), (HARSH, REQUESTS))
    # The insult sits past the readable part: a pasted tail is not how the author treats people.
    assert out[HARSH]["profanity"] == 0
    assert out[REQUESTS]["requests"] >= 1
    # A text with no sentence or line end in reach is cut at the limit.
    assert len(readable_part("x" * (3 * MAX_CHARS))) == MAX_CHARS


@pytest.mark.corpus
def test_tone_scores_equal_vaders_own_on_real_comments(corpus: Callable[[str], Path]) -> None:
    # Every sentence of GoEmotions' test split (Reddit comments: emoji, caps, negation).
    reference = SentimentIntensityAnalyzer()
    lines = (corpus("goemotions") / "test.tsv").read_text(encoding="utf-8").splitlines()
    checked = 0
    for line in lines:
        for sentence in sentences(line.split("\t", 1)[0]):
            assert _scores(sentence) == reference.polarity_scores(sentence), sentence
            checked += 1
    assert checked > 5000


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="AbZ!?'’- .\n", max_size=40))
def test_harsh_first_looks_never_change_a_count(text: str) -> None:
    # The cheap first looks skip only texts in which nothing could be counted.
    if not _FIVE_CAPS.search(text):
        assert sum(_shouted(s) for s in whole_sentences(text)) == 0
    if "!" not in text and "??" not in text:
        assert not _EXCLAIM.findall(text)
    assert _exclaim_runs(text) <= len(_EXCLAIM.findall(text))
