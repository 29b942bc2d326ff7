"""IMAP against a real Dovecot (Debian's dovecot-imapd) that the test starts on loopback:
first sync, new mail only, a changed UIDVALIDITY, metadata-only, a refused password, XOAUTH2."""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.conftest import IN_CI
from tests.connectors.fakes.people import mail
from tests.web import helpers

from upwell.config import Settings
from upwell.errors import ConnectorError, ReconnectNeeded
from upwell.pipeline.connect import connect_imap
from upwell.pipeline.sync import sync_connection
from upwell.sources.connectors.imap import connect, quote, xoauth2
from upwell.store import connections as vault
from upwell.store.accounts import find_account
from upwell.store.db import Member, Store
from upwell.store.schema import messages
from upwell.testing import open_store
from upwell.web import create_app

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
PASSWORD = "imap-secret-pw"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config(root: Path, port: int) -> str:
    if os.geteuid() == 0:  # Dovecot's own unprivileged users from the Debian package
        login, internal = "dovenull", "dovecot"
        uid, gid = pwd.getpwnam("dovecot").pw_uid, grp.getgrnam("dovecot").gr_gid
    else:
        login = internal = pwd.getpwuid(os.getuid()).pw_name
        uid, gid = os.getuid(), os.getgid()
    group = grp.getgrgid(gid).gr_name
    return f"""base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login}
default_internal_user = {internal}
default_internal_group = {group}
mail_location = maildir:{root}/mail/%u
first_valid_uid = {uid}
first_valid_gid = {gid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox "Sent Items" {{
    special_use = \\Sent
    auto = subscribe
  }}
}}
"""


@pytest.fixture
def dovecot() -> Iterator[int]:
    """A Dovecot on a loopback port with one mailbox, ``ann`` / PASSWORD."""
    if not os.path.exists(DOVECOT):
        msg = "dovecot not installed (make test installs Debian's dovecot-imapd as root)"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    root = Path(tempfile.mkdtemp(prefix="upwell-dovecot-"))
    root.chmod(0o755)  # Dovecot's unprivileged processes reach their sockets through it
    for d in ("run", "state"):
        (root / d).mkdir()
    for d in ("mail", "home"):
        (root / d).mkdir(mode=0o777)
        (root / d).chmod(0o777)
    (root / "passwd").write_text(f"ann:{{PLAIN}}{PASSWORD}\n")
    (root / "passwd").chmod(0o644)
    port = _free_port()
    (root / "dovecot.conf").write_text(_config(root, port))
    proc = subprocess.Popen([DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("dovecot did not start: " + (root / "dovecot.log").read_text()[-500:])
        yield port
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(root, ignore_errors=True)


def _append(port: int, folder: str, raw: bytes) -> None:
    c = imaplib.IMAP4("127.0.0.1", port)
    c.login("ann", PASSWORD)
    c.append(quote(folder), None, None, raw)
    c.logout()


def _count(store: Store, member: Member) -> int:
    with store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(messages).where(
            messages.c.member_id == member.id)) or 0)


def test_imap_sync_against_dovecot(store: Store, member: Member, dovecot: int,
                                   tmp_path: Path) -> None:
    for i in range(5):
        _append(dovecot, "INBOX", mail(i))
    _append(dovecot, "Sent Items", mail(5, sent=True))
    settings = Settings(home=tmp_path, analyzers=())
    cid = connect_imap(store, member, host="127.0.0.1", port=dovecot, security="plain",
                       username="ann", password=PASSWORD)
    assert vault.secret(store, member, cid) == PASSWORD  # sealed in the store, opened here
    first = sync_connection(store, settings, member, cid)
    assert (first.status, first.imported) == ("done", 6), first
    with store.engine.connect() as conn:
        assert list(conn.scalars(select(messages.c.in_sent_folder))).count(True) == 1
    # Only the new message is fetched.
    _append(dovecot, "INBOX", mail(6))
    second = sync_connection(store, settings, member, cid)
    assert (second.seen, second.imported) == (1, 1)
    # Nothing new (CONDSTORE: HIGHESTMODSEQ unchanged): nothing fetched.
    assert sync_connection(store, settings, member, cid).seen == 0
    # A changed UIDVALIDITY starts the folder over; Message-IDs keep records single.
    with store.engine.begin() as conn:
        cur = vault.cursor(conn, member, cid)
        cur["INBOX"]["validity"] = 1
        vault.set_cursor(conn, member, cid, cur)
    again = sync_connection(store, settings, member, cid)
    assert (again.seen, again.imported) == (6, 0)
    assert _count(store, member) == 7


def test_imap_metadata_only_and_refused_password(store: Store, member: Member, dovecot: int,
                                                 tmp_path: Path) -> None:
    _append(dovecot, "INBOX", mail(1))
    with pytest.raises(ReconnectNeeded):
        connect_imap(store, member, host="127.0.0.1", port=dovecot, security="plain",
                     username="ann", password="wrong")
    cid = connect_imap(store, member, host="127.0.0.1", port=dovecot, security="plain",
                       username="ann", password=PASSWORD, metadata=True)
    report = sync_connection(store, Settings(home=tmp_path, analyzers=()), member, cid)
    assert report.imported == 1
    with store.engine.connect() as conn:
        assert conn.scalar(select(messages.c.word_count)) == 0
    # The password changes on the server side: reconnect needed.
    with store.engine.begin():
        vault.set_secret(store, member, cid, "changed")
    assert sync_connection(store, Settings(home=tmp_path), member, cid).status == "reconnect"


def test_xoauth2_and_plain_text_refused_off_loopback() -> None:
    assert xoauth2("ann@example.org", "tok") == b"user=ann@example.org\x01auth=Bearer tok\x01\x01"
    with pytest.raises(ConnectorError):
        connect({"host": "imap.example.org", "port": 143, "security": "plain"}, "pw")
    assert quote('a "b"\\c') == '"a \\"b\\"\\\\c"'


def test_imap_connect_from_the_sources_page(dovecot: int, tmp_path: Path) -> None:
    store = open_store(tmp_path / "home")
    app = create_app(Settings(home=tmp_path / "home", web_secret_key="k" * 32, analyzers=()),
                     store, secure_cookies=True)
    try:
        _append(dovecot, "INBOX", mail(3))
        helpers.member(store, "acme", "ann@example.org")
        with TestClient(app, base_url="https://testserver") as c:
            csrf = helpers.sign_in(c, "ann@example.org")
            helpers.consent_all(c, csrf)
            r = c.post("/me/sources/imap", data={
                "csrf": csrf, "host": "127.0.0.1", "port": str(dovecot), "security": "plain",
                "username": "ann", "password": PASSWORD}, follow_redirects=False)
            assert r.status_code == 303, r.text
            page = c.get("/me/sources").text
            assert "IMAP mailbox" in page
            assert PASSWORD not in page
            member = store.open_member(_ref(store, "ann@example.org"))
            (conn,) = vault.list_for(store, member.id)
            assert c.post(f"/me/sources/{conn.id}/sync", data={"csrf": csrf},
                          follow_redirects=False).status_code == 303
            app.state.jobs.wait_sync(conn.id, 60)
            assert _count(store, member) == 1
    finally:
        app.state.jobs.shutdown()
        store.close()


def _ref(store: Store, email: str) -> str:
    account = find_account(store, email)
    assert account is not None
    assert account.member_ref is not None
    return account.member_ref
