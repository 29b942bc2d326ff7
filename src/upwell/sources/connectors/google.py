"""Gmail and Google Calendar through the member's own Google grant.

Gmail: a first sync lists ``users.messages`` (``newer_than`` the initial window, at most
``sync_initial_max_items``) after noting the mailbox's ``historyId``; later syncs read
``users.history`` (``messageAdded``) from the stored ``historyId``. When Google no longer has
that history (404), a bounded full re-sync runs. Messages are fetched ``format=raw`` (RFC 822
bytes, as in a maildir) or, in metadata-only mode, ``format=metadata`` (headers only: no body
is ever received). Google Calendar: ``events.list`` on the primary calendar with
``singleEvents`` over the configured window, then ``nextSyncToken``; 410 starts over.
See docs/sources/gmail.md and docs/sources/google-calendar.md.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from upwell.errors import BadItem
from upwell.model import RawItem, Skipped
from upwell.sources.base import MAX_ITEM_BYTES
from upwell.sources.connectors.shape import event_ics, get, header_block, text
from upwell.sources.connectors.spec import ConnectorSpec, Cursor, FetchSession, Page, connector

GMAIL_FULL = ("https://www.googleapis.com/auth/gmail.readonly",)
GMAIL_METADATA = ("https://www.googleapis.com/auth/gmail.metadata",)
CALENDAR = ("https://www.googleapis.com/auth/calendar.events.readonly",)
#: The headers asked for in metadata-only mode: who, when, and thread linkage.
METADATA_HEADERS = ("From", "To", "Cc", "Bcc", "Date", "Subject", "Message-ID",
                    "In-Reply-To", "References")
PAGE = 100


def _gmail(ctx: FetchSession) -> str:
    return str(ctx.settings.google_api_url).rstrip("/") + "/gmail/v1/users/me"


def _message(ctx: FetchSession, message_id: str) -> RawItem | Skipped:
    """One Gmail message as a ``mime`` raw item (headers only in metadata mode)."""
    metadata = ctx.mode == "metadata"
    params: dict[str, Any] = {"format": "metadata" if metadata else "raw"}
    if metadata:
        params["metadataHeaders"] = list(METADATA_HEADERS)
    body = ctx.api.json(f"{_gmail(ctx)}/messages/{message_id}", params, allow=frozenset({404}))
    if body.get("_status") == 404:
        return Skipped("gone_before_read")
    labels = body.get("labelIds")
    labels = [x for x in labels if isinstance(x, str)] if isinstance(labels, list) else []
    if "DRAFT" in labels:
        return Skipped("draft")
    if metadata:
        headers = get(body, "payload", "headers")
        if not isinstance(headers, list):
            return Skipped("malformed_item")
        data = header_block((text(h.get("name")), text(h.get("value")))
                            for h in headers if isinstance(h, dict))
    else:
        raw = body.get("raw")
        if not isinstance(raw, str) or len(raw) > MAX_ITEM_BYTES * 4 // 3 + 4:
            return Skipped("malformed_item" if not isinstance(raw, str) else "item_too_large")
        try:
            data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        except (binascii.Error, ValueError):
            return Skipped("malformed_item")
    return RawItem(kind="mime", source="gmail", item_id="gmail:" + message_id, data=data,
                   context={"folder": "Sent" if "SENT" in labels else "Inbox"})


def _ids(values: object) -> list[str]:
    out: list[str] = []
    if isinstance(values, list):
        for v in values:
            mid = v.get("id") if isinstance(v, dict) else None
            if isinstance(mid, str) and mid and mid not in out:
                out.append(mid)
    return out


def _full(ctx: FetchSession, state: dict[str, Any]) -> Iterator[Page]:
    """The bounded listing: newest first, within the initial window and item limit."""
    if "history_id" not in state:
        profile = ctx.api.json(_gmail(ctx) + "/profile")
        state = {"history_id": str(profile.get("historyId") or ""), "page": None, "count": 0}
    while True:
        params: dict[str, Any] = {"maxResults": PAGE,
                                  "q": f"newer_than:{ctx.settings.sync_initial_days}d"}
        if state.get("page"):
            params["pageToken"] = state["page"]
        body = ctx.api.json(_gmail(ctx) + "/messages", params)
        ids = _ids(body.get("messages"))
        room = ctx.settings.sync_initial_max_items - int(state.get("count", 0))
        ids = ids[: max(room, 0)]
        items = [_message(ctx, i) for i in ids]
        count = int(state.get("count", 0)) + len(ids)
        token = body.get("nextPageToken")
        if isinstance(token, str) and token and count < ctx.settings.sync_initial_max_items:
            state = dict(state, page=token, count=count)
            yield Page(items, {"full": state})
            continue
        yield Page(items, {"history_id": state["history_id"]})
        return


def fetch_gmail(ctx: FetchSession, cursor: Cursor) -> Iterator[Page]:
    """Gmail pages from ``cursor`` (see the module docstring)."""
    if "full" in cursor or not cursor.get("history_id"):
        yield from _full(ctx, cursor.get("full") or {})
        return
    start, page = str(cursor["history_id"]), cursor.get("page")
    while True:
        params: dict[str, Any] = {"startHistoryId": start, "historyTypes": "messageAdded",
                                  "maxResults": PAGE}
        if page:
            params["pageToken"] = page
        body = ctx.api.json(_gmail(ctx) + "/history", params, allow=frozenset({404}))
        if body.get("_status") == 404:  # too old: Google keeps about a week of history
            yield from _full(ctx, {})
            return
        added: list[str] = []
        history = body.get("history")
        for h in history if isinstance(history, list) else []:
            if isinstance(h, dict):
                for a in h.get("messagesAdded") or []:
                    for i in _ids([get(a, "message")]):
                        if i not in added:
                            added.append(i)
        items = [_message(ctx, i) for i in added]
        token = body.get("nextPageToken")
        if isinstance(token, str) and token:
            page = token
            yield Page(items, {"history_id": start, "page": token})
            continue
        newest = body.get("historyId")
        yield Page(items, {"history_id": str(newest) if newest else start})
        return


# -- Google Calendar ---------------------------------------------------------------------------

def _when(value: object) -> datetime | date:
    if not isinstance(value, dict):
        raise BadItem("missing_date")
    try:
        if isinstance(value.get("dateTime"), str):
            when = datetime.fromisoformat(value["dateTime"].replace("Z", "+00:00"))
            if when.tzinfo is None:
                raise BadItem("bad_date")
            return when.astimezone(UTC)
        if isinstance(value.get("date"), str):
            return date.fromisoformat(value["date"])
    except ValueError:
        raise BadItem("bad_date") from None
    raise BadItem("missing_date")


def calendar_item(source: str, event: dict[str, Any], start: datetime | date,
                  end: datetime | date, *, uid: str, title: str, cancelled: bool,
                  organizer: tuple[str, str] | None, attendees: list[tuple[str, str, str]]
                  ) -> RawItem:
    """A provider event (one occurrence) as an ``ics`` raw item keyed by the provider's id."""
    data = event_ics(uid=uid, title=title, start=start, end=end, cancelled=cancelled,
                     organizer=organizer, attendees=attendees)
    return RawItem(kind="ics", source=source, item_id=f"{source}:{event['id']}", data=data)


