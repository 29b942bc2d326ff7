"""Time zones as evidence: the member's zone and hours inferred from their own sending, and
others' zones read from offsets only when the archive's offsets are credible.

The shapes are those of real exports: the EDRM Enron export renders every stamp at UTC-03:00
(the exporter's zone) for everyone, the member included; an ordinary mailbox keeps each
writer's own offset."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from upwell.analyze.stream import WorkProfile, after_hours, profile_summary, work_profile
from upwell.analyze.zones import infer_zone, offsets_credible
from upwell.insights import weekly_cards
from upwell.store.member_view import MemberView, MessageView

CHICAGO = ZoneInfo("America/Chicago")
TOKYO = ZoneInfo("Asia/Tokyo")
CENTRAL_8_18 = WorkProfile(CHICAGO, 8, 18)
ME, PAM, RAVI = "me", "pam", "ravi"
MON = datetime(2001, 9, 3, tzinfo=CHICAGO)  # a Monday; ten weeks run up to November
EXPORT = -180  # the exporter's UTC-03:00, stamped on everyone's messages
_ids = itertools.count()


def msg(when: datetime, *, sender: str = ME, to: tuple[str, ...] = (PAM,),
        offset: int | None = None) -> MessageView:
    """A message sent at ``when``, stamped with ``offset`` minutes (its own zone's if None)."""
    own = when.utcoffset()
    assert own is not None
    stamp = offset if offset is not None else int(own.total_seconds() // 60)
    return MessageView(id=f"z{next(_ids)}", sent_at=when.astimezone(UTC), utc_offset=stamp,
                       channel="email", sender=sender, to=to, cc=(), parent_id=None,
                       subject="s", features={})


def view(msgs: list[MessageView]) -> MemberView:
    return MemberView(me={ME}, names={ME: "Me", PAM: "Pam", RAVI: "Ravi"},
                      messages=sorted(msgs, key=lambda m: m.sent_at), events=[])


def workdays(zone: ZoneInfo, hours: tuple[float, ...], weeks: int = 10,
             **kw: object) -> list[MessageView]:
    """Messages at each of ``hours`` (local to ``zone``) on every weekday for ``weeks``."""
    start = MON.replace(tzinfo=zone)
    return [msg(start + timedelta(weeks=w, days=d, hours=h), **kw)  # type: ignore[arg-type]
            for w in range(weeks) for d in range(5) for h in hours]


def late_week(offset: int | None = None) -> list[MessageView]:
    """The last week: the member writes to Pam at 16:30 Central four days running (inside
    Central hours; 19:30 or 21:30 at the UTC-03:00 the export stamps)."""
    monday = MON + timedelta(weeks=9)
    return [msg(monday + timedelta(days=d, hours=16.5), to=(PAM,), offset=offset)
            for d in range(4)]


def test_same_offset_on_everyone_against_the_members_zone_makes_no_landing_card() -> None:
    # every party stamped -03:00, the member included: the declared Central zone contradicts
    # the member's own stamps, so Pam's "-03:00" says where the exporter was, not Pam
    mine = workdays(CHICAGO, (9, 11, 14), offset=EXPORT)
    pams = workdays(CHICAGO, (10, 15), sender=PAM, to=(ME,), offset=EXPORT)
    v = view([*mine, *pams, *late_week(EXPORT)])
    check = offsets_credible(v, CHICAGO)
    assert not check.credible
    assert check.own_agreement == 0.0
    assert "-03:00" in check.reason
    week = MON + timedelta(weeks=9)
    assert sum(after_hours(v, CENTRAL_8_18, week, week + timedelta(weeks=1))
               .landed_off_hours.values()) == 0
    assert "after_hours_landing" not in {c.insight for c in weekly_cards(v, CENTRAL_8_18,
                                                                         cap=20)}
    assert profile_summary(v, CENTRAL_8_18, None)["offsets_credible"] is False


def test_everyone_on_the_members_own_offset_tells_nothing_about_others() -> None:
    # a server that stamps its own (and the member's) zone on everything: not contradicted,
    # but offsets that never vary cannot say where anyone else is
    mine = workdays(CHICAGO, (9, 14))
    pams = workdays(CHICAGO, (10,), sender=PAM, to=(ME,))
    check = offsets_credible(view([*mine, *pams]), CHICAGO)
    assert not check.credible
    assert check.own_agreement == 1.0
    assert not check.varied


def test_credible_varied_offsets_make_the_landing_card() -> None:
    # the member's own stamps carry Central time; Ravi writes from India at +05:30 (and Pam
    # from Central): offsets vary across people and agree with the member, so they are read
    mine = workdays(CHICAGO, (9, 11, 14))
    pams = workdays(CHICAGO, (10,), sender=PAM, to=(ME,))
    kolkata = ZoneInfo("Asia/Kolkata")
    ravis = workdays(kolkata, (10, 12), weeks=2, sender=RAVI, to=(ME,))
    monday = MON + timedelta(weeks=9)
    late = [msg(monday + timedelta(days=d, hours=16.5), to=(RAVI, PAM)) for d in range(4)]
    v = view([*mine, *pams, *ravis, *late])
    assert offsets_credible(v, CHICAGO).credible
    landed = after_hours(v, CENTRAL_8_18, monday, monday + timedelta(weeks=1)).landed_off_hours
    assert landed[RAVI] == 4  # 16:30 Central is 03:00 in India
    assert landed[PAM] == 0
    cards = {c.insight: c for c in weekly_cards(v, CENTRAL_8_18, cap=20)}
    assert "Ravi 4" in cards["after_hours_landing"].summary
    # the same mail seen by a member who declared the wrong zone: their own stamps disagree,
    # so nobody's local time is judged
    assert not offsets_credible(v, TOKYO).credible


def test_zone_and_hours_inferred_from_when_the_members_mail_goes_out() -> None:
    # a Central member sending through the working day, all stamped -03:00 by the export:
    # the sending hours place them in the Americas' Central band (within an hour), the
    # stamps are not trusted, and the hours come out as their working day
    hours = (7.5, 8.5, 9.5, 10.5, 11.5, 13.5, 14.5, 15.5, 16.5)
    v = view(workdays(CHICAGO, hours, offset=EXPORT))
    guess = infer_zone(v)
    assert guess is not None
    at = datetime(2001, 10, 1, 17, tzinfo=UTC)
    assert abs(guess.tz.utcoffset(at) - CHICAGO.utcoffset(at)) <= timedelta(hours=1)  # type: ignore[operator]
    assert guess.confidence == "medium"
    assert "not trusted" in guess.basis
    local = guess.tz.utcoffset(at) - CHICAGO.utcoffset(at)  # type: ignore[operator]
    shift = int(local.total_seconds() // 3600)
    assert (guess.start_hour - shift, guess.end_hour - shift) in {(7, 17), (7, 18), (8, 17)}
    # with each writer's own offsets kept (Ravi's +05:30 shows they vary), the member's
    # stamps settle the neighbour: Central, high confidence
    ravis = workdays(ZoneInfo("Asia/Kolkata"), (10,), weeks=2, sender=RAVI, to=(ME,))
    kept = infer_zone(view([*workdays(CHICAGO, hours), *ravis]))
    assert kept is not None
    assert (kept.zone, kept.confidence) == ("America/Chicago", "high")
    # the same stamps on everyone (a server's clock that happens to be Central) settle nothing
    same = infer_zone(view([*workdays(CHICAGO, hours),
                            *workdays(CHICAGO, (10,), sender=PAM, to=(ME,))]))
    assert same is not None
    assert same.confidence == "medium"
    # the pattern, not a default: a Tokyo member comes out in Tokyo's band
    tokyo = infer_zone(view(workdays(TOKYO, hours, offset=EXPORT)))
    assert tokyo is not None
    assert tokyo.tz.utcoffset(at) in {timedelta(hours=h) for h in (8, 9, 10)}


def test_too_little_own_mail_infers_nothing_and_coaches_no_hours() -> None:
    few = [msg(MON + timedelta(days=d, hours=22)) for d in range(4)]  # four late messages
    v = view(few)
    assert infer_zone(v) is None
    profile, guess = work_profile(v)
    assert guess is None
    assert profile.source == "unknown"
    assert not profile.zone_known
    assert "after_hours_sent" not in {c.insight for c in weekly_cards(v, profile, cap=20)}
    # a declared zone is used as given, hours inferred in it when not given
    declared, none = work_profile(view(workdays(CHICAGO, (9, 12, 15))), CHICAGO)
    assert none is None
    assert (declared.source, declared.start_hour, declared.end_hour) == ("declared", 9, 16)
