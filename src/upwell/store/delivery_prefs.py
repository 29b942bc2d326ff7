"""A member's delivery choices: the weekly digest, their fatigue controls, their own address.

Reads/writes: ``delivery_prefs`` (one row per member, created on first save). The controls
(frequency caps per channel, quiet hours, mutes and snoozes per insight type, the nudge
channel) are sealed with the member's key as one JSON object. The address is the member's own
account email, sealed, captured when they sign in; :func:`own_address` hands it out only while
it still hashes to the email of the account bound to this member, so a digest can never go to
anyone else. See docs/delivery.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from sqlalchemy import insert, select, update

from upwell.store.accounts import email_key
from upwell.store.db import Member, Store
from upwell.store.schema import accounts, delivery_prefs

#: Channels a cap can be set for: the digest, and each nudge channel.
CHANNELS = ("digest", "email", "slack", "teams")
#: (per day, per week) unless the member chose otherwise.
DEFAULT_CAPS: dict[str, tuple[int, int]] = {"digest": (1, 1), "email": (2, 5),
                                            "slack": (3, 10), "teams": (3, 10)}
MAX_CAP = 50


@dataclass(frozen=True, slots=True)
class Controls:
    """Fatigue controls: what may reach the member, how often and when."""

    caps: dict[str, tuple[int, int]] = field(default_factory=lambda: dict(DEFAULT_CAPS))
    quiet_start: int | None = 21
    quiet_end: int | None = 7
    muted: frozenset[str] = frozenset()
    snoozed_until: datetime | None = None
    snoozes: dict[str, datetime] = field(default_factory=dict)
    nudge_channel: str = "email"

    def cap(self, channel: str) -> tuple[int, int]:
        return self.caps.get(channel, DEFAULT_CAPS.get(channel, (1, 1)))

    def validated(self) -> Controls:
        """These controls, or ``ValueError`` saying which one is wrong."""
        for channel, (day, week) in self.caps.items():
            if channel not in CHANNELS:
                raise ValueError(f"unknown channel {channel!r}: use one of {CHANNELS}")
            if not (0 <= day <= MAX_CAP and 0 <= week <= MAX_CAP):
                raise ValueError(f"caps must be 0 to {MAX_CAP}")
        if (self.quiet_start is None) != (self.quiet_end is None):
            raise ValueError("give both ends of the quiet hours, or neither")
        for h in (self.quiet_start, self.quiet_end):
            if h is not None and not 0 <= h <= 23:
                raise ValueError("quiet hours are hours 0 to 23")
        if self.nudge_channel not in CHANNELS[1:]:
            raise ValueError(f"nudges go by one of {CHANNELS[1:]}")
        return self

    def to_json(self) -> str:
        return json.dumps({
            "caps": {k: list(v) for k, v in sorted(self.caps.items())},
            "quiet": [self.quiet_start, self.quiet_end], "muted": sorted(self.muted),
            "snoozed_until": self.snoozed_until.isoformat() if self.snoozed_until else None,
            "snoozes": {k: v.isoformat() for k, v in sorted(self.snoozes.items())},
            "nudge_channel": self.nudge_channel})

    @classmethod
    def from_json(cls, raw: str) -> Controls:
        d = json.loads(raw)
        until = d.get("snoozed_until")
        return cls(caps={k: (int(v[0]), int(v[1])) for k, v in d.get("caps", {}).items()},
                   quiet_start=d.get("quiet", [None, None])[0],
                   quiet_end=d.get("quiet", [None, None])[1],
                   muted=frozenset(d.get("muted", [])),
                   snoozed_until=datetime.fromisoformat(until) if until else None,
                   snoozes={k: datetime.fromisoformat(v)
                            for k, v in d.get("snoozes", {}).items()},
                   nudge_channel=d.get("nudge_channel", "email"))


@dataclass(frozen=True, slots=True)
class DeliveryPrefs:
    digest_enabled: bool = True
    digest_hour: int | None = None  # None: the server's default (settings.digest_hour)
    controls: Controls = field(default_factory=Controls)
    has_address: bool = False


_TABLE = "delivery_prefs"


def get_delivery(store: Store, member: Member) -> DeliveryPrefs:
    with store.engine.connect() as conn:
        r = conn.execute(select(delivery_prefs).where(delivery_prefs.c.member_id == member.id)
                         ).first()
    if r is None:
        return DeliveryPrefs()
    controls = Controls()
    if r.controls_enc is not None:
        controls = Controls.from_json(member.cipher.open(_TABLE, str(member.id), "controls",
                                                         r.controls_enc))
    return DeliveryPrefs(bool(r.digest_enabled), r.digest_hour if r.digest_hour >= 0 else None,
                         controls, r.address_enc is not None)


def save_delivery(store: Store, member: Member, prefs: DeliveryPrefs) -> DeliveryPrefs:
    """Store the member's delivery choices (the address, if any, is kept as it was)."""
    prefs = replace(prefs, controls=prefs.controls.validated())
    if prefs.digest_hour is not None and not 0 <= prefs.digest_hour <= 23:
        raise ValueError("the digest hour must be 0 to 23")
    sealed = member.cipher.seal(_TABLE, str(member.id), "controls", prefs.controls.to_json())
    values = {"digest_enabled": prefs.digest_enabled,
              "digest_hour": -1 if prefs.digest_hour is None else prefs.digest_hour,
              "controls_enc": sealed, "updated_at": datetime.now(UTC)}
    with store.engine.begin() as conn:
        res = conn.execute(update(delivery_prefs)
                           .where(delivery_prefs.c.member_id == member.id).values(**values))
        if not res.rowcount:
            conn.execute(insert(delivery_prefs).values(member_id=member.id, **values))
    return prefs


