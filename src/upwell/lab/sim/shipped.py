"""The simulator's shipped demo corpus, and the choice between it and the full pools.

Reads: the full sentence pools (:mod:`upwell.lab.sim.corpus`, built from ``../shared/data``) to make
the demo corpus, and ``demo_pools/pools.json`` inside this package to load it. Writes: that file
(``upwell simulate-pools``), nothing else.

A fresh clone has no ``../shared/data``. So that ``make demo`` still works there, the package
ships a small, deterministic sample of every pool (and the full first and last name lists) in
``demo_pools/pools.json``; its sources, licences and attribution are in
``demo_pools/README.md``. The sample is evenly spaced through each full pool, so it keeps the
mix of corpora each pool draws from; the same full pools always give the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from upwell.errors import ConfigError
from upwell.lab.sim.corpus import POOLS, Pools, cached_pools, is_cached

#: Where the shipped demo corpus lives (inside the package: a non-editable install has it too).
SHIPPED = Path(__file__).parent / "demo_pools" / "pools.json"
#: The default corpora folder of every command that simulates (relative to where it runs).
DEFAULT_DATA = Path("../shared/data")
#: Sentences kept per pool in the demo corpus (subjects included).
DEMO_CAP = 120
#: The version of the file's layout (bumped when its fields change).
FORMAT = 1


def sample(items: list[str], cap: int) -> list[str]:
    """``cap`` items evenly spaced through ``items`` (all of them when there are fewer)."""
    if len(items) <= cap:
        return list(items)
    return [items[i * len(items) // cap] for i in range(cap)]


def demo_corpus(pools: Pools, cap: int = DEMO_CAP) -> dict[str, object]:
    """The demo corpus as the shipped file holds it: a sample of every pool, every name."""
    return {
        "format": FORMAT,
        "about": "A sample of Upwell's simulator pools, drawn from public corpora: see "
                 "README.md beside this file for sources, licences and attribution.",
        "cap": cap,
        "full_sizes": {p: len(pools.sentences[p]) for p in POOLS},
        "sentences": {p: sample(pools.sentences[p], cap) for p in POOLS},
        "first_names": list(pools.first_names),
        "last_names": list(pools.last_names),
    }


def dumps(corpus: dict[str, object]) -> bytes:
    """The file's bytes: sorted keys, ASCII, one sentence per line (reviewable diffs)."""
    return (json.dumps(corpus, indent=1, sort_keys=True, ensure_ascii=True) + "\n").encode()


def write_demo_corpus(data: Path, out: Path = SHIPPED, *, cache: Path | None = None,
                      cap: int = DEMO_CAP) -> dict[str, int]:
    """Build the full pools from ``data`` and write their demo sample to ``out``; returns the
    number of sentences per pool in the sample and the file's size in bytes."""
    corpus = demo_corpus(cached_pools(data, cache), cap)
    raw = dumps(corpus)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(raw)
    tmp.replace(out)
    sentences = corpus["sentences"]
    assert isinstance(sentences, dict)
    return {**{p: len(v) for p, v in sentences.items()}, "bytes": len(raw)}


def load_shipped(path: Path = SHIPPED) -> Pools:
    """The shipped demo corpus as :class:`Pools`."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        pools = Pools({p: list(raw["sentences"][p]) for p in POOLS},
                      list(raw["first_names"]), list(raw["last_names"]))
    except (OSError, ValueError, KeyError, TypeError):
        raise ConfigError(f"the shipped demo corpus {path} is missing or damaged: reinstall "
                          "Upwell, or pass --data pointing at shared/data") from None
    return pools


@dataclass(frozen=True, slots=True)
class PoolChoice:
    """The pools a command simulates with, and the one line that says which they are."""

    pools: Pools
    line: str


def choose_pools(data: Path | None, cache: Path | None,
                 note: Callable[[str], None] | None = None) -> PoolChoice:
    """The full pools from ``data`` when given (a missing folder is an error, E301); with no
    ``data``, those of :data:`DEFAULT_DATA` when it is present, else the shipped demo corpus.
    ``note`` hears one line before the full pools are built (a minute or so; then cached)."""
    if data is None and not DEFAULT_DATA.is_dir():
        pools = load_shipped()
        n = sum(len(v) for v in pools.sentences.values())
        return PoolChoice(pools, f"pools: shipped demo corpus ({n:,} sentences sampled from "
                                 f"public corpora); full pools: pass --data {DEFAULT_DATA}")
    folder = DEFAULT_DATA if data is None else data
    if note is not None and folder.is_dir() and not is_cached(folder, cache):
        note(f"pools: building the sentence pools from the corpora in {folder} (about a "
             "minute; cached for later runs)")
    pools = cached_pools(folder, cache)
    n = sum(len(v) for v in pools.sentences.values())
    return PoolChoice(pools, f"pools: full corpora in {folder} ({n:,} sentences; cached after "
                             "the first run)")
