"""The weekly digest: a simulated member receives it over real SMTP (aiosmtpd on loopback),
with cards that match their planted behaviour, List-Unsubscribe headers, no remote images; it
is sent once per week however often the job runs; the logs hold no address or card text."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.parser import BytesParser
from email.policy import compat32
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from tests.deliver.conftest import Sink, mail_settings
from tests.test_simulate import small_pools

from upwell.cli import cli
from upwell.config import Settings
from upwell.deliver.digest_job import due_slot, run_due, send_digest
from upwell.insights import catalog
from upwell.lab.sim import simulate
from upwell.normalize.address import make_address
from upwell.pipeline.analyzers import resolve_analyzers
from upwell.pipeline.imports import import_archive
from upwell.store import consent
from upwell.store.accounts import create_account, create_org
from upwell.store.db import Store
from upwell.store.delivery_prefs import (
    Controls,
    DeliveryPrefs,
    get_delivery,
    remember_address,
    save_delivery,
)
from upwell.store.goals import add_goal
from upwell.store.member_settings import MemberPrefs, save_prefs
from upwell.store.team import set_relation
from upwell.testing import open_store
from upwell.web import create_app

#: Behaviours whose planted insight the digest must show (clear strength).
WANTED = ("unanswered_asks", "thanks_in_advance", "blunt_requests", "after_hours_sent",
          "harsh_language", "generic_thanks")


@dataclass
class SimMember:
    home: Path
    ref: str
    email: str
    tz: str
    insights: set[str]
    account_id: int


@pytest.fixture(scope="module")
def sim_member(tmp_path_factory: pytest.TempPathFactory) -> SimMember:
    """One simulated participant with a clearly planted behaviour, imported as their own member
    (mail, Slack export, calendar), with a web account, consent and their own settings."""
    root = tmp_path_factory.mktemp("digest")
    simulate(small_pools(), people=30, weeks=10, seed=11, out=root / "sim")
    truth = json.loads((root / "sim" / "truth.json").read_text())
    people = {p["id"]: p for p in truth["people"]}
    plant = next(b for b in truth["behaviours"]
                 if b["strength"] == "clear" and set(b["insights"]) <= set(WANTED)
                 and len(b["insights"]) == 1)
    p = people[plant["person"]]
    store = open_store(root / "home")
    member = store.open_member(p["id"])
    base = root / "sim" / "people" / p["id"]
    for path, fmt in ((base / "mail", "maildir"), (base / "slack", "slack"),
                      (base / "calendar.ics", "ics")):
        if path.exists():
            import_archive(store, member, path, fmt=fmt, me=[make_address(p["email"])],
                           workers=0, analyzers=resolve_analyzers(Settings()), evidence=True)
    for r in p["reports"]:
        set_relation(store, member, make_address(people[r]["email"]), "report")
    start, end = (int(x) for x in p["hours"].split("-"))
    save_prefs(store, member.id, MemberPrefs(p["tz"], start, end, digest_day=0))
    consent.record(store, member.id, {("mail", "coaching"): True, ("chat", "coaching"): True,
                                      ("calendar", "coaching"): True})
    account = create_account(store, create_org(store, "northwind", "Northwind"), p["email"],
                             "correct horse battery", member_ref=p["id"])
    assert remember_address(store, member, p["id"], p["email"])
    add_goal(store, member.id, "recognition", 1.0)
    store.close()
    return SimMember(root / "home", p["id"], p["email"], p["tz"], set(plant["insights"]),
                     account.id)


@pytest.fixture
def sim_store(sim_member: SimMember) -> Iterator[Store]:
    store = open_store(sim_member.home)
    yield store
    store.close()


def _monday_10(tz: str, weeks: int = 0) -> datetime:
    return datetime(2026, 3, 2, 10, tzinfo=ZoneInfo(tz)) + timedelta(weeks=weeks)


def test_simulated_member_gets_a_digest_whose_cards_match_their_planted_behaviour(
        sim_member: SimMember, sim_store: Store, smtp: Sink,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    settings = mail_settings(sim_store, sim_member.home, smtp)
    now = _monday_10(sim_member.tz)
    outcomes = run_due(sim_store, settings, now)
    assert [o.status for o in outcomes] == ["sent"]
    assert len(smtp.received) == 1
    got = smtp.received[0]
    assert got.recipients == [sim_member.email]  # the member's own address, nobody else's
    msg = got.message
    assert msg["To"] == sim_member.email
    assert msg.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in msg.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    unsub = msg["List-Unsubscribe"]
    assert "<https://upwell.example/unsubscribe/" in unsub
    assert "<mailto:unsubscribe@upwell.example?subject=unsubscribe" in unsub
    # RFC 2369 / 8058 as sent on the wire: plain <URL>s, never an RFC 2047 encoded-word.
    raw = BytesParser(policy=compat32).parsebytes(got.data)["List-Unsubscribe"]
    assert "=?" not in raw
    targets = [t.strip() for t in " ".join(raw.split()).split(",")]
    assert [t[:9] for t in targets] == ["<https://", "<mailto:u"]
    assert all(t.endswith(">") and t.count("<") == 1 for t in targets)
    assert targets[0][1:-1] == unsub.split(",")[0].strip("<> ")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    # Inline CSS only, no remote images or stylesheets.
    assert "<style" not in html
    assert "<link" not in html
    assert "<img" not in html
    assert 'style="' in html
    # The cards: two or three at most, the planted behaviour among them, each with its evidence
    # count and one suggested action.
    cards = [c for c in catalog() if f'data-insight="{c}"' in html]
    assert 1 <= len(cards) <= 3
    assert sim_member.insights <= set(cards), (cards, sim_member.insights)
    for insight in sim_member.insights:
        spec = catalog()[insight]
        assert spec.title in text
        assert spec.action in text
        assert spec.title in html
    assert html.count("behind it") == len(cards)
    # One feedback link per line, after its label (no label runs into the previous link).
    for label in ("Helpful", "Not helpful", "Wrong"):
        lines = [ln.strip() for ln in text.splitlines() if ln.strip().startswith(f"- {label}:")]
        assert len(lines) == len(cards), label
        assert all(re.fullmatch(rf"- {label}: https://upwell\.example/feedback/\S+", ln)
                   for ln in lines), lines
    assert not re.search(r"/feedback/\S+(Helpful|Not helpful|Wrong)", text)
    assert "https://upwell.example/feedback/" in html
    # Progress on the member's goal, with its weekly chart drawn as an HTML table.
    assert "Your goals" in html
    assert "Recognize people more often" in text
    assert html.count('class="chart"') == 1
    # Idempotent: the same week is never sent twice, however often the job runs.
    assert [o.status for o in run_due(sim_store, settings, now + timedelta(hours=2))] \
        == ["already"]
    assert len(smtp.received) == 1
    # Nothing personal in Upwell's logs (the test server's own log is the other side's):
    # no address, no subject, no card text.
    ours = [r for r in caplog.records if r.name.startswith("upwell")]
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in ours)
    assert ours
    assert sim_member.email not in logged
    assert "@" not in logged.replace("@upwell", "")
    for insight in cards:
        assert catalog()[insight].title not in logged
        assert catalog()[insight].action not in logged


def test_one_click_unsubscribe_stops_the_next_digest(sim_member: SimMember, sim_store: Store,
                                                      smtp: Sink) -> None:
    settings = mail_settings(sim_store, sim_member.home, smtp)
    now = _monday_10(sim_member.tz, weeks=1)
    assert send_digest(sim_store, settings, sim_member.account_id, now).status == "sent"
    msg = smtp.received[-1].message
    link = msg["List-Unsubscribe"].split(",")[0].strip("<> ")
    path = link.removeprefix("https://upwell.example")
    app = create_app(settings, sim_store)
    with TestClient(app, base_url="https://testserver") as client:
        page = client.get(path)
        assert page.status_code == 200
        assert "Stop the weekly digest" in page.text
        # RFC 8058: the provider posts the one-click body, with no session and no form token.
        r = client.post(path, data={"List-Unsubscribe": "One-Click"})
        assert r.status_code == 200
        assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
        assert client.post(path[:-3] + "xyz").status_code == 404  # a forged token
    member = sim_store.open_member(sim_member.ref, create=False)
    assert not get_delivery(sim_store, member).digest_enabled
    later = _monday_10(sim_member.tz, weeks=2)
    assert send_digest(sim_store, settings, sim_member.account_id, later).status \
        == "unsubscribed"
    save_delivery(sim_store, member, get_delivery(sim_store, member).__class__())


def test_due_slot_follows_the_members_day_hour_and_zone() -> None:
    prefs = MemberPrefs("Asia/Kolkata", digest_day=2)  # Wednesday
    kolkata = ZoneInfo("Asia/Kolkata")
    assert due_slot(prefs, 8, datetime(2026, 3, 4, 7, 59, tzinfo=kolkata)) is None
    assert due_slot(prefs, 8, datetime(2026, 3, 4, 8, 0, tzinfo=kolkata)) == "2026-03-04"
    assert due_slot(prefs, 8, datetime(2026, 3, 5, 20, tzinfo=kolkata)) == "2026-03-04"
    assert due_slot(prefs, 8, datetime(2026, 3, 6, 9, tzinfo=kolkata)) is None  # past catch-up
    assert due_slot(prefs, 8, datetime(2026, 3, 3, 9, tzinfo=kolkata)) is None


def test_dry_run_preview_and_a_failed_send_is_retried(sim_member: SimMember, sim_store: Store,
                                                      smtp: Sink, tmp_path: Path) -> None:
    settings = mail_settings(sim_store, sim_member.home, smtp)
    now = _monday_10(sim_member.tz, weeks=3)
    assert send_digest(sim_store, settings, sim_member.account_id, now, dry_run=True).status \
        == "dry-run"
    assert smtp.received == []
    # The gate holds the whole digest: snoozed (suppressed) or in quiet hours (deferred).
    member = sim_store.open_member(sim_member.ref, create=False)
    save_delivery(sim_store, member, DeliveryPrefs(controls=Controls(
        snoozed_until=now + timedelta(hours=1))))
    held = send_digest(sim_store, settings, sim_member.account_id, now)
    assert (held.status, held.reason) == ("suppressed", "snoozed")
    save_delivery(sim_store, member, DeliveryPrefs(controls=Controls(quiet_start=9,
                                                                      quiet_end=12)))
    held = send_digest(sim_store, settings, sim_member.account_id, now)
    assert (held.status, held.reason) == ("deferred", "quiet-hours")
    save_delivery(sim_store, member, DeliveryPrefs())
    down = settings.model_copy(update={"smtp_port": 1})
    failed = send_digest(sim_store, down, sim_member.account_id, now)
    assert (failed.status, failed.reason) == ("failed", "E603")
    assert send_digest(sim_store, settings, sim_member.account_id, now).status == "sent"
    assert len(smtp.received) == 1
    # The CLI: run (nothing more due) and a preview file for the member's own eyes.
    env = {"UPWELL_SMTP_HOST": smtp.host, "UPWELL_SMTP_PORT": str(smtp.port),
           "UPWELL_SMTP_SECURITY": "plain", "UPWELL_WEB_SECRET_KEY": "test-secret-" + "x" * 20}
    runner = CliRunner()
    res = runner.invoke(cli, ["--home", str(sim_member.home), "digest", "run", "--now",
                              now.isoformat(), "--json"], env=env)
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["counts"] == {"already": 1}
    out = tmp_path / "me.eml"
    res = runner.invoke(cli, ["--home", str(sim_member.home), "digest", "preview", "--member",
                              sim_member.ref, "--out", str(out)], env=env)
    assert res.exit_code == 0, res.output
    assert out.stat().st_mode & 0o777 == 0o600
    assert b"multipart/alternative" in out.read_bytes()
    assert len(smtp.received) == 1
    res = runner.invoke(cli, ["--home", str(sim_member.home), "digest", "run", "--now",
                              "2026-03-02T10:00"], env=env)
    assert res.exit_code != 0
