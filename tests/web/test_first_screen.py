"""A newcomer's first screen (issue 18): on simulated members, every card on the dashboard links
to what is behind it (messages, meetings or people) and that page lists it; nothing shows an
unexplained raw score; the dashboard's "your usual" is an experiment's "before"; the week's
totals are the week's; counts read as whole numbers; charts carry their scale; a forgotten range
reads as the member entered it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from tests.test_simulate import small_pools
from tests.web import helpers

from upwell.cli import cli
from upwell.config import Settings
from upwell.deliver.formatting import number
from upwell.insights import catalog, coached_week, weekly_cards
from upwell.insights.board import Period, change, compute
from upwell.insights.view import profile_of
from upwell.lab.sim import simulate
from upwell.normalize.address import make_address
from upwell.pipeline.analyzers import resolve_analyzers
from upwell.pipeline.imports import import_archive
from upwell.store import consent
from upwell.store.accounts import create_account, create_org
from upwell.store.member_rules import filter_view
from upwell.store.member_settings import MemberPrefs, save_prefs
from upwell.store.member_view import load_member
from upwell.store.team import set_relation
from upwell.testing import open_store
from upwell.web import create_app, dashboard
from upwell.web.charts import bar_chart, trend_chart

PASSWORD = "correct horse battery"


@dataclass
class SimOrg:
    home: Path
    #: member ref -> (email, tz, start hour, end hour)
    members: dict[str, tuple[str, str, int, int]]
    manager: str
    #: the manager's direct reports: (name, email)
    reports: list[tuple[str, str]]


@pytest.fixture(scope="module")
def sim_org(tmp_path_factory: pytest.TempPathFactory) -> SimOrg:
    """Participants of a small simulated org with planted behaviours (a manager among them),
    each imported as their own member with their own reports declared."""
    root = tmp_path_factory.mktemp("first-screen")
    simulate(small_pools(), people=30, weeks=10, seed=11, out=root / "sim")
    truth = json.loads((root / "sim" / "truth.json").read_text())
    people = {p["id"]: p for p in truth["people"]}
    planted = [b["person"] for b in truth["behaviours"] if people[b["person"]]["participant"]]
    managers = [p for p in planted if people[p]["reports"]]
    chosen = list(dict.fromkeys(managers[:2] + planted))[:8]
    store = open_store(root / "home")
    org = create_org(store, "northwind", "Northwind")
    members = {}
    for ref in chosen:
        p = people[ref]
        member = store.open_member(ref)
        base = root / "sim" / "people" / ref
        for path, fmt in ((base / "mail", "maildir"), (base / "slack", "slack"),
                          (base / "calendar.ics", "ics")):
            if path.exists():
                import_archive(store, member, path, fmt=fmt, me=[make_address(p["email"])],
                               workers=0, analyzers=resolve_analyzers(Settings()),
                               evidence=True)
        for r in p["reports"]:
            set_relation(store, member, make_address(people[r]["email"]), "report")
        start, end = (int(x) for x in p["hours"].split("-"))
        save_prefs(store, member.id, MemberPrefs(p["tz"], start, end))
        consent.record(store, member.id, {("mail", "coaching"): True,
                                          ("calendar", "coaching"): True})
        create_account(store, org, p["email"], PASSWORD, member_ref=ref)
        members[ref] = (p["email"], p["tz"], start, end)
    store.close()
    reports = [(people[r]["name"], people[r]["email"]) for r in people[managers[0]]["reports"]]
    return SimOrg(root / "home", members, managers[0], reports)


def _client(home: Path) -> TestClient:
    settings = Settings(home=home, web_secret_key="test-secret-" + "x" * 20)
    return TestClient(create_app(settings, secure_cookies=True), base_url="https://testserver")


def test_every_card_of_every_simulated_member_has_something_behind_it(sim_org: SimOrg) -> None:
    store = open_store(sim_org.home)
    seen: set[str] = set()
    try:
        for ref, (_email, tz, start, end) in sim_org.members.items():
            member = store.open_member(ref, create=False)
            view = filter_view(store, member, load_member(store, member))
            profile = profile_of(MemberPrefs(tz, start, end))
            # every detection, the cooled-down ones too: each must have something behind it
            for c in weekly_cards(view, profile, cap=len(catalog()), cool_down=0):
                seen.add(c.insight)
                assert c.evidence, f"{c.insight} has nothing behind it"
    finally:
        store.close()
    # the calendar- and person-based cards are among those checked
    assert len(seen) >= 4, seen
    assert seen & {"one_on_one_lapse", "attention_spread", "meeting_overload",
                   "no_focus_time", "fading_tie", "slow_replies", "conversation_balance",
                   "after_hours_landing"}, seen


def test_dashboard_cards_link_to_their_evidence_and_explain_their_order(sim_org: SimOrg) -> None:
    email = sim_org.members[sim_org.manager][0]
    with _client(sim_org.home) as c:
        helpers.sign_in(c, email)
        html = c.get("/me").text
        cards = re.findall(r'<article class="card" id="card-([a-z_]+)">(.*?)</article>', html,
                           re.S)
        assert cards
        for insight, body in cards:
            links = re.findall(r'class="evidence-link" href="([^"]+)"', body)
            assert links == [f"/me/cards/{insight}"]
            page = c.get(links[0])
            assert page.status_code == 200
            assert page.text.count('class="evidence-item') >= 1
            assert "Why it is here" in body
            # no unexplained raw score: a number with decimals in a card is in its own words
            assert "priority" not in body
        assert 'id="card-order"' in html


def test_usual_on_the_dashboard_is_the_before_of_an_experiment(sim_org: SimOrg) -> None:
    store = open_store(sim_org.home)
    try:
        ref = sim_org.manager
        _email, tz, start, end = sim_org.members[ref]
        member = store.open_member(ref, create=False)
        view = filter_view(store, member, load_member(store, member))
        profile = profile_of(MemberPrefs(tz, start, end))
        week_start = coached_week(view, profile).start.astimezone(profile.tz).date()
        periods = tuple(Period(f"experiment-{m}", m, week_start, week_start + timedelta(days=6))
                        for m in ("reply_hours", "sent", "one_on_ones"))
        data = compute(view, profile, periods)
        for p in periods:
            before = data["changes"][p.key]["before"]
            assert data["trends"][p.metric]["baseline"] == before, p.metric
        assert change(view, profile, periods[0]) == data["changes"][periods[0].key]
    finally:
        store.close()


def test_the_week_totals_are_the_weeks(sim_org: SimOrg) -> None:
    email = sim_org.members[sim_org.manager][0]
    with _client(sim_org.home) as c:
        helpers.sign_in(c, email)
        store = c.app.state.store  # type: ignore[attr-defined]
        member = store.open_member(sim_org.manager, create=False)
        data = dashboard.load(store, member)
        assert data is not None
        week = data["trends"]
        assert data["week_messages"] == week["sent"]["current"] + week["received"]["current"]
        assert data["week_messages"] < data["messages"]
        html = c.get("/me").text
        assert f"This week: {data['week_messages']} messages" in html


def test_counts_read_as_whole_numbers(sim_org: SimOrg) -> None:
    assert number(9.0) == "9"
    assert number(0.25) == "0.25"
    assert number(2.50) == "2.5"
    assert number(None) == "–"
    email = sim_org.members[sim_org.manager][0]
    with _client(sim_org.home) as c:
        helpers.sign_in(c, email)
        for path in ("/me", "/me/meetings", "/me/goals", "/me/relationships"):
            text = re.sub(r"<svg.*?</svg>|<script.*?</script>|Upwell [\d.]+\.", "",
                          c.get(path).text, flags=re.S)
            assert not re.search(r"\b\d+\.0\b", text), path


def test_every_chart_has_a_labelled_y_axis() -> None:
    weeks = ["01 Jan", "08 Jan", "15 Jan"]
    for svg in (trend_chart("Hours", weeks, [3.0, None, 7.5], 4.0, " h"),
                bar_chart("Meeting hours per week", weeks, [3.0, 0.0, 7.5], " h")):
        axis = re.search(r'<g class="axis y-axis">(.*?)</g>', str(svg), re.S)
        assert axis, svg
        ticks = re.findall(r'<text class="tick"[^>]*>([^<]+)</text>', axis.group(1))
        assert ticks == ["0h", "5h", "10h"]


def test_a_forgotten_range_reads_as_entered(tmp_path: Path) -> None:
    s = open_store(tmp_path / "home")
    settings = Settings(home=tmp_path / "home", web_secret_key="test-secret-" + "x" * 20)
    helpers.member(s, "acme", "ann@example.org")
    with TestClient(create_app(settings, s, secure_cookies=True),
                    base_url="https://testserver") as c:
        csrf = helpers.sign_in(c, "ann@example.org")
        helpers.consent_all(c, csrf)
        r = c.post("/me/forget", data={"csrf": csrf, "first": "2001-12-01",
                                       "last": "2001-12-31"}, follow_redirects=False)
        assert r.status_code == 303
        page = c.get("/me/privacy").text
        assert "Forgotten: 2001-12-01 to 2001-12-31" in page
        assert "2002-01-01" not in page
        (x,) = [x for x in c.get("/api/v1/me/exclusions").json() if x["kind"] == "range"]
        assert x["last_day"] == "2001-12-31"
        assert x["end"].startswith("2002-01-01T00:00:00")  # stored half-open, still correct
        assert date.fromisoformat(x["start"][:10]) == date(2001, 12, 1)
    s.close()


# Direct reports on the web (issue 18 item 8): the page calls the same library as `upwell team`.

def _team_rows(html: str) -> list[tuple[str, str]]:
    """(name, person id) of each declared person on the team page."""
    return re.findall(r'<tr class="team-member"><td>([^<]*)</td>.*?name="person_id" '
                      r'value="([^"]+)"', html, re.S)


def _suggested(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<li class="suggestion">([^:<]*):.*?name="person_id" value="([^"]+)"',
                      html, re.S)


def test_team_page_lists_adds_removes_and_suggests(sim_org: SimOrg) -> None:
    ref = sim_org.manager
    email = sim_org.members[ref][0]
    other_email = next(e for r, (e, *_rest) in sim_org.members.items() if r != ref)
    with _client(sim_org.home) as c, _client(sim_org.home) as other:
        csrf = helpers.sign_in(c, email)
        page = c.get("/me/team")
        assert page.status_code == 200
        declared = _team_rows(page.text)
        assert declared, "the simulated manager's reports are listed"
        assert not _suggested(page.text)  # every regular 1:1 is already declared

        # remove one: it leaves the list and comes back as a suggestion (regular 1:1s)
        name, pid = declared[0]
        r = c.post("/me/team/remove", data={"csrf": csrf, "person_id": pid},
                   follow_redirects=False)
        assert r.status_code == 303
        page = c.get("/me/team").text
        assert pid not in [p for _n, p in _team_rows(page)]
        assert (name, pid) in [(n.strip(), p) for n, p in _suggested(page)]
        # another member cannot touch it (their ids are scoped to them): 404
        other_csrf = helpers.sign_in(other, other_email)
        assert other.post("/me/team", data={"csrf": other_csrf, "person_id": pid},
                          follow_redirects=False).status_code == 404
        assert other.post("/me/team/remove", data={"csrf": other_csrf, "person_id": pid},
                          follow_redirects=False).status_code == 404
        # without the form token: refused
        assert c.post("/me/team", data={"person_id": pid},
                      follow_redirects=False).status_code == 403
        # add the suggestion back
        r = c.post("/me/team", data={"csrf": csrf, "person_id": pid},
                   follow_redirects=False)
        assert r.status_code == 303
        assert pid in [p for _n, p in _team_rows(c.get("/me/team").text)]

        # the CLI takes a report off the team; the page no longer lists them; adding them by
        # address on the web puts them back, and the CLI lists them (one library, one set of
        # rules)
        report_name, report_email = sim_org.reports[-1]

        def team_cli(*args: str) -> str:
            out = CliRunner().invoke(cli, ["--home", str(sim_org.home), "--member", ref,
                                           "team", *args])
            return str(out.output)

        assert team_cli("remove", report_email).strip() == "removed"
        assert report_name not in [n for n, _p in _team_rows(c.get("/me/team").text)]
        assert f"report   {report_name}" not in team_cli("list")
        r = c.post("/me/team", data={"csrf": csrf, "person": report_email,
                                     "relation": "report"}, follow_redirects=False)
        assert r.status_code == 303
        assert report_name in [n for n, _p in _team_rows(c.get("/me/team").text)]
        listed = team_cli("list")
        assert f"report   {report_name}" in listed
        assert len(listed.splitlines()) == len(declared)
        # the same validation as `upwell team add`
        bad = c.post("/me/team", data={"csrf": csrf, "person": "  ", "relation": "report"})
        assert bad.status_code == 400
        assert "give an email address or a full name" in bad.text
        assert "give an email address or a full name" in team_cli("add", "  ")


def test_a_one_to_one_goal_can_be_set_and_shows_progress(sim_org: SimOrg) -> None:
    email = sim_org.members[sim_org.manager][0]
    with _client(sim_org.home) as c:
        csrf = helpers.sign_in(c, email)
        page = c.get("/me/goals").text
        assert '<option value="one_on_ones">' in page
        r = c.post("/me/goals", data={"csrf": csrf, "metric": "one_on_ones"},
                   follow_redirects=False)
        assert r.status_code == 303
        goals = c.get("/api/v1/me/goals").json()
        (goal,) = [g for g in goals if g["metric"] == "one_on_ones"]
        assert goal["current"] is not None
        assert goal["status"] in {"improving", "holding", "not yet"}
        page = c.get("/me/goals").text
        assert "Hold regular one-to-ones with your direct reports" in page
        assert re.search(r"(Improving|Holding|Not yet): [\d.]+ this week", page)
        c.post(f"/me/goals/{goal['id']}/delete", data={"csrf": csrf})
