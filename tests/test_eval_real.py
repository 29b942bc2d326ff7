"""`upwell eval real`: cards judged by human labels of real mail (docs/evaluation-real-mail.md).

The matching and every number on hand-made labels; the whole run on a tiny corpus written here in
the Enron EDRM JSON Lines format (converted, imported, coached and tied back to source files);
the command's options; and one run on the real corpus (skips when ../shared/data is absent).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from upwell.cli import cli
from upwell.lab.corpora.enron import convert, file_digest, source_index
from upwell.lab.corpora.provenance import SourceRef, provenance
from upwell.lab.evaluate.real import CORPUS, evaluate, render, render_table, unjudged_template
from upwell.lab.evaluate.real_cards import code_commit
from upwell.lab.evaluate.real_score import (
    LABELS,
    Judge,
    LabelError,
    Labels,
    Point,
    Produced,
    Verdict,
    load_labels,
    same_person,
    table,
    verdict_table,
)
from upwell.store.crypto import MemberCipher

# -- matching and the numbers, on hand-made labels ---------------------------------------------

W1, W2 = "2001-04-02", "2001-04-09"


def _point(n: int, insight: str, messages: tuple[str, ...] = (), *, person: str | None = None,
           useful: bool = True, week: str = W1) -> Point:
    return Point(f"box/{week}/{n}", "box", week, insight, person, frozenset(messages), useful)


def _verdict(insight: str, messages: tuple[str, ...], verdict: str, *,
             person: str | None = None, week: str = W1, code: str = "abc1234") -> Verdict:
    return Verdict("box", week, insight, person, frozenset(messages), verdict, code)


def _card(insight: str, sources: tuple[str, ...] = (), *, person: str | None = None,
          week: str = W1) -> Produced:
    return Produced("box", week, insight, person, sources)


def _labels() -> Labels:
    return Labels(
        {("box", W1): "dev", ("box", W2): "test"},
        (_point(1, "unanswered_asks", ("m/ask1", "m/ask1-copy")),
         _point(2, "unanswered_asks", ("m/ask2",), useful=False),
         _point(3, "helped_fast", ("m/help",), person="Kam Keiser"),
         _point(4, "specific_recognition", ("m/thanks",)),
         _point(5, "out_of_scope", ("m/other",)),
         _point(6, "unanswered_asks", ("m/ask9",), week=W2)),
        (_verdict("unanswered_asks", ("m/ask2",), "wrong"),
         _verdict("harsh_language", ("m/xmas",), "wrong"),
         _verdict("fading_tie", (), "trivial", person="Dicarlo, Louis")),
    )


def test_same_person_ignores_order_case_and_commas() -> None:
    assert same_person("Keiser, Kam", "Kam Keiser")
    assert same_person("dicarlo louis", "Louis Dicarlo")
    assert not same_person("Kam Keiser", "Kam")
    assert not same_person(None, "Kam Keiser")
    assert not same_person(None, None)
    assert not same_person("", "")


def test_a_card_matches_a_verdict_then_a_point_else_it_is_unjudged() -> None:
    judge = Judge(_labels())
    # a verdict on the same messages judges the card, even where a point matches too
    asked = judge(_card("unanswered_asks", ("m/ask2",)))
    assert (asked.verdict, asked.via, asked.points) == ("wrong", "verdict", ("box/2001-04-02/2",))
    # a card that keeps one of the judged messages beside others is another claim: the
    # verdict does not judge it (the point it shares a message with does)
    kept = judge(_card("unanswered_asks", ("m/ask2", "m/unrelated")))
    assert kept.via == "point"
    # a point that shares any copy: correct, useful as the point says
    useful = judge(_card("unanswered_asks", ("m/ask1-copy",)))
    assert (useful.verdict, useful.via, useful.points) == ("useful", "point",
                                                          ("box/2001-04-02/1",))
    assert useful.correct
    # a point found by the person it names, not by a message
    helped = judge(_card("helped_fast", ("m/elsewhere",), person="Keiser, Kam"))
    assert (helped.verdict, helped.via) == ("useful", "point")
    # a verdict found by the person alone
    tie = judge(_card("fading_tie", person="Louis Dicarlo"))
    assert (tie.verdict, tie.via) == ("trivial", "verdict")
    # same messages but another insight, week or mailbox: unjudged
    assert judge(_card("blunt_requests", ("m/ask1",))).verdict is None
    assert judge(_card("unanswered_asks", ("m/ask1",), week=W2)).verdict is None
    other_box = Produced("other", W1, "unanswered_asks", None, ("m/ask1",))
    assert judge(other_box).verdict is None
    # a card that shares nothing and names no one matches nothing
    assert judge(_card("unanswered_asks", ("m/new",))).via is None


def test_a_verdict_on_the_same_messages_beats_one_naming_the_person() -> None:
    labels = Labels({("box", W1): "dev"}, (), (
        _verdict("tone_toward_colleague", ("m/a",), "useful", person="Kam Keiser"),
        _verdict("tone_toward_colleague", ("m/b",), "wrong", person="Ann Lee")))
    judged = Judge(labels)(_card("tone_toward_colleague", ("m/b",), person="Kam Keiser"))
    assert judged.verdict == "wrong"


def test_every_number_of_a_table() -> None:
    labels = _labels()
    judge = Judge(labels)
    cards = [judge(c) for c in (
        _card("unanswered_asks", ("m/ask1",)),          # useful, via point 1
        _card("unanswered_asks", ("m/ask2",)),          # wrong, via verdict (matches point 2)
        _card("harsh_language", ("m/xmas",)),           # wrong, via verdict
        _card("helped_fast", person="Kam Keiser"),      # useful, via point 3
        _card("harsh_language", ("m/new",)),            # unjudged
        _card("unanswered_asks", ("m/ask9",), week=W2),  # the test week: not in the dev table
    )]
    t = table("dev", cards, labels.chosen("dev"), labels.points)
    assert (t.weeks, t.weeks_with_card, t.coverage) == (1, 1, 1.0)
    o = t.overall
    assert (o.cards, o.judged, o.correct, o.useful) == (5, 4, 2, 2)
    assert (o.precision, o.strict_precision, o.useful_share) == (0.5, 0.4, 0.5)
    # in scope: points 1-4 (5 is out of scope, 6 is in the other week); point 2's only card
    # was judged wrong, so it is not found
    assert (o.points, o.found, o.recall) == (4, 2, 0.5)
    asks = t.rows["unanswered_asks"]
    assert (asks.cards, asks.judged, asks.precision, asks.points, asks.found) == (2, 2, 0.5, 2, 1)
    harsh = t.rows["harsh_language"]
    assert (harsh.cards, harsh.judged, harsh.precision, harsh.strict_precision) == (2, 1, 0.0,
                                                                                   0.0)
    assert harsh.recall is None  # no point of that type
    recognition = t.rows["specific_recognition"]
    assert (recognition.cards, recognition.points, recognition.recall) == (0, 1, 0.0)
    assert recognition.precision is None
    assert "out_of_scope" not in t.rows
    assert t.top_type == ("harsh_language", 0.4)  # a tie: the first by name
    assert [j.card.sources for j in t.unjudged] == [("m/new",)]
    data = t.as_dict()
    assert data["overall"]["recall"] == 0.5
    assert data["unjudged"] == [{"mailbox": "box", "week": W1, "insight": "harsh_language",
                                 "source_files": ["m/new"], "verdict": None, "via": None,
                                 "points": []}]
    # coverage counts the weeks without a card too
    wider = table("both", cards, {("box", W1), ("box", "2001-04-16")})
    assert (wider.weeks, wider.weeks_with_card, wider.coverage) == (2, 1, 0.5)
    empty = table("none", [], {("box", W1)})
    assert empty.coverage == 0.0
    assert empty.top_type is None
    assert empty.overall.precision is None


def test_the_verdict_files_own_view() -> None:
    t = verdict_table("before", _labels().verdicts)
    o = t.overall
    assert (o.cards, o.judged, o.correct, o.useful) == (3, 3, 1, 0)
    assert (o.precision, o.strict_precision, o.useful_share) == (0.333, 0.333, 0.0)
    assert t.coverage is None
    assert t.top_type == ("fading_tie", 0.333)
    assert "coverage" not in render_table(t, recall=False)


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_load_labels_reads_the_format_and_names_a_bad_line(tmp_path: Path) -> None:
    shipped = load_labels(LABELS)
    assert len(shipped.weeks) >= 12
    assert set(shipped.weeks.values()) == {"dev", "test"}
    folder = tmp_path / "labels"
    _write_jsonl(folder / "points" / "box.jsonl", [
        {"mailbox": "box", "week": W1, "id": "box/2001-04-02/1", "insight": "helped_fast",
         "person": "Kam Keiser", "messages": ["m/1"], "useful": True, "note": "fast"}])
    _write_jsonl(folder / "cards" / "box.jsonl", [
        {"mailbox": "box", "week": W1, "insight": "harsh_language", "person": None,
         "messages": ["m/2"], "verdict": "wrong", "reason": "festive", "code": "abc1234"}])
    labels = load_labels(folder)
    assert labels.weeks == shipped.weeks  # no weeks.json there: the shipped one
    assert labels.points[0].messages == frozenset({"m/1"})
    assert labels.verdicts[0].verdict == "wrong"
    _write_jsonl(folder / "cards" / "box.jsonl", [
        {"mailbox": "box", "week": W1, "insight": "harsh_language", "person": None,
         "messages": ["m/2"], "verdict": "", "reason": "", "code": "abc1234"}])
    with pytest.raises(LabelError, match=r"cards/box\.jsonl:1: 'verdict' must be one of"):
        load_labels(folder)
    _write_jsonl(folder / "cards" / "box.jsonl", [])
    _write_jsonl(folder / "points" / "box.jsonl", [
        {"mailbox": "box", "week": "2001-04-03", "id": "x", "insight": "helped_fast",
         "messages": [], "useful": True}])
    with pytest.raises(LabelError, match=r"points/box\.jsonl:1: 'week' must be a Monday"):
        load_labels(folder)


# -- the whole run, on a tiny corpus in the Enron EDRM format --------------------------------------

SOURCE_TZ = timezone(timedelta(hours=-3))  # the corpus's date_local (see its README)
T0 = datetime(2024, 1, 1, 15, tzinfo=UTC)  # Monday 09:00 in Chicago
ME = {"name": "Doe, Jane", "addr": "/O=ENRON/OU=NA/CN=RECIPIENTS/CN=JDOE"}
DANA = {"name": "Lee, Dana", "addr": "dana.lee@enron.com"}
SAM = {"name": "Park, Sam", "addr": "sam.park@enron.com"}
MONDAYS = [(T0 + timedelta(weeks=n)).date().isoformat() for n in range(9)]


def _item(source: str, folder: str, sender: dict[str, str], to: dict[str, str],
          subject: str, body: str, when: datetime) -> dict[str, Any]:
    return {"mailbox": "doe-j", "item_type": "message", "source_file": source,
            "folder": folder, "from": [sender], "to": [to], "cc": [], "bcc": [],
            "subject": subject, "body": body,
            "date_local": when.astimezone(SOURCE_TZ).replace(tzinfo=None).isoformat(sep=" ")}


def _corpus(root: Path) -> Path:
    """Nine weeks: Dana asks every working day; Jane answers within the hour for eight weeks
    and not in the ninth, when she is at her mail (a note to Sam each morning) but does not
    answer. Each of the ninth week's asks is also copied in 'All documents'."""
    items = []
    for week in range(9):
        for day in range(5):
            t = T0 + timedelta(weeks=week, days=day)
            ask = f"mail/doe-j/Inbox/budget-{week}-{day}.html"
            items.append(_item(ask, "Inbox", DANA, ME, f"Budget {week}",
                               "Could you please review the budget draft?\n", t))
            if week == 8:
                items.append(_item(f"mail/doe-j/All documents/budget-{week}-{day}.html",
                                   "All documents", DANA, ME, f"Budget {week}",
                                   "Could you please review the budget draft?\n", t))
                items.append(_item(f"mail/doe-j/Sent Items/numbers-{day}.html", "Sent Items",
                                   ME, SAM, f"Numbers {day}", "Here are the numbers.\n",
                                   t - timedelta(hours=1)))
            else:
                items.append(_item(f"mail/doe-j/Sent Items/re-budget-{week}-{day}.html",
                                   "Sent Items", ME, DANA, f"RE: Budget {week}",
                                   "Sure, I'll review it today.\n", t + timedelta(hours=1)))
    data = root / "data"
    _write_jsonl(data / CORPUS / "doe-j.part00.jsonl", items)
    return data


