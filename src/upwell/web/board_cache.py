"""The page-view cache of opened dashboards: one entry per member, in this process's memory.

Reads/writes: nothing stored. A member's dashboard is computed once after each change and
sealed in ``dashboards`` (see :mod:`upwell.insights.board`); this cache keeps what a page view
would otherwise redo each time (decrypting that row, parsing it, drawing its charts), keyed by
the member's id inside one store and stamped with the row's ``computed_at``. Every read first
checks the stamp against the database, so a dashboard recomputed, forgotten or deleted by
another worker process or the CLI is never served from here.

Privacy: an entry is the member's own dashboard and is only ever handed back for that member's
id; nothing here is logged or has a readable ``repr``. Entries are dropped when the member
changes anything that feeds the dashboard (import, settings, pause, exclude, forget), deletes
their data or signs out, after ``IDLE_S`` without a view, and beyond ``MAX_MEMBERS`` (least
recently viewed first), so plaintext does not linger in memory. See docs/web.md.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from upwell.store.db import Store

#: Most members held at once, and how long an entry lives without a view.
MAX_MEMBERS = 1024
IDLE_S = 15 * 60


@dataclass(frozen=True, slots=True, repr=False)
class Board:
    """One member's opened dashboard: the payload and its charts, ready to render (read-only)."""

    stamp: datetime
    data: dict[str, Any]
    charts: list[dict[str, Any]] = field(default_factory=list)

    def __repr__(self) -> str:
        return "<Board>"


class BoardCache:
    """Opened dashboards by member id (one store's members only), thread-safe."""

    def __init__(self, max_members: int = MAX_MEMBERS, idle_s: float = IDLE_S) -> None:
        self.max_members = max_members
        self.idle_s = idle_s
        self._entries: OrderedDict[int, tuple[float, Board]] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<BoardCache {len(self)} members>"

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, member_id: int, stamp: datetime) -> Board | None:
        """The member's board if it was opened from the row stamped ``stamp``."""
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(member_id)
            if hit is None:
                return None
            seen, board = hit
            if board.stamp != stamp or now - seen > self.idle_s:
                del self._entries[member_id]
                return None
            self._entries[member_id] = (now, board)
            self._entries.move_to_end(member_id)
            return board

    def put(self, member_id: int, board: Board) -> None:
        now = time.monotonic()
        with self._lock:
            self._entries[member_id] = (now, board)
            self._entries.move_to_end(member_id)
            while self._entries and (
                    len(self._entries) > self.max_members
                    or now - next(iter(self._entries.values()))[0] > self.idle_s):
                self._entries.popitem(last=False)

    def drop(self, member_id: int) -> None:
        """Forget the member's entry (after any change to what their dashboard shows)."""
        with self._lock:
            self._entries.pop(member_id, None)

    def holds(self, member_id: int) -> bool:
        with self._lock:
            return member_id in self._entries


_CACHES: weakref.WeakKeyDictionary[Store, BoardCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def boards(store: Store) -> BoardCache:
    """The cache for ``store``'s members (one per open store, gone with it)."""
    with _CACHES_LOCK:
        cache = _CACHES.get(store)
        if cache is None:
            cache = _CACHES[store] = BoardCache()
        return cache
