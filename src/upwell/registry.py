"""One kind of registry for every extension point: readers, analyzers and measures.

A :class:`Registry` maps a key to a spec, refuses a key registered twice and hands out copies,
so a consumer cannot change what is registered. Analyzers and measures are named ``base.vN``;
:func:`versioned` splits such a name and refuses any other shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Generic, TypeVar

_NAME = re.compile(r"^(?P<base>[a-z][a-z0-9_]*)\.v(?P<version>[1-9][0-9]*)$")


def versioned(name: str, kind: str) -> tuple[str, int]:
    """``base`` and ``N`` of a registered name ``base.vN`` (analyzers, measures); a
    ``ValueError`` naming the ``kind`` otherwise."""
    m = _NAME.match(name)
    if m is None:
        raise ValueError(f"{kind} name {name!r} must look like 'name.v1'")
    return m["base"], int(m["version"])


T = TypeVar("T")
F = TypeVar("F")


class Versioned:
    """A spec registered under a versioned ``name`` (``base.vN``): its ``base`` and ``version``."""

    __slots__ = ()
    name: str

    @property
    def base(self) -> str:
        return versioned(self.name, type(self).__name__)[0]

    @property
    def version(self) -> int:
        return versioned(self.name, type(self).__name__)[1]


class Registry(Generic[T]):
    """Specs of one ``kind`` ("reader", "analyzer", "measure") by key."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._specs: dict[str, T] = {}

    def add(self, key: str, spec: T, *, name: str | None = None) -> None:
        """Register ``spec`` under ``key``; ``name`` (default the key) is what the refusal of a
        second registration quotes."""
        if key in self._specs:
            raise ValueError(f"{self.kind} {name or key!r} registered twice")
        self._specs[key] = spec

    def register(self, key: str, make: Callable[[F], T], *, name: str | None = None
                 ) -> Callable[[F], F]:
        """A decorator that registers ``make(fn)`` under ``key`` and hands ``fn`` back."""

        def add(fn: F) -> F:
            self.add(key, make(fn), name=name)
            return fn

        return add

    def all(self) -> dict[str, T]:
        """A copy of everything registered."""
        return dict(self._specs)

    def __getitem__(self, key: str) -> T:
        return self._specs[key]
