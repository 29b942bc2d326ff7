"""The registry of per-member measures: each measure defined once, and the dashboard, the
group contribution and the card's figures agree on the same member data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from upwell.aggregate.metrics import METRICS as CULTURE
from upwell.aggregate.metrics import contributions
from upwell.analyze import analyzers
from upwell.analyze.names import BUILTIN, GRATITUDE, HARSH, TONE
from upwell.analyze.stream import WorkProfile
from upwell.insights import weekly_cards
from upwell.insights.board import MEASURE_OF, METRIC_FNS, METRICS, compute
from upwell.insights.measures import get, markdown, measure, measures
from upwell.store.member_view import EventView, MemberView, MessageView

MONDAY = datetime(2026, 2, 2, tzinfo=UTC)
ME, DANA = "me", "dana"


def _msg(i: int, at: datetime, sender: str, *, parent: str | None = None, thanks: bool = False,
         harsh: bool = False) -> MessageView:
    feats: dict[str, dict[str, Any]] = {GRATITUDE: {"gratitude": thanks},
                                        HARSH: {"harsh": harsh}, TONE: {"valence": 0.2}}
    return MessageView(id=f"m{i}", sent_at=at, utc_offset=0, channel="email", sender=sender,
                       to=(DANA,) if sender == ME else (ME,), cc=(), parent_id=parent,
                       subject="", features=feats)


def _week() -> MemberView:
    """One week: a reply to each of Dana's asks two hours later (two with thanks, one harsh),
    four messages at night, and 22.5 hours of meetings; before it, two weeks of a message a
    working day (the usual the after-hours card compares with)."""
    msgs: list[MessageView] = [_msg(i, MONDAY - timedelta(weeks=2, days=-(i % 5) - 7 * (i // 5),
                                                          hours=-11), ME)
                               for i in range(10)]
    events = []
    for day in range(5):
        t = MONDAY + timedelta(days=day, hours=10)
        ask = _msg(len(msgs), t, DANA)
        msgs.append(ask)
        msgs.append(_msg(len(msgs), t + timedelta(hours=2), ME, parent=ask.id,
                         thanks=day < 2, harsh=day == 2))
        if day < 4:
            msgs.append(_msg(len(msgs), t + timedelta(hours=12), ME))
        s = MONDAY + timedelta(days=day, hours=9)
        events.append(EventView(f"e{day}", s, s + timedelta(hours=4, minutes=30), False, False,
                                ME, ((DANA, "accepted"), (ME, "accepted")), ""))
    return MemberView(me={ME}, names={DANA: "Dana"}, messages=msgs, events=events)


def test_dashboard_aggregate_and_cards_agree() -> None:
    view, profile = _week(), WorkProfile()
    board = compute(view, profile)
    trend = {k: t["current"] for k, t in board["trends"].items()}
    group = contributions(view, profile, MONDAY, MONDAY + timedelta(weeks=1),
                          metrics=list(CULTURE), shared={"mail", "chat", "calendar"})
    cards = {c.insight: c for c in weekly_cards(view, profile, cap=50)}
    # the same member data contains what each measure counts
    assert trend["recognition"] == group["recognition"] == 2
    assert trend["harsh"] == 1 == cards["harsh_language"].evidence_count
    assert trend["meeting_hours"] == group["meeting_hours"] == 22.5
    assert cards["meeting_overload"].metrics["hours"] == 22.5
    assert trend["reply_hours"] == group["reply_hours"] == 2.0
    share = 100 * 4 / 9
    assert trend["after_hours_pct"] == round(share, 1)
    assert group["after_hours"] == pytest.approx(share)
    assert cards["after_hours_sent"].metrics["share"] == round(share / 100, 3)
    assert group["tone"] == pytest.approx(0.2)


def test_every_trend_and_culture_metric_is_a_registered_measure() -> None:
    registered = measures()
    assert set(MEASURE_OF) == set(METRIC_FNS) <= set(METRICS)
    assert set(MEASURE_OF.values()) <= set(registered)
    culture = {m for m in CULTURE if not m.startswith("useful_")}
    assert culture <= set(registered)
    for spec in registered.values():
        assert spec.name == f"{spec.base}.v{spec.version}"
        assert {"messages", "events"} & set(spec.reads)


def test_a_duplicate_or_badly_named_measure_is_refused() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        measure("meeting_hours.v2", reads=("events",), additive=True)(get("meeting_hours").fn)
    with pytest.raises(ValueError, match=r"name\.v1"):
        measure("meeting hours", reads=("events",), additive=True)
    with pytest.raises(ValueError, match="must read"):
        measure("nothing.v1", reads=(), additive=True)
    assert get("meeting_hours").name == "meeting_hours.v1"


def test_analyzer_names_are_the_registered_ones() -> None:
    assert set(BUILTIN) <= set(analyzers())


def test_every_measure_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "insights.md").read_text()
    assert markdown() in doc
