"""Single ``.eml`` files, or a folder of them (searched recursively)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from upwell.model import RawItem, Skipped
from upwell.sources.base import read_limited, reader


def _files(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
        return
    yield from sorted(p for p in path.rglob("*") if p.suffix.lower() == ".eml" and p.is_file())


def _detect(path: Path) -> bool:
    if path.is_file():
        return path.suffix.lower() == ".eml"
    return path.is_dir() and next(_files(path), None) is not None


@reader("eml", title=".eml message files", provides=("messages",), detect=_detect, priority=5)
def read_eml(path: Path) -> Iterator[RawItem | Skipped]:
    """One item per .eml file."""
    root = path if path.is_dir() else path.parent
    for f in _files(path):
        data = read_limited(f)
        if isinstance(data, Skipped):
            yield data
            continue
        rel = f.relative_to(root)
        folder = rel.parent.as_posix()
        yield RawItem("mime", "eml", rel.as_posix(), data,
                      {"folder": folder} if folder != "." else {})
