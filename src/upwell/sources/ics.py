"""iCalendar (.ics) reader: one raw item per event UID, so one bad event never sinks the others.

Reads: an ``.ics`` file, a folder of them (recursively), ``.ics`` bytes handed over by another
reader (:func:`read_ics_bytes`, used for Google Takeout members), or the ``.ics`` files inside a
mail folder that another reader imports (:func:`read_companion_ics`, through
:func:`upwell.sources.read_archive`). Writes: one
:class:`~upwell.model.RawItem` (``kind="ics"``) per UID holding a small VCALENDAR with the master
VEVENT, its RECURRENCE-ID overrides and the VTIMEZONEs they name; :class:`~upwell.model.Skipped`
for a file over :data:`~upwell.sources.base.MAX_ITEM_BYTES` (``item_too_large``), a file that is
not iCalendar (``malformed_ics``), a truncated or broken component (``malformed_event``), and
VTODO/VJOURNAL/other non-event components (``not_an_event``).

The split works on content lines, not on a full parse: a structural break in one component
(a missing ``END:VEVENT``, a truncated file) costs that component only. Lines are unfolded
(RFC 5545 3.1) and copied byte for byte; normalize (:mod:`upwell.normalize.calendar`) parses them.
An event without a UID gets a stable synthetic one (a hash of its DTSTART and SUMMARY lines),
written into the item as a ``UID`` line. Nothing here logs; the origin (the file's path inside
the archive, which Takeout names after the owner's address) is only part of the item id, and
``context`` stays empty.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from upwell.model import RawItem, Skipped
from upwell.sources.base import MAX_ITEM_BYTES, read_limited, reader

__all__ = ["read_companion_ics", "read_ics", "read_ics_bytes"]

#: Components that only ever appear directly inside VCALENDAR: meeting one inside an open
#: component means that component was never closed.
_TOP_LEVEL = frozenset({b"VEVENT", b"VTODO", b"VJOURNAL", b"VFREEBUSY", b"VTIMEZONE"})
#: Calendar properties carried into each item (they change how times and status are read);
#: X-WR-CALNAME and the like are left behind.
_KEPT_HEADERS = frozenset({b"METHOD", b"CALSCALE", b"X-WR-TIMEZONE"})
#: Nesting deeper than this inside one component is hostile input (VEVENT > VALARM is 2).
_MAX_DEPTH = 8
#: UIDs longer than this are replaced by their hash in ``item_id`` (never in the event itself).
_MAX_UID_IN_ID = 256
_TZID_PARAM = re.compile(rb';TZID=("[^"]*"|[^;:]*)', re.IGNORECASE)
_BOM = b"\xef\xbb\xbf"
_HEAD = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Upwell//ics reader//EN\r\n"


@dataclass(slots=True)
class _Block:
    """One top-level component as unfolded content lines, with what the split needs."""

    name: bytes
    header: tuple[bytes, ...]
    lines: list[bytes] = field(default_factory=list)
    depth: int = 1
    broken: bool = False
    props: dict[bytes, bytes] = field(default_factory=dict)  # first depth-1 line per name
    tzids: set[bytes] = field(default_factory=set)


def _logical_lines(data: bytes) -> Iterator[bytes]:
    """Unfolded content lines (RFC 5545 3.1), without line endings; blank lines dropped."""
    current: bytes | None = None
    for line in data.splitlines():
        if line[:1] in (b" ", b"\t") and current is not None:
            current += line[1:]
            continue
        if current:
            yield current
        current = line
    if current:
        yield current


def _value_start(line: bytes) -> int:
    """Index of the colon that ends name and parameters (colons inside quotes do not count)."""
    if b'"' not in line:
        return line.find(b":")
    quoted = False
    for index, char in enumerate(line):
        if char == 0x22:  # '"'
            quoted = not quoted
        elif char == 0x3A and not quoted:  # ':'
            return index
    return -1


def _split_line(line: bytes) -> tuple[bytes, bytes, bytes]:
    """(upper-cased name, parameters, value) of one content line; value is empty if none."""
    colon = _value_start(line)
    head = line if colon == -1 else line[:colon]
    semi = head.find(b";")
    name = head if semi == -1 else head[:semi]
    params = b"" if semi == -1 else head[semi:]
    value = b"" if colon == -1 else line[colon + 1 :]
    return name.strip().upper(), params, value


def _blocks(data: bytes) -> Iterator[_Block | Skipped]:
    """Top-level components of every VCALENDAR in ``data``, in file order."""
    header: list[bytes] = []
    current: _Block | None = None
    for line in _logical_lines(data):
        name, params, value = _split_line(line)
        if name == b"BEGIN":
            comp = value.strip().upper()
            if current is not None and (comp in _TOP_LEVEL or comp == b"VCALENDAR"):
                yield Skipped("malformed_event")  # the open component was never closed
                current = None
            if current is None:
                if comp == b"VCALENDAR":
                    header = []
                else:
                    current = _Block(comp, tuple(header), [line])
                continue
            current.depth += 1
            current.broken |= current.depth > _MAX_DEPTH
            current.lines.append(line)
        elif name == b"END":
            if current is None:
                continue
            current.lines.append(line)
            current.depth -= 1
            if current.depth == 0:
                if current.broken or value.strip().upper() != current.name:
                    yield Skipped("malformed_event")
                else:
                    yield current
                current = None
        elif current is None:
            if name in _KEPT_HEADERS:
                header.append(line)
        else:
            current.lines.append(line)
            if current.depth == 1:
                current.props.setdefault(name, line)
            for match in _TZID_PARAM.finditer(params):
                current.tzids.add(match.group(1).strip(b'"'))
    if current is not None:  # truncated file: the last component never ended
        yield Skipped("malformed_event")


def _looks_like_ics(data: bytes) -> bool:
    """Whether ``data`` starts like an iCalendar stream (BOM and blank lines allowed)."""
    head = data[:4096].removeprefix(_BOM).lstrip()
    return head[:15].upper() == b"BEGIN:VCALENDAR"


def _uid(block: _Block) -> bytes:
    """The block's UID value, inventing a stable one (written into the block) when absent."""
    line = block.props.get(b"UID")
    uid = _split_line(line)[2].strip() if line is not None else b""
    if uid:
        return uid
    seed = block.props.get(b"DTSTART", b"") + b"\n" + block.props.get(b"SUMMARY", b"")
    uid = b"upwell-nouid-" + hashlib.sha256(seed).hexdigest()[:24].encode()
    block.lines.insert(1, b"UID:" + uid)
    return uid