def _labels_folder(root: Path) -> Path:
    folder = root / "labels"
    folder.mkdir(parents=True)
    (folder / "weeks.json").write_text(json.dumps({"weeks": [
        {"mailbox": "doe-j", "week": MONDAYS[8], "split": "dev"},
        {"mailbox": "doe-j", "week": MONDAYS[7], "split": "test"}]}), encoding="utf-8")
    _write_jsonl(folder / "points" / "doe-j.jsonl", [
        {"mailbox": "doe-j", "week": MONDAYS[8], "id": f"doe-j/{MONDAYS[8]}/1",
         "insight": "unanswered_asks", "person": "Dana Lee",
         "messages": ["mail/doe-j/All documents/budget-8-0.html"], "useful": True,
         "note": "three asks from Dana open"},
        {"mailbox": "doe-j", "week": MONDAYS[8], "id": f"doe-j/{MONDAYS[8]}/2",
         "insight": "helped_fast", "person": None, "messages": [], "useful": True,
         "note": "not in this week"},
        {"mailbox": "doe-j", "week": MONDAYS[8], "id": f"doe-j/{MONDAYS[8]}/3",
         "insight": "out_of_scope", "person": None, "messages": [], "useful": False,
         "note": "no type covers it"}])
    return folder


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("eval-real")
    return _corpus(root), _labels_folder(root), root / "cache"


