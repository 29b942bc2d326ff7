"""The simulator: the organization it builds, the formats it writes, the behaviours it plants,
and (with the corpora) insight precision and recall on a small organization."""

from __future__ import annotations

import email
import hashlib
import json
from collections import Counter
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.fixtures.synthetic_corpora import write_corpora

from upwell.analyze.stream import WorkProfile, working_hours_between
from upwell.cli import cli
from upwell.insights import catalog
from upwell.lab.sim import count_parallel, simulate
from upwell.lab.sim.corpus import POOLS, Pools, cached_pools
from upwell.lab.sim.generate import (
    HOUR,
    RECIPIENT_MARGIN,
    Generator,
    _intersect,
    _subtract,
    first_after,
    rfc_date,
)
from upwell.lab.sim.world import BEHAVIOURS, SHOWCASE, build_org
from upwell.model import Event, Message, RawItem, Skipped
from upwell.normalize.calendar import from_ics
from upwell.normalize.mime import from_mime
from upwell.normalize.slack import from_slack
from upwell.sources.ics import read_ics
from upwell.sources.maildir import read_maildir
from upwell.sources.slack import read_slack

#: Hand-written sentences for the tests that need no corpora (the real simulator draws from
#: ../shared/data and checks each sentence with the analyzers).
SENTENCES = {
    "filler": ["The quarterly figures are in the shared folder now.",
               "I moved the review to the second floor meeting room.",
               "The vendor confirmed the delivery for next Tuesday morning.",
              "Could you please review the budget draft before Friday? Would you mind "
              "checking the room booking for the workshop? Where is the workshop this year? "
              "Is the new office on the second floor? Which room did they pick for it?"],
    "ask_polite": ["Could you please send me the signed contract?"],
    "ask_blunt": ["Send me the signed contract."],
    "question": ["What time does the review start?"],
    "thanks_specific": ["Thank you for catching the pricing error in the draft."],
    "thanks_bare": ["Thanks!"],
    "thanks_in_advance": ["Thanks in advance for your help."],
    "negative": ["This rollout has been a frustrating mess from the start."],
    "aimed_negative": ["You keep missing the deadlines and it hurts the team."],
    "harsh": ["This is a damn disaster and you ALWAYS ignore the process!!!"],
    "noninclusive": ["Hey guys, the build is green again."],
    "commitment": ["I will send you the updated figures tomorrow."],
    "delivery": ["Attached are the updated figures."],
    "subject": ["Quarterly numbers", "Vendor delivery"],
}


def small_pools() -> Pools:
    first = ["Ann", "Bo", "Cy", "Di", "Ed", "Flo", "Gus", "Hal", "Ida", "Jo", "Kay", "Lu"]
    last = ["Ames", "Berg", "Cole", "Dunn", "Eyre", "Fox", "Gale", "Hunt", "Ives", "Jett",
            "Kerr", "Lund", "Moss", "Nash", "Orr", "Pike", "Quin", "Rudd", "Shaw", "Tate"]
    assert set(SENTENCES) == set(POOLS)
    return Pools(SENTENCES, first, last)


def test_every_insight_type_has_a_planted_behaviour() -> None:
    planted = {i for insights in BEHAVIOURS.values() for i in insights}
    # every type that flags something is planted; positive types (what went well) are judged by
    # unit tests and on real mail, and planted where the simulator can (kept promises)
    assert {i for i, spec in catalog().items() if not spec.positive} <= planted
    assert planted <= set(catalog())


def test_org_shape_and_planting() -> None:
    pools = small_pools()
    org = build_org(200, 26, 5, pools.first_names, pools.last_names)
    people = org.people
    managers = [p for p in people if p.reports]
    assert managers
    assert all(3 <= len(p.reports) <= 12 for p in managers)
    assert all(p.manager >= 0 for p in people[1:])  # one tree
    assert len({p.email for p in people}) == 200
    assert len({p.tz for p in people}) >= 4
    assert any(p.part_time for p in people)
    behaviours = Counter(pl.behaviour for pl in org.plants)
    assert set(behaviours) == set(BEHAVIOURS), set(BEHAVIOURS) - set(behaviours)
    strengths = Counter((pl.behaviour, pl.strength) for pl in org.plants)
    assert all(strengths[(b, "subtle")] >= 1 for b in BEHAVIOURS)
    carriers = [pl.person for pl in org.plants]
    assert len(carriers) == len(set(carriers))  # one behaviour each
    assert all(people[c].participant for c in carriers)
    truth = org.truth()
    assert len(truth["controls"]) >= 30  # type: ignore[arg-type]
    assert build_org(200, 26, 5, pools.first_names, pools.last_names).truth() == truth
    assert truth["showcase"] is None


