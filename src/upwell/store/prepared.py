"""The finished row the store takes: a record already sealed, keyed and analyzed.

Reads: nothing. Writes: nothing. The pipeline (:mod:`upwell.pipeline.rows`) makes these from
normalized records (running the analyzers and picking the evidence); the writer
(:mod:`upwell.store.records`) only resolves the people on them and writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: (role, handle, display name, response): roles are sender, to, cc, bcc, mention, organizer,
#: attendee. Plain strings, so that a worker process hands them over cheaply.
Party = tuple[str, str, str, str]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A record ready to store: its table, id, columns (all but the person columns), the people
    on it, and its normalizing notes; for a message, its sealed ``features`` and ``evidence``
    rows when analyzers ran."""

    table: str
    id: str
    row: dict[str, Any]
    parties: tuple[Party, ...]
    notes: tuple[str, ...]
    features: dict[str, Any] | None = None
    evidence: dict[str, Any] | None = None
    #: Left unanalyzed because the import expected it to be a duplicate (see
    #: :mod:`upwell.pipeline.prepare`); never written as is when it turns out new.
    unanalyzed: bool = False
