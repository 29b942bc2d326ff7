"""A simulated organization behind the guard (``upwell org demo``).

Reads: a simulation folder (``truth.json`` and each person's archives, see docs/simulation.md).
Writes: a store with an org, its admin, one member account per simulated person, each
contributing person's own archives imported under their own key with their consents (coaching,
and group insights for mail, chat and calendar), the team tree built from the simulated
managers for every period the simulation covers, and the guard's releases for those periods.
The tree has three levels (org, departments, teams: see :func:`tree_csv`); a manager sits in
the node they lead, everyone else in their manager's node.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from upwell.aggregate.guard import Decision, release_epsilon
from upwell.aggregate.mechanism import expected_half_width
from upwell.aggregate.metrics import METRICS
from upwell.aggregate.policy import period_of
from upwell.aggregate.service import import_tree, load_policy, policy_of, release
from upwell.aggregate.tree import load_tree
from upwell.config import Settings
from upwell.lab.evaluate.insights import load_truth
from upwell.normalize.address import make_address
from upwell.pipeline.analyzers import resolve_analyzers
from upwell.pipeline.imports import import_archive
from upwell.store import consent
from upwell.store.accounts import create_account, create_org, find_account, org_id
from upwell.store.db import Store
from upwell.store.member_settings import MemberPrefs, save_prefs
from upwell.store.team import set_relation

ADMIN_EMAIL = "admin@demo.example"
ORG_SLUG = "demo-org"


@dataclass(slots=True)
class DemoReport:
    people: int
    contributing: int
    periods: list[date]
    decisions: list[Decision] = field(default_factory=list)
    release_epsilon: float = 0.0
    noise: dict[str, dict[int, float]] = field(default_factory=dict)
    #: The same table with the whole period's budget on one release (for contrast).
    whole_budget: dict[str, dict[int, float]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """How many group x metric decisions were released, suppressed or refused."""
        out: dict[str, int] = {}
        for d in self.decisions:
            out[d.status] = out.get(d.status, 0) + 1
        return out


def tree_csv(truth: dict[str, Any]) -> str:
    """The org's tree as CSV (nodes, then one row per person with their email), in the three
    levels an HR system exports: the org; departments, led by the managers on the first level
    of the management chain that has three or more of them (anyone above sits in the org's
    node); and each deeper manager's team under its department. Node ids and names say nothing
    about who leads them: ``g1``, "Growth team 1"."""
    people = {p["id"]: p for p in truth["people"]}
    managers = [p["id"] for p in truth["people"] if p["reports"]]
    head = next(p["id"] for p in truth["people"] if p["manager"] is None)

    def chain(pid: str) -> list[str]:
        out = [pid]
        while people[out[-1]]["manager"] is not None:
            out.append(people[out[-1]]["manager"])
        return out

    depth = {m: len(chain(m)) - 1 for m in managers}
    level = next((d for d in range(1, max(depth.values(), default=0) + 1)
                  if sum(1 for v in depth.values() if v == d) >= 3), 1)
    node: dict[str, str] = {}
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["node_id", "parent_id", "name", "kind", "email"])
    w.writerow(["g0", "", "Whole organization", "org", ""])
    for i, m in enumerate(managers, 1):
        area = people[m]["title"].split(", ")[-1].removeprefix("Head of ").removeprefix(
            "Manager, ")
        if m == head or depth[m] < level:
            node[m] = "g0"
        elif depth[m] == level:
            node[m] = f"g{i}"
            w.writerow([node[m], "g0", f"{area} department {i}", "department", ""])
        else:
            node[m] = f"g{i}"
            dept = next(a for a in chain(m) if depth.get(a) == level)
            w.writerow([node[m], f"g{managers.index(dept) + 1}", f"{area} team {i}", "team",
                        ""])
    for p in truth["people"]:
        w.writerow([node[p["id"] if p["reports"] else p["manager"]], "", "", "", p["email"]])
    return out.getvalue()


def _covered(truth: dict[str, Any], period_days: int) -> list[date]:
    start = datetime.fromisoformat(truth["start"]).date()
    end = start + timedelta(weeks=int(truth["weeks"]))
    first, out = period_of(start, period_days), []
    while first < end:
        out.append(first)
        first += timedelta(days=period_days)
    return out


def build(sim: Path, settings: Settings, *, contributing: float = 0.7, seed: int = 1,
          admin_password: str, policy_text: str | None = None,
          progress: Callable[[str, int, int], None] | None = None) -> DemoReport:
    """Set up the demo org in the store of ``settings`` from the simulation in ``sim``."""
    truth = load_truth(sim)
    people = truth["people"]
    rng = random.Random(seed)  # noqa: S311 - a seeded demo choice, not cryptography
    chosen = {p["id"] for p in rng.sample(people, round(contributing * len(people)))}
    store = Store(settings)
    try:
        org = org_id(store, ORG_SLUG) or create_org(store, ORG_SLUG, "Demo Org (simulated)")
        if find_account(store, ADMIN_EMAIL) is None:
            create_account(store, org, ADMIN_EMAIL, admin_password, role="admin")
        if policy_text is not None:
            load_policy(store, settings, org, policy_text)
        by_id = {p["id"]: p for p in people}
        for n, p in enumerate(people, 1):
            if find_account(store, p["email"]) is None:
                create_account(store, org, p["email"], None, member_ref=p["id"])
            member = store.open_member(p["id"])
            if p["id"] in chosen:
                me = [a for a in (make_address(p["email"]),) if a is not None]
                base = sim / "people" / p["id"]
                for path, fmt in ((base / "mail", "maildir"), (base / "slack", "slack"),
                                  (base / "calendar.ics", "ics")):
                    if path.exists():
                        import_archive(store, member, path, fmt=fmt, me=me,
                                       batch_size=settings.batch_size, workers=0,
                                       analyzers=resolve_analyzers(settings), evidence=False)
                for r in p["reports"]:
                    addr = make_address(by_id[r]["email"])
                    if addr is not None:
                        set_relation(store, member, addr, "report")
                start, end = (int(x) for x in p["hours"].split("-"))
                save_prefs(store, member.id, MemberPrefs(p["tz"], start, end))
                consent.record(store, member.id, {
                    (s, purpose): True for s in consent.SOURCES
                    for purpose in consent.PURPOSES})
            if progress is not None:
                progress("set up members (contributors' archives imported)", n, len(people))
        policy = policy_of(store, settings, org)
        text = tree_csv(truth)
        report = DemoReport(len(people), len(chosen), _covered(truth, policy.period_days))
        for n, period in enumerate(report.periods, 1):
            if load_tree(store, org, period) is None:
                import_tree(store, settings, org, period.isoformat(), text)
            report.decisions += release(store, settings, org, period.isoformat())
            if progress is not None:
                progress("released periods", n, len(report.periods))
        tree = load_tree(store, org, report.periods[0])
        assert tree is not None
        report.release_epsilon = release_epsilon(policy, tree)
        report.noise = noise_table(report.release_epsilon, policy.metrics)
        report.whole_budget = noise_table(policy.epsilon, policy.metrics)
    finally:
        store.close()
    return report


def noise_table(epsilon: float, metrics: tuple[str, ...], sizes: tuple[int, ...] = (10, 50)
                ) -> dict[str, dict[int, float]]:
    """metric -> group size -> expected 95 % half-width of a release at ``epsilon``."""
    return {m: {n: expected_half_width(n, METRICS[m].low, METRICS[m].high, epsilon)
                for n in sizes} for m in metrics}
