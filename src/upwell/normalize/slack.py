"""Slack: one message object from a Slack export becomes a :class:`~upwell.model.Message`.

Reads: a ``slack`` :class:`~upwell.model.RawItem` whose ``data`` is one message object and whose
``context`` is the reader's conversation context (``conversation_id``, ``conversation_name``,
``conversation_kind``, ``members`` and the shared ``users`` directory). Writes: a chat
``Message``: sender ``slack:<user id>``; ``@``-mentions as ``mentions``; Slack markup
(``<@U1|name>``, ``<#C1|general>``, ``<http://x|label>``, ``&lt;`` ``&gt;`` ``&amp;``) rendered
as readable text; ``>``-quoted lines split into ``quoted``; thread linkage from ``thread_ts``;
``to`` holds the other members of a DM or group DM (channels leave it empty: mentions carry the
addressees). Which subtypes are messages a person wrote is decided by
:func:`upwell.sources.slack_messages.skip_reason`, which the reader and the connector apply
too. Unusable items raise :class:`~upwell.errors.BadItem` with a content-free reason; nothing
else escapes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from upwell.errors import BadItem
from upwell.model import Address, Message, RawItem
from upwell.normalize.text import MAX_TEXT_CHARS
from upwell.normalize.time import check_instant
from upwell.sources.slack_messages import skip_reason

_TS = re.compile(r"^(\d{1,12})(?:\.(\d{1,6}))?$")
_USER_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_TOKEN = re.compile(r"<([^<>\n]{1,2000})>")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DIRECT_KINDS = ("im", "mpim")


def parse_ts(value: object) -> datetime:
    """A Slack ``ts`` (``"1234567890.123456"``, epoch seconds) as a plausible aware UTC instant."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise BadItem("bad_timestamp")
    match = _TS.match(str(value))
    if match is None:
        raise BadItem("bad_timestamp")
    micros = int((match.group(2) or "0").ljust(6, "0"))
    try:
        when = _EPOCH + timedelta(seconds=int(match.group(1)), microseconds=micros)
    except OverflowError:
        raise BadItem("date_out_of_range") from None
    return check_instant(when)


def directory_emails(context: Mapping[str, object]) -> dict[str, str]:
    """Slack handle -> lower-cased email for every directory user whose email is known.

    Lets identity resolution link a colleague seen by email and on Slack into one Person.
    """
    out: dict[str, str] = {}
    for uid, entry in _directory(context).items():
        email = entry.get("email") if isinstance(entry, Mapping) else None
        if isinstance(email, str) and "@" in email:
            out["slack:" + uid] = email.strip().lower()
    return out


def from_slack(raw: RawItem) -> Message:
    """One Slack message object as a chat :class:`Message` (see the module docstring)."""
    data = raw.data
    if not isinstance(data, Mapping):
        raise BadItem("malformed_item")
    reason = skip_reason(data)
    if reason is not None:
        raise BadItem(reason)
    ctx = raw.context
    conv = _text(ctx.get("conversation_id")) or "unknown"
    kind = _text(ctx.get("conversation_kind")) or "channel"
    users = _directory(ctx)

    ts = data.get("ts")
    sent_at = parse_ts(ts)
    uid = data.get("user")
    if not isinstance(uid, str) or not _USER_ID.match(uid):
        raise BadItem("bad_sender")
    sender = Address("slack:" + uid, _name(users, uid) or _profile_name(data), "slack")

    text = data.get("text", "")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise BadItem("malformed_item")
    notes: list[str] = []
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
        notes.append("text_truncated")
    if "edited" in data:
        notes.append("edited")
    own, quoted = _split_quotes(text)
    mentions: dict[str, Address] = {}
    body = _render(own, users, mentions)
    quoted_text = _render(quoted, users, {})

    thread_id = in_reply_to = None
    thread_ts = data.get("thread_ts")
    if thread_ts is not None and thread_ts != "":
        parse_ts(thread_ts)
        thread_id = f"{conv}:{thread_ts}"
        if str(thread_ts) != str(ts):
            in_reply_to = f"slack:{conv}:{thread_ts}"

    to: tuple[Address, ...] = ()
    if kind in _DIRECT_KINDS:
        members = ctx.get("members")
        if isinstance(members, list | tuple):
            to = tuple(
                Address("slack:" + m, _name(users, m), "slack")
                for m in dict.fromkeys(x for x in members if isinstance(x, str))
                if m != uid and _USER_ID.match(m)
            )
    files = data.get("files")
    return Message(
        source=raw.source,
        source_item_id=raw.item_id,
        channel="chat",
        sent_at=sent_at,
        utc_offset_minutes=None,
        sender=sender,
        to=to,
        body=body,
        quoted=quoted_text,
        message_id=f"slack:{conv}:{ts}",
        in_reply_to=in_reply_to,
        references=(in_reply_to,) if in_reply_to else (),
        conversation=conv,
        thread_id=thread_id,
        mentions=tuple(mentions.values()),
        folder=None if kind in _DIRECT_KINDS else (_text(ctx.get("conversation_name")) or None),
        attachments=len(files) if isinstance(files, list) else 0,
        notes=tuple(notes),
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _directory(context: Mapping[str, object]) -> Mapping[str, Mapping[str, object]]:
    users = context.get("users")
    if not isinstance(users, Mapping):
        return {}
    return users


def _name(users: Mapping[str, Mapping[str, object]], uid: str) -> str:
    entry = users.get(uid)
    if not isinstance(entry, Mapping):
        return ""
    return _text(entry.get("real_name")) or _text(entry.get("name"))


def _profile_name(data: Mapping[str, object]) -> str:
    profile = data.get("user_profile")
    if not isinstance(profile, Mapping):
        return ""
    for key in ("real_name", "display_name", "name"):
        value = profile.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _split_quotes(text: str) -> tuple[str, str]:
    """(own, quoted): a line starting ``&gt;`` is quoted; ``&gt;&gt;&gt;`` quotes the rest."""
    if "&gt;" not in text:
        return text, ""
    own: list[str] = []
    quoted: list[str] = []
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("&gt;&gt;&gt;"):
            quoted.append(line[12:].lstrip())
            quoted.extend(lines[i + 1 :])
            break
        if line.startswith("&gt;"):
            quoted.append(line[4:].removeprefix(" "))
        else:
            own.append(line)
    return "\n".join(own).strip("\n"), "\n".join(quoted).strip("\n")


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _render(
    text: str, users: Mapping[str, Mapping[str, object]], mentions: dict[str, Address]
) -> str:
    """Slack markup as readable text; every user mention is added to ``mentions``."""
    if not text:
        return ""
    out: list[str] = []
    pos = 0
    for match in _TOKEN.finditer(text):
        out.append(_unescape(text[pos : match.start()]))
        out.append(_token(match.group(1), users, mentions))
        pos = match.end()
    out.append(_unescape(text[pos:]))
    return "".join(out)


def _token(
    token: str, users: Mapping[str, Mapping[str, object]], mentions: dict[str, Address]
) -> str:
    target, _, label = token.partition("|")
    label = _unescape(label)
    if target.startswith("@"):
        uid = target[1:]
        if not _USER_ID.match(uid):
            return "@" + (label or uid)
        name = _name(users, uid) or label.lstrip("@")
        handle = "slack:" + uid
        mentions.setdefault(handle, Address(handle, name, "slack"))
        return "@" + (name or uid)
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        special = target[1:].split("^", 1)[0]
        if label:
            return label
        return "@" + special if special in ("here", "channel", "everyone") else ""
    return label or _unescape(target)
