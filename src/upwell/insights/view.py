"""The one way into a member's coaching data: their own view with every rule they set.

Reads: the member's settings (pause, zone, working hours), consents, exclusions and their own
data (decrypted with their key, for their own run alone). Writes nothing. The CLI, the web app,
the dashboard, the digest, the nudges and the group contributions all open a member's data
through :func:`coaching_view`, so a rule the member set anywhere (in the web app or on the
command line) holds everywhere:

- **pause**: a paused member is not coached (``None``), unless the caller is the member
  themselves asking on the command line (``paused_ok``);
- **exclusions**: excluded people and channels are gone from the view
  (:func:`upwell.store.member_rules.filter_view`);
- **message kinds**: only conversational work mail is coached; personal, automated and
  broadcast mail (:mod:`upwell.analyze.kinds`, and the people the member marked personal) moves
  to ``view.uncoached``, where responses and the sent and received counts still find it;
- **forgotten ranges**: deleted from the store when forgotten (and again after each import), so
  nothing of them is left to read;
- **consent**: ``require_consent`` withholds the view from a member with no consent in force
  (the jobs that run without the member asking: nudges); group contributions further keep only
  the sources shared for that purpose (:func:`upwell.aggregate.metrics.shared_view`).
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from upwell.analyze.kinds import classify
from upwell.analyze.stream import WorkProfile, work_profile
from upwell.store import consent
from upwell.store.db import Member, Store
from upwell.store.member_rules import filter_view, personal_marks
from upwell.store.member_settings import MemberPrefs, get_prefs
from upwell.store.member_view import MemberView, load_member


def profile_of(prefs: MemberPrefs) -> WorkProfile:
    """The member's work profile (zone and working hours) from their settings."""
    return WorkProfile(ZoneInfo(prefs.tz), prefs.start_hour, prefs.end_hour)


@dataclass(frozen=True, slots=True, repr=False)
class Coaching:
    """A member's coaching data, opened with their rules: for their own views only."""

    member: Member
    prefs: MemberPrefs
    view: MemberView
    profile: WorkProfile

    def __repr__(self) -> str:
        return "<Coaching>"


def coaching_view(store: Store, member: Member, *, prefs: MemberPrefs | None = None,
                  profile: WorkProfile | None = None, paused_ok: bool = False,
                  require_consent: bool = False) -> Coaching | None:
    """The member's data with every rule they set, or ``None`` when they paused (and
    ``paused_ok`` is false) or, with ``require_consent``, have no consent in force.
    ``profile`` overrides the settings' zone and hours (the CLI's ``--tz``/``--hours``); a
    member who never saved settings gets the zone and hours inferred from their own sending
    (:func:`upwell.analyze.stream.work_profile`)."""
    prefs = prefs if prefs is not None else get_prefs(store, member.id)
    if prefs.paused and not paused_ok:
        return None
    if require_consent and not any(consent.current(store, member.id).values()):
        return None
    view = classify(filter_view(store, member, load_member(store, member)),
                    personal_marks(store, member))
    if profile is None:
        # a member who never set a zone is coached in the one their own sending shows
        profile = work_profile(view)[0] if prefs.unset else profile_of(prefs)
    return Coaching(member, prefs, view, profile)
