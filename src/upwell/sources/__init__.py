"""Archive readers, one module per format, all behind :mod:`upwell.sources.base`.

Importing this package registers the built-in readers; :func:`detect` picks one for a path.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from upwell.errors import UnknownFormat
from upwell.model import RawItem, Skipped
from upwell.sources.base import MAX_ITEM_BYTES, ReaderSpec, reader, readers

__all__ = ["MAX_ITEM_BYTES", "ReaderSpec", "detect", "read_archive", "reader", "readers"]


def _load_builtins() -> None:
    # Imported for their registration side effect, in one place.
    from upwell.sources import (  # noqa: F401, PLC0415 - breaks a cycle: each reader imports sources.base, which runs this file first
        eml,
        ics,
        maildir,
        mbox,
        outlook_msg,
        pst,
        slack,
        takeout,
    )


def detect(path: Path, fmt: str | None = None) -> ReaderSpec:
    """The reader for ``path``: the one named by ``fmt``, else the highest-priority match."""
    _load_builtins()
    specs = readers()
    if fmt is not None:
        if fmt not in specs:
            names = ", ".join(sorted(specs))
            raise UnknownFormat(f"no reader named {fmt!r}; choose one of {names}")
        return specs[fmt]
    if not path.exists():
        raise UnknownFormat("the path does not exist: check it and try again")
    for spec in sorted(specs.values(), key=lambda s: -s.priority):
        if spec.detect(path):
            return spec
    raise UnknownFormat(
        "format not recognised: pass --format with one of " + ", ".join(sorted(specs))
    )


def read_archive(spec: ReaderSpec, path: Path) -> Iterator[RawItem | Skipped]:
    """Everything an import of ``path`` reads: ``spec``'s items and, when ``path`` is a folder
    and ``spec`` reads no events itself, the events of every ``.ics`` file inside it (a
    ``calendar.ics`` exported beside the mail), so the calendar insights work on an archive
    imported as one folder."""
    yield from spec.read(path)
    if path.is_dir() and "events" not in spec.provides:
        from upwell.sources.ics import (  # noqa: PLC0415 - same cycle as _load_builtins: ics imports sources.base, which runs this file first
            read_companion_ics,
        )

        yield from read_companion_ics(path)
