"""Outlook ``.msg`` files (OLE compound documents): one file, or a folder of them (recursive).

Reads: ``.msg`` files through extract_msg, from bytes in memory (nothing is ever written to disk;
attachments are counted, never loaded). Writes: one ``RawItem(kind="outlook", source="msg")`` per
mail item, ``item_id`` = its path relative to the folder read (POSIX form), ``context`` =
``{"folder": <relative folder, "" at the top>}``, and ``data`` = an :data:`OutlookFields` dict.
The .pst reader hands over the same shape; :mod:`upwell.normalize.outlook` is its consumer.

Skips: ``item_too_large`` (over ``MAX_ITEM_BYTES``), ``unreadable_file``, ``malformed_msg``
(not an OLE file, or a broken one), ``not_a_message`` (contacts, tasks, appointments, reports).
"""

from __future__ import annotations

import codecs
import logging
import re
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypedDict

from upwell.model import RawItem, Skipped
from upwell.sources.base import MAX_ITEM_BYTES, read_limited, reader

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: olefile reads a shorter ``bytes`` argument as a *file name*: never hand it one.
_MIN_OLE_BYTES = 1536

#: Message classes that are mail (MS-OXCMSG); everything else is ``not_a_message``.
MAIL_CLASSES = ("ipm.note", "ipm.schedule.meeting", "ipm.post")

#: Loggers of the libraries behind the Outlook readers. Their records at every level, ERROR
#: included, can quote raw property bytes or stream contents (extract_msg's prop.py logs
#: ``logger.exception(raw)``), so they are switched off: failures surface as counted skips.
QUIET_LOGGERS = ("extract_msg", "olefile", "RTFDE")

Party = tuple[str, str]
"""``(display name, address)``; the address is SMTP where Outlook kept one, else what it had
(an Exchange X.500 path, or "")."""

OutlookFields = TypedDict(  # functional form: one key is the keyword "from"
    "OutlookFields",
    {
        "headers": str | None,  # the raw transport header block, if received over SMTP
        "from": list[Party],  # at most one party
        "to": list[Party],
        "cc": list[Party],
        "bcc": list[Party],
        "date": datetime | None,  # aware UTC: client submit time, else delivery time
        "subject": str,
        "body": str | None,  # plain text body
        "html": str | None,  # HTML body, decoded with the item's code page
        "message_id": str | None,
        "in_reply_to": str | None,
        "references": str | None,  # as in the References header: ids separated by spaces
        "attachments": int,
        "message_class": str,  # e.g. "IPM.Note"
    },
)

_CODEPAGES = {
    65001: "utf-8",
    1200: "utf-16-le",
    1201: "utf-16-be",
    20127: "ascii",
    20866: "koi8-r",
    21866: "koi8-u",
    50220: "iso2022-jp",
    50221: "iso2022-jp",
    50222: "iso2022-jp",
    51932: "euc-jp",
    51949: "euc-kr",
    52936: "hz",
    54936: "gb18030",
}
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_\-]{1,40})""", re.I)


def quiet_libraries() -> None:
    """Silence the loggers in :data:`QUIET_LOGGERS` (see there for why)."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def codec_for(codepage: int | None) -> str | None:
    """The Python codec for a Windows code page (``PidTagInternetCodepage``), if there is one."""
    if codepage is None or codepage <= 0:
        return None
    name = _CODEPAGES.get(codepage)
    if name is None:
        name = f"iso8859-{codepage - 28590}" if 28591 <= codepage <= 28606 else f"cp{codepage}"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_body(data: bytes, codepage: int | None) -> str:
    """Text of a binary body: the item's code page, else a ``<meta charset>``, else UTF-8,
    else cp1252 with replacement characters (never raises)."""
    meta = _META_CHARSET.search(data[:4096])
    for name in (codec_for(codepage), meta.group(1).decode("ascii") if meta else None, "utf-8"):
        if name:
            try:
                return data.decode(name).rstrip("\x00")
            except (UnicodeDecodeError, LookupError):
                continue
    return data.decode("cp1252", errors="replace").rstrip("\x00")


def aware_utc(value: object) -> datetime | None:
    """A MAPI time as aware UTC (MAPI times are UTC; naive ones are marked so), else None."""
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def is_mail(message_class: str) -> bool:
    """Whether a message class is mail (``IPM.Note``, meeting requests, posts; none = mail)."""
    return message_class.lower().startswith(MAIL_CLASSES) or message_class == ""


