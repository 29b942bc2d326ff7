"""The one gate: mutes and snoozes suppress, caps suppress once reached (the member's local day
and week), quiet hours defer to their end, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from upwell.deliver.gate import gate, in_quiet_hours
from upwell.store.db import Store
from upwell.store.deliveries import record_delivery
from upwell.store.delivery_prefs import Controls, DeliveryPrefs, get_delivery, save_delivery

BERLIN = ZoneInfo("Europe/Berlin")
NOON = datetime(2026, 3, 4, 12, tzinfo=BERLIN)  # a Wednesday


def test_mute_and_snooze_suppress_as_configured(store: Store) -> None:
    m = store.open_member("m")
    c = Controls(muted=frozenset({"harsh_language"}),
                 snoozes={"unanswered_asks": NOON + timedelta(days=2)})
    v = gate(store, m.id, c, BERLIN, channel="email", insight="harsh_language", now=NOON)
    assert (v.action, v.reason) == ("suppress", "muted")
    v = gate(store, m.id, c, BERLIN, channel="email", insight="unanswered_asks", now=NOON)
    assert (v.action, v.reason, v.until) == ("suppress", "snoozed", NOON + timedelta(days=2))
    assert gate(store, m.id, c, BERLIN, channel="email", insight="unanswered_asks",
                now=NOON + timedelta(days=3)).send
    assert gate(store, m.id, c, BERLIN, channel="email", insight="fading_tie", now=NOON).send
    everything = Controls(snoozed_until=NOON + timedelta(hours=1))
    for insight in ("fading_tie", None):
        v = gate(store, m.id, everything, BERLIN, channel="digest", insight=insight, now=NOON)
        assert (v.action, v.reason) == ("suppress", "snoozed")
    assert gate(store, m.id, everything, BERLIN, channel="digest", insight=None,
                now=NOON + timedelta(hours=2)).send


def test_caps_per_channel_per_day_and_week(store: Store) -> None:
    m = store.open_member("m")
    c = Controls(caps={"email": (2, 3), "slack": (5, 5)})
    for _ in range(2):
        assert gate(store, m.id, c, BERLIN, channel="email", insight=None, now=NOON).send
        record_delivery(store, m.id, "email", NOON)
    v = gate(store, m.id, c, BERLIN, channel="email", insight=None, now=NOON)
    assert (v.action, v.reason) == ("suppress", "cap-day")
    assert gate(store, m.id, c, BERLIN, channel="slack", insight=None, now=NOON).send
    thursday = NOON + timedelta(days=1)
    assert gate(store, m.id, c, BERLIN, channel="email", insight=None, now=thursday).send
    record_delivery(store, m.id, "email", thursday)
    v = gate(store, m.id, c, BERLIN, channel="email", insight=None, now=NOON + timedelta(days=2))
    assert (v.action, v.reason) == ("suppress", "cap-week")
    assert gate(store, m.id, c, BERLIN, channel="email", insight=None,
                now=NOON + timedelta(days=5)).send  # next Monday: a new week
    zero = Controls(caps={"email": (0, 0)})
    assert gate(store, m.id, zero, BERLIN, channel="email", insight=None,
                now=NOON + timedelta(days=9)).action == "suppress"


def test_quiet_hours_defer_to_their_end_in_the_members_zone(store: Store) -> None:
    m = store.open_member("m")
    c = Controls(quiet_start=21, quiet_end=7)
    late = datetime(2026, 3, 4, 22, 30, tzinfo=BERLIN)
    v = gate(store, m.id, c, BERLIN, channel="email", insight="fading_tie",
             now=late.astimezone(UTC))
    assert (v.action, v.reason) == ("defer", "quiet-hours")
    assert v.until == datetime(2026, 3, 5, 7, tzinfo=BERLIN)
    early = datetime(2026, 3, 5, 6, 59, tzinfo=BERLIN)
    assert in_quiet_hours(c, BERLIN, early) == datetime(2026, 3, 5, 7, tzinfo=BERLIN)
    assert in_quiet_hours(c, BERLIN, NOON) is None
    day = Controls(quiet_start=12, quiet_end=14)
    assert in_quiet_hours(day, BERLIN, NOON) == NOON + timedelta(hours=2)
    assert in_quiet_hours(Controls(quiet_start=None, quiet_end=None), BERLIN, late) is None


def test_controls_are_sealed_validated_and_round_trip(store: Store) -> None:
    m = store.open_member("m")
    c = Controls(caps={"email": (1, 2)}, quiet_start=22, quiet_end=6,
                 muted=frozenset({"harsh_language"}), snoozed_until=NOON,
                 snoozes={"fading_tie": NOON}, nudge_channel="slack")
    save_delivery(store, m, DeliveryPrefs(digest_enabled=False, digest_hour=9, controls=c))
    got = get_delivery(store, m)
    assert got.controls == c
    assert (got.digest_enabled, got.digest_hour, got.has_address) == (False, 9, False)
    with store.engine.connect() as conn:
        raw = conn.exec_driver_sql("select controls_enc from delivery_prefs").scalar()
    assert b"harsh_language" not in bytes(raw)
    for bad in (Controls(caps={"fax": (1, 1)}), Controls(caps={"email": (99, 1)}),
                Controls(quiet_start=3, quiet_end=None), Controls(quiet_start=25, quiet_end=3),
                Controls(nudge_channel="digest")):
        with pytest.raises(ValueError, match=r"."):
            save_delivery(store, m, DeliveryPrefs(controls=bad))
    with pytest.raises(ValueError, match="hour"):
        save_delivery(store, m, DeliveryPrefs(digest_hour=24))