def test_showcase_manager_carries_several_behaviours_and_nobody_else_changes_role() -> None:
    pools = small_pools()
    org = build_org(60, 12, 5, pools.first_names, pools.last_names, showcase=True)
    assert org.showcase is not None
    star = org.people[org.showcase]
    assert star.participant
    assert len(star.reports) >= 3
    own = [pl for pl in org.plants if pl.person == org.showcase]
    assert {pl.behaviour for pl in own} >= {"one_on_one_lapse", "leaves_asks_unanswered",
                                            "blunt_requests"}
    assert len(own) == len(SHOWCASE)
    assert all(pl.strength == "clear" for pl in own)
    others = [pl.person for pl in org.plants if pl.person != org.showcase]
    assert len(others) == len(set(others))  # everyone else: one behaviour each
    truth = org.truth()
    assert truth["showcase"] == star.pid
    assert star.pid not in truth["controls"]  # type: ignore[operator]


def test_org_arguments_are_checked() -> None:
    pools = small_pools()
    with pytest.raises(ValueError, match="at least 5"):
        build_org(3, 26, 1, pools.first_names, pools.last_names)
    with pytest.raises(ValueError, match="10 weeks"):
        build_org(20, 4, 1, pools.first_names, pools.last_names)
    with pytest.raises(ValueError, match="distinct names"):
        build_org(500, 26, 1, pools.first_names, pools.last_names)


def test_normal_messages_stay_inside_everyones_hours() -> None:
    """The control behaviour: no message of a person without a planted behaviour is sent outside
    their hours or lands outside a recipient's (as the insight judges it)."""
    pools = small_pools()
    org = build_org(120, 12, 9, pools.first_names, pools.last_names)
    gen = Generator(org, pools)
    planted = {pl.person for pl in org.plants}
    checked = 0
    for w in (2, 11):
        for m in gen.week(w).mails:
            if m.sender in planted:
                continue
            s = org.people[m.sender]
            when = datetime.fromtimestamp(m.t, UTC)
            prof = WorkProfile(ZoneInfo(s.tz), s.start_hour, s.end_hour, frozenset(s.workdays))
            assert prof.is_working_time(when), (s.tz, when)
            # with the margin that covers daylight saving in the zone estimate (a quarter of
            # it for a same-day answer late in the shared hours)
            margin = RECIPIENT_MARGIN / 4 if m.parent is not None else RECIPIENT_MARGIN
            for r in m.to:
                rec = org.people[r]
                for shift in (-margin + 60, margin - 60):
                    judged = datetime.fromtimestamp(m.t + shift, UTC)
                    assert prof.is_working_time(judged, ZoneInfo(rec.tz))
            checked += 1
    assert checked > 500


def test_streaming_count_sink_matches_disk(tmp_path: Path) -> None:
    pools = small_pools()
    _org, counted = simulate(pools, people=30, weeks=10, seed=3, out=None)
    _org, written = simulate(pools, people=30, weeks=10, seed=3, out=tmp_path / "sim")
    assert (counted.mails, counted.chats, counted.events) == \
        (written.mails, written.chats, written.events)
    assert counted.messages > 30 * 10 * 5


def test_parallel_counting_matches_one_process() -> None:
    pools = small_pools()
    _org, one = simulate(pools, people=40, weeks=10, seed=8, out=None)
    _org, two = count_parallel(pools, people=40, weeks=10, seed=8, workers=2)
    assert (one.mails, one.chats, one.events, one.copies, one.bytes) == \
        (two.mails, two.chats, two.events, two.copies, two.bytes)


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(root).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def test_same_seed_same_archives(tmp_path: Path) -> None:
    pools = small_pools()
    simulate(pools, people=25, weeks=10, seed=4, out=tmp_path / "a")
    simulate(pools, people=25, weeks=10, seed=4, out=tmp_path / "b")
    simulate(pools, people=25, weeks=10, seed=5, out=tmp_path / "c")
    # maildir file names carry the writer's process id; compare contents by message id
    def messages(root: Path) -> dict[str, bytes]:
        return {email.message_from_bytes(p.read_bytes())["Message-ID"]: p.read_bytes()
                for p in sorted((root / "people").rglob("*.sim:2,S"))}
    assert messages(tmp_path / "a") == messages(tmp_path / "b")
    assert messages(tmp_path / "a") != messages(tmp_path / "c")
    for name in ("truth.json",):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    a_cal = sorted((tmp_path / "a" / "people").glob("*/calendar.ics"))
    assert [_digest(p.parent / "slack") for p in a_cal] == \
        [_digest(tmp_path / "b" / "people" / p.parent.name / "slack") for p in a_cal]


