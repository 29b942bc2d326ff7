"""The token vault: a member's connected sources, their sealed secrets and sync cursors.

Reads/writes: ``connections`` and ``oauth_states``. Refresh tokens (and IMAP passwords), the
non-secret settings and the cursor are sealed with the member's own key, bound to member,
connection and column. Access tokens are never written here. Every call is scoped by the member
id, so another member's connection id finds nothing.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection as Sql

from upwell.store.db import Member, Store
from upwell.store.schema import connections, oauth_states

ACTIVE, RECONNECT = "active", "reconnect"
#: An authorization not completed within this time is refused.
STATE_TTL = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Connection:
    """A connected source as the member sees it (no secret, no cursor)."""

    id: str
    member_id: int
    source: str
    status: str
    mode: str
    scopes: tuple[str, ...]
    error: str | None
    created_at: datetime
    synced_at: datetime | None


def _row(r: Any) -> Connection:
    return Connection(r.id, r.member_id, r.source, r.status, r.mode,
                      tuple(r.scopes.split()), r.error, r.created_at, r.synced_at)


def create(store: Store, member: Member, source: str, mode: str,  # noqa: PLR0917 (the row)
           scopes: tuple[str, ...],
           secret: str | None, config: dict[str, Any] | None = None) -> str:
    """A new active connection holding the sealed ``secret`` (refresh token or password)."""
    cid = secrets.token_hex(12)
    seal = member.cipher.seal
    with store.engine.begin() as conn:
        conn.execute(insert(connections).values(
            id=cid, member_id=member.id, source=source, status=ACTIVE, mode=mode,
            scopes=" ".join(scopes),
            secret_enc=seal("connections", cid, "secret", secret) if secret else None,
            config_enc=seal("connections", cid, "config", json.dumps(config or {})),
            cursor_enc=None, error=None, created_at=datetime.now(UTC), synced_at=None))
    return cid


def list_for(store: Store, member_id: int) -> list[Connection]:
    """The member's connections, oldest first."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(connections).where(connections.c.member_id == member_id)
                            .order_by(connections.c.created_at, connections.c.id))
        return [_row(r) for r in rows]


def get(store: Store, member_id: int, connection_id: str) -> Connection | None:
    """The member's connection ``connection_id``, or ``None`` (also for another member's)."""
    with store.engine.connect() as conn:
        r = conn.execute(select(connections).where(
            connections.c.id == connection_id, connections.c.member_id == member_id)).first()
    return _row(r) if r is not None else None


def _open(member: Member, cid: str, column: str, blob: bytes | None) -> str | None:
    return member.cipher.open("connections", cid, column, blob) if blob else None


def secret(store: Store, member: Member, connection_id: str) -> str | None:
    """The connection's refresh token or password, opened with the member's key."""
    with store.engine.connect() as conn:
        blob = conn.scalar(select(connections.c.secret_enc).where(
            connections.c.id == connection_id, connections.c.member_id == member.id))
    return _open(member, connection_id, "secret", blob)


def config(store: Store, member: Member, connection_id: str) -> dict[str, Any]:
    with store.engine.connect() as conn:
        blob = conn.scalar(select(connections.c.config_enc).where(
            connections.c.id == connection_id, connections.c.member_id == member.id))
    text = _open(member, connection_id, "config", blob)
    value = json.loads(text) if text else {}
    return value if isinstance(value, dict) else {}


def set_secret(store: Store, member: Member, connection_id: str, value: str) -> None:
    """Replace the sealed secret (a rotated refresh token), in its own transaction."""
    with store.engine.begin() as conn:
        conn.execute(update(connections).where(
            connections.c.id == connection_id, connections.c.member_id == member.id
        ).values(secret_enc=member.cipher.seal("connections", connection_id, "secret", value)))


def cursor(conn: Sql, member: Member, connection_id: str) -> dict[str, Any]:
    """Where the next sync starts (empty: from the beginning)."""
    blob = conn.scalar(select(connections.c.cursor_enc).where(
        connections.c.id == connection_id, connections.c.member_id == member.id))
    text = _open(member, connection_id, "cursor", blob)
    value = json.loads(text) if text else {}
    return value if isinstance(value, dict) else {}


def status(conn: Sql, member_id: int, connection_id: str) -> str | None:
    return conn.scalar(select(connections.c.status).where(
        connections.c.id == connection_id, connections.c.member_id == member_id))


def set_cursor(conn: Sql, member: Member, connection_id: str, value: dict[str, Any]) -> None:
    """Store the cursor inside the caller's transaction (the one that wrote the page)."""
    blob = member.cipher.seal("connections", connection_id, "cursor",
                              json.dumps(value, sort_keys=True))
    conn.execute(update(connections).where(
        connections.c.id == connection_id, connections.c.member_id == member.id
    ).values(cursor_enc=blob))


def mark(store: Store, member_id: int, connection_id: str, *, status: str | None = None,
         error: str | None = None, synced: bool = False) -> None:
    """Record a sync's outcome: the status, a content-free error (or none), when it ran."""
    values: dict[str, Any] = {"error": error[:200] if error else None}
    if status is not None:
        values["status"] = status
    if synced:
        values["synced_at"] = datetime.now(UTC)
    with store.engine.begin() as conn:
        conn.execute(update(connections).where(
            connections.c.id == connection_id, connections.c.member_id == member_id
        ).values(**values))


def remove(store: Store, member_id: int, connection_id: str) -> bool:
    """Delete the connection with its sealed token and cursor."""
    with store.engine.begin() as conn:
        res = conn.execute(delete(connections).where(
            connections.c.id == connection_id, connections.c.member_id == member_id))
    return bool(res.rowcount)


# -- authorizations in progress ---------------------------------------------------------------

def _key(value: str) -> str:
    return hashlib.sha256(b"upwell-oauth-state|" + value.encode()).hexdigest()


def start_authorization(store: Store, member: Member, session: str,  # noqa: PLR0917 (the row)
                        source: str, mode: str,
                        verifier: str) -> str:
    """A fresh single-use state bound to the member's session; the PKCE verifier is kept
    sealed server-side. Earlier unfinished authorizations of the member expire here too."""
    state = secrets.token_urlsafe(32)
    key = _key(state)
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        conn.execute(delete(oauth_states).where(oauth_states.c.member_id == member.id,
                                                oauth_states.c.created_at < now - STATE_TTL))
        conn.execute(insert(oauth_states).values(
            state_key=key, member_id=member.id, session_key=_key(session), source=source,
            mode=mode, verifier_enc=member.cipher.seal("oauth_states", key, "verifier", verifier),
            created_at=now))
    return state


def finish_authorization(store: Store, member: Member, session: str, state: str
                         ) -> tuple[str, str, str] | None:
    """(source, mode, verifier) of the authorization ``state`` started in this very session by
    this member, consumed (a second use finds nothing); ``None`` for anything else."""
    key = _key(state)
    with store.engine.begin() as conn:
        r = conn.execute(select(oauth_states).where(
            oauth_states.c.state_key == key, oauth_states.c.member_id == member.id)).first()
        if r is None:
            return None
        conn.execute(delete(oauth_states).where(oauth_states.c.state_key == key))
    if r.session_key != _key(session) or r.created_at < datetime.now(UTC) - STATE_TTL:
        return None
    verifier = member.cipher.open("oauth_states", key, "verifier", r.verifier_enc)
    return r.source, r.mode, verifier
