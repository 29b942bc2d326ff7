"""A member's own settings: time zone, working hours, digest day, evidence retention, pause.

Reads/writes: ``member_settings`` (one row per member, created on first save). A paused member
gets no imports and no analysis until they resume.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, insert, select

from upwell.store.db import Store
from upwell.store.schema import member_settings

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class MemberPrefs:
    tz: str = "UTC"
    start_hour: int = 9
    end_hour: int = 17
    digest_day: int = 0
    evidence_retention_days: int = 30
    paused: bool = False
    #: True when the member never saved settings (these are defaults): the coach infers their
    #: zone and working hours from their own mail instead (docs/time-zones.md).
    unset: bool = False

    def validated(self) -> MemberPrefs:
        """These settings, or ``ValueError`` saying which one is wrong."""
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone: use an IANA name such as Europe/Paris") from None
        if not 0 <= self.start_hour < self.end_hour <= 24:
            raise ValueError("working hours must satisfy 0 <= start < end <= 24")
        if not 0 <= self.digest_day <= 6:
            raise ValueError("digest day must be 0 (Monday) to 6 (Sunday)")
        if not 0 <= self.evidence_retention_days <= 3650:
            raise ValueError("evidence retention must be 0 to 3650 days")
        return self


def get_prefs(store: Store, member_id: int, default_retention: int = 30) -> MemberPrefs:
    with store.engine.connect() as conn:
        r = conn.execute(select(member_settings).where(member_settings.c.member_id == member_id)
                         ).first()
    if r is None:
        return MemberPrefs(evidence_retention_days=default_retention, unset=True)
    return MemberPrefs(r.tz, r.start_hour, r.end_hour, r.digest_day, r.evidence_retention_days,
                       r.paused)


def save_prefs(store: Store, member_id: int, prefs: MemberPrefs) -> MemberPrefs:
    prefs = prefs.validated()
    with store.engine.begin() as conn:
        conn.execute(delete(member_settings).where(member_settings.c.member_id == member_id))
        conn.execute(insert(member_settings).values(
            member_id=member_id, tz=prefs.tz, start_hour=prefs.start_hour,
            end_hour=prefs.end_hour, digest_day=prefs.digest_day,
            evidence_retention_days=prefs.evidence_retention_days, paused=prefs.paused,
            updated_at=datetime.now(UTC)))
    return prefs


def set_paused(store: Store, member_id: int, paused: bool, default_retention: int = 30
               ) -> MemberPrefs:
    return save_prefs(store, member_id,
                      replace(get_prefs(store, member_id, default_retention), paused=paused))