def test_archives_read_back_through_the_real_readers(tmp_path: Path) -> None:
    pools = small_pools()
    org, _report = simulate(pools, people=30, weeks=10, seed=6, out=tmp_path)
    truth = json.loads((tmp_path / "truth.json").read_text())
    person = next(p for p in truth["people"] if p["participant"] and p["reports"])
    home = tmp_path / "people" / person["id"]
    assert list((home / "mail" / ".Sent" / "cur").iterdir())
    items = list(read_maildir(home / "mail"))
    assert items
    assert not [i for i in items if isinstance(i, Skipped)]
    parsed: list[Message] = [from_mime(i) for i in items if isinstance(i, RawItem)]
    sent = [m for m in parsed if m.sender.handle == person["email"]]
    assert sent
    assert all(m.utc_offset_minutes is not None for m in parsed)
    replies = [m for m in parsed if m.in_reply_to]
    assert replies
    assert all(m.subject.startswith("Re: ") for m in replies)
    assert all(">" not in m.body and "wrote:" not in m.body for m in replies)  # quotes split off
    assert all("--" not in m.body for m in parsed)  # signatures split off
    chats = [from_slack(i) for i in read_slack(home / "slack") if isinstance(i, RawItem)]
    assert chats
    assert {m.channel for m in chats} == {"chat"}
    assert not [i for i in read_slack(home / "slack") if isinstance(i, Skipped)]
    events: list[Event] = []
    for item in read_ics(home / "calendar.ics"):
        assert not isinstance(item, Skipped), item
        events += from_ics(item)
    titles = Counter(e.title for e in events)
    assert any("1:1" in t for t in titles)
    assert any(e.recurring for e in events)
    assert any(e.cancelled for e in events)
    assert len(org.people) == 30


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1_700_000_000, max_value=1_900_000_000),
       st.sampled_from(["America/New_York", "Asia/Kolkata", "Australia/Sydney", "UTC",
                        "Europe/London"]))
def test_rfc_date_matches_the_standard_library(t: int, tz: str) -> None:
    assert rfc_date(t, tz) == format_datetime(datetime.fromtimestamp(t, ZoneInfo(tz)))
    assert parsedate_to_datetime(rfc_date(t, tz)).timestamp() == t


def test_interval_helpers() -> None:
    assert _intersect([(0, 10), (20, 30)], [(5, 25)]) == [(5, 10), (20, 25)]
    assert _intersect([(0, 10)], [(10, 20)]) == []
    h = HOUR
    assert _subtract([(0, 10 * h)], [(h, 2 * h), (5 * h, 6 * h)]) == \
        [(0, h), (2 * h, 5 * h), (6 * h, 10 * h)]
    assert _subtract([(0, h)], [(30, h)]) == []  # slivers under a minute are dropped
    assert first_after([(0, 10), (20, 30)], 5) == 5
    assert first_after([(0, 10), (20, 30)], 12) == 20
    assert first_after([(0, 10)], 12) is None


def test_working_hours_between_skips_nights_and_weekends() -> None:
    ny = ZoneInfo("America/New_York")
    prof = WorkProfile(ny, 9, 17)
    fri = datetime(2026, 3, 6, 16, tzinfo=ny)
    mon = datetime(2026, 3, 9, 10, tzinfo=ny)  # across a weekend and a clock change
    assert working_hours_between(prof, fri, mon) == pytest.approx(2.0)
    assert working_hours_between(prof, mon, fri) == 0.0
    tue = datetime(2026, 3, 10, 9, tzinfo=ny)
    assert working_hours_between(prof, mon, tue) == pytest.approx(7.0)
    far = datetime(2026, 6, 1, 9, tzinfo=ny)
    assert working_hours_between(prof, fri, far) == pytest.approx(87 * 8 * 5 / 7)


def test_simulate_cli_refuses_to_overwrite(tmp_path: Path) -> None:
    runner = CliRunner()
    other = tmp_path / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    res = runner.invoke(cli, ["--home", str(tmp_path / "h"), "simulate", str(other)])
    assert res.exit_code != 0
    assert "not empty" in " ".join(res.output.split())
    res = runner.invoke(cli, ["--home", str(tmp_path / "h"), "simulate", str(other), "--force"])
    assert res.exit_code != 0
    assert "refusing" in " ".join(res.output.split())
    assert (other / "keep.txt").read_text() == "mine"
    res = runner.invoke(cli, ["--home", str(tmp_path / "h"), "simulate", str(tmp_path / "x"),
                              "--weeks", "3"])
    assert res.exit_code != 0
    assert "10 weeks" in " ".join(res.output.split())
    res = runner.invoke(cli, ["--home", str(tmp_path / "h"), "simulate", str(tmp_path / "x"),
                              "--data", str(tmp_path / "nowhere")])
    assert res.exit_code != 0
    assert "missing under" in " ".join(res.output.split())