def _gcal_item(event: dict[str, Any]) -> RawItem | Skipped:
    try:
        start, end = _when(event.get("start")), _when(event.get("end"))
    except BadItem as bad:
        return Skipped(bad.reason)
    org = event.get("organizer") if isinstance(event.get("organizer"), dict) else {}
    attendees = [(text(a.get("displayName")), text(a.get("email")), text(a.get("responseStatus")))
                 for a in event.get("attendees") or [] if isinstance(a, dict)]
    return calendar_item(
        "google-calendar", event, start, end,
        uid=text(event.get("iCalUID")) or text(event.get("id")),
        title=text(event.get("summary")), cancelled=event.get("status") == "cancelled",
        organizer=(text(org.get("displayName")), text(org.get("email"))) if org else None,
        attendees=attendees)


def fetch_calendar(ctx: FetchSession, cursor: Cursor) -> Iterator[Page]:
    """Google Calendar pages: the window first, then changes by sync token."""
    url = ctx.settings.google_api_url.rstrip("/") + "/calendar/v3/calendars/primary/events"
    sync_token, page = cursor.get("sync_token"), cursor.get("page")
    window = cursor.get("window")  # a page token is only valid with the same window
    while True:
        params: dict[str, Any] = {"singleEvents": "true", "maxResults": 250}
        if sync_token:
            params["syncToken"] = sync_token
        else:
            if not (isinstance(window, list) and len(window) == 2 and page):
                before, after = ctx.settings.sync_calendar_days
                now = datetime.now(UTC)
                window = [(now + timedelta(days=d)).strftime("%Y-%m-%dT%H:%M:%SZ")
                          for d in (-before, after)]
            params["timeMin"], params["timeMax"] = window
        if page:
            params["pageToken"] = page
        body = ctx.api.json(url, params, allow=frozenset({410}))
        if body.get("_status") == 410:  # the sync token expired: read the window again
            sync_token = page = None
            continue
        items: list[RawItem | Skipped] = []
        removed: list[str] = []
        for ev in body.get("items") or []:
            if not isinstance(ev, dict) or not isinstance(ev.get("id"), str):
                items.append(Skipped("malformed_item"))
            elif ev.get("status") == "cancelled" and "start" not in ev:
                removed.append(f"google-calendar:{ev['id']}@single")
            else:
                items.append(_gcal_item(ev))
        token = body.get("nextPageToken")
        if isinstance(token, str) and token:
            page = token
            yield Page(items, {"sync_token": sync_token, "page": token,
                               **({} if sync_token else {"window": window})}, removed)
            continue
        nxt = body.get("nextSyncToken")
        yield Page(items, {"sync_token": nxt if isinstance(nxt, str) else sync_token}, removed)
        return


GMAIL = connector(ConnectorSpec(
    id="gmail", title="Gmail", provider="google", source="mail", provides=("messages",),
    scopes={"full": GMAIL_FULL, "metadata": GMAIL_METADATA}, fetch=fetch_gmail))
GOOGLE_CALENDAR = connector(ConnectorSpec(
    id="google-calendar", title="Google Calendar", provider="google", source="calendar",
    provides=("events",), scopes={"full": CALENDAR}, fetch=fetch_calendar))
