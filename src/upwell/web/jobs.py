"""Background imports for the web app: an uploaded archive read on a worker thread, with
progress the member can watch.

Reads: an upload the member handed over (streamed to a spool entry, ``<home>/uploads/<token>``
by default). Writes: an ``import_jobs`` row, then the ``web_import`` task
(:mod:`upwell.tasks.builtin`) writes the member's rows, the job's counts, an access-log entry
and the refreshed dashboard, and deletes the upload when the job ends.
Errors keep their code and fix; nothing about content reaches a log.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import tarfile
import time
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from upwell.config import Settings
from upwell.errors import UnknownFormat, UpwellError
from upwell.sources import ReaderSpec, detect
from upwell.store.consent import missing_for, sources_of
from upwell.store.db import Store
from upwell.store.schema import import_jobs
from upwell.tasks import spool
from upwell.tasks.queue import InlineQueue, queue_for

log = logging.getLogger(__name__)

#: Most bytes an uploaded zip or tar may unpack to, and most members it may hold.
MAX_UNPACKED = 16 * 1024**3
MAX_MEMBERS = 500_000


class ConsentMissing(UpwellError):
    code = "E410"


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    status: str
    reader: str | None
    seen: int
    imported: int
    skipped: int
    error: str | None
    created_at: datetime
    finished_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "reader": self.reader, "seen": self.seen,
                "imported": self.imported, "skipped": self.skipped, "error": self.error,
                "created_at": self.created_at.isoformat(),
                "finished_at": self.finished_at.isoformat() if self.finished_at else None}


def get_job(store: Store, member_id: int, job_id: str) -> Job | None:
    """The member's job ``job_id`` (``None`` for anyone else's: the caller answers 404)."""
    with store.engine.connect() as conn:
        r = conn.execute(select(import_jobs).where(import_jobs.c.id == job_id,
                                                   import_jobs.c.member_id == member_id)).first()
    if r is None:
        return None
    return Job(r.id, r.status, r.reader, r.seen, r.imported, r.skipped, r.error, r.created_at,
               r.finished_at)


def list_jobs(store: Store, member_id: int, limit: int = 20) -> list[Job]:
    with store.engine.connect() as conn:
        ids = [r[0] for r in conn.execute(select(import_jobs.c.id)
                                          .where(import_jobs.c.member_id == member_id)
                                          .order_by(import_jobs.c.created_at.desc())
                                          .limit(limit))]
    return [j for i in ids if (j := get_job(store, member_id, i)) is not None]


def _safe_extract(archive: Path, dest: Path) -> None:
    """Unpack a zip or tar without leaving ``dest`` and within size limits."""
    total = 0
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_MEMBERS:
                raise UnknownFormat("the zip holds too many files")
            for info in infos:
                target = (dest / info.filename).resolve()
                if not target.is_relative_to(dest.resolve()):
                    raise UnknownFormat("the zip holds paths outside itself: unpack it yourself")
                total += info.file_size
                if total > MAX_UNPACKED:
                    raise UnknownFormat("the zip unpacks too large: upload its folders apart")
            zf.extractall(dest)  # noqa: S202 - every member path was checked above
        return
    with tarfile.open(archive) as tf:
        tf.extractall(dest, filter="data")


def resolve_upload(path: Path) -> tuple[Path, ReaderSpec]:
    """The path to import and its reader: the file itself, or what a zip/tar of a maildir
    (or other folder format) unpacks to."""
    try:
        return path, detect(path)
    except UnknownFormat:
        if not (zipfile.is_zipfile(path) or tarfile.is_tarfile(path)):
            raise
    root = path.parent / "unpacked"
    root.mkdir(mode=0o700)
    try:
        _safe_extract(path, root)
    except (tarfile.TarError, zipfile.BadZipFile, OSError):
        raise UnknownFormat("the archive cannot be unpacked: check the file") from None
    entries = [p for p in root.iterdir() if not p.name.startswith(("__MACOSX", "."))]
    top = entries[0] if len(entries) == 1 and entries[0].is_dir() else root
    return top, detect(top)


class ImportJobs:
    """The members' import jobs and source syncs, sent to the task queue as ``web_import`` and
    ``sync`` (ids only): on one background thread of this process by default, or to the
    Dramatiq workers when ``UPWELL_QUEUE=dramatiq`` (the spool folder then has to be shared
    with them)."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.uploads = settings.resolved_spool_dir()
        self.queue = queue_for(store, settings, background=True)
        self.runs: dict[str, str] = {}
        self.sync_runs: dict[str, str] = {}

    def sync(self, member_id: int, connection_id: str) -> None:
        """Queue a sync of the member's connection (the ``sync`` task: ids only)."""
        self.sync_runs[connection_id] = self.queue.send("sync", member_id=member_id,
                                                        connection_id=connection_id)

    def wait_sync(self, connection_id: str, timeout: float | None = None) -> None:
        """Block until the queued sync of ``connection_id`` has run (tests; in-process queue)."""
        run_id = self.sync_runs.get(connection_id)
        if run_id is not None and isinstance(self.queue, InlineQueue):
            self.queue.wait(run_id, timeout)

    def upload_dir(self) -> Path:
        """A fresh private folder for one upload (a spool entry)."""
        return spool.new_entry(self.settings)

    def start(self, member_ref: str, member_id: int, upload: Path) -> str:
        """Check consent for what the archive holds, then queue its import; returns the job id.
        Raises :class:`ConsentMissing` (and deletes the upload) when a source lacks consent."""
        try:
            path, spec = resolve_upload(upload)
            missing = missing_for(self.store, member_id, sources_of(spec.id, spec.provides))
            if missing:
                raise ConsentMissing(
                    f"this archive holds {', '.join(missing)}, which you have not allowed "
                    "Upwell to read: give consent for it first (nothing was read)")
        except UpwellError:
            shutil.rmtree(upload.parent, ignore_errors=True)
            raise
        token = spool.describe(upload.parent, path, spec.id)
        job_id = secrets.token_hex(16)
        with self.store.engine.begin() as conn:
            conn.execute(insert(import_jobs).values(
                id=job_id, member_id=member_id, status="queued", reader=spec.id, seen=0,
                imported=0, skipped=0, created_at=datetime.now(UTC)))
        self.runs[job_id] = self.queue.send("web_import", member_id=member_id, job_id=job_id,
                                            spool_id=token)
        return job_id

    def wait(self, job_id: str, timeout: float | None = None) -> None:
        """Block until a job ends (tests and the CLI)."""
        run_id = self.runs.get(job_id)
        if run_id is not None and isinstance(self.queue, InlineQueue):
            self.queue.wait(run_id, timeout)
            return
        deadline = time.monotonic() + (timeout or 3600)
        while time.monotonic() < deadline:
            with self.store.engine.connect() as conn:
                status = conn.scalar(select(import_jobs.c.status)
                                     .where(import_jobs.c.id == job_id))
            if status not in {"queued", "running"}:
                return
            time.sleep(0.2)

    def shutdown(self) -> None:
        self.queue.close()
