"""Outlook items (.msg files and .pst/.ost archives) to :class:`~upwell.model.Message`.

Reads: an ``outlook`` :class:`~upwell.model.RawItem` whose ``data`` is the
:data:`~upwell.sources.outlook_msg.OutlookFields` dict both Outlook readers hand over. Writes: one
``Message`` with ``channel="email"``.

Which field wins: the transport headers, when the item has them, for From, To, Cc, Bcc, Date,
Message-ID, In-Reply-To and References (they hold SMTP addresses and the sender's UTC offset);
each of these that is absent or empty there comes from the MAPI properties in the dict instead.
The subject comes from MAPI (already Unicode), else from the header. The body is the plain text
body, else the HTML body as text, split into the author's own words, quoted history and forwarded
parts. ``quoted_sent`` is only set when the message's own UTC offset is known, because Outlook
writes a quoted ``Sent:`` line in the replier's local time and names no zone.

``source_item_id`` is ``mid:<message id>`` (as for MIME mail, so the same mail imported twice in
two formats is one record), else ``<source>:<item id>``. Raises :class:`~upwell.errors.BadItem`:
``malformed_outlook_item``, ``missing_sender``, ``missing_date``, ``bad_date``,
``date_out_of_range``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from email.message import Message as MimeMessage
from email.parser import HeaderParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime

from upwell.errors import BadItem
from upwell.model import Address, Message, RawItem
from upwell.normalize.address import make_address
from upwell.normalize.mime import decode_words
from upwell.normalize.text import MAX_TEXT_CHARS, html_to_text, parse_quoted_sent, split_body
from upwell.normalize.time import check_instant, offset_minutes

#: Longest transport header block parsed, and longest HTML body turned into text.
MAX_HEADER_CHARS = 256 * 1024
MAX_HTML_CHARS = 5 * 1024 * 1024

# Exchange prefixes stored transport headers with this line, which is not a header.
_EXCHANGE_BANNER = re.compile(r"^\s*Microsoft Mail Internet Headers Version 2\.0\s*$", re.I)


def _parse_headers(text: object) -> MimeMessage | None:
    """The transport header block as a stdlib message (headers only), or None if unusable."""
    if not isinstance(text, str) or not text.strip():
        return None
    lines = text[:MAX_HEADER_CHARS].replace("\r\n", "\n").split("\n")
    while lines and (not lines[0].strip() or _EXCHANGE_BANNER.match(lines[0])):
        lines.pop(0)
    parsed = HeaderParser(policy=compat32).parsestr("\n".join(lines), headersonly=True)
    return parsed if parsed.keys() else None


def _header(headers: MimeMessage | None, name: str) -> list[str]:
    if headers is None:
        return []
    return [str(v) for v in headers.get_all(name) or [] if str(v).strip()]


def _unique(pairs: Sequence[tuple[str, str]]) -> tuple[Address, ...]:
    seen: set[str] = set()
    out: list[Address] = []
    for name, addr in pairs:
        a = make_address(addr, name)
        if a is not None and a.handle not in seen:
            seen.add(a.handle)
            out.append(a)
    return tuple(out)


def _parties(headers: MimeMessage | None, name: str, fallback: object) -> tuple[Address, ...]:
    """Parties of one header (RFC 2047 names decoded after splitting), else of the dict list."""
    values = _header(headers, name)
    if values:
        found = _unique([(decode_words(n), a) for n, a in getaddresses(values)])
        if found:
            return found
    if not isinstance(fallback, list | tuple):
        return ()
    pairs = [
        (p[0], p[1])
        for p in fallback
        if isinstance(p, list | tuple) and len(p) == 2 and all(isinstance(x, str) for x in p)
    ]
    return _unique(pairs)


def _ids(value: object) -> list[str]:
    """Message ids in a header value, without angle brackets, lower-cased (as for MIME mail)."""
    if not isinstance(value, str) or not value:
        return []
    return [tok.strip("<> \t\r\n").lower() for tok in value.split() if "@" in tok]


def _header_ids(headers: MimeMessage | None, name: str, fallback: object) -> list[str]:
    found = [i for v in _header(headers, name) for i in _ids(v)]
    return found or _ids(fallback)


def _sent_at(
    headers: MimeMessage | None, fallback: object, notes: list[str]
) -> tuple[datetime, int | None]:
    """(instant in UTC, sender's UTC offset): the Date header, else the MAPI submit time."""
    candidates: list[tuple[datetime, int | None]] = []
    header_values = _header(headers, "Date")
    if header_values:
        try:
            when = parsedate_to_datetime(header_values[0])
        except (TypeError, ValueError, IndexError, OverflowError):
            pass
        else:
            if when.tzinfo is None:  # "-0000": the instant is UTC, the zone unknown (RFC 5322)
                notes.append("unknown_zone")
                candidates.append((when.replace(tzinfo=UTC), None))
            else:
                candidates.append((when, offset_minutes(when)))
    if isinstance(fallback, datetime) and fallback.tzinfo is not None:
        candidates.append((fallback, None))  # MAPI times are UTC and keep no offset
    if not candidates:
        raise BadItem("bad_date" if header_values else "missing_date")
    first_error: BadItem | None = None
    for when, offset in candidates:
        try:
            return check_instant(when), offset
        except BadItem as err:
            first_error = first_error or err
    raise first_error or BadItem("bad_date")


def _text(data: Mapping[str, object], notes: list[str]) -> str:
    body, html = data.get("body"), data.get("html")
    if isinstance(body, str) and body.strip():
        text = body
    elif isinstance(html, str) and html.strip():
        if len(html) > MAX_HTML_CHARS:
            html = html[:MAX_HTML_CHARS]
            notes.append("body_truncated")
        text = html_to_text(html)
    else:
        return ""
    if len(text) > MAX_TEXT_CHARS and "body_truncated" not in notes:
        notes.append("body_truncated")
    return text


def _subject(data: Mapping[str, object], headers: MimeMessage | None) -> str:
    subject = data.get("subject")
    if isinstance(subject, str) and subject.strip():
        if subject.startswith("\x01") and len(subject) >= 2:  # PST prefix-length marker
            subject = subject[2:]
        return " ".join(subject.split())
    values = _header(headers, "Subject")
    return decode_words(values[0]) if values else ""


def _quoted_sent(raw: str | None, offset: int | None) -> datetime | None:
    """A quoted ``Sent:`` time read in the replier's own zone; None when that zone is unknown."""
    naive = parse_quoted_sent(raw)
    if naive is None or offset is None:
        return None
    try:
        return check_instant(naive.replace(tzinfo=timezone(timedelta(minutes=offset))))
    except (BadItem, ValueError):
        return None


def from_outlook(raw: RawItem) -> Message:
    """Normalize one Outlook item; raises :class:`BadItem` for unusable items."""
    data = raw.data
    if not isinstance(data, Mapping):
        raise BadItem("malformed_outlook_item")
    notes: list[str] = []
    headers = _parse_headers(data.get("headers"))
    senders = _parties(headers, "From", data.get("from")) or _parties(headers, "Sender", None)
    if not senders:
        raise BadItem("missing_sender")
    sent_at, offset = _sent_at(headers, data.get("date"), notes)

    parts = split_body(_text(data, notes))
    msg_ids = _header_ids(headers, "Message-ID", data.get("message_id"))
    reply_ids = _header_ids(headers, "In-Reply-To", data.get("in_reply_to"))
    refs = tuple(_header_ids(headers, "References", data.get("references")))
    attachments = data.get("attachments")
    folder = raw.context.get("folder")
    return Message(
        source=raw.source,
        source_item_id="mid:" + msg_ids[0] if msg_ids else f"{raw.source}:{raw.item_id}",
        channel="email",
        sent_at=sent_at,
        utc_offset_minutes=offset,
        sender=senders[0],
        to=_parties(headers, "To", data.get("to")),
        cc=_parties(headers, "Cc", data.get("cc")),
        bcc=_parties(headers, "Bcc", data.get("bcc")),
        subject=_subject(data, headers),
        body=parts.own,
        quoted=parts.quoted,
        forwarded=parts.forwarded,
        message_id=msg_ids[0] if msg_ids else None,
        in_reply_to=reply_ids[-1] if reply_ids else (refs[-1] if refs else None),
        references=refs,
        quoted_from=parts.quoted_from,
        quoted_sent=_quoted_sent(parts.quoted_sent_raw, offset),
        folder=str(folder) if folder else None,
        attachments=attachments if isinstance(attachments, int) and attachments > 0 else 0,
        notes=tuple(notes),
    )
