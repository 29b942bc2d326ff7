"""Outlook mail, Outlook calendar and Teams chats through the member's own Microsoft grant.

Delegated permissions only (``Mail.Read`` or, metadata-only, ``Mail.ReadBasic``;
``Calendars.Read``; ``Chat.Read``; ``offline_access``). Mail: a delta query per folder (Inbox
and Sent Items; ``@odata.nextLink`` pages, then the ``@odata.deltaLink`` kept as the cursor),
each message mapped to RFC 5322 bytes (headers only without a body). Calendar:
``/me/calendarView/delta`` over the configured window (occurrences, already expanded; removals
delete the stored event). Teams: the member's chats, then each chat's messages newest first
since the last sync (``lastModifiedDateTime``), the chat's mark advanced once all its pages are
in. Links from the provider are followed only when they point at the configured Graph base.
See docs/sources/outlook-mail.md, outlook-calendar.md and teams-chat.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from upwell.errors import BadItem, ConnectorError
from upwell.model import RawItem, Skipped
from upwell.sources.connectors.google import calendar_item
from upwell.sources.connectors.shape import get, mime_message, text
from upwell.sources.connectors.spec import ConnectorSpec, Cursor, FetchSession, Page, connector

MAIL_FULL = ("Mail.Read", "offline_access")
MAIL_METADATA = ("Mail.ReadBasic", "offline_access")
CALENDAR = ("Calendars.Read", "offline_access")
CHAT = ("Chat.Read", "offline_access")
FOLDERS = ("inbox", "sentitems")
_META_FIELDS = ("from,sender,toRecipients,ccRecipients,bccRecipients,sentDateTime,subject,"
                "internetMessageId,conversationId,isDraft")


def _base(ctx: FetchSession) -> str:
    return str(ctx.settings.graph_api_url).rstrip("/")


def _follow(ctx: FetchSession, link: object) -> str | None:
    """A next or delta link, refused unless it points at the configured Graph base (the
    member's token is never sent anywhere else)."""
    if link is None:
        return None
    if not isinstance(link, str) or not link.startswith(_base(ctx) + "/"):
        raise ConnectorError("Graph answered with a link outside its own base: refused")
    return link


def _instant(value: object, zone: object = "UTC") -> datetime:
    if not isinstance(value, str) or not value:
        raise BadItem("missing_date")
    stamp = value.replace("Z", "+00:00")
    head, dot, tail = stamp.partition(".")
    if dot:  # Graph writes seven fractional digits; Python reads at most six
        digits = "".join(c for c in tail if c.isdigit())
        stamp = head + "." + digits[:6] + tail[len(digits):]
    try:
        when = datetime.fromisoformat(stamp)
        if when.tzinfo is None:
            when = when.replace(tzinfo=ZoneInfo(zone if isinstance(zone, str) else "UTC"))
    except (ValueError, ZoneInfoNotFoundError):
        raise BadItem("bad_date") from None
    return when.astimezone(UTC)


def _who(value: object) -> tuple[str, str] | None:
    email = get(value, "emailAddress", "address") if isinstance(value, dict) else None
    if not isinstance(email, str) or "@" not in email:
        return None
    return text(get(value, "emailAddress", "name")), email


def _people(values: object) -> list[tuple[str, str]]:
    out = [_who(v) for v in values] if isinstance(values, list) else []
    return [p for p in out if p is not None]


# -- Outlook mail ------------------------------------------------------------------------------

def _mail_item(ctx: FetchSession, m: dict[str, Any], folder: str) -> RawItem | Skipped:
    if m.get("isDraft") is True:
        return Skipped("draft")
    try:
        body = None
        html = False
        if ctx.mode != "metadata":
            content = get(m, "body", "content")
            body = content if isinstance(content, str) else ""
            html = text(get(m, "body", "contentType")).lower() == "html"
        data = mime_message(
            sender=_who(m.get("from")) or _who(m.get("sender")),
            to=_people(m.get("toRecipients")), cc=_people(m.get("ccRecipients")),
            bcc=_people(m.get("bccRecipients")),
            sent=_instant(m.get("sentDateTime") or m.get("receivedDateTime")),
            subject=text(m.get("subject")), message_id=text(m.get("internetMessageId")),
            body=body, html=html)
    except BadItem as bad:
        return Skipped(bad.reason)
    return RawItem(kind="mime", source="outlook-mail", item_id=f"graph:{m['id']}", data=data,
                   context={"folder": "Sent Items" if folder == "sentitems" else "Inbox"})


def fetch_mail(ctx: FetchSession, cursor: Cursor) -> Iterator[Page]:
    """Outlook mail pages: a delta query per folder (see the module docstring)."""
    state = {f: dict(cursor.get(f) or {}) for f in FOLDERS}
    fields = _META_FIELDS + ("" if ctx.mode == "metadata" else ",body")
    since = datetime.now(UTC) - timedelta(days=ctx.settings.sync_initial_days)
    for folder in FOLDERS:
        link = state[folder].get("next") or state[folder].get("delta")
        while True:
            if link:
                body = ctx.api.json(_follow(ctx, link), headers={"Prefer": "odata.maxpagesize=50"})
            else:
                body = ctx.api.json(
                    f"{_base(ctx)}/me/mailFolders/{folder}/messages/delta",
                    {"$select": fields,
                     "$filter": "receivedDateTime ge " + since.strftime("%Y-%m-%dT%H:%M:%SZ")},
                    headers={"Prefer": "odata.maxpagesize=50"})
            items: list[RawItem | Skipped] = []
            for m in body.get("value") or []:
                if not isinstance(m, dict) or not isinstance(m.get("id"), str):
                    items.append(Skipped("malformed_item"))
                elif "@removed" not in m:  # a message removed from the mailbox stays coached
                    items.append(_mail_item(ctx, m, folder))
            nxt = _follow(ctx, body.get("@odata.nextLink"))
            if nxt:
                state[folder] = {"next": nxt}
                link = nxt
                yield Page(items, dict(state))
                continue
            delta = _follow(ctx, body.get("@odata.deltaLink"))
            state[folder] = {"delta": delta} if delta else {}
            yield Page(items, dict(state))
            break


# -- Outlook calendar --------------------------------------------------------------------------

def _when(value: object, all_day: bool) -> datetime | date:
    if not isinstance(value, dict):
        raise BadItem("missing_date")
    when = _instant(value.get("dateTime"), value.get("timeZone") or "UTC")
    return when.date() if all_day else when


def _event_item(e: dict[str, Any]) -> RawItem | Skipped:
    all_day = e.get("isAllDay") is True
    try:
        start, end = _when(e.get("start"), all_day), _when(e.get("end"), all_day)
    except BadItem as bad:
        return Skipped(bad.reason)
    attendees = []
    for a in e.get("attendees") or []:
        who = _who(a) if isinstance(a, dict) else None
        if who is not None:
            attendees.append((who[0], who[1], text(get(a, "status", "response"))))
    return calendar_item(
        "outlook-calendar", e, start, end, uid=text(e.get("iCalUId")) or text(e.get("id")),
        title=text(e.get("subject")), cancelled=e.get("isCancelled") is True,
        organizer=_who(e.get("organizer")), attendees=attendees)


def fetch_calendar(ctx: FetchSession, cursor: Cursor) -> Iterator[Page]:
    """Outlook calendar pages from ``/me/calendarView/delta``."""
    link = cursor.get("next") or cursor.get("delta")
    prefer = {"Prefer": 'outlook.timezone="UTC", odata.maxpagesize=100'}
    while True:
        if link:
            body = ctx.api.json(_follow(ctx, link), headers=prefer)
        else:
            before, after = ctx.settings.sync_calendar_days
            now = datetime.now(UTC)
            body = ctx.api.json(f"{_base(ctx)}/me/calendarView/delta", {
                "startDateTime": (now - timedelta(days=before)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "endDateTime": (now + timedelta(days=after)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }, headers=prefer)
        items: list[RawItem | Skipped] = []
        removed: list[str] = []
        for e in body.get("value") or []:
            if not isinstance(e, dict) or not isinstance(e.get("id"), str):
                items.append(Skipped("malformed_item"))
            elif "@removed" in e:
                removed.append(f"outlook-calendar:{e['id']}@single")
            else:
                items.append(_event_item(e))
        nxt = _follow(ctx, body.get("@odata.nextLink"))
        if nxt:
            link = nxt
            yield Page(items, {"next": nxt}, removed)
            continue
        delta = _follow(ctx, body.get("@odata.deltaLink"))
        yield Page(items, {"delta": delta} if delta else {}, removed)
        return


# -- Teams chats -------------------------------------------------------------------------------

def _chats(ctx: FetchSession) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    link: str | None = None
    while True:
        body = (ctx.api.json(link) if link else
                ctx.api.json(f"{_base(ctx)}/me/chats", {"$expand": "members", "$top": 50}))
        out.extend(c for c in body.get("value") or []
                   if isinstance(c, dict) and isinstance(c.get("id"), str))
        link = _follow(ctx, body.get("@odata.nextLink"))
        if not link:
            return out


def _chat_context(chat: dict[str, Any], metadata: bool) -> dict[str, object]:
    members: dict[str, list[str]] = {}
    for m in chat.get("members") or []:
        if isinstance(m, dict) and isinstance(m.get("userId"), str):
            members[m["userId"]] = [text(m.get("displayName")), text(m.get("email"))]
    return {"conversation_id": chat["id"], "chat_type": text(chat.get("chatType")),
            "members": members, "metadata_only": metadata}


def fetch_chats(ctx: FetchSession, cursor: Cursor) -> Iterator[Page]:
    """Teams pages: per chat, messages modified since the chat's mark, newest first."""
    marks: dict[str, str] = dict(cursor.get("chats") or {})
    pending: dict[str, Any] = dict(cursor.get("pending") or {})
    floor = (datetime.now(UTC) - timedelta(days=ctx.settings.sync_initial_days)
             ).strftime("%Y-%m-%dT%H:%M:%SZ")
    for chat in _chats(ctx):
        cid = chat["id"]
        context = _chat_context(chat, ctx.mode == "metadata")
        since = marks.get(cid, floor)
        newest = since
        link: str | None = None
        if pending.get("chat") == cid:
            link, newest = _follow(ctx, pending.get("next")), str(pending.get("newest", since))
        while True:
            body = ctx.api.json(link) if link else ctx.api.json(
                f"{_base(ctx)}/me/chats/{cid}/messages",
                {"$top": 50, "$orderby": "lastModifiedDateTime desc",
                 "$filter": f"lastModifiedDateTime gt {since}"})
            items: list[RawItem | Skipped] = []
            for m in body.get("value") or []:
                if not isinstance(m, dict) or not isinstance(m.get("id"), str):
                    items.append(Skipped("malformed_item"))
                    continue
                changed = text(m.get("lastModifiedDateTime")) or text(m.get("createdDateTime"))
                newest = max(newest, changed)
                items.append(RawItem(kind="teams", source="teams-chat",
                                     item_id=f"teams:{cid}:{m['id']}", data=m, context=context))
            link = _follow(ctx, body.get("@odata.nextLink"))
            if link:
                yield Page(items, {"chats": dict(marks),
                                   "pending": {"chat": cid, "next": link, "newest": newest}})
                continue
            marks[cid] = newest
            yield Page(items, {"chats": dict(marks)})
            break


OUTLOOK_MAIL = connector(ConnectorSpec(
    id="outlook-mail", title="Outlook mail", provider="microsoft", source="mail",
    provides=("messages",), scopes={"full": MAIL_FULL, "metadata": MAIL_METADATA},
    fetch=fetch_mail))
OUTLOOK_CALENDAR = connector(ConnectorSpec(
    id="outlook-calendar", title="Outlook calendar", provider="microsoft", source="calendar",
    provides=("events",), scopes={"full": CALENDAR}, fetch=fetch_calendar))
TEAMS_CHAT = connector(ConnectorSpec(
    id="teams-chat", title="Teams chats", provider="microsoft", source="chat",
    provides=("messages",), scopes={"full": CHAT}, fetch=fetch_chats))
