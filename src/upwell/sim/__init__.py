"""A synthetic organization with planted behaviours and their ground truth (``upwell simulate``).

Real archives carry no ground truth for "this manager lets one report's questions go
unanswered"; a simulation does. :func:`simulate` builds an organization
(:mod:`upwell.sim.world`), composes its people's mail, chat and calendars from real corpus
sentences (:mod:`upwell.sim.corpus`, :mod:`upwell.sim.generate`) week by week, and streams them
to a sink (:mod:`upwell.sim.sinks`): each participant's archives in real formats, read back by
the same readers as a member's own, plus ``truth.json``.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from upwell.sim.corpus import Pools
from upwell.sim.generate import Generator
from upwell.sim.sinks import CountSink, DiskSink, Sink
from upwell.sim.world import Org, build_org

__all__ = ["SimReport", "simulate"]


@dataclass(frozen=True, slots=True)
class SimReport:
    people: int
    participants: int
    weeks: int
    behaviours: int
    mails: int
    chats: int
    events: int
    copies: int
    bytes: int
    seconds: float
    peak_mb: float | None

    @property
    def messages(self) -> int:
        return self.mails + self.chats

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, object]:
        return {"people": self.people, "participants": self.participants, "weeks": self.weeks,
                "behaviours": self.behaviours, "mails": self.mails, "chats": self.chats,
                "messages": self.messages, "events": self.events, "copies": self.copies,
                "bytes": self.bytes, "seconds": round(self.seconds, 2),
                "messages_per_s": round(self.rate), "peak_mb": self.peak_mb}


def simulate(pools: Pools, *, people: int, weeks: int, seed: int, out: Path | None,
             start: datetime | None = None, participation: float = 0.85,
             progress: Callable[[int, int, Sink], None] | None = None,
             trace_memory: bool = False) -> tuple[Org, SimReport]:
    """Generate the organization into ``out`` (or count only, when ``out`` is None)."""
    org = build_org(people, weeks, seed, pools.first_names, pools.last_names, start=start,
                    participation=participation)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "truth.json").write_text(json.dumps(org.truth(), indent=1), encoding="utf-8")
    sink: Sink = DiskSink(org, out) if out is not None else CountSink(org)
    if trace_memory:
        tracemalloc.start()
    began = time.perf_counter()
    gen = Generator(org, pools)
    for meeting in gen.series():
        sink.meeting(meeting)
    for w in range(weeks):
        week = gen.week(w)
        for m in week.mails:
            sink.mail(m)
        for c in week.chats:
            sink.chat(c)
        for e in week.meetings:
            sink.meeting(e)
        sink.end_week()
        if progress is not None:
            progress(w + 1, weeks, sink)
    sink.close()
    seconds = time.perf_counter() - began
    peak = None
    if trace_memory:
        peak = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
    report = SimReport(people, sum(p.participant for p in org.people), weeks, len(org.plants),
                       sink.mails, sink.chats, sink.events, sink.copies, sink.bytes, seconds, peak)
    return org, report
