"""Registered, versioned analyzers: the one contract every analysis follows.

An analyzer is a function registered with :func:`analyzer` under a versioned name
(``"gratitude.v1"``). It declares what it ``reads`` (fields of a :class:`~upwell.model.Message`)
and what it ``writes`` (the feature names in the mapping it returns). Built-ins use the same
decorator an extension would. Per-item analyzers read one message's own words (never quoted
history) and return plain numbers, flags and short labels; the store records the analyzer
version beside every value it keeps.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from upwell.model import Message

FeatureValue = float | int | bool | str
Features = Mapping[str, FeatureValue]
ItemFn = Callable[[Message], Features]

_NAME = re.compile(r"^(?P<base>[a-z][a-z0-9_]*)\.v(?P<version>[1-9][0-9]*)$")


@dataclass(frozen=True, slots=True)
class AnalyzerSpec:
    """A registered analyzer: ``name`` is ``base.vN``; ``fn`` maps a message to its features."""

    name: str
    base: str
    version: int
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    fn: ItemFn


_ANALYZERS: dict[str, AnalyzerSpec] = {}


def versioned(name: str, kind: str) -> tuple[str, int]:
    """``base`` and ``N`` of a registered name ``base.vN`` (analyzers, measures); a
    ``ValueError`` naming the ``kind`` otherwise."""
    m = _NAME.match(name)
    if m is None:
        raise ValueError(f"{kind} name {name!r} must look like 'name.v1'")
    return m["base"], int(m["version"])


def analyzer(name: str, *, reads: tuple[str, ...], writes: tuple[str, ...]
             ) -> Callable[[ItemFn], ItemFn]:
    """Register ``fn`` as the per-item analyzer ``name`` (``base.vN``)."""
    base, version = versioned(name, "analyzer")
    unknown = set(reads) - set(Message.__dataclass_fields__)
    if unknown:
        raise ValueError(f"analyzer {name!r} reads unknown fields {sorted(unknown)}")

    def register(fn: ItemFn) -> ItemFn:
        if name in _ANALYZERS:
            raise ValueError(f"analyzer {name!r} registered twice")
        _ANALYZERS[name] = AnalyzerSpec(name, base, version, reads, writes, fn)
        return fn

    return register


def analyzers() -> dict[str, AnalyzerSpec]:
    """Every registered analyzer (importing :mod:`upwell.analyze` registers the built-ins)."""
    return dict(_ANALYZERS)


def run(spec: AnalyzerSpec, message: Message) -> Features:
    """Run one analyzer and check that it wrote exactly what it declared."""
    out = spec.fn(message)
    if set(out) != set(spec.writes):
        raise ValueError(f"analyzer {spec.name} wrote {sorted(out)}, declared {list(spec.writes)}")
    return out
