"""IMAP: the member's own mailbox on any IMAP server, with a password or XOAUTH2.

Folders: INBOX and the folders the server marks ``\\Sent`` (RFC 6154). Per folder the cursor
keeps ``UIDVALIDITY`` and the last UID committed: a first sync fetches the messages since the
initial window (the newest ``sync_initial_max_items``), later syncs ``UID last+1:*``. A changed
``UIDVALIDITY`` starts the folder over (records are keyed by Message-ID, so nothing doubles).
With CONDSTORE (RFC 7162) an unchanged ``HIGHESTMODSEQ`` and ``UIDNEXT`` skips the folder
without a search. Messages are fetched whole (``BODY.PEEK[]``, nothing marked read) or, in
metadata-only mode, headers only. Plain-text IMAP is refused except on a loopback address.
See docs/sources/imap.md.
"""

from __future__ import annotations

import contextlib
import imaplib
import ipaddress
import re
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from upwell.errors import ConnectorError, ReconnectNeeded
from upwell.model import RawItem, Skipped
from upwell.sources.base import MAX_ITEM_BYTES
from upwell.sources.connectors.spec import ConnectorSpec, Cursor, FetchSession, Page, connector

BATCH = 50
TIMEOUT_S = 60
_LIST = re.compile(rb'^\((?P<flags>[^)]*)\) (?:"[^"]*"|NIL) (?P<name>.+)$')
_UID = re.compile(rb"UID (\d+)")


def xoauth2(user: str, token: str) -> bytes:
    """The SASL XOAUTH2 initial response (Google and Microsoft IMAP)."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01".encode()


def quote(name: str) -> str:
    """A mailbox name as an IMAP quoted string."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def connect(config: dict[str, Any], secret: str | None, token: str | None = None
            ) -> imaplib.IMAP4:
    """A signed-in IMAP connection (``token``: XOAUTH2 instead of the password)."""
    host = str(config.get("host") or "")
    port = int(config.get("port") or 993)
    security = str(config.get("security") or "ssl")
    if security == "plain" and not _loopback(host):
        raise ConnectorError("plain-text IMAP is allowed on a loopback address only: use ssl "
                             "or starttls")
    try:
        if security == "ssl":
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                host, port, ssl_context=ssl.create_default_context(), timeout=TIMEOUT_S)
        else:
            conn = imaplib.IMAP4(host, port, timeout=TIMEOUT_S)
            if security == "starttls":
                conn.starttls(ssl.create_default_context())
    except (TimeoutError, OSError, imaplib.IMAP4.error) as exc:
        raise ConnectorError(f"the IMAP server could not be reached ({type(exc).__name__})"
                             ) from None
    user = str(config.get("username") or "")
    try:
        if token is not None:
            conn.authenticate("XOAUTH2", lambda _challenge: xoauth2(user, token))
        else:
            conn.login(user, secret or "")
    except imaplib.IMAP4.error:
        conn.shutdown()
        raise ReconnectNeeded("the IMAP server refused the sign-in: check the user name and "
                              "password, then connect again") from None
    return conn


def _folders(conn: imaplib.IMAP4) -> list[str]:
    typ, data = conn.list()
    out = ["INBOX"]
    for line in data if typ == "OK" else []:
        if not isinstance(line, bytes):
            continue
        m = _LIST.match(line)
        if m is None or b"\\sent" not in m.group("flags").lower():
            continue
        raw = m.group("name").decode("utf-8", "replace")
        name = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\") if raw.startswith('"') else raw
        if name not in out:
            out.append(name)
    return out


def _status(conn: imaplib.IMAP4, folder: str) -> dict[str, int]:
    """UIDVALIDITY, UIDNEXT and (with CONDSTORE enabled) HIGHESTMODSEQ of a folder, opened
    read-only (EXAMINE: nothing is marked read)."""
    typ, _ = conn.select(quote(folder), readonly=True)
    if typ != "OK":
        raise ConnectorError("the IMAP server refused to open a folder")
    out: dict[str, int] = {}
    for name in ("UIDVALIDITY", "UIDNEXT", "HIGHESTMODSEQ"):
        _, values = conn.response(name)
        for v in values or []:
            word = v.split()[0] if isinstance(v, bytes) and v.split() else b""
            if word.isdigit():
                out[name.lower()] = int(word)
    return out


