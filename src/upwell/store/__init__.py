"""The store: one member's data kept sealed, keyed and body-free, on SQLite or PostgreSQL.

Reads and writes the database only. The store only stores: it never runs analyzers or
normalizers; it takes finished rows (:class:`Prepared`, made by :mod:`upwell.pipeline`) and
seals, writes and reads them back. It imports nothing above it in the data flow (only
:mod:`upwell.model`, :mod:`upwell.config`, :mod:`upwell.errors` and its own modules).

The public API, by concern (each name lives in the submodule given; ``from upwell.store import
Store`` and ``from upwell.store.db import Store`` are the same object):

- opening: :class:`Store`, :class:`Member` (``db``); :class:`MemberCipher` (``crypto``)
- writing records: :class:`Prepared` (``prepared``), :class:`RecordWriter` (``records``),
  :func:`relink` (``threads``)
- a member's own data for their coaching run: :class:`MemberView`, :class:`MessageView`,
  :class:`EventView`, :func:`load_member` (``member_view``)
- a member's settings and rights: :class:`MemberPrefs`, :func:`get_prefs`, :func:`save_prefs`
  (``member_settings``); :func:`export_member`, :func:`delete_member`, :func:`purge_evidence`
  (``member_data``)
- column types: :class:`UTCDateTime` (``types``)

Submodules with a vocabulary of their own (``accounts``, ``connections``, ``consent``,
``access_log``, ``feedback``, ``goals``, ``experiments``, ``member_rules``, ``team``,
``nudge_queue``, ``deliveries``, ``delivery_prefs``, ``identities``, ``keys``, ``schema``) are
imported as modules. The names load on first use: the member's import worker processes load
:mod:`upwell.store.crypto` and :mod:`upwell.store.prepared` without SQLAlchemy. See
docs/store.md.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from upwell.store.crypto import MemberCipher
    from upwell.store.db import Member, Store
    from upwell.store.member_data import delete_member, export_member, purge_evidence
    from upwell.store.member_settings import MemberPrefs, get_prefs, save_prefs
    from upwell.store.member_view import EventView, MemberView, MessageView, load_member
    from upwell.store.prepared import Prepared
    from upwell.store.records import RecordWriter
    from upwell.store.threads import relink
    from upwell.store.types import UTCDateTime

_HOME = {
    "Store": "db", "Member": "db",
    "MemberCipher": "crypto",
    "Prepared": "prepared", "RecordWriter": "records", "relink": "threads",
    "MemberView": "member_view", "MessageView": "member_view", "EventView": "member_view",
    "load_member": "member_view",
    "MemberPrefs": "member_settings", "get_prefs": "member_settings",
    "save_prefs": "member_settings",
    "export_member": "member_data", "delete_member": "member_data",
    "purge_evidence": "member_data",
    "UTCDateTime": "types",
}

__all__ = [
    "EventView", "Member", "MemberCipher", "MemberPrefs", "MemberView", "MessageView",
    "Prepared", "RecordWriter", "Store", "UTCDateTime", "delete_member", "export_member",
    "get_prefs", "load_member", "purge_evidence", "relink", "save_prefs",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'upwell.store' has no attribute {name!r}")
    return getattr(import_module(f"upwell.store.{home}"), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME])
