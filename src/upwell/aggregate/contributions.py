"""Contributions from members' own data: the guard's default contribution source.

Reads: for each account in the period's tree, its member's aggregate consents, pause state,
settings, exclusions and data (decrypted with the member's own key, for this job alone).
Writes: one entry in each contributing member's access log (content-free: the period and how
many metrics were shared). Only members who turned on "anonymized group insights" for a source
contribute, only from that source, and nothing is kept: the values go to the guard in memory.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from upwell.aggregate.guard import Contributions, ContributionSource
from upwell.aggregate.metrics import USEFULNESS_PREFIX, contributions
from upwell.aggregate.policy import Policy, window
from upwell.aggregate.tree import PeriodTree
from upwell.errors import UpwellError
from upwell.insights.view import coaching_view
from upwell.store import access_log, consent, feedback
from upwell.store.db import Store
from upwell.store.member_settings import get_prefs
from upwell.store.schema import accounts


def shared_sources(store: Store, member_id: int) -> set[str]:
    """The sources the member shares with group insights (aggregate consent in force)."""
    now = consent.current(store, member_id)
    return {s for s in consent.SOURCES if now[(s, "aggregate")]}


def from_members(store: Store) -> ContributionSource:
    """A contribution source reading each consenting member's own stored data."""

    def source(tree: PeriodTree, period: date, policy: Policy) -> Contributions:
        start, end = window(period, policy.period_days)
        with store.engine.connect() as conn:
            refs = {r.id: r.member_ref for r in conn.execute(
                select(accounts.c.id, accounts.c.member_ref).where(
                    accounts.c.id.in_(list(tree.members)), accounts.c.member_ref.is_not(None)))}
        out: Contributions = {}
        for account_id, ref in sorted(refs.items()):
            member_id = store.find_member(ref)
            if member_id is None:
                continue
            shared = shared_sources(store, member_id)
            prefs = get_prefs(store, member_id)
            if not shared or prefs.paused:
                continue
            try:
                member = store.open_member(ref, create=False)
            except UpwellError:
                continue  # deleted or shredded: nothing to read
            opened = coaching_view(store, member, prefs=prefs)
            if opened is None:
                continue
            view, profile = opened.view, opened.profile
            wanted = list(policy.metrics)
            said = ([(f.insight, f.verdict, f.at) for f in feedback.items(store, member)]
                    if any(m.startswith(USEFULNESS_PREFIX) for m in wanted) else [])
            values = contributions(view, profile, start, end, metrics=wanted, shared=shared,
                                   feedback=said)
            if values:
                out[account_id] = values
                access_log.append(store, member_id, "member-job", "aggregate",
                                  f"group insights, period from {period.isoformat()}: "
                                  f"{len(values)} metrics shared")
        return out

    return source
