"""``upwell bench simulate``: how fast the simulator streams an organization, and its peak memory.

Reads: the corpora (once, for the sentence pools, outside the timing). Writes: nothing unless
``out`` is given (then every participant's archives, as ``upwell simulate`` writes them).
Messages are rendered in full either way (RFC 5322 bytes, Slack objects, VEVENTs); the counting
sink only skips the disk. Peak memory is the process's peak resident set, read from the OS.
"""

from __future__ import annotations

import os
import resource
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from upwell.lab.sim import count_parallel, simulate
from upwell.lab.sim.corpus import cached_pools


def peak_rss_mb() -> float:
    """This process's peak resident set size in MiB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)


def children_peak_rss_mb() -> float:
    """The largest peak resident set of this process's finished children, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)


def run_simulate_bench(data: Path, cache: Path, *, people: int, weeks: int, seed: int,
                       out: Path | None = None, workers: int = 1,
                       progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    pools = cached_pools(data, cache)
    before = peak_rss_mb()
    step = max(1, weeks // 10)
    last = [0]

    def tick(w: int, total: int, sink: Any) -> None:
        if progress is not None and (w - last[0] >= step or w == total):
            last[0] = w
            progress(f"week {w}/{total}: {sink.mails + sink.chats:,} messages")

    if out is None and workers > 1:
        _org, report = count_parallel(pools, people=people, weeks=weeks, seed=seed,
                                      workers=workers, progress=tick)
    else:
        workers = 1
        _org, report = simulate(pools, people=people, weeks=weeks, seed=seed, out=out,
                                progress=tick)
    result = report.as_dict()
    main, child = peak_rss_mb(), children_peak_rss_mb() if workers > 1 else 0.0
    result.update({"sink": "disk" if out is not None else "count (rendered, not written)",
                   "workers": workers, "peak_rss_mb": main, "worker_peak_rss_mb": child,
                   "total_peak_rss_mb": round(main + workers * child, 1),
                   "rss_before_generation_mb": before, "load_average": list(os.getloadavg()),
                   "target_messages_per_s": 20_000, "target_peak_mb": 1024})
    return result


def render(r: dict[str, Any]) -> str:
    ok_rate = r["messages_per_s"] >= r["target_messages_per_s"]
    ok_mem = r["total_peak_rss_mb"] < r["target_peak_mb"]
    return "\n".join([
        f"simulated {r['people']:,} people x {r['weeks']} weeks ({r['sink']})",
        f"  messages      {r['messages']:,} ({r['mails']:,} mails, {r['chats']:,} chat), "
        f"{r['events']:,} calendar entries, {r['copies']:,} archive copies, "
        f"{r['bytes'] / 2**20:,.0f} MiB rendered",
        f"  time          {r['seconds']:,.1f} s",
        f"  rate          {r['messages_per_s']:,} messages/s "
        f"(target >= {r['target_messages_per_s']:,}: {'met' if ok_rate else 'MISSED'})",
        f"  peak memory   {r['total_peak_rss_mb']:,.0f} MiB resident in all "
        f"({r['workers']} worker(s) at {r['worker_peak_rss_mb']:,.0f} MiB each at most, main "
        f"{r['peak_rss_mb']:,.0f} MiB, {r['rss_before_generation_mb']:,.0f} MiB of it before "
        f"generating; target < {r['target_peak_mb']:,} MiB: {'met' if ok_mem else 'MISSED'})",
        "  load average  " + " ".join(f"{x:.2f}" for x in r["load_average"])
        + f" on {os.cpu_count()} CPUs",
    ])
