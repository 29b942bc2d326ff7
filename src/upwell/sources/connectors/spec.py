"""What a connected source is: its id, provider, consent source, scopes, and the page it yields.

A connector's ``fetch(ctx, cursor)`` yields :class:`Page` objects: the raw items of one provider
page (the same :class:`~upwell.model.RawItem` shapes the archive readers hand over) and the
cursor to resume from once those items are committed. The sync task writes a page's records and
its cursor in one transaction, so a crash anywhere loses nothing and repeats nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from upwell.model import RawItem, Skipped

Provider = Literal["google", "microsoft", "slack", "imap"]
Mode = Literal["full", "metadata"]
Cursor = dict[str, Any]


@dataclass
class Page:
    """One provider page: its items, the record source ids it removed, and the cursor after it."""

    items: list[RawItem | Skipped]
    cursor: Cursor
    removed: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ConnectorSpec:
    """``id`` (``gmail``), ``title``, ``provider``, the consent ``source`` it reads under
    (mail, calendar, chat), what it ``provides`` and the delegated ``scopes`` per mode."""

    id: str
    title: str
    provider: Provider
    source: str
    provides: tuple[str, ...]
    scopes: dict[str, tuple[str, ...]]
    fetch: Callable[[Any, Cursor], Iterator[Page]]

    def scopes_for(self, mode: str) -> tuple[str, ...]:
        return self.scopes.get(mode) or self.scopes["full"]


_CONNECTORS: dict[str, ConnectorSpec] = {}


def connector(spec: ConnectorSpec) -> ConnectorSpec:
    """Register a connector (the built-ins use this too)."""
    if spec.id in _CONNECTORS:
        raise ValueError(f"connector {spec.id!r} registered twice")
    _CONNECTORS[spec.id] = spec
    return spec


def connectors() -> dict[str, ConnectorSpec]:
    """Every registered connector (importing :mod:`upwell.sources.connectors` registers them)."""
    return dict(_CONNECTORS)


@dataclass
class FetchSession:
    """What a connector's ``fetch`` works with: the provider calls (``api``, for OAuth
    sources), the settings, the grant's mode, the connection's own settings (IMAP host and user)
    and its secret where the connector signs in itself (an IMAP password)."""

    api: Any
    settings: Any
    mode: str
    config: dict[str, Any] = field(default_factory=dict)
    secret: str | None = None
