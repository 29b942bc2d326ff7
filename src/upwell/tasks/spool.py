"""The spool: archives waiting for their import task, each under a random token.

Reads and writes ``Settings.resolved_spool_dir()`` (owner-only folders). A task payload names
an archive by its token alone; the entry's ``entry.json`` keeps the path inside the entry and
the reader, so neither a file name (which may hold a person's name or address) nor a path ever
rides in a queue. An entry either holds the upload itself (the web app) or a link to an archive
an operator hands over (the CLI, the benchmark).
"""

from __future__ import annotations

import json
import secrets
import shutil
from pathlib import Path

from upwell.config import Settings
from upwell.errors import TaskError

ENTRY = "entry.json"


def new_entry(settings: Settings) -> Path:
    """A fresh, empty, owner-only entry folder (its name is the token)."""
    root = settings.resolved_spool_dir()
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder = root / secrets.token_hex(12)
    folder.mkdir(mode=0o700)
    return folder


def describe(folder: Path, path: Path, fmt: str | None) -> str:
    """Record which path inside ``folder`` to import, and with which reader; returns the
    entry's token."""
    rel = path.relative_to(folder)
    (folder / ENTRY).write_text(json.dumps({"path": str(rel), "fmt": fmt}), encoding="utf-8")
    return folder.name


def link(settings: Settings, archive: Path, fmt: str | None = None) -> str:
    """Spool ``archive`` as a link (it stays where it is); returns the token."""
    folder = new_entry(settings)
    target = folder / "archive"
    target.symlink_to(archive.resolve(), target_is_directory=archive.is_dir())
    return describe(folder, target, fmt)


def resolve(settings: Settings, token: str) -> tuple[Path, str | None]:
    """The archive path and reader of entry ``token``."""
    folder = settings.resolved_spool_dir() / token
    try:
        entry = json.loads((folder / ENTRY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise TaskError("the archive of this task is not in the spool: upload it again "
                          "(workers need the spool folder mounted at UPWELL_SPOOL_DIR)") from None
    return folder / entry["path"], entry.get("fmt")


def remove(settings: Settings, token: str) -> None:
    """Delete entry ``token`` (a linked archive stays where it is)."""
    shutil.rmtree(settings.resolved_spool_dir() / token, ignore_errors=True)
