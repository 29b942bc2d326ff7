"""Opened member keys for the web app, so a page view does not unwrap the member's key again.

Reads: ``members``, ``member_keys`` and ``tombstones`` (one query per request). Writes nothing.
:meth:`upwell.store.db.Store.open_member` stays the one way to open a member: this module only
remembers what it returned, keyed by the member reference, together with the wrapped key it
was opened from. Every request still asks the database, in one query, whether that same
wrapped key is still on file for a member who is not tombstoned; when it is not (deleted,
crypto-shredded, opted in again with a new key) the entry goes and ``open_member`` answers,
with its own errors, and the member's opened dashboard is dropped too. So a deletion by
another process or the CLI takes effect on the next request. Entries are dropped when the
member deletes their data or signs out, after ``IDLE_S`` unused, and beyond ``MAX_MEMBERS``;
nothing here is logged or has a readable ``repr``. See docs/web.md.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict

from sqlalchemy import exists, select

from upwell.store.db import Member, Store, member_ref_key
from upwell.store.schema import member_keys, members, tombstones
from upwell.web.board_cache import boards

MAX_MEMBERS = 1024
IDLE_S = 15 * 60


class OpenedMembers:
    """Members opened by this process, by reference (one store's members only)."""

    def __init__(self, store: Store, max_members: int = MAX_MEMBERS,
                 idle_s: float = IDLE_S) -> None:
        self._store = weakref.ref(store)
        self.max_members = max_members
        self.idle_s = idle_s
        self._entries: OrderedDict[str, tuple[float, bytes, Member]] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<OpenedMembers {len(self._entries)}>"

    def open(self, ref: str) -> Member:
        """The member ``ref`` with their key opened; raises as ``Store.open_member`` does."""
        store = self._store()
        assert store is not None
        key = member_ref_key(ref)
        with store.engine.connect() as conn:
            row = conn.execute(
                select(members.c.id, member_keys.c.wrapped)
                .join(member_keys, member_keys.c.member_id == members.c.id)
                .where(members.c.ref_key == key,
                       ~exists().where(tombstones.c.ref_key == key))).first()
        now = time.monotonic()
        if row is not None:
            with self._lock:
                hit = self._entries.get(ref)
                if (hit is not None and hit[1] == row.wrapped and hit[2].id == row.id
                        and now - hit[0] <= self.idle_s):
                    self._entries[ref] = (now, hit[1], hit[2])
                    self._entries.move_to_end(ref)
                    return hit[2]
        with self._lock:
            gone = self._entries.pop(ref, None)
        if gone is not None:  # deleted, shredded or re-keyed elsewhere: its dashboard goes too
            boards(store).drop(gone[2].id)
        member = store.open_member(ref, create=False)
        if row is not None and row.id == member.id:
            with self._lock:
                self._entries[ref] = (now, row.wrapped, member)
                self._entries.move_to_end(ref)
                while self._entries and (
                        len(self._entries) > self.max_members
                        or now - next(iter(self._entries.values()))[0] > self.idle_s):
                    self._entries.popitem(last=False)
        return member

    def drop(self, ref: str) -> None:
        with self._lock:
            self._entries.pop(ref, None)

    def holds(self, ref: str) -> bool:
        with self._lock:
            return ref in self._entries


_OPENED: weakref.WeakKeyDictionary[Store, OpenedMembers] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def opened(store: Store) -> OpenedMembers:
    """The opened members of ``store`` (one per open store, gone with it)."""
    with _LOCK:
        found = _OPENED.get(store)
        if found is None:
            found = _OPENED[store] = OpenedMembers(store)
        return found