def test_the_run_coaches_every_week_and_ties_cards_to_source_files(
        tiny: tuple[Path, Path, Path], tmp_path: Path) -> None:
    data, folder, cache = tiny
    lines: list[str] = []
    result = evaluate(data, load_labels(folder), cache, split="dev", code="abc1234",
                      write_to=tmp_path / "cards", progress=lines.append)
    assert lines == ["converting doe-j to a maildir", "importing and coaching doe-j"]
    # week 8: Dana's Monday to Wednesday asks are unanswered (Thursday's and Friday's are too
    # recent to judge); the card lists both copies of each and matches the useful point
    (card,) = [j for j in result.judged if j.card.week == MONDAYS[8]]
    assert card.card.insight == "unanswered_asks"
    assert same_person(card.card.person, "Dana Lee")
    assert set(card.card.sources) == {f"mail/doe-j/{folder}/budget-8-{d}.html"
                                      for folder in ("Inbox", "All documents") for d in range(3)}
    assert (card.verdict, card.via, card.points) == ("useful", "point", (f"doe-j/{MONDAYS[8]}/1",))
    dev = result.labelled
    assert (dev.weeks, dev.weeks_with_card, dev.overall.cards) == (1, 1, 1)
    assert (dev.overall.precision, dev.overall.useful_share) == (1.0, 1.0)
    assert (dev.overall.points, dev.overall.found, dev.overall.recall) == (2, 1, 0.5)
    # every active week but the test split's week 7 is coached
    assert result.skipped_weeks == 1
    assert result.active.weeks == 8
    assert {j.card.week for j in result.judged} <= set(MONDAYS) - {MONDAYS[7]}
    # the cards as the labellers read them
    records = [json.loads(x) for x in (tmp_path / "cards" / "doe-j.jsonl").read_text().splitlines()]
    (record,) = [r for r in records if r["week"] == MONDAYS[8]]
    assert record["code"] == "abc1234"
    assert same_person(record["person"], "Dana Lee")
    first = record["evidence"][0]
    assert first["source_file"] == "mail/doe-j/Inbox/budget-8-0.html"  # the copy stored
    assert first["source_files"] == ["mail/doe-j/Inbox/budget-8-0.html",
                                     "mail/doe-j/All documents/budget-8-0.html"]
    assert first["folder"] == "Inbox"
    assert first["subject"] == "Budget 8"
    text = render(result)
    assert "labelled dev weeks" in text
    assert "coverage: 1 of 1 weeks have a card (1.00)" in text
    assert "budget draft" not in text  # never content
    assert "Budget 8" not in text


