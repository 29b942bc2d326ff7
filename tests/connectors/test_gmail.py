"""Gmail end to end against the loopback Google: connect, sync, incremental, expiry, revoke."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from tests.connectors.conftest import Providers, authorize
from tests.connectors.fakes.people import mail

from upwell.analyze.names import GRATITUDE
from upwell.cli import cli
from upwell.errors import UpwellError
from upwell.pipeline.connect import disconnect
from upwell.pipeline.sync import sync_connection
from upwell.store import connections as vault
from upwell.store.db import Member, Store
from upwell.store.schema import messages


def _count(store: Store, member: Member) -> int:
    with store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(messages).where(
            messages.c.member_id == member.id)) or 0)


def test_gmail_connect_sync_incremental_expiry_disconnect(
        store: Store, member: Member, providers: Providers, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    g = providers.google
    for i in range(7):
        g.add_mail(mail(i), ("INBOX",))
    g.add_mail(mail(7, sent=True), ("SENT",))
    settings = providers.settings(store, tmp_path)
    cid = authorize(store, settings, member, "gmail")
    conn = vault.get(store, member.id, cid)
    assert conn is not None
    assert conn.scopes == ("https://www.googleapis.com/auth/gmail.readonly",)
    # The refresh token is sealed: not in the database in clear.
    secret = vault.secret(store, member, cid)
    assert secret is not None
    assert secret.startswith("rt-")
    first = sync_connection(store, settings, member, cid)
    assert first.status == "done", first
    assert first.imported == 8
    assert _count(store, member) == 8
    # New mail: only the new items are fetched, through history.
    g.add_mail(mail(8))
    g.add_mail(mail(9))
    before = len(providers.server.requests)
    second = sync_connection(store, settings, member, cid)
    assert second.imported == 2
    assert second.seen == 2
    fetched = [p for p in providers.server.requests[before:] if "/messages/" in p]
    assert len(fetched) == 2
    assert any("/history" in p for p in providers.server.requests[before:])
    assert _count(store, member) == 10
    # Nothing new: nothing fetched.
    assert sync_connection(store, settings, member, cid).seen == 0
    # The access token expires: a 401, one refresh, and the sync goes on.
    g.oauth.expire_all()
    g.add_mail(mail(10))
    third = sync_connection(store, settings, member, cid)
    assert third.status == "done"
    assert third.imported == 1
    assert g.oauth.refreshes == 1
    # Disconnect revokes at Google and deletes the sealed token.
    with httpx.Client() as http:
        result = disconnect(store, settings, member, cid, http)
    assert result.revoked
    assert g.oauth.revoked == [secret]
    assert vault.get(store, member.id, cid) is None
    # No log line carries a token or an address.
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "rt-" not in logged
    assert "at-" not in logged
    assert "example.org" not in logged


def test_cli_sync_prints_a_content_free_summary(store: Store, member: Member,
                                                providers: Providers, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(3):
        providers.google.add_mail(mail(i))
    settings = providers.settings(store, tmp_path / "home")
    authorize(store, settings, member, "gmail")
    for name, value in settings.model_dump().items():
        if value is not None and name.startswith(("google_", "database_url", "sync_b")):
            raw = value.get_secret_value() if hasattr(value, "get_secret_value") else value
            monkeypatch.setenv("UPWELL_" + name.upper(), str(raw))
    runner = CliRunner()
    r = runner.invoke(cli, ["--home", str(tmp_path / "home"), "sync", "--member", "ann",
                            "--source", "gmail"])
    assert r.exit_code == 0, r.output
    assert "gmail: done, 3 new" in r.output
    assert "example.org" not in r.output
    r = runner.invoke(cli, ["--home", str(tmp_path / "home"), "--member", "ann", "sync",
                            "--json"])
    assert json.loads(r.output)[0]["imported"] == 0
    r = runner.invoke(cli, ["--home", str(tmp_path / "home"), "sync", "--source", "fax"])
    assert r.exit_code == 2


def test_gmail_metadata_only_reads_no_body(store: Store, member: Member, providers: Providers,
                                           tmp_path: Path) -> None:
    g = providers.google
    for i in range(3):
        g.add_mail(mail(i))
    settings = providers.settings(store, tmp_path, connector_metadata_only=True,
                                  analyzers=(GRATITUDE,))
    cid = authorize(store, settings, member, "gmail")
    conn = vault.get(store, member.id, cid)
    assert conn is not None
    assert (conn.mode, conn.scopes) == ("metadata",
                                        ("https://www.googleapis.com/auth/gmail.metadata",))
    report = sync_connection(store, settings, member, cid)
    assert report.imported == 3
    with store.engine.connect() as c:
        assert set(c.scalars(select(messages.c.word_count))) == {0}
        assert c.scalar(select(func.count()).select_from(messages).where(
            messages.c.subject_enc.is_not(None))) == 3


def test_a_grant_missing_a_needed_scope_is_refused_and_revoked(
        store: Store, member: Member, providers: Providers, tmp_path: Path) -> None:
    g = providers.google
    real = g.oauth.authorize
    g.oauth.authorize = lambda q, scopes: real(q, ("openid",))  # type: ignore[method-assign]
    settings = providers.settings(store, tmp_path)
    with pytest.raises(UpwellError) as err:
        authorize(store, settings, member, "gmail")
    assert err.value.code == "E704"
    assert "gmail.readonly" in str(err.value)
    assert vault.list_for(store, member.id) == []
    assert g.oauth.revoked
