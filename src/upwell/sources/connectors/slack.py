"""Slack through the member's own user token (never a bot token).

User scopes ``channels:history groups:history im:history mpim:history`` and the matching
``:read`` scopes. The member's conversations (``conversations.list``; channels only where they
are a member), then per conversation ``conversations.history`` since the conversation's newest
``ts`` (``oldest``, ``next_cursor`` pages) and ``conversations.replies`` for threads with
replies; each conversation's mark advances once all its pages are committed. API messages have
the shape of export messages, so they are normalized like a Slack export (``slack`` items).
Metadata-only mode drops the text before anything reads it. See docs/sources/slack.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from upwell.errors import ConnectorError, ReconnectNeeded
from upwell.model import RawItem, Skipped
from upwell.sources.connectors.oauth import GRANT_GONE
from upwell.sources.connectors.spec import ConnectorSpec, Cursor, FetchSession, Page, connector
from upwell.sources.slack_messages import skip_reason

SCOPES = ("channels:history", "groups:history", "im:history", "mpim:history",
          "channels:read", "groups:read", "im:read", "mpim:read")
#: Threads per conversation whose new replies each sync looks for.
MAX_THREADS = 20
#: Errors that make one conversation unreadable (left, archived, gone): skipped, sync goes on.
CONVERSATION_GONE = frozenset({"channel_not_found", "not_in_channel", "is_archived",
                               "thread_not_found"})


def _call(ctx: FetchSession, method: str, params: dict[str, Any]) -> dict[str, Any] | None:
    url = str(ctx.settings.slack_api_url).rstrip("/") + "/" + method
    for attempt in range(2):
        body: dict[str, Any] = ctx.api.json(url, params)
        if body.get("ok") is True:
            return body
        error = str(body.get("error") or "unknown")[:40]
        if error == "token_expired" and attempt == 0 and ctx.api.grant is not None:
            ctx.api.grant.renew()
            continue
        if error in GRANT_GONE:
            raise ReconnectNeeded(f"Slack refused the grant ({error}): connect Slack again")
        if error in CONVERSATION_GONE:
            return None
        raise ConnectorError(f"Slack refused {method} ({error})")
    raise ReconnectNeeded("Slack refused a fresh token: connect Slack again")


def _paged(ctx: FetchSession, method: str, params: dict[str, Any], key: str
           ) -> Iterator[dict[str, Any]]:
    cursor = ""
    while True:
        body = _call(ctx, method, dict(params, cursor=cursor) if cursor else params)
        if body is None:
            return
        for x in body.get(key) or []:
            if isinstance(x, dict):
                yield x
        cursor = str((body.get("response_metadata") or {}).get("next_cursor") or "")
        if not cursor:
            return


def _context(ctx: FetchSession, conv: dict[str, Any]) -> dict[str, object]:
    kind = ("im" if conv.get("is_im") else "mpim" if conv.get("is_mpim")
            else "group" if conv.get("is_private") else "channel")
    members: list[str] = []
    if kind == "im" and isinstance(conv.get("user"), str):
        me = ctx.config.get("user")
        members = [conv["user"], *([me] if isinstance(me, str) else [])]
    elif kind == "mpim":
        members = _members(ctx, conv["id"])
    return {"conversation_id": conv["id"], "conversation_name": str(conv.get("name") or ""),
            "conversation_kind": kind, "members": members, "users": {}}


def _members(ctx: FetchSession, cid: str) -> list[str]:
    body = _call(ctx, "conversations.members", {"channel": cid, "limit": 200})
    values = body.get("members") if body else None
    return [m for m in values if isinstance(m, str)] if isinstance(values, list) else []


def _item(ctx: FetchSession, msg: dict[str, Any], context: dict[str, object]) -> RawItem | Skipped:
    reason = skip_reason(msg)
    if reason is not None:
        return Skipped(reason)
    ts = msg.get("ts")
    if not isinstance(ts, str) or not ts:
        return Skipped("bad_timestamp")
    data = dict(msg, text="") if ctx.mode == "metadata" else msg
    return RawItem(kind="slack", source="slack", item_id=f"{context['conversation_id']}:{ts}",
                   data=data, context=context)


def _ts(value: object) -> float:
    try:
        return float(str(value))
    except ValueError:
        return 0.0


def fetch(ctx: FetchSession, cursor: Cursor) -> Iterator[Page]:
    """Slack pages (see the module docstring)."""
    marks: dict[str, dict[str, Any]] = {k: dict(v) for k, v in (cursor.get("convs") or {}).items()
                                        if isinstance(v, dict)}
    pending: dict[str, Any] = dict(cursor.get("pending") or {})
    start = datetime.now(UTC) - timedelta(days=ctx.settings.sync_initial_days)
    floor = f"{start.timestamp():.6f}"
    convs = [c for c in _paged(ctx, "conversations.list",
                               {"types": "public_channel,private_channel,mpim,im",
                                "exclude_archived": "true", "limit": 200}, "channels")
             if isinstance(c.get("id"), str) and (c.get("is_im") or c.get("is_mpim")
                                                   or c.get("is_member"))]
    for conv in convs:
        cid = conv["id"]
        context = _context(ctx, conv)
        mark = marks.get(cid, {})
        oldest = str(mark.get("ts") or floor)
        threads: dict[str, str] = dict(mark.get("threads") or {})
        newest = oldest
        page_cursor = ""
        if pending.get("conv") == cid:
            page_cursor = str(pending.get("cursor") or "")
            newest = str(pending.get("newest") or oldest)
            threads.update(pending.get("threads") or {})
        while True:
            params: dict[str, Any] = {"channel": cid, "oldest": oldest, "limit": 200}
            if page_cursor:
                params["cursor"] = page_cursor
            body = _call(ctx, "conversations.history", params)
            if body is None:
                break
            items: list[RawItem | Skipped] = []
            for msg in body.get("messages") or []:
                if not isinstance(msg, dict):
                    items.append(Skipped("not_an_object"))
                    continue
                items.append(_item(ctx, msg, context))
                if _ts(msg.get("ts")) > _ts(newest):
                    newest = str(msg.get("ts"))
                if isinstance(msg.get("reply_count"), int) and msg["reply_count"] > 0:
                    threads.setdefault(str(msg.get("ts")), str(msg.get("ts")))
            page_cursor = str((body.get("response_metadata") or {}).get("next_cursor") or "")
            if page_cursor:
                yield Page(items, {"convs": marks, "pending": {
                    "conv": cid, "cursor": page_cursor, "newest": newest,
                    "threads": dict(threads)}})
                continue
            # Threads: replies since each thread's mark (parents already came with history).
            kept = sorted(threads.items(), key=lambda kv: _ts(kv[1]), reverse=True)
            for parent, seen in kept[:MAX_THREADS]:
                for reply in _paged(ctx, "conversations.replies",
                                    {"channel": cid, "ts": parent, "oldest": seen, "limit": 200},
                                    "messages"):
                    if str(reply.get("ts")) in (parent, seen):
                        continue
                    items.append(_item(ctx, reply, context))
                    if _ts(reply.get("ts")) > _ts(threads[parent]):
                        threads[parent] = str(reply.get("ts"))
            marks = dict(marks)
            marks[cid] = {"ts": newest, "threads": dict(kept[:MAX_THREADS])}
            marks[cid]["threads"] = {p: threads[p] for p in marks[cid]["threads"]}
            yield Page(items, {"convs": marks})
            break


SLACK = connector(ConnectorSpec(
    id="slack", title="Slack", provider="slack", source="chat", provides=("messages",),
    scopes={"full": SCOPES}, fetch=fetch))
