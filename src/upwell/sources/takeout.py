"""Google Takeout: the ``Mail`` mbox files and ``Calendar`` .ics files of an export.

Accepts the downloaded .zip (read in place, member by member, never extracted to disk) or the
unpacked folder. Mail comes through the mbox reader, calendars through the .ics reader; Gmail's
``X-Gmail-Labels`` header tells the normalizer which messages were sent.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

from upwell.model import RawItem, Skipped
from upwell.sources.base import MAX_ITEM_BYTES, reader
from upwell.sources.ics import read_ics_bytes
from upwell.sources.mbox import iter_mbox

MAX_CALENDAR_BYTES = MAX_ITEM_BYTES


def _kind(name: str) -> str | None:
    parts = [p.lower() for p in Path(name).parts]
    if "takeout" not in parts:
        return None
    if name.lower().endswith(".mbox") and "mail" in parts:
        return "mbox"
    if name.lower().endswith(".ics") and "calendar" in parts:
        return "ics"
    return None


def _detect(path: Path) -> bool:
    if path.is_dir():
        return (path / "Takeout").is_dir() or path.name == "Takeout"
    if path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            return any(_kind(n) for n in zf.namelist()[:5000])
    return False


def _read_zip(path: Path) -> Iterator[RawItem | Skipped]:
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            kind = _kind(info.filename)
            if kind is None or info.is_dir():
                continue
            try:
                if kind == "mbox":
                    with zf.open(info) as fh:
                        yield from iter_mbox(fh, source="takeout", origin=info.filename)
                elif info.file_size > MAX_CALENDAR_BYTES:
                    yield Skipped("item_too_large")
                else:
                    yield from read_ics_bytes(zf.read(info), info.filename)
            except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile):
                yield Skipped("truncated_archive")


def _read_dir(path: Path) -> Iterator[RawItem | Skipped]:
    root = path.parent if path.name == "Takeout" else path
    for f in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = f.relative_to(root).as_posix()
        kind = _kind(rel)
        if kind == "mbox":
            with f.open("rb") as fh:
                yield from iter_mbox(fh, source="takeout", origin=rel)
        elif kind == "ics":
            if f.stat().st_size > MAX_CALENDAR_BYTES:
                yield Skipped("item_too_large")
            else:
                yield from read_ics_bytes(f.read_bytes(), rel)


@reader("takeout", title="Google Takeout (Mail + Calendar)", provides=("messages", "events"),
        detect=_detect, priority=60)
def read_takeout(path: Path) -> Iterator[RawItem | Skipped]:
    """Every message and calendar item in a Takeout zip or folder."""
    if path.is_dir():
        yield from _read_dir(path)
    else:
        try:
            yield from _read_zip(path)
        except zipfile.BadZipFile:
            yield Skipped("truncated_archive")