def _files(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
        return
    yield from sorted(p for p in path.rglob("*") if p.suffix.lower() == ".msg" and p.is_file())


def _detect(path: Path) -> bool:
    if path.is_file():
        return path.suffix.lower() == ".msg"
    return path.is_dir() and any(p.suffix.lower() == ".msg" for p in path.rglob("*"))


def _text(msg: Any, tag: str) -> str | None:
    value = msg.getStringStream(f"__substg1.0_{tag}")
    return value.rstrip("\x00") if isinstance(value, str) else None


def party(name: str | None, address: str | None) -> list[Party]:
    """A one-element list with the party, or [] when both name and address are empty."""
    name, address = (name or "").strip(), (address or "").strip()
    return [(name, address)] if name or address else []


def _fields(msg: Any) -> OutlookFields:
    """The :data:`OutlookFields` of an open extract_msg message."""
    sender = party(_text(msg, "0C1A"), _text(msg, "5D01") or _text(msg, "0C1F"))
    if not sender:  # "sent representing": the mailbox the item was sent for
        sender = party(_text(msg, "0042"), _text(msg, "5D02") or _text(msg, "0065"))
    parties: dict[int, list[Party]] = {1: [], 2: [], 3: []}
    for rcpt in msg.recipients:
        kind = int(rcpt.typeFlags) & 0xF
        if kind in parties:
            parties[kind].extend(party(rcpt.name, rcpt.email))
    codepage = msg.props.getValue("3FDE0003")
    body = _text(msg, "1000")
    raw_html = msg.getStream("__substg1.0_10130102")
    html = (
        decode_body(raw_html, codepage if isinstance(codepage, int) else None)
        if isinstance(raw_html, bytes)
        else _text(msg, "1013")
    )
    if body is None and html is None:
        html, body = _from_rtf(msg)
    storages = msg.listDir(streams=False, storages=True)
    return {
        "headers": _text(msg, "007D"),
        "from": sender,
        "to": parties[1],
        "cc": parties[2],
        "bcc": parties[3],
        "date": aware_utc(msg.props.getValue("00390040"))
        or aware_utc(msg.props.getValue("0E060040")),
        "subject": _text(msg, "0037") or "",
        "body": body,
        "html": html,
        "message_id": _text(msg, "1035"),
        "in_reply_to": _text(msg, "1042"),
        "references": _text(msg, "1039"),
        "attachments": sum(
            1 for s in storages if len(s) == 1 and s[0].startswith("__attach_version1.0_")
        ),
        "message_class": str(msg.classType or ""),
    }


def _from_rtf(msg: Any) -> tuple[str | None, str | None]:
    """(html, plain) de-encapsulated from an RTF-only body; (None, None) if that fails."""
    try:
        html = msg.htmlBody
        if isinstance(html, bytes):
            return decode_body(html, None), None
        plain = msg.body
        return None, plain if isinstance(plain, str) else None
    except Exception:  # RTF de-encapsulation raises many types on odd input; the text is optional
        return None, None


def read_msg_bytes(blob: bytes) -> OutlookFields | Skipped:
    """The fields of one ``.msg`` file given as bytes, or why it was skipped."""
    if len(blob) > MAX_ITEM_BYTES:
        return Skipped("item_too_large")
    if len(blob) < _MIN_OLE_BYTES or not blob.startswith(OLE_MAGIC):
        return Skipped("malformed_msg")
    quiet_libraries()
    with warnings.catch_warnings():
        # extract_msg and olefile warn on odd files (deprecated enums, unclosed streams); a file
        # that cannot be read is counted as a skip instead, and warnings are errors in tests.
        warnings.simplefilter("ignore")
        # Imported on first use: extract_msg takes ~0.2 s to import; detection must stay cheap.
        import extract_msg  # noqa: PLC0415 - extract_msg takes ~0.2 s to import; detection must stay cheap
        from extract_msg.msg_classes.message_base import MessageBase  # noqa: PLC0415 - extract_msg takes ~0.2 s to import; detection must stay cheap

        try:
            msg = extract_msg.openMsg(blob, delayAttachments=True, strict=False)
        except Exception:  # hostile input raises anything (OleFileError, struct.error, ...)
            return Skipped("malformed_msg")
        try:
            if not isinstance(msg, MessageBase) or not is_mail(str(msg.classType or "")):
                return Skipped("not_a_message")
            return _fields(msg)
        except Exception:  # same: a broken property stream fails deep inside extract_msg
            return Skipped("malformed_msg")
        finally:
            msg.close()


@reader("msg", title="Outlook .msg files", provides=("messages",), detect=_detect, priority=5)
def read_msg(path: Path) -> Iterator[RawItem | Skipped]:
    """One ``outlook`` item per mail ``.msg`` file under ``path``, in sorted path order."""
    root = path if path.is_dir() else path.parent
    for f in _files(path):
        blob = read_limited(f)
        if isinstance(blob, Skipped):
            yield blob
            continue
        fields = read_msg_bytes(blob)
        if isinstance(fields, Skipped):
            yield fields
            continue
        rel = f.relative_to(root)
        folder = rel.parent.as_posix()
        yield RawItem(
            "outlook", "msg", rel.as_posix(), fields, {"folder": "" if folder == "." else folder}
        )
