"""The one small contract every archive reader follows.

A reader module declares a :class:`ReaderSpec` and registers it with :func:`reader`. ``detect``
answers whether a path looks like its format (cheaply: names and magic bytes); ``read`` yields
:class:`~upwell.model.RawItem` for every item and :class:`~upwell.model.Skipped` for every item it
cannot even hand over (unreadable file, truncated archive member, broken JSON). Readers never
interpret content: that is normalize's job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from upwell.model import RawItem, Skipped
from upwell.registry import Registry

#: Largest single item a reader hands over; larger items are skipped as ``item_too_large``.
MAX_ITEM_BYTES = 25 * 1024 * 1024

ReadFn = Callable[[Path], Iterator[RawItem | Skipped]]
DetectFn = Callable[[Path], bool]


@dataclass(frozen=True, slots=True)
class ReaderSpec:
    """What a reader is: ``id`` (``"mbox"``), a human ``title``, what it ``provides``
    (``("messages",)``, ``("events",)``), its ``priority`` for detection (higher wins), and its
    two functions."""

    id: str
    title: str
    provides: tuple[str, ...]
    detect: DetectFn
    read: ReadFn
    priority: int = 0


_READERS: Registry[ReaderSpec] = Registry("reader")


def read_limited(path: Path) -> bytes | Skipped:
    """A file's bytes, or the skip for a file over ``MAX_ITEM_BYTES`` or one that cannot be read."""
    try:
        if path.stat().st_size > MAX_ITEM_BYTES:
            return Skipped("item_too_large")
        return path.read_bytes()
    except OSError:
        return Skipped("unreadable_file")


def reader(
    id: str, *, title: str, provides: tuple[str, ...], detect: DetectFn, priority: int = 0
) -> Callable[[ReadFn], ReadFn]:
    """Register ``read`` as the reader ``id``. Built-in readers use this same decorator."""
    return _READERS.register(id, lambda read: ReaderSpec(id, title, provides, detect, read,
                                                         priority))


def readers() -> dict[str, ReaderSpec]:
    """All registered readers (importing :mod:`upwell.sources` registers the built-ins)."""
    return _READERS.all()