def _account_email_key(store: Store, ref: str) -> str | None:
    """The email hash of the member account bound to member ``ref``."""
    with store.engine.connect() as conn:
        found = conn.scalar(select(accounts.c.email_key).where(accounts.c.member_ref == ref,
                                                               accounts.c.role == "member"))
    return None if found is None else str(found)


def remember_address(store: Store, member: Member, ref: str, email: str) -> bool:
    """Keep the member's own account email (sealed) for their digest; refused (``False``) when
    it is not the address of the account bound to this member."""
    if store.find_member(ref) != member.id or _account_email_key(store, ref) != email_key(email):
        return False
    sealed = member.cipher.seal(_TABLE, str(member.id), "address", email.strip())
    with store.engine.begin() as conn:
        res = conn.execute(update(delivery_prefs).where(delivery_prefs.c.member_id == member.id)
                           .values(address_enc=sealed))
        if not res.rowcount:
            conn.execute(insert(delivery_prefs).values(
                member_id=member.id, digest_enabled=True, digest_hour=-1, controls_enc=None,
                address_enc=sealed, updated_at=datetime.now(UTC)))
    return True


def own_address(store: Store, member: Member, ref: str) -> str | None:
    """The member's own account email, only while it matches their account (else ``None``)."""
    with store.engine.connect() as conn:
        blob = conn.scalar(select(delivery_prefs.c.address_enc)
                           .where(delivery_prefs.c.member_id == member.id))
    if blob is None:
        return None
    address = member.cipher.open(_TABLE, str(member.id), "address", blob)
    if store.find_member(ref) != member.id or _account_email_key(store, ref) != email_key(address):
        return None
    return address


def set_digest_enabled(store: Store, member_id: int, enabled: bool) -> None:
    """Turn the digest on or off (the unsubscribe link: no key needed, nothing read)."""
    with store.engine.begin() as conn:
        res = conn.execute(update(delivery_prefs).where(delivery_prefs.c.member_id == member_id)
                           .values(digest_enabled=enabled, updated_at=datetime.now(UTC)))
        if not res.rowcount:
            conn.execute(insert(delivery_prefs).values(
                member_id=member_id, digest_enabled=enabled, digest_hour=-1,
                controls_enc=None, address_enc=None, updated_at=datetime.now(UTC)))


def forget_address(store: Store, member_id: int) -> None:
    with store.engine.begin() as conn:
        conn.execute(update(delivery_prefs).where(delivery_prefs.c.member_id == member_id)
                     .values(address_enc=None))


__all__ = ["CHANNELS", "DEFAULT_CAPS", "Controls", "DeliveryPrefs", "forget_address",
           "get_delivery", "own_address", "remember_address", "save_delivery",
           "set_digest_enabled"]
