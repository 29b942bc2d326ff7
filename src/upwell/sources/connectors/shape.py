"""Provider JSON in the raw item shapes the archive readers hand over.

Mail becomes RFC 5322 bytes (``mime`` items, normalized like a maildir message); calendar
events become a one-event iCalendar (``ics`` items, normalized like an .ics file). Values are
copied, never interpreted; header values lose line breaks (no header injection) and a value
that cannot be written makes the item a counted skip.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any

from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as VEvent

from upwell.errors import BadItem

_RESPONSES = {"accepted": "ACCEPTED", "declined": "DECLINED", "tentative": "TENTATIVE",
              "tentativelyaccepted": "TENTATIVE", "needsaction": "NEEDS-ACTION",
              "notresponded": "NEEDS-ACTION", "none": "NEEDS-ACTION", "organizer": "ACCEPTED"}


def one_line(value: object, limit: int = 2000) -> str:
    """A header-safe single line (no CR/LF), at most ``limit`` characters."""
    text = value if isinstance(value, str) else ""
    return " ".join(text.replace("\r", " ").replace("\n", " ").split())[:limit]


def header_block(headers: Iterable[tuple[str, str]]) -> bytes:
    """A header-only RFC 5322 message from (name, value) pairs (values kept as given)."""
    lines = []
    for name, value in headers:
        if name and name.replace("-", "").isalnum():
            lines.append(f"{name}: {one_line(value, 8000)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "replace")


def _address(pair: tuple[str, str]) -> HeaderAddress:
    name, email = pair
    user, _, domain = one_line(email, 320).rpartition("@")
    if not user or not domain:
        raise BadItem("bad_address")
    return HeaderAddress(display_name=one_line(name, 200), username=user, domain=domain)


def mime_message(*, sender: tuple[str, str] | None, to: list[tuple[str, str]],
                 cc: list[tuple[str, str]], bcc: list[tuple[str, str]], sent: datetime,
                 subject: str, message_id: str, in_reply_to: str = "", body: str | None = None,
                 html: bool = False) -> bytes:
    """An RFC 5322 message from mapped fields; ``body`` ``None``: headers only (metadata)."""
    if sender is None:
        raise BadItem("missing_sender")
    msg = EmailMessage(policy=SMTP)
    try:
        msg["From"] = _address(sender)
        for name, group in (("To", to), ("Cc", cc), ("Bcc", bcc)):
            good = [a for a in (_safe(p) for p in group) if a is not None]
            if good:
                msg[name] = good
        msg["Date"] = format_datetime(sent)
        if subject:
            msg["Subject"] = one_line(subject, 2000)
        if message_id:
            msg["Message-ID"] = one_line(message_id, 900)
        if in_reply_to:
            msg["In-Reply-To"] = one_line(in_reply_to, 900)
        if body is not None:
            msg.set_content(body[:5_000_000], subtype="html" if html else "plain")
        return msg.as_bytes()
    except (ValueError, TypeError, IndexError):
        raise BadItem("malformed_item") from None


def _safe(pair: tuple[str, str]) -> HeaderAddress | None:
    try:
        return _address(pair)
    except (BadItem, ValueError, IndexError):
        return None


def event_ics(*, uid: str, title: str, start: datetime | date, end: datetime | date,
              cancelled: bool, organizer: tuple[str, str] | None,
              attendees: Iterable[tuple[str, str, str]]) -> bytes:
    """A VCALENDAR holding one occurrence (already expanded by the provider).

    ``attendees``: (name, email, response) with the provider's response word."""
    cal = Calendar()
    cal.add("prodid", "-//Upwell//connector//EN")
    cal.add("version", "2.0")
    ev = VEvent()
    ev.add("uid", one_line(uid, 900) or "unknown")
    if title:
        ev.add("summary", one_line(title, 2000))
    ev.add("dtstart", start)
    ev.add("dtend", end)
    if cancelled:
        ev.add("status", "CANCELLED")
    if organizer is not None and organizer[1]:
        org = vCalAddress("mailto:" + one_line(organizer[1], 320))
        if organizer[0]:
            org.params["cn"] = vText(one_line(organizer[0], 200))
        ev["organizer"] = org
    for name, email, response in attendees:
        if not email:
            continue
        att = vCalAddress("mailto:" + one_line(email, 320))
        if name:
            att.params["cn"] = vText(one_line(name, 200))
        att.params["partstat"] = vText(_RESPONSES.get(response.lower(), "NEEDS-ACTION"))
        ev.add("attendee", att, encode=False)
    cal.add_component(ev)
    return bytes(cal.to_ical())


def get(data: object, *path: str) -> Any:
    """``data[path[0]][path[1]]...`` or ``None`` where a step is missing or not a mapping."""
    cur: Any = data
    for key in path:
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(key)
    return cur


def text(value: object) -> str:
    return value if isinstance(value, str) else ""
