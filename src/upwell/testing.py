"""Test helpers shipped with the package: build messages, mail files and stores for tests.

Everything here makes synthetic people (``example.org``) only.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from upwell.config import Settings
from upwell.store.db import Store


def make_email(
    *,
    sender: str = "Ann Example <ann@example.org>",
    to: str = "Bob Example <bob@example.org>",
    subject: str = "Plan",
    body: str = "Hello Bob,\n\nthe plan is attached.\n",
    date: datetime | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    extra: dict[str, str] | None = None,
) -> bytes:
    """One RFC 5322 message as bytes."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or datetime(2024, 3, 4, 9, 30, tzinfo=UTC))
    if message_id:
        msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    for k, v in (extra or {}).items():
        msg[k] = v
    msg.set_content(body)
    return msg.as_bytes()


def write_maildir(root: Path, folders: dict[str, list[bytes]]) -> Path:
    """A maildir tree with nested folders (``""`` is the Inbox) holding the given messages."""
    for folder, items in folders.items():
        base = root / folder if folder else root
        for sub in ("cur", "new", "tmp"):
            (base / sub).mkdir(parents=True, exist_ok=True)
        for i, data in enumerate(items):
            (base / "cur" / f"{i:06d}.test:2,S").write_bytes(data)
    return root


def weekly_asks(root: Path, *, ask: str, reply: str, last_week_tag: str = "",
                weeks: int = 9) -> Path:
    """Ann's mailbox as a maildir: Dana asks her something every weekday for ``weeks`` weeks
    from Monday 2024-01-01 10:00 New York time, and Ann answers within the hour in every week but
    the last, when she is at her mail (a note to Sam each morning) but does not answer. The last
    week's subjects and asks end with ``last_week_tag``."""
    start = datetime(2024, 1, 1, 15, tzinfo=UTC)
    inbox, sent = [], []
    for week in range(weeks):
        tag = last_week_tag if week == weeks - 1 else ""
        for day in range(5):
            t = start + timedelta(weeks=week, days=day)
            mid = f"<a{week}-{day}@example.org>"
            inbox.append(make_email(sender="Dana Lee <dana@example.org>",
                                    to="Ann Example <ann@example.org>",
                                    subject=f"Budget {week}{tag}", body=f"{ask}{tag}?\n",
                                    date=t, message_id=mid))
            if week < weeks - 1:
                sent.append(make_email(sender="Ann Example <ann@example.org>",
                                       to="Dana Lee <dana@example.org>",
                                       subject=f"Re: Budget {week}", body=f"{reply}\n",
                                       date=t + timedelta(hours=1), in_reply_to=mid))
            else:
                sent.append(make_email(sender="Ann Example <ann@example.org>",
                                       to="Sam Park <sam@example.org>", subject=f"Numbers {day}",
                                       body="Here are the numbers.\n", date=t - timedelta(hours=1)))
    return write_maildir(root, {"": inbox, "Sent Items": sent})


def write_mbox(path: Path, items: list[bytes]) -> Path:
    """An mboxrd file holding ``items``."""
    with path.open("wb") as fh:
        for data in items:
            fh.write(b"From MAILER-DAEMON Thu Jan  1 00:00:00 2024\n")
            fh.write(data.replace(b"\nFrom ", b"\n>From "))
            if not data.endswith(b"\n"):
                fh.write(b"\n")
            fh.write(b"\n")
    return path


def redis_test_url() -> str:
    """The Redis server the queue tests use (``UPWELL_TEST_REDIS_URL``)."""
    return os.environ.get("UPWELL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def postgres_admin_url() -> str:
    """The PostgreSQL server tests use (``UPWELL_TEST_POSTGRES_URL``)."""
    return os.environ.get(
        "UPWELL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )


@contextmanager
def scratch_postgres(admin_url: str | None = None) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test (or benchmark run) on the server of
    ``admin_url`` (default: :func:`postgres_admin_url`); dropped afterwards."""
    admin_url = admin_url or postgres_admin_url()
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = "upwell_test_" + uuid.uuid4().hex[:12]
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def open_store(home: Path, database_url: str | None = None) -> Store:
    """A store in ``home`` (SQLite there unless a URL is given)."""
    return Store(Settings(home=home, database_url=database_url))