def _search(conn: imaplib.IMAP4, *criteria: str) -> list[int]:
    typ, data = conn.uid("SEARCH", *criteria)
    if typ != "OK" or not data or not isinstance(data[0], bytes):
        return []
    return sorted(int(x) for x in data[0].split() if x.isdigit())


def _fetch(conn: imaplib.IMAP4, uids: list[int], metadata: bool
           ) -> dict[int, bytes | Skipped]:
    part = "BODY.PEEK[HEADER]" if metadata else "BODY.PEEK[]"
    typ, data = conn.uid("FETCH", ",".join(map(str, uids)), f"(UID {part})")
    out: dict[int, bytes | Skipped] = {}
    for entry in data if typ == "OK" else []:
        if isinstance(entry, tuple) and len(entry) == 2:
            m = _UID.search(entry[0])
            if m is not None:
                body = entry[1]
                out[int(m.group(1))] = (Skipped("item_too_large") if len(body) > MAX_ITEM_BYTES
                                        else bytes(body))
    return out


def fetch(ctx: FetchSession, cursor: Cursor) -> Iterator[Page]:
    """IMAP pages: each batch of UIDs, with the folder's mark after it."""
    token = None
    if ctx.config.get("auth") == "xoauth2" and ctx.api is not None and ctx.api.grant is not None:
        token = ctx.api.grant.token()
    conn = connect(ctx.config, ctx.secret, token)
    state: dict[str, Any] = {k: dict(v) for k, v in cursor.items() if isinstance(v, dict)}
    try:
        typ, caps = conn.capability()
        if typ == "OK" and b"CONDSTORE" in (caps[0] or b"").upper().split():
            conn.enable("CONDSTORE")
        metadata = ctx.mode == "metadata"
        for folder in _folders(conn):
            status = _status(conn, folder)
            validity = status.get("uidvalidity", 0)
            mark = state.get(folder, {})
            if mark.get("validity") != validity:
                mark = {"validity": validity}
            last = int(mark.get("last_uid", 0))
            modseq = status.get("highestmodseq")
            if ("last_uid" in mark and modseq is not None and mark.get("modseq") == modseq
                    and status.get("uidnext", 0) <= last + 1):
                continue
            if "last_uid" in mark:
                uids = [u for u in _search(conn, f"{last + 1}:*") if u > last]
            else:
                since = datetime.now(UTC) - timedelta(days=ctx.settings.sync_initial_days)
                uids = _search(conn, "SINCE", since.strftime("%d-%b-%Y"))
                uids = uids[-ctx.settings.sync_initial_max_items:]
            for start in range(0, len(uids), BATCH):
                batch = uids[start : start + BATCH]
                got = _fetch(conn, batch, metadata)
                items: list[RawItem | Skipped] = []
                for uid in batch:
                    data = got.get(uid, Skipped("gone_before_read"))
                    items.append(data if isinstance(data, Skipped) else RawItem(
                        kind="mime", source="imap", item_id=f"imap:{validity}:{uid}", data=data,
                        context={"folder": folder}))
                mark = dict(mark, last_uid=batch[-1])
                state[folder] = mark
                yield Page(items, {k: dict(v) for k, v in state.items()})
            mark = dict(mark, last_uid=max([last, *uids]), modseq=modseq)
            state[folder] = mark
            yield Page([], {k: dict(v) for k, v in state.items()})
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ConnectorError(f"the IMAP connection failed ({type(exc).__name__}); the next "
                             "sync resumes where this one stopped") from None
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            conn.logout()


IMAP = connector(ConnectorSpec(
    id="imap", title="IMAP mailbox", provider="imap", source="mail", provides=("messages",),
    scopes={"full": ()}, fetch=fetch))
