"""Maildir trees: a maildir (``cur/``, ``new/``) and every nested folder below it.

Both layouts are read: nested folders (``Sent Items/cur``, ``Inbox/Projects/cur``) and Maildir++
dot folders (``.Sent/cur``, ``.Inbox.Projects/cur``). ``tmp/`` holds deliveries in progress and is
not read. Files are visited in sorted order so runs are repeatable.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from upwell.model import RawItem, Skipped
from upwell.sources.base import MAX_ITEM_BYTES, reader


def _is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() or (path / "new").is_dir()


def _detect(path: Path) -> bool:
    if not path.is_dir():
        return False
    if _is_maildir(path):
        return True
    return any(_is_maildir(Path(root)) for root, _dirs, _files in _walk(path, depth=3))


def _walk(path: Path, depth: int) -> Iterator[tuple[str, list[str], list[str]]]:
    base = len(path.parts)
    for root, dirs, files in os.walk(path):
        dirs.sort()
        if len(Path(root).parts) - base >= depth:
            dirs[:] = []
        yield root, dirs, files


def folder_name(root: Path, folder: Path) -> str:
    """The mail folder a maildir stands for: "" (the root) is the Inbox."""
    rel = folder.relative_to(root).as_posix()
    if rel == ".":
        return "Inbox"
    if rel.startswith("."):
        return rel[1:].replace(".", "/")
    return rel


def maildir_folders(root: Path) -> Iterator[Path]:
    """Every folder under ``root`` that is a maildir, in sorted order."""
    for dirpath, dirs, _files in os.walk(root):
        dirs.sort()
        here = Path(dirpath)
        if here.name in {"cur", "new", "tmp"}:
            dirs[:] = []
            continue
        if _is_maildir(here):
            yield here


@reader("maildir", title="Maildir folder tree", provides=("messages",), detect=_detect,
        priority=50)
def read_maildir(path: Path) -> Iterator[RawItem | Skipped]:
    """Every message file in every maildir folder under ``path``."""
    for folder in maildir_folders(path):
        name = folder_name(path, folder)
        context: dict[str, object] = {"folder": name}
        for sub in ("cur", "new"):
            box = folder / sub
            if not box.is_dir():
                continue
            for entry in sorted(os.scandir(box), key=lambda e: e.name):
                if not entry.is_file(follow_symlinks=False):
                    continue
                try:
                    if entry.stat().st_size > MAX_ITEM_BYTES:
                        yield Skipped("item_too_large")
                        continue
                    with open(entry.path, "rb") as fh:
                        data = fh.read()
                except OSError:
                    yield Skipped("unreadable_file")
                    continue
                item_id = f"{name}/{sub}/{entry.name.split(':', 1)[0]}"
                yield RawItem("mime", "maildir", item_id, data, context)
