"""API sources: each member's own delegated grant, synced incrementally (docs/sources/).

Importing this package registers the built-in connectors: ``gmail``, ``google-calendar``
(:mod:`.google`), ``outlook-mail``, ``outlook-calendar``, ``teams-chat`` (:mod:`.graph`),
``slack`` (:mod:`.slack`) and ``imap`` (:mod:`.imap`).
"""

from __future__ import annotations

from upwell.sources.connectors import google, graph, imap, slack
from upwell.sources.connectors.spec import ConnectorSpec, Cursor, Page, connectors

__all__ = ["ConnectorSpec", "Cursor", "Page", "connectors", "google", "graph", "imap", "slack"]