def _item_id(origin: str, uid: bytes) -> str:
    text = uid.decode("utf-8", "replace")
    if len(text) > _MAX_UID_IN_ID:
        text = "sha256:" + hashlib.sha256(uid).hexdigest()
    return f"{origin}#{text}"


def read_ics_bytes(data: bytes, origin: str) -> Iterator[RawItem | Skipped]:
    """Raw items (one per UID) and skips for one iCalendar stream; ``origin`` names it stably."""
    if len(data) > MAX_ITEM_BYTES:
        yield Skipped("item_too_large")
        return
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # some Windows tools write UTF-16
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            yield Skipped("malformed_ics")
            return
    if not _looks_like_ics(data):
        yield Skipped("malformed_ics")
        return
    groups: dict[bytes, list[_Block]] = {}
    zones: dict[bytes, _Block] = {}
    for block in _blocks(data.removeprefix(_BOM)):
        if isinstance(block, Skipped):
            yield block
        elif block.name == b"VTIMEZONE":
            tzid = block.props.get(b"TZID")
            if tzid is not None:
                zones.setdefault(_split_line(tzid)[2].strip(), block)
        elif block.name == b"VEVENT":
            groups.setdefault(_uid(block), []).append(block)
        else:
            yield Skipped("not_an_event")
    for uid, events in groups.items():
        yield RawItem(
            kind="ics",
            source="ics",
            item_id=_item_id(origin, uid),
            data=_calendar(events, zones),
            context={},
        )


def _calendar(events: list[_Block], zones: dict[bytes, _Block]) -> bytes:
    """A small VCALENDAR with ``events`` and the time zones they name."""
    needed: set[bytes] = set().union(*(event.tzids for event in events))
    parts = [_HEAD, *(line + b"\r\n" for line in events[0].header)]
    for tzid in sorted(needed):
        if tzid in zones:
            parts.extend(line + b"\r\n" for line in zones[tzid].lines)
    for event in events:
        parts.extend(line + b"\r\n" for line in event.lines)
    parts.append(b"END:VCALENDAR\r\n")
    return b"".join(parts)


def _ics_files(root: Path) -> Iterable[Path]:
    """Every ``.ics`` file under ``root`` in a stable order, without following links."""
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            if name.lower().endswith(".ics"):
                yield Path(folder) / name


#: Folders whose files are messages, never calendars: a maildir's ``cur``/``new``/``tmp``.
_MESSAGE_DIRS = frozenset({"cur", "new", "tmp"})


def read_companion_ics(root: Path) -> Iterator[RawItem | Skipped]:
    """Events from every ``.ics`` file inside a mail folder (a ``calendar.ics`` exported beside
    a maildir or a folder of ``.eml`` files), without following links; a maildir's message
    folders and hidden folders are not searched. Item ids carry the file's path inside
    ``root``, so a re-import finds the same events."""
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in _MESSAGE_DIRS and not d.startswith("."))
        for name in sorted(files):
            if not name.lower().endswith(".ics") or name.startswith("."):
                continue
            file = Path(folder) / name
            data = read_limited(file)
            if isinstance(data, Skipped):
                yield data
                continue
            yield from read_ics_bytes(data, file.relative_to(root).as_posix())


def _detect(path: Path) -> bool:
    """An ``.ics`` file (by name or magic), or a folder where ``.ics`` files are the majority."""
    if path.is_file():
        if path.suffix.lower() == ".ics":
            return True
        try:
            with path.open("rb") as handle:
                return _looks_like_ics(handle.read(4096))
        except OSError:
            return False
    if not path.is_dir():
        return False
    ics = other = 0
    for _folder, dirs, files in os.walk(path, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if not name.startswith("."):
                if name.lower().endswith(".ics"):
                    ics += 1
                else:
                    other += 1
        if ics + other > 2000:  # a sample is enough to decide
            break
    return ics > 0 and ics >= other


@reader("ics", title="iCalendar files (.ics)", provides=("events",), detect=_detect, priority=10)
def read_ics(path: Path) -> Iterator[RawItem | Skipped]:
    """Events from one ``.ics`` file or every ``.ics`` file under a folder."""
    files = [path] if path.is_file() else list(_ics_files(path))
    for file in files:
        origin = file.name if file == path else file.relative_to(path).as_posix()
        data = read_limited(file)
        if isinstance(data, Skipped):
            yield data
            continue
        yield from read_ics_bytes(data, origin)