def test_eval_insights_needs_a_truth_file(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["eval", "insights", str(tmp_path)])
    assert res.exit_code != 0
    assert "not found" in " ".join(res.output.split())
    (tmp_path / "truth.json").write_text("{not json")
    res = runner.invoke(cli, ["eval", "insights", str(tmp_path)])
    assert res.exit_code != 0
    assert "not valid JSON" in " ".join(res.output.split())
    (tmp_path / "truth.json").write_text("[]")
    res = runner.invoke(cli, ["eval", "insights", str(tmp_path)])
    assert res.exit_code != 0
    assert "not a simulation" in " ".join(res.output.split())


@pytest.mark.corpus
def test_simulate_and_eval_end_to_end(tmp_path: Path, corpus: object) -> None:
    """The real pipeline on a small simulated organization: corpus sentences, real formats,
    every participant imported and coached; planted behaviours come out, controls stay quiet."""
    corpus("goemotions")  # type: ignore[operator]
    runner = CliRunner()
    home = tmp_path / "home"
    sim = tmp_path / "sim"
    res = runner.invoke(cli, ["--home", str(home), "simulate", str(sim), "--people", "36",
                              "--weeks", "10", "--seed", "21", "--json"])
    assert res.exit_code == 0, res.output
    made = json.loads(res.output)
    assert made["messages"] > 1000
    sample = next((sim / "people").glob("*/mail/cur/*"))
    text = sample.read_text()
    assert "Lorem" not in text
    assert "placeholder" not in text.lower()
    res = runner.invoke(cli, ["eval", "insights", str(sim), "--limit", "14", "--json"])
    assert res.exit_code == 0, res.output
    result = json.loads(res.output)
    tp = sum(t["tp"] for t in result["types"].values())
    fp = sum(t["fp"] for t in result["types"].values())
    fn = sum(t["fn"] for t in result["types"].values())
    assert tp >= 8
    assert tp / (tp + fp) >= 0.85, result["types"]
    assert tp / (tp + fn) >= 0.85, result["types"]
    table = runner.invoke(cli, ["eval", "insights", str(sim), "--limit", "2"])
    assert "precision" in table.output or "prec" in table.output


def test_pools_from_corpora_and_their_cache(tmp_path: Path) -> None:
    """The pool builder on small corpus look-alikes (no ../shared needed): every pool filled by
    the analyzers' reading, then served from the cache."""
    data = write_corpora(tmp_path / "data")
    extra = [("You ruined the launch and it hurts the whole team badly.", "2"),
             ("This rollout has been a terrible, awful mess from the start.", "2"),
             ("This damn report is late again and nobody cares.", "2"),
             ("Thank you for fixing the pricing bug so quickly yesterday.", "15")]
    with (data / "goemotions" / "train.tsv").open("a", encoding="utf-8") as fh:
        fh.writelines(f"{t}\t{label}\tx{i}\n" for i, (t, label) in enumerate(extra))
    enron = data / "enron-edrm-10-mailboxes"
    enron.mkdir()
    bodies = ["The quarterly figures are in the shared folder now. Please send me the "
              "signed contract. What time does the review start? Thanks in advance for "
              "your help. Hey guys, the build is green again. Send the final numbers today.",
              "The vendor confirmed the delivery for next Tuesday morning.",
              "Could you please review the budget draft before Friday? Would you mind "
              "checking the room booking for the workshop? Where is the workshop this year? "
              "Is the new office on the second floor? Which room did they pick for it?",
              "I will send you the updated figures tomorrow. Attached are the updated figures."]
    (enron / "a.part00.jsonl").write_text("\n".join(json.dumps(
        {"subject": f"Weekly numbers {i}", "body": b}) for i, b in enumerate(bodies)) + "\n")
    people = data / "enron-employees-perry-wolfe"
    people.mkdir()
    (people / "employees.tsv").write_text("id\tname\n1\tAnn Ames\n2\tBo Berg\n")
    pools = cached_pools(data, tmp_path / "cache")
    assert all(pools.sentences[p] for p in POOLS), pools.sizes()
    assert "Hey guys, the build is green again." in pools.sentences["noninclusive"]
    assert pools.sentences["commitment"] == ["I will send you the updated figures tomorrow."]
    assert pools.sentences["delivery"] == ["Attached are the updated figures."]
    assert pools.first_names == ["Ann", "Bo"]
    assert list((tmp_path / "cache").glob("sim-pools-*.json"))
    again = cached_pools(data, tmp_path / "cache")
    assert again.sentences == pools.sentences