def test_the_test_split_sees_its_own_weeks_only(tiny: tuple[Path, Path, Path]) -> None:
    data, folder, cache = tiny
    result = evaluate(data, load_labels(folder), cache, split="test")
    assert result.labelled.weeks == 1
    assert MONDAYS[8] not in {j.card.week for j in result.judged}
    assert result.labelled.overall.points == 0
    everything = evaluate(data, load_labels(folder), cache, split="all")
    assert everything.skipped_weeks == 0
    assert everything.labelled.weeks == 2


def test_a_verdict_overrides_the_point_and_the_template_lists_the_unjudged(
        tiny: tuple[Path, Path, Path], tmp_path: Path) -> None:
    data, folder, cache = tiny
    judged = tmp_path / "labels"
    (judged / "points").mkdir(parents=True)
    (judged / "weeks.json").write_text((folder / "weeks.json").read_text(), encoding="utf-8")
    _write_jsonl(judged / "cards" / "doe-j.jsonl", [
        {"mailbox": "doe-j", "week": MONDAYS[8], "insight": "unanswered_asks",
         "person": "Dana Lee", "messages": [f"mail/doe-j/Inbox/budget-8-{i}.html"
                                            for i in range(3)],
         "verdict": "wrong", "reason": "answered by phone", "code": "abc1234"}])
    result = evaluate(data, load_labels(judged), cache, split="dev", code="def5678")
    assert result.labelled.overall.precision == 0.0
    assert result.labelled.overall.strict_precision == 0.0
    assert set(result.before) == {"abc1234"}
    assert result.before["abc1234"].overall.cards == 1
    without = evaluate(data, load_labels(tmp_path / "labels" / "points"), cache, split="dev",
                       code="def5678")
    assert without.labelled.overall.judged == 0
    rows = unjudged_template(without)
    assert rows[0]["week"] == MONDAYS[8]  # the split's labelled weeks first
    assert rows[0]["verdict"] == ""
    assert rows[0]["code"] == "def5678"
    assert "mail/doe-j/Inbox/budget-8-0.html" in rows[0]["messages"]
    assert len(rows) == len(without.active.unjudged)


