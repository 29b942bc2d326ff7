"""Opening the store: engine, migrations, members and their keys.

Reads: settings (database URL, key provider). Writes: the ``members``, ``member_keys`` and
``tombstones`` tables. SQLite (the embedded default) and PostgreSQL run the same code and the
same migrations.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, delete, event, insert, inspect, select, text
from sqlalchemy.engine import Connection

from upwell.config import Settings
from upwell.errors import MemberDeleted, MemberKeyError
from upwell.store.crypto import MemberCipher, new_data_key
from upwell.store.keys import key_provider
from upwell.store.schema import member_keys, members, tombstones

_MIGRATIONS = Path(__file__).parent / "migrations"


#: The newest migration. A test checks it against Alembic's own head, so that opening a current
#: store needs one query and never loads Alembic (a third of the CLI's start-up time).
SCHEMA_HEAD = "0010"


def _alembic_config(conn: Connection) -> Any:
    from alembic.config import Config  # noqa: PLC0415 - alembic loads only when migrating, not on every store open

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def schema_revision(conn: Connection) -> str | None:
    """The store's current migration, or ``None`` for an empty database."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    version = conn.scalar(text("SELECT version_num FROM alembic_version"))
    return None if version is None else str(version)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is current)."""
    with engine.begin() as conn:
        if schema_revision(conn) == SCHEMA_HEAD:
            return
        from alembic import command  # noqa: PLC0415 - alembic loads only when migrating, not on every store open

        command.upgrade(_alembic_config(conn), "head")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def member_ref_key(ref: str) -> str:
    """The stored form of a member reference (the account or local member name)."""
    return hashlib.sha256(b"upwell-member|" + ref.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Member:
    """An opened member: their row id and their cipher (data key unwrapped in memory)."""

    id: int
    cipher: MemberCipher


class Store:
    """The database plus the key provider: the one way to reach a member's rows."""

    def __init__(self, settings: Settings) -> None:
        url = settings.resolved_database_url()
        db_file = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
        if db_file is not None:
            db_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.engine = create_engine(url, future=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        migrate(self.engine)
        if db_file is not None:
            # The member's store is theirs alone: owner-only, like the key file.
            for f in (db_file, *db_file.parent.glob(db_file.name + "-*")):
                f.chmod(0o600)
        self.keys = key_provider(settings)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def find_member(self, ref: str) -> int | None:
        with self.engine.connect() as conn:
            return conn.scalar(select(members.c.id).where(members.c.ref_key == member_ref_key(ref)))

    def open_member(self, ref: str, *, create: bool = True) -> Member:
        """Open (or create) the member ``ref``; a tombstoned member raises MemberDeleted."""
        key = member_ref_key(ref)
        with self.engine.begin() as conn:
            if conn.scalar(select(tombstones.c.ref_key).where(tombstones.c.ref_key == key)):
                raise MemberDeleted(
                    "this member deleted their data; run `upwell optin` to opt in again"
                )
            member_id = conn.scalar(select(members.c.id).where(members.c.ref_key == key))
            if member_id is None:
                if not create:
                    raise MemberKeyError("no such member: import an archive first")
                now = datetime.now(UTC)
                pk = conn.execute(
                    insert(members).values(ref_key=key, created_at=now)
                ).inserted_primary_key
                assert pk is not None
                member_id = int(pk[0])
                dek = new_data_key()
                key_id, blob = self.keys.wrap(member_id, dek)
                conn.execute(
                    insert(member_keys).values(
                        member_id=member_id, provider=self.keys.id, key_id=key_id,
                        wrapped=blob, created_at=now,
                    )
                )
                return Member(member_id, MemberCipher(member_id, dek))
            row = conn.execute(
                select(member_keys.c.key_id, member_keys.c.wrapped).where(
                    member_keys.c.member_id == member_id
                )
            ).first()
        if row is None:
            raise MemberKeyError("the member's key is gone (crypto-shredded): nothing can be read")
        dek = self.keys.unwrap(member_id, row.key_id, row.wrapped)
        return Member(member_id, MemberCipher(member_id, dek))

    def open_member_id(self, member_id: int) -> Member:
        """Open member ``member_id`` (tasks carry ids, never references); a member whose key is
        gone, or who was deleted, raises MemberKeyError."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(member_keys.c.key_id, member_keys.c.wrapped).where(
                    member_keys.c.member_id == member_id
                )
            ).first()
        if row is None:
            raise MemberKeyError("the member's key is gone (deleted or never opted in)")
        dek = self.keys.unwrap(member_id, row.key_id, row.wrapped)
        return Member(member_id, MemberCipher(member_id, dek))

    def opt_in_again(self, ref: str) -> bool:
        """Remove the tombstone of ``ref`` so a new import may start afresh."""
        with self.engine.begin() as conn:
            key = member_ref_key(ref)
            res = conn.execute(delete(tombstones).where(tombstones.c.ref_key == key))
            return bool(res.rowcount)

    def close(self) -> None:
        self.engine.dispose()
