"""A sync killed mid-page resumes with nothing lost or doubled; retries, bad grants, scopes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from tests.connectors.conftest import Providers, authorize
from tests.connectors.fakes.people import mail
from tests.connectors.fakes.server import Reply, Request

from upwell.model import RawItem
from upwell.normalize import to_records
from upwell.pipeline.rows import record_id
from upwell.pipeline.sync import sync_connection
from upwell.sources.connectors import connectors
from upwell.sources.connectors.http import Api, retry_after
from upwell.store import access_log, consent
from upwell.store import connections as vault
from upwell.store.db import Member, Store
from upwell.store.schema import imports, messages

REPO = Path(__file__).resolve().parents[2]

#: Every scope any connector may ask for. A connector asking for anything else fails here:
#: no app-only permission, no admin or bot scope, nothing wider than the analyzers need.
ALLOWED = {
    "https://www.googleapis.com/auth/gmail.metadata",
    "https://www.googleapis.com/auth/gmail.readonly",
    "https://www.googleapis.com/auth/calendar.events.readonly",
    "Mail.ReadBasic", "Mail.Read", "Calendars.Read", "Chat.Read", "offline_access",
    "channels:history", "groups:history", "im:history", "mpim:history",
    "channels:read", "groups:read", "im:read", "mpim:read",
}


def test_every_configured_scope_is_on_the_allowlist() -> None:
    seen = set()
    for spec in connectors().values():
        for mode, scopes in spec.scopes.items():
            assert set(scopes) <= ALLOWED, (spec.id, mode)
            seen |= set(scopes)
            assert not any(s.endswith((".All", ".Shared")) or "admin" in s.lower()
                           or s.startswith(("bot", "chat:write")) for s in scopes)
    assert {"gmail", "google-calendar", "outlook-mail", "outlook-calendar", "teams-chat",
            "slack", "imap"} <= set(connectors())
    assert "https://www.googleapis.com/auth/gmail.metadata" in seen


def _ids(store: Store, member: Member) -> list[str]:
    with store.engine.connect() as conn:
        return list(conn.scalars(select(messages.c.id).where(messages.c.member_id == member.id)))


def test_sync_killed_mid_page_resumes_without_loss_or_duplicates(
        store: Store, member: Member, providers: Providers, tmp_path: Path) -> None:
    g = providers.google
    raws = [mail(i) for i in range(11)]
    for raw in raws:
        g.add_mail(raw)
    settings = providers.settings(store, tmp_path)
    authorize(store, settings, member, "gmail")
    # Pages of 3: the client fetches page 1 (3 messages, committed), then lists page 2 and
    # fetches its messages; the second message of page 2 blocks until the process is killed.
    newest_first = [m["id"] for m in reversed(g.messages)]
    target = newest_first[4]
    reached, release = providers.server.faults.block_when(
        lambda q: q.path.endswith("/messages/" + target))
    db = store.engine.url.render_as_string(hide_password=False)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "src"), str(REPO)]))
    proc = subprocess.Popen([sys.executable, str(REPO / "tests/connectors/crash_sync.py"),
                             str(tmp_path / "home"), db, providers.server.base], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert reached.wait(60), proc.stderr.read().decode() if proc.stderr else ""
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        release.set()
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert len(_ids(store, member)) == 3  # page 1 only: page 2 was never committed
    # New mail arrives meanwhile; the restarted sync finishes page 2 onwards, then history.
    raws.append(mail(11))
    g.add_mail(raws[-1])
    again = subprocess.run([sys.executable, str(REPO / "tests/connectors/crash_sync.py"),
                            str(tmp_path / "home"), db, providers.server.base], env=env,
                           capture_output=True, timeout=120, check=True)
    assert again.stdout.split()[0] == b"done"
    # Then once more in-process: the history catches what arrived during the first pass.
    sync_connection(store, settings, member, vault.list_for(store, member.id)[0].id)
    stored = _ids(store, member)
    assert len(stored) == len(set(stored))
    expected = {record_id(member.cipher, to_records(RawItem("mime", "gmail", str(i), r))[0])
                for i, r in enumerate(raws)}
    assert set(stored) == expected


def test_rate_limits_and_server_errors_are_retried_with_backoff(
        store: Store, member: Member, providers: Providers, tmp_path: Path) -> None:
    g = providers.google
    for i in range(4):
        g.add_mail(mail(i))
    settings = providers.settings(store, tmp_path, sync_backoff_s=0.5)
    cid = authorize(store, settings, member, "gmail")
    providers.server.faults.queue = [(429, "7"), (503, None), (500, None), (429, None)]
    slept: list[float] = []
    report = sync_connection(store, settings, member, cid, sleep=slept.append)
    assert report.status == "done"
    assert report.imported == 4
    assert report.retried == 4
    assert slept[0] == 7.0  # Retry-After honoured
    assert all(0 <= s <= 0.5 * 2 ** n for n, s in enumerate(slept[1:], start=1))
    # A provider that keeps failing ends the sync with a content-free error; the cursor holds.
    providers.server.faults.queue = [(500, None)] * 20
    g.add_mail(mail(9))
    failed = sync_connection(store, settings.model_copy(update={"sync_retries": 2}), member,
                             cid, sleep=slept.append)
    assert (failed.status, failed.error) == ("failed", "E701")
    conn = vault.get(store, member.id, cid)
    assert conn is not None
    assert conn.status == "active"
    assert conn.error is not None
    assert "example.org" not in conn.error
    providers.server.faults.queue = []
    assert sync_connection(store, settings, member, cid).imported == 1


def test_invalid_grant_marks_reconnect_needed_and_tells_the_member(
        store: Store, member: Member, providers: Providers, tmp_path: Path) -> None:
    g = providers.google
    g.add_mail(mail(1))
    settings = providers.settings(store, tmp_path)
    cid = authorize(store, settings, member, "gmail")
    g.oauth.refresh.clear()  # the member revoked Upwell at Google
    g.oauth.expire_all()
    report = sync_connection(store, settings, member, cid)
    assert (report.status, report.error) == ("reconnect", "E702")
    conn = vault.get(store, member.id, cid)
    assert conn is not None
    assert conn.status == "reconnect"
    assert "connect again" in (conn.error or "")
    assert any(e.action == "sync" and "reconnect" in e.detail
               for e in access_log.entries(store, member.id))
    # While it needs reconnecting nothing is fetched.
    before = len(providers.server.requests)
    assert sync_connection(store, settings, member, cid).status == "reconnect"
    assert len(providers.server.requests) == before


def test_no_sync_without_consent_and_opt_out_stops_a_running_sync(
        store: Store, member: Member, providers: Providers, tmp_path: Path) -> None:
    g = providers.google
    for i in range(7):
        g.add_mail(mail(i))
    settings = providers.settings(store, tmp_path)
    cid = authorize(store, settings, member, "gmail")
    consent.record(store, member.id, {("mail", "coaching"): False})
    before = len(providers.server.requests)
    assert sync_connection(store, settings, member, cid).status == "no_consent"
    assert len(providers.server.requests) == before
    consent.record(store, member.id, {("mail", "coaching"): True})

    # Withdrawn while the sync runs (after its first page): it stops before the next commit.
    def withdraw(q: Request) -> bool:
        if "pageToken" in q.query and q.path.endswith("/messages"):
            consent.record(store, member.id, {("mail", "coaching"): False})
        return False

    providers.server.faults.block_when(withdraw)
    report = sync_connection(store, settings, member, cid)
    assert report.status == "stopped"
    assert len(_ids(store, member)) == 3
    with store.engine.connect() as conn:
        assert conn.scalar(select(imports.c.status).order_by(imports.c.id.desc())) == "done"


def test_retry_after_parsing() -> None:
    assert retry_after(httpx.Response(429, headers={"Retry-After": "3"})) == 3.0
    assert retry_after(httpx.Response(429, headers={"Retry-After": "soon"})) is None
    assert retry_after(httpx.Response(429, headers={"Retry-After": "99999"})) is None
    assert retry_after(httpx.Response(429)) is None
    api = Api(httpx.Client(), None, backoff_s=1.0)
    assert 0 <= api.delay(3, None) <= 8.0
    api.http.close()


@pytest.mark.parametrize(("bad", "status"), [
    ("{", "failed"), ("[]", "failed"), ('{"messages": "x"}', "done"),
    ('{"messages": [{"id": 7}, "x", null]}', "done")])
def test_hostile_json_from_a_provider_is_a_clear_error(
        store: Store, member: Member, providers: Providers, tmp_path: Path, bad: str,
        status: str) -> None:
    settings = providers.settings(store, tmp_path)
    cid = authorize(store, settings, member, "gmail")
    providers.server.route("GET", "/google/api/gmail/v1/users/me/messages",
                           lambda q: Reply(200, bad.encode()))
    report = sync_connection(store, settings, member, cid)
    assert report.status == status
    assert report.error == ("E701" if status == "failed" else None)
    conn = vault.get(store, member.id, cid)
    assert conn is not None
    assert conn.status == "active"


def test_hostile_items_are_counted_skips_and_the_sync_finishes(
        store: Store, member: Member, providers: Providers, tmp_path: Path) -> None:
    g = providers.google
    g.add_mail(mail(1))
    g.add_mail(b"\x00\xff not a message at all")
    g.add_mail(b"From: nobody\r\n\r\nno date")
    g.add_mail(mail(2), ("DRAFT",))
    g.messages.append({"id": "gone", "raw": b"", "labels": [], "history": 0})
    g.messages.remove(g.messages[-1])
    settings = providers.settings(store, tmp_path)
    cid = authorize(store, settings, member, "gmail")
    report = sync_connection(store, settings, member, cid)
    assert report.status == "done"
    assert report.imported == 1
    assert sum(report.skipped.values()) == 3
    assert report.skipped["draft"] == 1


def test_google_403_rate_limit_is_retried(store: Store, member: Member, providers: Providers,
                                          tmp_path: Path) -> None:
    g = providers.google
    g.add_mail(mail(1))
    settings = providers.settings(store, tmp_path)
    cid = authorize(store, settings, member, "gmail")
    calls = []
    real = g._profile

    def limited(q: Request) -> Reply:
        calls.append(1)
        if len(calls) == 1:
            return Reply(403, {"error": {"code": 403, "errors": [
                {"reason": "userRateLimitExceeded"}]}})
        return real(q)

    providers.server.route("GET", "/google/api/gmail/v1/users/me/profile", limited)
    slept: list[float] = []
    report = sync_connection(store, settings, member, cid, sleep=slept.append)
    assert (report.status, report.imported, report.retried) == ("done", 1, 1)
    assert len(slept) == 1


def test_odd_slack_json_ends_the_sync_with_a_content_free_error(
        store: Store, member: Member, providers: Providers, tmp_path: Path) -> None:
    settings = providers.settings(store, tmp_path)
    cid = authorize(store, settings, member, "slack")
    providers.server.route("GET", "/slack/api/conversations.list", lambda q: Reply(200, {
        "ok": True, "channels": [{"id": "C1", "is_member": True}],
        "response_metadata": "not an object"}))
    report = sync_connection(store, settings, member, cid)
    assert (report.status, report.error) == ("failed", "E799")
    conn = vault.get(store, member.id, cid)
    assert conn is not None
    assert conn.error is not None
    assert conn.error.startswith("E799")
    assert conn.status == "active"
