"""Outlook ``.pst``/``.ost`` archives, read with libpff (the ``pypff`` bindings).

Reads: one Outlook data file. Walks the mail folders depth-first in stored order, starting at the
store's IPM subtree ("Top of Personal Folders", whose path is ""), or at the root folder when the
store names none; search folders outside the subtree are not walked, so no item comes twice.
Writes: one ``RawItem(kind="outlook", source="pst")`` per mail item, ``item_id`` =
``f"{folder}/{message identifier}"``, ``context`` = ``{"folder": "Inbox/Sub"}`` (a "/" inside a
folder name becomes "_") and ``data`` = the same :data:`~upwell.sources.outlook_msg.OutlookFields`
dict the .msg reader gives.

Skips: ``not_a_message`` (contacts, appointments, tasks...), ``item_too_large``,
``malformed_pst_item`` (a message libpff cannot read) and ``malformed_pst_folder`` (a folder whose
sub-folders cannot be listed). A file libpff cannot open at all (not a PST, truncated, damaged
index) raises :class:`~upwell.errors.ArchiveUnreadable` (E102) with how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from upwell.errors import ArchiveUnreadable
from upwell.model import RawItem, Skipped
from upwell.sources.base import MAX_ITEM_BYTES, reader
from upwell.sources.outlook_msg import (
    OutlookFields,
    Party,
    aware_utc,
    decode_body,
    is_mail,
    party,
    quiet_libraries,
)

PST_MAGIC = b"!BDN"
#: Deepest folder nesting walked; deeper folders (only a damaged file has them) are skipped.
MAX_DEPTH = 64

# MAPI property tags (MS-OXPROPS) read from a message's or recipient's record set.
_CLASS, _SIZE, _CODEPAGE, _BODY = 0x001A, 0x0E08, 0x3FDE, 0x1000
_HEADERS, _MESSAGE_ID, _IN_REPLY_TO, _REFERENCES = 0x007D, 0x1035, 0x1042, 0x1039
_SENDER_NAME, _SENDER_SMTP, _SENDER_EMAIL = 0x0C1A, 0x5D01, 0x0C1F
_REPR_NAME, _REPR_SMTP, _REPR_EMAIL = 0x0042, 0x5D02, 0x0065
_RCPT_TYPE, _DISPLAY_NAME, _SMTP, _EMAIL = 0x0C15, 0x3001, 0x39FE, 0x3003
_IPM_SUBTREE_ENTRYID = 0x35E0

# libpff raises OSError for damaged data; the Python layer adds TypeError/ValueError for values
# of an unexpected type.
_PFF_ERRORS = (OSError, TypeError, ValueError, UnicodeError, OverflowError)


def _detect(path: Path) -> bool:
    if not path.is_file():
        return False
    try:
        with path.open("rb") as fh:
            return fh.read(4) == PST_MAGIC
    except OSError:
        return False


def _entry(record_set: Any, tag: int) -> Any:
    try:
        return record_set.get_entry_by_type(tag)
    except _PFF_ERRORS:
        return None


def _string(record_set: Any, tag: int) -> str | None:
    entry = _entry(record_set, tag)
    if entry is None:
        return None
    try:
        value = entry.get_data_as_string()
    except _PFF_ERRORS:
        return None
    return value.rstrip("\x00") if isinstance(value, str) else None


def _integer(record_set: Any, tag: int) -> int | None:
    entry = _entry(record_set, tag)
    if entry is None:
        return None
    try:
        value = entry.get_data_as_integer()
    except _PFF_ERRORS:
        return None
    return value if isinstance(value, int) else None


def _recipients(message: Any) -> dict[int, list[Party]]:
    """Recipients by type (1 To, 2 Cc, 3 Bcc); a message without a recipient table has none."""
    out: dict[int, list[Party]] = {1: [], 2: [], 3: []}
    try:
        table = message.recipients
        record_sets = list(table.record_sets) if table is not None else []
    except _PFF_ERRORS:
        return out
    for rs in record_sets:
        kind = (_integer(rs, _RCPT_TYPE) or 1) & 0xF
        if kind in out:
            address = _string(rs, _SMTP) or _string(rs, _EMAIL)
            out[kind].extend(party(_string(rs, _DISPLAY_NAME), address))
    return out


def _body(message: Any, name: str) -> bytes | None:
    """A binary body (``html_body``, ``rtf_body``); None if absent or unreadable, so that a
    damaged body costs the text, not the message."""
    try:
        value = getattr(message, name)
    except _PFF_ERRORS:
        return None
    return value if isinstance(value, bytes) and value else None


def _rtf_to_html(rtf: bytes | None) -> str | None:
    """HTML de-encapsulated from an RTF body that wraps HTML (as Outlook stores it), else None."""
    if rtf is None:
        return None
    try:
        # Rare path, imported on use. RTFDE comes with extract_msg and ships no type hints.
        from RTFDE import DeEncapsulator  # noqa: PLC0415 - native or rare-path dependency, loaded only when a PST needs it

        rtfde = DeEncapsulator(rtf)
        rtfde.deencapsulate()
        html = rtfde.html if rtfde.content_type == "html" else None
    except Exception:  # RTFDE raises many types on RTF that is not encapsulated HTML
        return None
    if isinstance(html, bytes):
        return decode_body(html, None)
    return html if isinstance(html, str) else None


def message_fields(message: Any) -> OutlookFields | Skipped:
    """The :data:`OutlookFields` of one pypff message, or why it is skipped."""
    rs = message.get_record_set(0)
    message_class = _string(rs, _CLASS) or ""
    if not is_mail(message_class):
        return Skipped("not_a_message")
    size = _integer(rs, _SIZE)
    if size is not None and size > MAX_ITEM_BYTES:
        return Skipped("item_too_large")
    sender_address = _string(rs, _SENDER_SMTP) or _string(rs, _SENDER_EMAIL)
    sender = party(_string(rs, _SENDER_NAME), sender_address)
    if not sender:  # "sent representing": the mailbox the item was sent for
        sender_address = _string(rs, _REPR_SMTP) or _string(rs, _REPR_EMAIL)
        sender = party(_string(rs, _REPR_NAME), sender_address)
    body = _string(rs, _BODY)
    raw_html = _body(message, "html_body")
    html = decode_body(raw_html, _integer(rs, _CODEPAGE)) if raw_html is not None else None
    if body is None and html is None:
        html = _rtf_to_html(_body(message, "rtf_body"))
    recipients = _recipients(message)
    subject = message.subject
    return {
        "headers": _string(rs, _HEADERS),
        "from": sender,
        "to": recipients[1],
        "cc": recipients[2],
        "bcc": recipients[3],
        "date": aware_utc(message.client_submit_time) or aware_utc(message.delivery_time),
        "subject": subject if isinstance(subject, str) else "",
        "body": body,
        "html": html,
        "message_id": _string(rs, _MESSAGE_ID),
        "in_reply_to": _string(rs, _IN_REPLY_TO),
        "references": _string(rs, _REFERENCES),
        "attachments": int(message.number_of_attachments or 0),
        "message_class": message_class,
    }


def _top_folder(pff: Any, root: Any) -> Any:
    """The IPM subtree named by the message store (an entry id ending in its node id), or root."""
    try:
        entry = pff.get_message_store().get_record_set(0).get_entry_by_type(_IPM_SUBTREE_ENTRYID)
        entry_id = entry.data if entry is not None else None
        if not isinstance(entry_id, bytes) or len(entry_id) != 24:
            return root
        node_id = int.from_bytes(entry_id[20:], "little")
        for i in range(root.number_of_sub_folders):
            sub = root.get_sub_folder(i)
            if sub.identifier == node_id:
                return sub
    except _PFF_ERRORS:
        pass
    return root


def _folders(top: Any) -> Iterator[tuple[str, Any] | Skipped]:
    """``(path, folder)`` for ``top`` and every folder below it, depth-first in stored order."""
    stack: list[tuple[str, Any, int]] = [("", top, 0)]
    while stack:
        path, folder, depth = stack.pop()
        yield path, folder
        try:
            count = folder.number_of_sub_folders or 0
        except _PFF_ERRORS:
            yield Skipped("malformed_pst_folder")
            continue
        children: list[tuple[str, Any, int]] = []
        for i in range(count):
            try:
                sub = folder.get_sub_folder(i)
                name = (sub.name or f"folder-{sub.identifier}").replace("/", "_")
            except _PFF_ERRORS:
                yield Skipped("malformed_pst_folder")
                continue
            if depth + 1 > MAX_DEPTH:
                yield Skipped("malformed_pst_folder")
                continue
            children.append((f"{path}/{name}" if path else name, sub, depth + 1))
        stack.extend(reversed(children))


def _messages(path: str, folder: Any) -> Iterator[RawItem | Skipped]:
    try:
        count = folder.number_of_sub_messages or 0
    except _PFF_ERRORS:
        yield Skipped("malformed_pst_folder")
        return
    for i in range(count):
        try:
            message = folder.get_sub_message(i)
            item_id = f"{path}/{message.identifier}"
            fields = message_fields(message)
        except _PFF_ERRORS:
            yield Skipped("malformed_pst_item")
            continue
        if isinstance(fields, Skipped):
            yield fields
            continue
        yield RawItem("outlook", "pst", item_id, fields, {"folder": path})


@reader(
    "pst", title="Outlook .pst/.ost data files", provides=("messages",), detect=_detect, priority=10
)
def read_pst(path: Path) -> Iterator[RawItem | Skipped]:
    """One ``outlook`` item per mail message in the archive at ``path``."""
    import pypff  # the native library loads only when a PST is read  # noqa: PLC0415 - native or rare-path dependency, loaded only when a PST needs it

    quiet_libraries()
    pff = pypff.file()
    try:
        pff.open(str(path))
    except _PFF_ERRORS:
        raise ArchiveUnreadable(
            "the Outlook data file cannot be opened (not a .pst/.ost, truncated or damaged): "
            "run Outlook's Inbox Repair Tool (scanpst.exe) on it or export the mailbox again, "
            "then retry"
        ) from None
    try:
        try:
            root = pff.get_root_folder()
        except _PFF_ERRORS:
            raise ArchiveUnreadable(
                "the Outlook data file has no readable folder tree: run Outlook's Inbox Repair "
                "Tool (scanpst.exe) on it or export the mailbox again, then retry"
            ) from None
        for entry in _folders(_top_folder(pff, root)):
            if isinstance(entry, Skipped):
                yield entry
                continue
            yield from _messages(*entry)
    finally:
        pff.close()
