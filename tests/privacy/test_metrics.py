"""Each member's one clipped value per metric per period, from their own view, and only from
the sources they share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from upwell.aggregate.metrics import DEFAULT_METRICS, METRICS, contributions
from upwell.aggregate.policy import Policy, parse_policy
from upwell.analyze.names import GRATITUDE
from upwell.analyze.stream import WorkProfile
from upwell.insights import catalog
from upwell.store.member_view import EventView, MemberView, MessageView

MONDAY = datetime(2026, 2, 2, tzinfo=UTC)
ME, DANA, EVE = "me", "dana", "eve"


def _msg(i: int, at: datetime, sender: str, *, channel: str = "email",
         parent: str | None = None, thanks: bool = False, valence: float = 0.0) -> MessageView:
    feats: dict[str, dict[str, Any]] = {GRATITUDE: {"gratitude": thanks},
                                        "tone.v1": {"valence": valence}}
    to = (DANA,) if sender == ME else (ME,)
    return MessageView(id=f"m{i}", sent_at=at, utc_offset=0, channel=channel,  # type: ignore[arg-type]
                       sender=sender, to=to, cc=(), parent_id=parent, subject="", features=feats)


def _view() -> MemberView:
    msgs = []
    for week in range(4):
        for day in range(5):
            t = MONDAY + timedelta(weeks=week, days=day, hours=10)
            ask = _msg(len(msgs), t, DANA)
            msgs.append(ask)
            msgs.append(_msg(len(msgs), t + timedelta(hours=2), ME, parent=ask.id,
                             thanks=day == 0, valence=0.5))
        late = MONDAY + timedelta(weeks=week, days=1, hours=22)
        msgs.append(_msg(len(msgs), late, ME, channel="chat", valence=-0.9))
    events = []
    for week in range(4):
        for day in range(5):
            s = MONDAY + timedelta(weeks=week, days=day, hours=9)
            events.append(EventView(f"e{week}{day}", s, s + timedelta(hours=1), False, False,
                                    ME, ((DANA, "accepted"), (ME, "accepted")), ""))
        s = MONDAY + timedelta(weeks=week, days=2, hours=14)
        events.append(EventView(f"o{week}", s, s + timedelta(minutes=30), False, False, ME,
                                ((EVE, "accepted"), (ME, "accepted")), ""))
    return MemberView(me={ME}, names={}, messages=msgs, events=events, team={EVE: "report"})


def test_values_from_every_shared_source() -> None:
    out = contributions(_view(), WorkProfile(), MONDAY, MONDAY + timedelta(days=28),
                        metrics=list(METRICS), shared={"mail", "chat", "calendar"})
    assert out["recognition"] == pytest.approx(1.0, rel=0.05)  # one thank-you a week
    assert out["after_hours"] == pytest.approx(100 * 4 / 24)  # 4 of 24 sent messages late
    assert out["meeting_hours"] == pytest.approx(5.5, rel=0.05)
    assert 0 < out["focus_hours"] <= 40
    assert out["reply_hours"] == pytest.approx(2.0)
    assert out["tone"] == pytest.approx((20 * 0.5 - 4 * 0.9) / 24)
    assert out["one_on_ones"] == pytest.approx(4.0, rel=0.05)  # weekly 1:1 with one report


def test_only_shared_sources_count_and_values_are_clipped() -> None:
    view = _view()
    period = (MONDAY, MONDAY + timedelta(days=28))
    mail = contributions(view, WorkProfile(), *period, metrics=list(METRICS), shared={"mail"})
    assert set(mail) == {"recognition", "after_hours", "reply_hours", "tone"}
    assert mail["after_hours"] == 0.0  # the late messages were chat, not shared
    chat = contributions(view, WorkProfile(), *period, metrics=["after_hours", "tone"],
                         shared={"chat"})
    assert chat == {"after_hours": 100.0, "tone": pytest.approx(-0.9)}
    cal = contributions(view, WorkProfile(), *period, metrics=list(METRICS),
                        shared={"calendar"})
    assert set(cal) == {"meeting_hours", "focus_hours", "one_on_ones"}
    assert contributions(view, WorkProfile(), *period, metrics=list(METRICS), shared=set()) == {}
    later = (MONDAY + timedelta(days=90), MONDAY + timedelta(days=118))
    assert contributions(view, WorkProfile(), *later, metrics=list(METRICS),
                         shared={"mail"}) == {}
    heavy = MemberView(me={ME}, names={}, messages=[], events=[
        EventView(f"x{d}", MONDAY + timedelta(days=d), MONDAY + timedelta(days=d, hours=20),
                  False, False, ME, (), "") for d in range(7)])
    assert contributions(heavy, WorkProfile(), *period, metrics=["meeting_hours"],
                         shared={"calendar"}) == {"meeting_hours": 40.0}


def test_usefulness_per_insight_type_from_the_members_own_feedback() -> None:
    start, end = MONDAY, MONDAY + timedelta(days=28)
    said = [("unanswered_asks", "helpful", MONDAY + timedelta(days=1)),
            ("unanswered_asks", "helpful", MONDAY + timedelta(days=2)),
            ("unanswered_asks", "wrong", MONDAY + timedelta(days=3)),
            ("unanswered_asks", "not_helpful", MONDAY + timedelta(days=40)),  # another period
            ("harsh_language", "not_helpful", MONDAY + timedelta(days=5))]
    wanted = ["useful_unanswered_asks", "useful_harsh_language", "useful_fading_tie"]
    out = contributions(_view(), WorkProfile(), start, end, metrics=wanted,
                        shared={"mail"}, feedback=said)
    assert out == {"useful_unanswered_asks": pytest.approx(200 / 3),
                   "useful_harsh_language": 0.0}
    # Nothing shared with group insights: no feedback leaves either.
    assert contributions(_view(), WorkProfile(), start, end, metrics=wanted, shared=set(),
                         feedback=said) == {}
    # Every insight type has its metric, none of them in the default policy.

    assert {f"useful_{i}" for i in catalog()} <= set(METRICS)
    assert not any(m.startswith("useful_") for m in DEFAULT_METRICS)
    assert Policy().metrics == DEFAULT_METRICS
    assert parse_policy('metrics = ["useful_unanswered_asks"]\n').metrics \
        == ("useful_unanswered_asks",)
