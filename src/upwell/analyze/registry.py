"""Registered, versioned analyzers: the one contract every analysis follows.

An analyzer is a function registered with :func:`analyzer` under a versioned name
(``"gratitude.v1"``). It declares what it ``reads`` (fields of a :class:`~upwell.model.Message`)
and what it ``writes`` (the feature names in the mapping it returns). Built-ins use the same
decorator an extension would. Per-item analyzers read one message's own words (never quoted
history) and return plain numbers, flags and short labels; the store records the analyzer
version beside every value it keeps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from upwell.model import Message
from upwell.registry import Registry, Versioned, versioned

FeatureValue = float | int | bool | str
Features = Mapping[str, FeatureValue]
ItemFn = Callable[[Message], Features]

@dataclass(frozen=True, slots=True)
class AnalyzerSpec(Versioned):
    """A registered analyzer: ``name`` is ``base.vN``; ``fn`` maps a message to its features."""

    name: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    fn: ItemFn
    #: Read only on mail that is coached: skipped on a message that ``kinds`` files as not
    #: work (automated, broadcast or personal), whose features of this analyzer nothing reads.
    coached_only: bool = False


_ANALYZERS: Registry[AnalyzerSpec] = Registry("analyzer")


def analyzer(name: str, *, reads: tuple[str, ...], writes: tuple[str, ...],
             coached_only: bool = False) -> Callable[[ItemFn], ItemFn]:
    """Register ``fn`` as the per-item analyzer ``name`` (``base.vN``). ``coached_only``: its
    features are read only on coached mail (the weekly cards and the group measures read the
    coaching view), so the import skips it on mail the ``kinds`` analyzer files as not work
    (see :func:`upwell.analyze.analyze_message`). An analyzer whose features responses read
    (is this an ask, a thanks) runs on every message."""
    versioned(name, "analyzer")
    unknown = set(reads) - set(Message.__dataclass_fields__)
    if unknown:
        raise ValueError(f"analyzer {name!r} reads unknown fields {sorted(unknown)}")
    return _ANALYZERS.register(name, lambda fn: AnalyzerSpec(name, reads, writes, fn, coached_only))


def analyzers() -> dict[str, AnalyzerSpec]:
    """Every registered analyzer (importing :mod:`upwell.analyze` registers the built-ins)."""
    return _ANALYZERS.all()


def run(spec: AnalyzerSpec, message: Message) -> Features:
    """Run one analyzer and check that it wrote exactly what it declared."""
    out = spec.fn(message)
    if set(out) != set(spec.writes):
        raise ValueError(f"analyzer {spec.name} wrote {sorted(out)}, declared {list(spec.writes)}")
    return out
