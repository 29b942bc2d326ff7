"""Teams: one chat message from Microsoft Graph becomes a chat :class:`~upwell.model.Message`.

Reads: a ``teams`` :class:`~upwell.model.RawItem` whose ``data`` is a Graph ``chatMessage`` and
whose ``context`` holds the chat's id, type and members (user id -> display name and email).
Writes: a chat ``Message``: the sender (by email where the chat's member list gives it, so a
colleague seen by mail and on Teams is one person; else ``teams:<user id>``), ``to`` the other
members of the chat, mentions, the HTML body as text (none in metadata-only mode), reply
linkage from ``replyToId``. System events, deleted messages and app posts are skipped with a
content-free reason (:class:`~upwell.errors.BadItem`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from upwell.errors import BadItem
from upwell.model import Address, Message, RawItem
from upwell.normalize.text import MAX_TEXT_CHARS, html_to_text, split_body
from upwell.normalize.time import check_instant


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _address(uid: str, members: Mapping[str, object], name: str = "") -> Address:
    entry = members.get(uid)
    known_name, email = (entry[0], entry[1]) if isinstance(entry, list | tuple) and len(
        entry) == 2 else ("", "")
    name = _str(known_name) or name
    if isinstance(email, str) and "@" in email:
        return Address(email.strip().lower(), name, "email")
    return Address("teams:" + uid, name, "teams")


def from_teams(raw: RawItem) -> Message:
    """One Graph chat message as a chat :class:`Message` (see the module docstring)."""
    m = raw.data
    if not isinstance(m, Mapping):
        raise BadItem("malformed_item")
    if m.get("messageType", "message") != "message":
        raise BadItem("not_a_message")
    if m.get("deletedDateTime"):
        raise BadItem("deleted_message")
    user = m.get("from")
    user = user.get("user") if isinstance(user, Mapping) else None
    if not isinstance(user, Mapping) or not _str(user.get("id")):
        raise BadItem("bot_message")
    ctx = raw.context
    members = ctx.get("members")
    members = members if isinstance(members, Mapping) else {}
    uid = _str(user.get("id"))
    sender = _address(uid, members, _str(user.get("displayName")))
    stamp = _str(m.get("createdDateTime")).replace("Z", "+00:00")
    head, dot, tail = stamp.partition(".")
    if dot:
        digits = "".join(c for c in tail if c.isdigit())
        stamp = head + "." + digits[:6] + tail[len(digits):]
    try:
        sent = datetime.fromisoformat(stamp)
    except ValueError:
        raise BadItem("bad_date") from None
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=UTC)
    sent = check_instant(sent.astimezone(UTC))
    notes: list[str] = []
    body = ""
    if not ctx.get("metadata_only"):
        content = m.get("body")
        content = content if isinstance(content, Mapping) else {}
        raw_text = _str(content.get("content"))
        if len(raw_text) > MAX_TEXT_CHARS:
            raw_text = raw_text[:MAX_TEXT_CHARS]
            notes.append("text_truncated")
        body = (html_to_text(raw_text) if _str(content.get("contentType")).lower() == "html"
                else raw_text)
    parts = split_body(body)
    mentions = []
    for x in m.get("mentions") or []:
        who = x.get("mentioned") if isinstance(x, Mapping) else None
        who = who.get("user") if isinstance(who, Mapping) else None
        if isinstance(who, Mapping) and _str(who.get("id")):
            mentions.append(_address(_str(who.get("id")), members,
                                     _str(who.get("displayName"))))
    chat = _str(ctx.get("conversation_id")) or "unknown"
    to = tuple(_address(u, members) for u in members if isinstance(u, str) and u != uid)
    reply = _str(m.get("replyToId"))
    files = m.get("attachments")
    return Message(
        source=raw.source, source_item_id=raw.item_id, channel="chat", sent_at=sent,
        utc_offset_minutes=None, sender=sender, to=to, body=parts.own, quoted=parts.quoted,
        message_id=f"teams:{chat}:{m.get('id')}",
        in_reply_to=f"teams:{chat}:{reply}" if reply else None,
        conversation=chat, thread_id=f"{chat}:{reply}" if reply else None,
        mentions=tuple(mentions), folder=None, attachments=len(files) if isinstance(files, list)
        else 0, notes=tuple(notes))
