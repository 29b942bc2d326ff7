"""A synthetic organization with planted behaviours and their ground truth (``upwell simulate``).

Real archives carry no ground truth for "this manager lets one report's questions go
unanswered"; a simulation does. :func:`simulate` builds an organization
(:mod:`upwell.lab.sim.world`), composes its people's mail, chat and calendars from real corpus
sentences (:mod:`upwell.lab.sim.corpus`, :mod:`upwell.lab.sim.generate`) week by week, and
streams them to a sink (:mod:`upwell.lab.sim.sinks`): each participant's archives in real
formats, read back by the same readers as a member's own, plus ``truth.json``.
"""

from __future__ import annotations

import json
import multiprocessing
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from upwell.lab.sim.corpus import Pools
from upwell.lab.sim.generate import Generator, WeekOutput
from upwell.lab.sim.sinks import CountSink, DiskSink, Sink
from upwell.lab.sim.world import Org, build_org

__all__ = ["SimReport", "count_parallel", "simulate"]


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


_WORKER: dict[str, Generator] = {}


def _feed(sink: Sink, week: WeekOutput) -> None:
    """Hand one generated week to a sink: mail, then chat, then meetings."""
    for m in week.mails:
        sink.mail(m)
    for c in week.chats:
        sink.chat(c)
    for e in week.meetings:
        sink.meeting(e)


def _init_worker(pools: Pools, people: int, weeks: int, seed: int,  # noqa: PLR0917
                 start: datetime | None,
                 participation: float) -> None:
    org = build_org(people, weeks, seed, pools.first_names, pools.last_names, start=start,
                    participation=participation)
    gen = Generator(org, pools)
    gen.series()  # the same plan (and lapse choices) as a single process makes
    _WORKER["gen"] = gen


def _count_weeks(weeks: list[int]) -> tuple[int, int, int, int, int]:
    gen = _WORKER["gen"]
    sink = CountSink(gen.org)
    for w in weeks:
        _feed(sink, gen.week(w))
    return sink.mails, sink.chats, sink.events, sink.copies, sink.bytes


def count_parallel(pools: Pools, *, people: int, weeks: int, seed: int, workers: int,
                   start: datetime | None = None, participation: float = 0.85,
                   progress: Callable[[int, int, Sink], None] | None = None
                   ) -> tuple[Org, SimReport]:
    """Render and count the organization with ``workers`` processes, weeks spread over them
    (each week's random stream depends only on the seed and the week, so the result is the
    one a single process gives)."""
    org = build_org(people, weeks, seed, pools.first_names, pools.last_names, start=start,
                    participation=participation)
    began = time.perf_counter()
    total = CountSink(org)
    for meeting in Generator(org, pools).series():
        total.meeting(meeting)
    size = max(1, weeks // (workers * 4))
    chunks = [list(range(i, min(i + size, weeks))) for i in range(0, weeks, size)]
    done = 0
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_init_worker,
                             initargs=(pools, people, weeks, seed, start, participation)) as ex:
        futures = {ex.submit(_count_weeks, c): c for c in chunks}
        for fut in as_completed(futures):
            mails, chats, events, copies, nbytes = fut.result()
            total.mails += mails
            total.chats += chats
            total.events += events
            total.copies += copies
            total.bytes += nbytes
            done += len(futures[fut])
            if progress is not None:
                progress(done, weeks, total)
    seconds = time.perf_counter() - began
    report = SimReport(people, sum(p.participant for p in org.people), weeks, len(org.plants),
                       total.mails, total.chats, total.events, total.copies, total.bytes,
                       seconds, None)
    return org, report


def simulate(pools: Pools, *, people: int, weeks: int, seed: int, out: Path | None,
             start: datetime | None = None, participation: float = 0.85,
             progress: Callable[[int, int, Sink], None] | None = None,
             trace_memory: bool = False, showcase: bool = False) -> tuple[Org, SimReport]:
    """Generate the organization into ``out`` (or count only, when ``out`` is None); with
    ``showcase``, one participating manager carries several behaviours (the demo's member)."""
    org = build_org(people, weeks, seed, pools.first_names, pools.last_names, start=start,
                    participation=participation, showcase=showcase)
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
        _feed(sink, gen.week(w))
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