def test_the_command(tiny: tuple[Path, Path, Path], tmp_path: Path) -> None:
    data, folder, cache = tiny
    runner = CliRunner()
    args = ["eval", "real", "--data", str(data), "--labels", str(folder), "--cache", str(cache)]
    unjudged = tmp_path / "todo.jsonl"
    as_json = runner.invoke(cli, [*args, "--json", "--unjudged", str(unjudged)])
    assert as_json.exit_code == 0, as_json.output
    out = json.loads(as_json.stdout)
    assert out["split"] == "dev"
    assert out["labelled"]["overall"]["recall"] == 0.5
    assert out["labelled"]["weeks"] == 1
    assert "eval real: importing and coaching doe-j" in as_json.stderr
    rows = [json.loads(x) for x in unjudged.read_text().splitlines()]
    assert len(rows) == out["active"]["overall"]["cards"] - out["active"]["overall"]["judged"]
    assert all(r["verdict"] == "" for r in rows)
    text = runner.invoke(cli, [*args, "--split", "test", "--mailbox", "doe-j"])
    assert text.exit_code == 0, text.output
    assert "labelled test weeks" in text.stdout
    unknown = runner.invoke(cli, [*args, "--mailbox", "nobody"])
    assert unknown.exit_code == 2
    assert "no such mailbox" in unknown.output
    absent = runner.invoke(cli, ["eval", "real", "--data", str(tmp_path / "nowhere")])
    assert absent.exit_code == 0
    assert "skipped" in absent.stderr
    assert absent.stdout == ""
    bad = tmp_path / "bad"
    _write_jsonl(bad / "cards" / "x.jsonl", [{"mailbox": "x"}])
    failed = runner.invoke(cli, [*args[:-4], "--labels", str(bad), "--cache", str(cache)])
    assert failed.exit_code == 1
    assert "bad label file: cards/x.jsonl:1" in failed.output


