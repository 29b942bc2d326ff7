"""Synthetic people and their mail, chat and meetings (nobody real)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

ME = ("Ann Example", "ann@example.org")
PEOPLE = [("Dana Lee", "dana@example.org"), ("Raj Patel", "raj@example.org"),
          ("Mia Chen", "mia@example.org"), ("Tom Berg", "tom@example.org")]
START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=20)


def when(i: int) -> datetime:
    return START + timedelta(hours=3 * i)


def mail(i: int, *, sent: bool = False, body: str | None = None) -> bytes:
    """Message ``i``: from a colleague to Ann (or from Ann when ``sent``)."""
    other = PEOPLE[i % len(PEOPLE)]
    sender, to = (ME, other) if sent else (other, ME)
    msg = EmailMessage()
    msg["From"] = f"{sender[0]} <{sender[1]}>"
    msg["To"] = f"{to[0]} <{to[1]}>"
    msg["Date"] = format_datetime(when(i))
    msg["Subject"] = f"Plan number {i}"
    msg["Message-ID"] = f"<m{i}@example.org>"
    msg.set_content(body or f"Thanks so much for the update on item {i}, it helped a lot.")
    return msg.as_bytes()
