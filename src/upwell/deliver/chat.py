"""Nudges in the member's chat: a Slack DM from the org's Upwell app.

Reads: the member's own Slack connection (their Slack user id, from their own grant), the Slack
app's bot token (``Settings.slack_bot_token``). Writes nothing here; the caller records the
delivery. The bot token can only open a DM and post in it (``im:write``, ``chat:write``): it
reads nothing, and a nudge goes only to the member it is about, never to a colleague. Requests
go through the connectors' retrying client (429 with Retry-After, backoff with jitter); nothing
here logs a token, an id or the text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any, Protocol

import httpx

from upwell.config import Settings
from upwell.deliver.mailer import send
from upwell.errors import ConnectorError, DeliveryError
from upwell.insights.nudges import Nudge
from upwell.sources.connectors.http import Api
from upwell.store import connections
from upwell.store.db import Member, Store
from upwell.store.delivery_prefs import own_address


class NudgeChannel(Protocol):
    """Delivers one nudge to the member themselves (never to anyone else)."""

    id: str

    def send(self, member: Member, ref: str, nudge: Nudge, links: Mapping[str, str]) -> None:
        """Deliver, or raise :class:`~upwell.errors.DeliveryError`."""


class EmailChannel:
    """A short plain-text email to the member's own account address."""

    id = "email"

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def message(self, to: str, nudge: Nudge, links: Mapping[str, str]) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = nudge.title
        msg["From"] = self.settings.mail_from
        msg["To"] = to
        msg["Date"] = format_datetime(datetime.now().astimezone())
        msg["Message-ID"] = make_msgid(domain="upwell.local")
        msg["Auto-Submitted"] = "auto-generated"
        lines = [nudge.text, "", "Try: " + nudge.action, ""]
        if links:
            lines += ["Was this useful?", *(f"  {k}: {v}" for k, v in links.items()), ""]
        lines.append("Only you get this. Change what reaches you: "
                     + self.settings.public_url.rstrip("/") + "/me/settings")
        msg.set_content("\n".join(lines) + "\n")
        return msg

    def send(self, member: Member, ref: str, nudge: Nudge, links: Mapping[str, str]) -> None:

        to = own_address(self.store, member, ref)
        if to is None:
            raise DeliveryError("no address on file: sign in once so Upwell knows your own "
                                "account email", code="E604")
        send(self.settings, self.message(to, nudge, links))



def own_slack_user(store: Store, member: Member) -> str | None:
    """The member's own Slack user id, from an active Slack connection of theirs."""
    for c in connections.list_for(store, member.id):
        if c.source == "slack" and c.status == connections.ACTIVE:
            user = connections.config(store, member, c.id).get("user")
            if isinstance(user, str) and user:
                return user
    return None


def slack_text(nudge: Nudge, links: Mapping[str, str]) -> tuple[str, list[dict[str, Any]]]:
    """The DM's fallback text and its Block Kit blocks."""
    text = f"{nudge.title}: {nudge.text}"
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{nudge.title}*\n{nudge.text}"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Try: " + nudge.action}]},
    ]
    if links:
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": verdict.replace("_", " ")},
             "url": url} for verdict, url in links.items()]})
    blocks.append({"type": "context", "elements": [
        {"type": "mrkdwn", "text": "Only you get this, from your own Upwell."}]})
    return text, blocks


class SlackDMChannel:
    """A direct message from the org's Upwell Slack app to the member themselves."""

    id = "slack"

    def __init__(self, store: Store, settings: Settings, http: httpx.Client | None = None
                 ) -> None:
        self.store = store
        self.settings = settings
        self.http = http

    def _call(self, api: Api, method: str, data: dict[str, str], token: str) -> dict[str, Any]:
        url = self.settings.slack_api_url.rstrip("/") + "/" + method
        try:
            r = api.send("POST", url, data=data, headers={"Authorization": f"Bearer {token}"})
        except ConnectorError as exc:
            raise DeliveryError(f"Slack is unreachable or busy ({exc.code}): the nudge stays "
                                "queued", code="E606") from None
        try:
            body = r.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or body.get("ok") is not True:
            error = body.get("error") if isinstance(body, dict) else None
            reason = error[:40] if isinstance(error, str) else f"HTTP {r.status_code}"
            raise DeliveryError(f"Slack refused {method} ({reason}): the nudge stays queued",
                                code="E607")
        return body

    def send(self, member: Member, ref: str, nudge: Nudge, links: Mapping[str, str]) -> None:
        token = self.settings.slack_bot_token
        if token is None:
            raise DeliveryError("no Slack app for nudges: set UPWELL_SLACK_BOT_TOKEN",
                                code="E605")
        user = own_slack_user(self.store, member)
        if user is None:
            raise DeliveryError("connect your Slack account on the sources page so Upwell "
                                "knows where to reach you", code="E608")
        http = self.http or httpx.Client(timeout=30.0)
        try:
            api = Api(http, None, retries=self.settings.sync_retries,
                      backoff_s=self.settings.sync_backoff_s)
            secret = token.get_secret_value()
            opened = self._call(api, "conversations.open", {"users": user}, secret)
            channel = opened.get("channel")
            dm = channel.get("id") if isinstance(channel, dict) else None
            if not isinstance(dm, str) or not dm:
                raise DeliveryError("Slack opened no DM: the nudge stays queued", code="E607")
            text, blocks = slack_text(nudge, links)
            self._call(api, "chat.postMessage",
                       {"channel": dm, "text": text, "blocks": json.dumps(blocks),
                        "unfurl_links": "false"}, secret)
        finally:
            if self.http is None:
                http.close()


def channels_for(store: Store, settings: Settings) -> dict[str, Any]:
    """Every nudge channel this deployment can use: email, and Slack when its app is set."""

    out: dict[str, Any] = {"email": EmailChannel(store, settings)}
    if settings.slack_bot_token is not None:
        out["slack"] = SlackDMChannel(store, settings)
    return out
