"""The weekly digest: the member's own top cards, goals and experiments, as one email to them.

Reads: the member's stored dashboard (its cards, trends and before/after changes, computed by
:mod:`upwell.insights.board` from their own data), their feedback weights, goals, experiments and
fatigue controls. Writes nothing: :func:`build` returns the content, :func:`render` the
``EmailMessage`` (multipart/alternative: plain text and HTML with inline CSS, charts drawn as
HTML tables, no remote images), with List-Unsubscribe (a signed single-use https link and, when
configured, mailto) and List-Unsubscribe-Post (RFC 8058 one-click). Every card passes the one
gate (:func:`upwell.deliver.gate.gate`). See docs/delivery.md.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from upwell.config import Settings
from upwell.deliver.formatting import number
from upwell.deliver.gate import gate
from upwell.deliver.tokens import LinkClaim, make_token
from upwell.insights.board import METRICS, goal_progress
from upwell.insights.catalog import Card, cards_of
from upwell.insights.weekly import rerank
from upwell.store.db import Member, Store
from upwell.store.delivery_prefs import Controls
from upwell.store.experiments import list_experiments
from upwell.store.feedback import VERDICTS, weights
from upwell.store.goals import list_goals

#: Cards in a digest: the few that matter most this week, not the whole dashboard.
MAX_CARDS = 3
VERDICT_LABELS = {"helpful": "Helpful", "not_helpful": "Not helpful", "wrong": "Wrong"}
_HERE = Path(__file__).parent / "templates"


@dataclass(frozen=True, slots=True)
class Digest:
    """What one member's digest says (their eyes only)."""

    week: str | None
    cards: list[Card]  # reranked, without their evidence (it stays on the dashboard)
    goals: list[dict[str, Any]]
    experiments: list[dict[str, Any]]
    held_back: dict[str, str] = field(default_factory=dict)  # insight -> gate reason
    #: Whether the member's own mail was found (:func:`upwell.insights.weekly.own_mail`).
    own_mail: dict[str, Any] | None = None

    @property
    def no_own_mail(self) -> bool:
        return bool(self.own_mail and self.own_mail.get("status") == "no_own_mail")


def build(store: Store, member: Member, data: dict[str, Any], *, controls: Controls,
          tz: tzinfo, now: datetime) -> Digest:
    """The digest's content from the member's stored dashboard ``data``: cards reranked by
    their own feedback, each passed through the gate, at most :data:`MAX_CARDS`."""

    cards: list[Card] = []
    held: dict[str, str] = {}
    for c in rerank(cards_of(data), weights(store, member, now)):
        verdict = gate(store, member.id, controls, tz, channel="digest", insight=c.insight,
                       now=now)
        if verdict.action == "suppress":
            held[c.insight] = verdict.reason
            continue
        if len(cards) < MAX_CARDS:
            cards.append(replace(c, evidence=()))
    changes = data.get("changes", {})
    goals = []
    for g in list_goals(store, member.id):
        progress = goal_progress(data, g.metric, g.baseline)
        trend = progress.pop("trend", {})
        goals.append(dict(progress, bars=_bars(trend), change=changes.get(f"goal-{g.id}")))
    experiments = [{"label": METRICS[x.metric].label, "start_on": x.start_on.isoformat(),
                    "end_on": x.end_on.isoformat(), "change": changes.get(f"experiment-{x.id}")}
                   for x in list_experiments(store, member.id) if x.metric in METRICS]
    return Digest(data.get("week"), cards, goals, experiments, held,
                  own_mail=data.get("own_mail"))


def _bars(trend: dict[str, Any], weeks: int = 8) -> list[dict[str, Any]]:
    """The last ``weeks`` of a trend as rows of a horizontal bar chart (percent widths)."""
    labels = trend.get("labels", [])[-weeks:]
    values = trend.get("values", [])[-weeks:]
    top = max((v for v in values if v is not None), default=0) or 1
    return [{"label": lab, "value": v, "pct": 0 if v is None else max(2, round(100 * v / top))}
            for lab, v in zip(labels, values, strict=False)]


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(_HERE)), autoescape=select_autoescape(
        enabled_extensions=("html",), default_for_string=False), trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["num"] = number  # counts as whole numbers, as on the web pages
    return env


def links(settings: Settings, account_id: int | None, digest: Digest
          ) -> tuple[str | None, dict[str, dict[str, str]]]:
    """The unsubscribe link and, per card, one signed feedback link per verdict."""
    if account_id is None:
        return None, {}
    base = settings.public_url.rstrip("/")
    unsub = f"{base}/unsubscribe/" + make_token(settings, LinkClaim(account_id, "unsubscribe"))
    fb = {c.insight: {v: f"{base}/feedback/" + make_token(
        settings, LinkClaim(account_id, "feedback", c.insight, v)) for v in VERDICTS}
        for c in digest.cards}
    return unsub, fb


def render(settings: Settings, digest: Digest, *, to: str | None, account_id: int | None,
           now: datetime) -> EmailMessage:
    """The digest as an email to the member's own address ``to``."""
    unsub, feedback = links(settings, account_id, digest)
    context = {"d": digest, "unsubscribe": unsub, "feedback": feedback,
               "verdicts": VERDICT_LABELS, "settings_url": settings.public_url.rstrip("/")
               + "/me/settings", "dashboard_url": settings.public_url.rstrip("/") + "/me"}
    env = _env()
    # Lines up to RFC 5322's 998 characters: at the default 78, the email package folds a long
    # List-Unsubscribe URL by RFC 2047-encoding it, and RFC 2369 clients need the plain <URL>s.
    msg = EmailMessage(policy=policy.default.clone(max_line_length=998))
    n = len(digest.cards)
    msg["Subject"] = "Your Upwell week: " + (
        f"{n} thing{'s' if n != 1 else ''} to try" if n
        else "none of your own mail was found" if digest.no_own_mail else "nothing stood out")
    msg["From"] = settings.mail_from
    if to:
        msg["To"] = to
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain=urllib.parse.urlsplit(settings.public_url).hostname
                                   or "upwell.local")
    msg["Auto-Submitted"] = "auto-generated"
    if unsub:
        targets = [f"<{unsub}>"]
        if settings.mail_unsubscribe:
            query = urllib.parse.urlencode({"subject": "unsubscribe " + unsub.rsplit("/", 1)[1]})
            targets.append(f"<mailto:{settings.mail_unsubscribe}?{query}>")
        msg["List-Unsubscribe"] = ", ".join(targets)
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(env.get_template("digest.txt").render(**context))
    msg.add_alternative(env.get_template("digest.html").render(**context), subtype="html")
    return msg