def test_provenance_ties_messages_and_calendar_entries_to_every_copy(tmp_path: Path) -> None:
    t = T0 + timedelta(days=2)
    items = [_item("mail/doe-j/Inbox/a.html", "Inbox", DANA, ME, "Plan", "Can you check?\n", t),
             _item("mail/doe-j/Discussion threads/a.html", "Discussion threads", DANA, ME,
                   "Plan", "Can you check?\n", t),
             _item("mail/doe-j/Inbox/b.html", "Inbox", DANA, ME, "Other", "Fine.\n", t),
             {**_item("mail/doe-j/Calendar/1.html", "Calendar", ME, DANA, "Budget review", "",
                      t), "item_type": "calendar"}]
    _write_jsonl(tmp_path / "src" / "doe-j.part00.jsonl", items)
    convert(tmp_path / "src", tmp_path / "out")
    index = source_index(tmp_path / "src", "doe-j")
    assert index[file_digest("mail/doe-j/Inbox/b.html")] == ("mail/doe-j/Inbox/b.html", "Inbox")
    cipher = MemberCipher(1, bytes(32))
    mail = provenance(tmp_path / "out" / "doe-j", cipher, index)
    by_source = {tuple(r.source_file for r in refs): rid for rid, refs in mail.items()}
    # the two copies are one stored message; the copy read first (the one the import stored:
    # the reader's folder walk, the maildir's root Inbox before its sub-folders) comes first
    assert set(by_source) == {("mail/doe-j/Inbox/a.html", "mail/doe-j/Discussion threads/a.html"),
                              ("mail/doe-j/Inbox/b.html",)}
    calendar = provenance(tmp_path / "out" / "doe-j" / "calendar.ics", cipher, index)
    (refs,) = calendar.values()
    assert refs == (SourceRef("mail/doe-j/Calendar/1.html", "Calendar"),)
    # ids are the member's own: another key ties the same sources to other ids
    other = provenance(tmp_path / "out" / "doe-j", MemberCipher(2, bytes(range(32))), index)
    assert set(other.values()) == set(mail.values())
    assert not set(other) & set(mail)


def test_code_commit_names_the_checkout_or_says_unknown(tmp_path: Path) -> None:
    assert code_commit(tmp_path) == "unknown"  # not a git checkout
    here = code_commit()
    assert here == "unknown" or re.fullmatch(r"[0-9a-f]{7,}(\+dirty)?", here)


# -- the real corpus ----------------------------------------------------------------------------


@pytest.mark.corpus
def test_on_the_real_corpus(corpus: Callable[[str], Path], tmp_path: Path) -> None:
    src = corpus(CORPUS)
    labels = load_labels(LABELS)
    result = evaluate(src.parent, labels, tmp_path / "cache", split="dev",
                      mailboxes=["pereira-s"], write_to=tmp_path / "cards")
    # the mailbox's dev week is reported, its test week is left out everywhere
    assert result.labelled.weeks == 1
    assert result.skipped_weeks == 1
    assert result.active.weeks > 20
    assert all(j.card.week != "2001-10-29" for j in result.judged)
    # every message behind every card is traced to the corpus item it was read from
    corpus_lines = (src / "pereira-s.part00.jsonl").read_text(encoding="utf-8").splitlines()
    names = {json.loads(line)["source_file"] for line in corpus_lines}
    cards = (tmp_path / "cards" / "pereira-s.jsonl").read_text(encoding="utf-8").splitlines()
    assert cards
    for line in cards:
        for e in json.loads(line)["evidence"]:
            if e["kind"] == "message":
                assert e["source_files"], e["sent_at"]
                assert set(e["source_files"]) <= names
                assert file_digest(e["source_file"])  # a name the converter digests
