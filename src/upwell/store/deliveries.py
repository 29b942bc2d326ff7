"""What was delivered: the per-channel log the frequency caps count, and the digest slots.

Reads/writes: ``deliveries`` (channel and time only: content-free) and ``digests_sent`` (one row
per member and weekly slot). A digest slot is claimed (``sending``) in its own transaction
*before* the message is handed to SMTP and marked ``sent`` after; a clean SMTP refusal releases
it (``failed``: a later run retries), while a crash between the two leaves it ``sending``, which
is never retried: a digest may be lost in a crash, never sent twice. See docs/delivery.md.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from upwell.store.db import Store
from upwell.store.schema import deliveries, digests_sent


def record_delivery(store: Store, member_id: int, channel: str, at: datetime) -> None:
    with store.engine.begin() as conn:
        conn.execute(insert(deliveries).values(member_id=member_id, channel=channel, sent_at=at))


def sent_since(store: Store, member_id: int, channel: str, since: datetime) -> int:
    """Deliveries on ``channel`` at or after ``since``."""
    with store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(deliveries).where(
            deliveries.c.member_id == member_id, deliveries.c.channel == channel,
            deliveries.c.sent_at >= since)) or 0)


def slot_status(store: Store, member_id: int, slot: str) -> str | None:
    with store.engine.connect() as conn:
        found = conn.scalar(select(digests_sent.c.status).where(
            digests_sent.c.member_id == member_id, digests_sent.c.slot == slot))
    return None if found is None else str(found)


def claim_slot(store: Store, member_id: int, slot: str, now: datetime) -> bool:
    """Take the digest slot for sending; ``False`` when it was taken (sent, or in doubt)."""
    try:
        with store.engine.begin() as conn:
            taken = conn.execute(update(digests_sent).where(
                digests_sent.c.member_id == member_id, digests_sent.c.slot == slot,
                digests_sent.c.status == "failed").values(status="sending", created_at=now))
            if taken.rowcount:
                return True
            conn.execute(insert(digests_sent).values(member_id=member_id, slot=slot,
                                                     status="sending", created_at=now))
    except IntegrityError:
        return False
    return True


def finish_slot(store: Store, member_id: int, slot: str, *, sent: bool) -> None:
    """Mark the slot ``sent`` (after SMTP accepted it) or ``failed`` (refused: retry later)."""
    with store.engine.begin() as conn:
        conn.execute(update(digests_sent).where(
            digests_sent.c.member_id == member_id, digests_sent.c.slot == slot).values(
            status="sent" if sent else "failed",
            sent_at=datetime.now(UTC) if sent else None))
