"""In-flow nudges from the member's own data: an ask from a report waiting two working days,
and a message that landed in a report's night with a schedule-send suggestion; queued once,
gated (snooze, caps, quiet hours) and delivered by the email channel to a real SMTP server."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from pydantic import SecretStr
from tests.connectors.fakes.server import FakeServer
from tests.connectors.fakes.slack import FakeSlack
from tests.deliver.conftest import Sink, mail_settings

from upwell.analyze.stream import WorkProfile
from upwell.cli import cli
from upwell.config import Settings
from upwell.deliver.chat import EmailChannel, NudgeChannel, SlackDMChannel, channels_for
from upwell.deliver.nudges import run_due, run_for
from upwell.errors import DeliveryError
from upwell.insights.nudges import Nudge, landing_check
from upwell.normalize.address import make_address
from upwell.pipeline.analyzers import resolve_analyzers
from upwell.pipeline.imports import import_archive
from upwell.store import connections, consent
from upwell.store.accounts import create_account, create_org
from upwell.store.db import Member, Store
from upwell.store.delivery_prefs import Controls, DeliveryPrefs, remember_address, save_delivery
from upwell.store.member_settings import MemberPrefs, save_prefs
from upwell.store.member_view import load_member
from upwell.store.nudge_queue import listed
from upwell.store.team import set_relation
from upwell.testing import make_email, write_maildir

MIA = "Mia Manager <mia@example.org>"
REX = "Rex Report <rex@example.org>"
KOLKATA = ZoneInfo("Asia/Kolkata")
ASKED = datetime(2024, 3, 4, 10, tzinfo=KOLKATA)  # a Monday, 04:30 UTC
NOW = datetime(2024, 3, 6, 20, 30, tzinfo=UTC)  # Wednesday evening in Mia's zone (UTC)


def _archive(tmp: Path) -> Path:
    inbox, sent = [], []
    for day in range(14):
        t = ASKED - timedelta(days=14 - day)
        mid = f"<r{day}@example.org>"
        inbox.append(make_email(sender=REX, to=MIA, subject=f"Status {day}",
                                body="The figures are in the shared folder now.\n",
                                date=t, message_id=mid))
        sent.append(make_email(sender=MIA, to=REX, subject=f"Re: Status {day}",
                               body="Noted, the figures look fine.\n",
                               # Mia's client stamps her own zone (UTC), Rex's his (+05:30)
                               date=(t + timedelta(hours=1)).astimezone(UTC),
                               in_reply_to=mid))
    inbox.append(make_email(sender=REX, to=MIA, subject="Budget draft",
                            body="Could you please review the budget draft before Friday?\n",
                            date=ASKED, message_id="<ask@example.org>"))
    sent.append(make_email(sender=MIA, to=REX, subject="Plan for next week",
                           body="The plan for next week is in the shared folder.\n",
                           date=datetime(2024, 3, 6, 20, tzinfo=UTC)))  # 01:30 in Kolkata
    return write_maildir(tmp / "md", {"": inbox, "Sent": sent})


def _member(store: Store, tmp: Path) -> tuple[Member, int]:
    account = create_account(store, create_org(store, "acme", "Acme"), "mia@example.org",
                             "correct horse battery")
    assert account.member_ref is not None
    member = store.open_member(account.member_ref)
    import_archive(store, member, _archive(tmp), me=[make_address("mia@example.org")],
                   analyzers=resolve_analyzers(Settings()))
    set_relation(store, member, make_address("rex@example.org"), "report")
    save_prefs(store, member.id, MemberPrefs("UTC", 9, 17))
    consent.record(store, member.id, {("mail", "coaching"): True})
    assert not remember_address(store, member, account.member_ref, "rex@example.org")
    assert remember_address(store, member, account.member_ref, "mia@example.org")
    return member, account.id


def _run(store: Store, settings: Settings, account_id: int, now: datetime,
         channels: Mapping[str, NudgeChannel] | None = None) -> list[tuple[str, str]]:
    ref = store.engine.connect().exec_driver_sql(
        "select member_ref from accounts where id = ?" if store.dialect == "sqlite"
        else "select member_ref from accounts where id = %s", (account_id,)).scalar()
    chans = channels if channels is not None else {"email": EmailChannel(store, settings)}
    return sorted((o.status, o.reason) for o in run_for(store, settings, account_id, str(ref),
                                                         now=now, channels=chans))


def test_nudges_reach_the_member_once_by_email(store: Store, smtp: Sink, tmp_path: Path) -> None:
    member, account_id = _member(store, tmp_path)
    settings = mail_settings(store, tmp_path / "home", smtp)
    assert _run(store, settings, account_id, NOW) == [("sent", ""), ("sent", "")]
    assert [r.recipients for r in smtp.received] == [["mia@example.org"]] * 2
    by_subject = {r.message["Subject"]: r.message.get_content() for r in smtp.received}
    ask = by_subject["Rex Report is waiting on you"]
    assert "Budget draft" in ask
    assert "2 working days ago" in ask
    assert "https://upwell.example/feedback/" in ask
    night = by_subject["Your message reached Rex Report in their night"]
    assert "landed at Thu 01:30 their time" in night
    assert "Schedule-send it for Thu 09:00 their time (Thu 03:30 yours)" in night
    # Queued once: the same patterns found again are not sent again.
    assert _run(store, settings, account_id, NOW + timedelta(minutes=10)) == []
    assert len(smtp.received) == 2
    kinds = {q.payload["kind"]: q.status for q in listed(store, member)}
    assert kinds == {"ask_waiting": "sent", "night_landing": "sent"}
    # The CLI runs the same job for every member: nothing new is due.


    env = {"UPWELL_DATABASE_URL": store.engine.url.render_as_string(hide_password=False),
           "UPWELL_SMTP_HOST": smtp.host, "UPWELL_SMTP_PORT": str(smtp.port),
           "UPWELL_SMTP_SECURITY": "plain", "UPWELL_WEB_SECRET_KEY": "test-secret-" + "x" * 20}
    res = CliRunner().invoke(cli, ["--home", str(tmp_path / "home"), "nudges", "run", "--now",
                                   (NOW + timedelta(minutes=20)).isoformat(), "--json"],
                             env=env)
    assert res.exit_code == 0, res.output
    assert res.output.strip() == '{"counts": {}}'
    assert len(smtp.received) == 2


def test_snooze_and_caps_suppress_and_quiet_hours_defer(store: Store, smtp: Sink,
                                                        tmp_path: Path) -> None:
    member, account_id = _member(store, tmp_path)
    settings = mail_settings(store, tmp_path / "home", smtp)
    save_delivery(store, member, DeliveryPrefs(controls=Controls(
        caps={"email": (1, 5)}, quiet_start=20, quiet_end=7,
        snoozes={"unanswered_asks": NOW + timedelta(days=1)})))
    # The snoozed type is held back; 20:30 is inside the quiet hours: the other waits for 07:00.
    assert _run(store, settings, account_id, NOW) == [("deferred", "quiet-hours"),
                                                      ("suppressed", "snoozed")]
    assert smtp.received == []
    assert [q.due_at for q in listed(store, member, status="queued")] \
        == [datetime(2024, 3, 7, 7, tzinfo=UTC)]
    morning = datetime(2024, 3, 7, 7, 30, tzinfo=UTC)
    assert _run(store, settings, account_id, morning) == [("sent", "")]
    assert len(smtp.received) == 1
    assert "night" in smtp.received[0].message["Subject"]
    # The cap: one email nudge a day, so a new one the same day is held back.
    later = morning + timedelta(hours=1)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("delete from nudges")
    assert ("suppressed", "cap-day") in _run(store, settings, account_id, later)
    assert len(smtp.received) == 1


def test_a_channel_that_is_not_there_yet_or_fails_keeps_the_nudge_queued(
        store: Store, tmp_path: Path) -> None:
    member, account_id = _member(store, tmp_path)
    settings = Settings(home=tmp_path / "home", database_url=store.engine.url.render_as_string(
        hide_password=False), web_secret_key="test-secret-" + "x" * 20)
    save_delivery(store, member, DeliveryPrefs(controls=Controls(nudge_channel="slack",
                                                                  quiet_start=None,
                                                                  quiet_end=None)))
    assert _run(store, settings, account_id, NOW) == [("queued", "no-channel")] * 2

    class Broken:
        id = "slack"

        def send(self, member: Member, ref: str, nudge: Nudge, links: Mapping[str, str]
                 ) -> None:
            raise DeliveryError("down", code="E699")

    assert _run(store, settings, account_id, NOW, {"slack": Broken()}) == [("failed", "E699")] * 2
    sent: list[Nudge] = []

    class Works:
        id = "slack"

        def send(self, member: Member, ref: str, nudge: Nudge, links: Mapping[str, str]
                 ) -> None:
            sent.append(nudge)

    assert _run(store, settings, account_id, NOW, {"slack": Works()}) == [("sent", "")] * 2
    assert {n.kind for n in sent} == {"ask_waiting", "night_landing"}
    # Four days on, a nudge still queued is no longer timely.
    save_delivery(store, member, DeliveryPrefs(controls=replace(Controls(), quiet_start=None,
                                                                quiet_end=None)))
    with store.engine.begin() as conn:
        conn.exec_driver_sql("update nudges set status = 'queued'")
    assert {s for s, _ in _run(store, settings, account_id, NOW + timedelta(days=4))} \
        == {"expired"}
    # No SMTP server configured: the email channel fails with a coded, content-free error.
    bare = EmailChannel(store, settings)
    with pytest.raises(DeliveryError, match="E604") as raised:
        bare.send(member, "nobody", sent[0], {})
    assert "example.org" not in str(raised.value)


def test_landing_check_suggests_the_recipients_morning(store: Store, tmp_path: Path) -> None:
    member, _ = _member(store, tmp_path)
    view = load_member(store, member)
    rex = next(p for p, rel in view.team.items() if rel == "report")

    profile = WorkProfile(ZoneInfo("UTC"), 9, 17)
    friday_night = datetime(2024, 3, 8, 21, tzinfo=UTC)  # Sat 02:30 in Kolkata
    assert landing_check(view, profile, rex, friday_night) == datetime(2024, 3, 11, 9,
                                                                      tzinfo=KOLKATA)
    assert landing_check(view, profile, rex, datetime(2024, 3, 7, 6, tzinfo=UTC)) is None
    assert landing_check(view, profile, "someone-unknown", friday_night) is None


def test_a_slack_dm_nudge_reaches_the_local_slack_server(store: Store, tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture
                                                         ) -> None:
    member, account_id = _member(store, tmp_path)
    server = FakeServer()
    slack = FakeSlack(server)
    server.start()
    try:
        settings = Settings(home=tmp_path / "home", database_url=store.engine.url
                            .render_as_string(hide_password=False),
                            web_secret_key="test-secret-" + "x" * 20,
                            public_url="https://upwell.example",
                            slack_api_url=server.base + "/slack/api", sync_backoff_s=0.0)
        save_delivery(store, member, DeliveryPrefs(controls=Controls(
            nudge_channel="slack", quiet_start=None, quiet_end=None)))
        # No Slack app configured: the channel is not offered, the nudges wait.
        assert "slack" not in channels_for(store, settings)
        assert _run(store, settings, account_id, NOW, channels_for(store, settings)) \
            == [("queued", "no-channel")] * 2
        app = settings.model_copy(update={"slack_bot_token": SecretStr("xoxb-upwell-app")})
        # The app is there but the member has not connected Slack: nobody to write to.
        assert _run(store, app, account_id, NOW, channels_for(store, app)) \
            == [("failed", "E608")] * 2
        connections.create(store, member, "slack", "full", ("im:history",), "xoxe-refresh",
                           {"user": "U0MIA"})
        # A wrong bot token: Slack refuses, the nudges stay queued with a coded reason.
        wrong = settings.model_copy(update={"slack_bot_token": SecretStr("xoxb-someone-else")})
        assert _run(store, wrong, account_id, NOW, {"slack": SlackDMChannel(store, wrong)}) \
            == [("failed", "E607")] * 2
        assert slack.dms == []
        server.faults.queue.append((429, "0"))  # rate limited once
        with caplog.at_level("DEBUG"):
            counts = run_due(store, app, NOW)
        assert [o.status for o in counts[account_id]] == ["sent", "sent"]
        assert [user for user, _t, _b in slack.dms] == ["U0MIA", "U0MIA"]
        texts = {t.split(":", 1)[0]: (t, b) for _u, t, b in slack.dms}
        ask_text, ask_blocks = texts["Rex Report is waiting on you"]
        assert "Budget draft" in ask_text
        buttons = [e["url"] for b in ask_blocks if b["type"] == "actions" for e in b["elements"]]
        assert len(buttons) == 3
        assert all(u.startswith("https://upwell.example/feedback/") for u in buttons)
        _night, night_blocks = texts["Your message reached Rex Report in their night"]
        assert "Schedule-send it for Thu 09:00 their time" in json.dumps(night_blocks)
        # Sent once; the logs name no one and hold no text or token.
        assert _run(store, app, account_id, NOW + timedelta(minutes=5),
                    channels_for(store, app)) == []
        assert len(slack.dms) == 2
        logged = caplog.text
        for secret in ("U0MIA", "Budget", "Rex", "xoxb-", "mia@example.org"):
            assert secret not in logged
    finally:
        server.stop()
