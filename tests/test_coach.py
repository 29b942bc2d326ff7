"""`upwell coach`: import, analyze and cards in one command; JSON, terminal and HTML report."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from upwell.cli import cli
from upwell.config import Settings
from upwell.store.db import Store
from upwell.store.member_rules import exclude_person
from upwell.store.member_view import load_member
from upwell.testing import weekly_asks

T0 = datetime(2024, 1, 1, 15, tzinfo=UTC)  # Monday 10:00 in New York


def _archive(tmp_path: Path) -> Path:
    return weekly_asks(tmp_path / "md", ask="Could you please review the <budget> draft",
                       reply="Sure, I'll review it today.")


def test_coach_json_terminal_and_html(tmp_path: Path) -> None:
    archive = _archive(tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["--home", str(tmp_path / "h1"), "coach", str(archive),
                                 "--tz", "America/New_York", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["week"] == "2024-02-26"
    cards = {c["insight"]: c for c in data["cards"]}
    assert set(cards) == {"unanswered_asks"}
    card = cards["unanswered_asks"]
    assert card["evidence_count"] == 3  # Thursday and Friday asks are too recent to judge
    assert card["priority"] > 0
    assert {"insight", "title", "evidence_count", "priority"} <= set(card)
    dana = data["relationships"][0]
    assert dana["name"] == "Dana Lee"
    assert dana["reply_hours_mine"] == 1.0

    html = tmp_path / "report.html"
    result = runner.invoke(cli, ["--home", str(tmp_path / "h2"), "coach", str(archive),
                                 "--tz", "America/New_York", "--html", str(html)])
    assert result.exit_code == 0, result.output
    assert "Asks left unanswered" in result.stdout
    page = html.read_text()
    assert (html.stat().st_mode & 0o777) == 0o600
    assert "<svg" in page
    assert "Budget 8" in page
    assert "<script" not in page
    assert "http" not in page  # nothing loads from anywhere
    assert "<budget>" not in page
    assert "Your relationships" in page


def test_coach_shows_the_profile_it_used_inferred_or_given(tmp_path: Path) -> None:
    archive = _archive(tmp_path)
    runner = CliRunner()
    inferred = runner.invoke(cli, ["--home", str(tmp_path / "h1"), "coach", str(archive)])
    assert inferred.exit_code == 0, inferred.output
    text = " ".join(inferred.stdout.split())
    assert "inferred from 45 of your sent messages" in text
    assert "change it with --tz ZONE --hours START-END" in text
    data = json.loads(runner.invoke(cli, ["--home", str(tmp_path / "h1"), "coach", str(archive),
                                          "--json"]).stdout)
    assert data["profile"]["source"] in {"high", "medium", "low"}
    assert data["profile"]["sent"] == 45
    given = runner.invoke(cli, ["--home", str(tmp_path / "h1"), "coach", str(archive),
                                "--tz", "Europe/Paris", "--hours", "8-18", "--json"])
    profile = json.loads(given.stdout)["profile"]
    # the member's own mail is stamped +00:00, not Paris time: the stamps are not theirs
    assert "stamped +00:00" in profile.pop("offsets_reason")
    assert profile == {"tz": "Europe/Paris", "hours": "8-18", "source": "declared", "sent": 45,
                       "basis": None, "offsets_credible": False}
    assert "Others' local time is unknown" in " ".join(runner.invoke(
        cli, ["--home", str(tmp_path / "h1"), "coach", str(archive)]).stdout.split())


def test_coach_rejects_bad_zone_and_hours(tmp_path: Path) -> None:
    archive = _archive(tmp_path)
    runner = CliRunner()
    bad_tz = runner.invoke(cli, ["--home", str(tmp_path / "h"), "coach", str(archive),
                                 "--tz", "Mars/Olympus"])
    assert bad_tz.exit_code == 2
    assert "unknown time zone" in bad_tz.output
    bad_hours = runner.invoke(cli, ["--home", str(tmp_path / "h"), "coach", str(archive),
                                    "--hours", "17-9"])
    assert bad_hours.exit_code == 2


def test_team_add_list_suggest_remove(tmp_path: Path) -> None:
    archive = _archive(tmp_path)
    home = str(tmp_path / "h")
    runner = CliRunner()
    assert runner.invoke(cli, ["--home", home, "import", str(archive)]).exit_code == 0
    ics = tmp_path / "cal.ics"
    ics.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
        "UID:oo@example.org\r\nDTSTAMP:20240101T000000Z\r\nDTSTART:20240102T160000Z\r\n"
        "DTEND:20240102T163000Z\r\nRRULE:FREQ=WEEKLY;COUNT=6\r\nSUMMARY:Ann / Dana\r\n"
        "ORGANIZER;CN=Ann Example:mailto:ann@example.org\r\n"
        "ATTENDEE;CN=Dana Lee;PARTSTAT=ACCEPTED:mailto:dana@example.org\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n")
    assert runner.invoke(cli, ["--home", home, "import", str(ics)]).exit_code == 0
    listed = runner.invoke(cli, ["--home", home, "team", "list", "--suggest"])
    assert "suggested Dana Lee (6 one-to-ones" in listed.stdout
    added = runner.invoke(cli, ["--home", home, "team", "add", "dana@example.org"])
    assert added.stdout.strip() == "added as report"
    assert "report   Dana Lee" in runner.invoke(cli, ["--home", home, "team", "list"]).stdout
    removed = runner.invoke(cli, ["--home", home, "team", "remove", "dana@example.org"])
    assert removed.stdout.strip() == "removed"


def test_coach_honours_exclusions_set_in_the_web_app(tmp_path: Path) -> None:
    archive, home = _archive(tmp_path), tmp_path / "h"
    runner = CliRunner()
    args = ["--home", str(home), "coach", str(archive), "--tz", "America/New_York", "--json"]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert {c["insight"] for c in json.loads(first.stdout)["cards"]} == {"unanswered_asks"}
    # the member excludes Dana (the library call behind the web app's "exclude this person")
    settings = Settings(home=home)
    store = Store(settings)
    try:
        member = store.open_member(settings.member, create=False)
        names = load_member(store, member).names
        (dana,) = [p for p, n in names.items() if n == "Dana Lee"]
        exclude_person(store, member, dana, "Dana Lee")
    finally:
        store.close()
    again = runner.invoke(cli, args)
    assert again.exit_code == 0, again.output
    data = json.loads(again.stdout)
    assert data["cards"] == []
    assert all(t["name"] != "Dana Lee" for t in data["relationships"])


def test_coach_all_weeks_and_one_week(tmp_path: Path) -> None:
    archive = _archive(tmp_path)
    runner = CliRunner()
    base = ["coach", str(archive), "--tz", "America/New_York", "--json"]
    latest = json.loads(runner.invoke(cli, ["--home", str(tmp_path / "h1"), *base]).stdout)
    every = runner.invoke(cli, ["--home", str(tmp_path / "h1"), *base, "--all-weeks"])
    assert every.exit_code == 0, every.output
    weeks = json.loads(every.stdout)["weeks"]
    # every week with mail, oldest first, each keyed by its Monday in the member's zone
    assert [w["week"] for w in weeks] == [
        (datetime(2024, 1, 1) + timedelta(weeks=n)).date().isoformat() for n in range(9)]
    assert weeks[0]["cards"] == []  # no earlier weeks to compare the first one with
    # the latest week's cards are the default run's cards
    assert weeks[-1]["cards"] == latest["cards"]
    assert {c["insight"] for c in weeks[-1]["cards"]} == {"unanswered_asks"}

    # a Wednesday picks its week; cards carry the same fields as the default's
    one = runner.invoke(cli, ["--home", str(tmp_path / "h1"), *base, "--week", "2024-02-28"])
    assert one.exit_code == 0, one.output
    data = json.loads(one.stdout)
    assert [w["week"] for w in data["weeks"]] == ["2024-02-26"]
    assert data["weeks"][0]["cards"] == latest["cards"]
    assert "import" in data
    # a week with no mail at all is coached too, and has nothing to say
    empty = json.loads(runner.invoke(cli, ["--home", str(tmp_path / "h1"), *base,
                                           "--week", "2023-06-07"]).stdout)
    assert empty["weeks"] == [{"week": "2023-06-05", "cards": []}]


def test_coach_weeks_text_and_bad_combinations(tmp_path: Path) -> None:
    archive = _archive(tmp_path)
    runner = CliRunner()
    home = ["--home", str(tmp_path / "h")]
    text = runner.invoke(cli, [*home, "coach", str(archive), "--tz", "America/New_York",
                               "--all-weeks"])
    assert text.exit_code == 0, text.output
    assert text.stdout.count("Week of ") == 9
    assert "Week of 2024-01-01: 0 cards" in text.stdout
    assert "Week of 2024-02-26: 1 card\n" in text.stdout
    assert "Asks left unanswered" in text.stdout
    both = runner.invoke(cli, [*home, "coach", str(archive), "--all-weeks",
                               "--week", "2024-02-26"])
    assert both.exit_code == 2
    assert "not both" in both.output
    html = runner.invoke(cli, [*home, "coach", str(archive), "--all-weeks",
                               "--html", str(tmp_path / "r.html")])
    assert html.exit_code == 2
    assert not (tmp_path / "r.html").exists()
    bad = runner.invoke(cli, [*home, "coach", str(archive), "--week", "26/02/2024"])
    assert bad.exit_code == 2
