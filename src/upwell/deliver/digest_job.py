"""The weekly digest job: send every digest that is due, once per member and week.

Reads: member accounts (the only place a member's reference lives), each member's settings,
delivery choices and stored dashboard (recomputed first from their own data). Writes: the
digest slot (``digests_sent``), the delivery log, the member's access log. Payloads carry ids
only (an account id and a time), so the same functions run in-process, from the CLI and, later,
as a Dramatiq actor. A digest is due on the member's digest day from their digest hour, in their
own time zone, for :data:`CATCH_UP` after that (a runner that was down catches up); it goes to
the member's own account address only. Logs name the account id and an outcome, never an
address or a word of the digest. See docs/delivery.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from sqlalchemy import select

from upwell.config import Settings
from upwell.deliver.digest import build, render
from upwell.deliver.gate import gate
from upwell.deliver.mailer import send
from upwell.errors import DeliveryError, MemberDeleted, MemberKeyError
from upwell.insights import board
from upwell.store import access_log, consent
from upwell.store.db import Member, Store
from upwell.store.deliveries import claim_slot, finish_slot, record_delivery, slot_status
from upwell.store.delivery_prefs import get_delivery, own_address
from upwell.store.member_settings import MemberPrefs, get_prefs
from upwell.store.schema import accounts

log = logging.getLogger("upwell.deliver.digest_job")
CATCH_UP = timedelta(days=2)


@dataclass(frozen=True, slots=True)
class Outcome:
    account_id: int
    status: str  # sent, dry-run, not-due, already, unsubscribed, paused, no-consent,
    #              no-address, suppressed, deferred, failed, gone
    slot: str | None = None
    cards: int = 0
    reason: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"account": self.account_id, "status": self.status, "slot": self.slot,
                "cards": self.cards, "reason": self.reason}


def due_slot(prefs: MemberPrefs, hour: int, now: datetime) -> str | None:
    """The member's digest slot (its local date) when one is due at ``now``, else ``None``."""
    tz = ZoneInfo(prefs.tz)
    local = now.astimezone(tz)
    back = (local.weekday() - prefs.digest_day) % 7
    day = (local - timedelta(days=back)).date()
    at = datetime(day.year, day.month, day.day, hour, tzinfo=tz)
    if at > local:
        day = day - timedelta(days=7)
        at = datetime(day.year, day.month, day.day, hour, tzinfo=tz)
    return day.isoformat() if local - at < CATCH_UP else None


def member_accounts(store: Store) -> list[tuple[int, str]]:
    """(account id, member reference) of every member account."""
    with store.engine.connect() as conn:
        return [(r.id, r.member_ref) for r in conn.execute(
            select(accounts.c.id, accounts.c.member_ref).where(
                accounts.c.role == "member", accounts.c.member_ref.is_not(None))
            .order_by(accounts.c.id))]


def _ref_of(store: Store, account_id: int) -> str | None:
    with store.engine.connect() as conn:
        ref = conn.scalar(select(accounts.c.member_ref).where(accounts.c.id == account_id,
                                                              accounts.c.role == "member"))
    return None if ref is None else str(ref)


def compose(store: Store, settings: Settings, member: Member, *, account_id: int | None,
            to: str | None, now: datetime, refresh: bool = True) -> tuple[EmailMessage, int]:
    """The member's digest message (their dashboard recomputed first unless paused) and its
    number of cards."""

    prefs = get_prefs(store, member.id, settings.evidence_retention_days)
    if refresh and not prefs.paused:
        data = board.refresh(store, member, prefs)
    else:
        data = board.stored(store, member) or {}
    content = build(store, member, data, controls=get_delivery(store, member).controls,
                    tz=ZoneInfo(prefs.tz), now=now)
    return render(settings, content, to=to, account_id=account_id, now=now), len(content.cards)


def send_digest(store: Store, settings: Settings, account_id: int, now: datetime, *,
                dry_run: bool = False) -> Outcome:
    """Send the account's member their digest if it is due and not sent yet."""

    ref = _ref_of(store, account_id)
    if ref is None:
        return Outcome(account_id, "gone")
    try:
        member = store.open_member(ref, create=False)
    except (MemberDeleted, MemberKeyError):
        return Outcome(account_id, "gone")
    prefs = get_prefs(store, member.id, settings.evidence_retention_days)
    delivery = get_delivery(store, member)
    hour = delivery.digest_hour if delivery.digest_hour is not None else settings.digest_hour
    slot = due_slot(prefs, hour, now)
    if slot is None:
        return Outcome(account_id, "not-due")
    if not delivery.digest_enabled:
        return Outcome(account_id, "unsubscribed", slot)
    if prefs.paused:
        return Outcome(account_id, "paused", slot)
    if not any(consent.current(store, member.id).values()):
        return Outcome(account_id, "no-consent", slot)
    if slot_status(store, member.id, slot) in {"sent", "sending"}:
        return Outcome(account_id, "already", slot)
    to = own_address(store, member, ref)
    if to is None:
        return Outcome(account_id, "no-address", slot)
    verdict = gate(store, member.id, delivery.controls, ZoneInfo(prefs.tz), channel="digest",
                   insight=None, now=now)
    if not verdict.send:
        status = "deferred" if verdict.action == "defer" else "suppressed"
        return Outcome(account_id, status, slot, reason=verdict.reason)
    msg, n = compose(store, settings, member, account_id=account_id, to=to, now=now)
    if dry_run:
        return Outcome(account_id, "dry-run", slot, n)
    if not claim_slot(store, member.id, slot, now):
        return Outcome(account_id, "already", slot)
    try:
        send(settings, msg)
    except DeliveryError as exc:
        finish_slot(store, member.id, slot, sent=False)
        return Outcome(account_id, "failed", slot, n, exc.code)
    finish_slot(store, member.id, slot, sent=True)
    record_delivery(store, member.id, "digest", now)
    access_log.append(store, member.id, "member-job", "digest",
                      f"weekly digest sent ({n} cards)")
    return Outcome(account_id, "sent", slot, n)


def run_due(store: Store, settings: Settings, now: datetime, *, dry_run: bool = False
            ) -> list[Outcome]:
    """Every member's digest that is due at ``now`` (idempotent: run it as often as you like)."""
    out = []
    for account_id, _ref in member_accounts(store):
        outcome = send_digest(store, settings, account_id, now, dry_run=dry_run)
        log.info("digest", extra={"account": account_id, "status": outcome.status,
                                  "cards": outcome.cards, "reason": outcome.reason})
        out.append(outcome)
    return out
