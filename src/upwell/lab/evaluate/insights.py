"""Insight precision and recall against a simulation's ground truth (``upwell eval insights``).

Reads: a simulation folder (``truth.json`` and ``people/<id>/`` archives). Writes: a store under
``home`` (each participant imported as their own member, exactly as they would import their own
archives: mail, Slack export, calendar; managers declare their reports, as they would in their
settings). For every participant the coach runs on the coached week with the participant's own
time zone and working hours, uncapped and without the cool-down (a card is a detection; the
weekly cap of five and the cool-down are display choices), and each type the simulator plants
(not the positive ones) is scored: a true positive where a planted behaviour
expected it and it came, a false alarm where it came unplanted, a miss where it was planted and
did not come.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from upwell.analyze.stream import WorkProfile
from upwell.config import Settings
from upwell.errors import ConfigError
from upwell.insights import catalog, weekly_cards
from upwell.lab.evaluate.shares import Share
from upwell.normalize.address import make_address
from upwell.pipeline.analyzers import resolve_analyzers
from upwell.pipeline.imports import import_archive
from upwell.store.db import Store
from upwell.store.member_view import load_member
from upwell.store.team import set_relation


@dataclass(slots=True)
class TypeScore:
    insight: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    missed: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    precision = Share("tp", "tp", "fp", doc="Planted and raised, of all raised.", digits=None)
    recall = Share("tp", "tp", "fn", doc="Planted and raised, of all planted.", digits=None)


@dataclass(slots=True)
class InsightEval:
    people: int
    participants: int
    seconds: float
    scores: dict[str, TypeScore]
    cards: dict[str, list[str]]  # person -> insights raised

    def as_dict(self) -> dict[str, Any]:
        return {
            "people": self.people, "participants": self.participants,
            "seconds": round(self.seconds, 1),
            "types": {k: {"tp": s.tp, "fp": s.fp, "fn": s.fn,
                          "precision": _round(s.precision), "recall": _round(s.recall),
                          "missed": s.missed, "false_alarms": s.false_alarms}
                      for k, s in self.scores.items()},
            "below_target": self.below(),
        }

    def below(self, target: float = 0.9) -> list[str]:
        return [k for k, s in self.scores.items()
                if (s.precision is not None and s.precision < target)
                or (s.recall is not None and s.recall < target)
                or (s.precision is None and s.recall is None)]


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def load_truth(sim: Path) -> dict[str, Any]:
    path = sim / "truth.json"
    try:
        truth = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path} not found: run `upwell simulate` into this folder first"
                          ) from None
    except ValueError:
        raise ConfigError(f"{path} is not valid JSON: simulate again") from None
    if not isinstance(truth, dict) or "people" not in truth or "behaviours" not in truth:
        raise ConfigError(f"{path} is not a simulation's truth file: simulate again")
    return truth


def evaluate(sim: Path, home: Path, *, limit: int | None = None,
             progress: Callable[[int, int], None] | None = None) -> InsightEval:
    """Import every participant of the simulation in ``sim`` into a store at ``home``, coach
    each on the coached week and score every insight type."""
    truth = load_truth(sim)
    people = {p["id"]: p for p in truth["people"]}
    expected: dict[str, set[str]] = {}
    for b in truth["behaviours"]:
        expected.setdefault(b["person"], set()).update(b["insights"])
    participants = [p for p in truth["people"] if p["participant"]][:limit]
    # positive types (what went well) are scored where the simulator plants them (kept
    # promises); the others are judged by unit tests and on real mail
    planted = {i for b in truth["behaviours"] for i in b["insights"]}
    types = [t for t, spec in catalog().items() if not spec.positive or t in planted]
    scores = {t: TypeScore(t) for t in types}
    raised: dict[str, list[str]] = {}
    settings = Settings(home=home)
    store = Store(settings)
    began = time.perf_counter()
    try:
        for n, p in enumerate(participants, 1):
            member = store.open_member(p["id"])
            me = [a for a in (make_address(p["email"]),) if a is not None]
            base = sim / "people" / p["id"]
            for path, fmt in ((base / "mail", "maildir"), (base / "slack", "slack"),
                              (base / "calendar.ics", "ics")):
                if path.exists():
                    import_archive(store, member, path, fmt=fmt, me=me,
                                   batch_size=settings.batch_size,
                                   workers=0, analyzers=resolve_analyzers(settings),
                                   evidence=settings.evidence_retention_days > 0)
            for r in p["reports"]:
                addr = make_address(people[r]["email"])
                if addr is not None:
                    set_relation(store, member, addr, "report")
            view = load_member(store, member)
            start, end = (int(x) for x in p["hours"].split("-"))
            profile = WorkProfile(ZoneInfo(p["tz"]), start, end, frozenset(p["workdays"]))
            # every detection: the cap and the cool-down are display choices
            cards = weekly_cards(view, profile, cap=len(catalog()), cool_down=0)
            got = {c.insight for c in cards} & set(types)
            raised[p["id"]] = sorted(got)
            want = expected.get(p["id"], set())
            for t in types:
                s = scores[t]
                if t in got and t in want:
                    s.tp += 1
                elif t in got:
                    s.fp += 1
                    s.false_alarms.append(p["id"])
                elif t in want:
                    s.fn += 1
                    s.missed.append(p["id"])
            if progress is not None:
                progress(n, len(participants))
    finally:
        store.close()
    return InsightEval(len(truth["people"]), len(participants), time.perf_counter() - began,
                       scores, raised)


def render(result: InsightEval, target: float = 0.9) -> str:
    """A plain table: per insight type, precision and recall with their counts."""
    def pct(x: float | None) -> str:
        return "   -" if x is None else f"{x:5.2f}"
    lines = [f"{result.participants} participants of {result.people} people coached in "
             f"{result.seconds:.0f} s", "",
             f"{'insight':24} {'prec':>5} {'recall':>6} {'TP':>4} {'FP':>4} {'FN':>4}"]
    for t, s in result.scores.items():
        lines.append(f"{t:24} {pct(s.precision)} {pct(s.recall):>6} {s.tp:4} {s.fp:4} {s.fn:4}")
    below = result.below(target)
    lines.append("")
    lines.append(f"below {target:.0%}: " + (", ".join(below) if below else "none"))
    for t in below:
        s = result.scores[t]
        if s.missed:
            lines.append(f"  {t} missed: {', '.join(s.missed[:10])}")
        if s.false_alarms:
            lines.append(f"  {t} false alarms: {', '.join(s.false_alarms[:10])}")
    return "\n".join(lines)
