"""Background imports for the web app: an uploaded archive read on a worker thread, with
progress the member can watch.

Reads: an upload the member handed over (streamed to ``<home>/uploads``). Writes: the member's
rows (through :func:`upwell.tasks.imports.import_archive`), an ``import_jobs`` row with counts
only, an access-log entry, the refreshed dashboard. The upload is deleted when the job ends.
Errors keep their code and fix; nothing about content reaches a log.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import tarfile
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from upwell.config import Settings
from upwell.errors import UnknownFormat, UpwellError
from upwell.sources import ReaderSpec, detect
from upwell.store import access_log
from upwell.store.consent import missing_for, sources_of
from upwell.store.db import Store
from upwell.store.member_data import purge_evidence
from upwell.store.member_rules import reapply_forgotten
from upwell.store.member_settings import get_prefs
from upwell.store.schema import import_jobs
from upwell.tasks.imports import ImportReport, import_archive
from upwell.web import dashboard

log = logging.getLogger(__name__)

#: Most bytes an uploaded zip or tar may unpack to, and most members it may hold.
MAX_UNPACKED = 16 * 1024**3
MAX_MEMBERS = 500_000


class ConsentMissing(UpwellError):
    code = "E402"


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


def _aware(v: datetime | None) -> datetime | None:
    return None if v is None else (v if v.tzinfo else v.replace(tzinfo=UTC))


def get_job(store: Store, member_id: int, job_id: str) -> Job | None:
    """The member's job ``job_id`` (``None`` for anyone else's: the caller answers 404)."""
    with store.engine.connect() as conn:
        r = conn.execute(select(import_jobs).where(import_jobs.c.id == job_id,
                                                   import_jobs.c.member_id == member_id)).first()
    if r is None:
        return None
    created = _aware(r.created_at)
    assert created is not None
    return Job(r.id, r.status, r.reader, r.seen, r.imported, r.skipped, r.error, created,
               _aware(r.finished_at))


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
    """One worker thread runs the members' imports and source syncs in turn (the embedded
    default; a later issue moves both to queue workers)."""

    def __init__(self, store: Store, settings: Settings, workers: int = 1) -> None:
        self.store = store
        self.settings = settings
        self.uploads = settings.home / "uploads"
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="upwell-import")
        self.futures: dict[str, Future[None]] = {}
        self.syncs: dict[str, Future[None]] = {}

    def sync(self, member_ref: str, connection_id: str) -> None:
        """Queue a sync of the member's connection (ids only, like a queue payload)."""
        self.syncs[connection_id] = self._pool.submit(self._sync, member_ref, connection_id)

    def _sync(self, member_ref: str, connection_id: str) -> None:
        from upwell.tasks.sync import sync_connection

        try:
            member = self.store.open_member(member_ref, create=False)
            report = sync_connection(self.store, self.settings, member, connection_id)
            if report.imported or report.removed:
                prefs = get_prefs(self.store, member.id, self.settings.evidence_retention_days)
                if not prefs.paused:
                    dashboard.refresh(self.store, member, prefs)
        except (UpwellError, LookupError):
            return  # disconnected or deleted meanwhile: nothing to do
        except Exception as exc:
            log.error("sync job failed", extra={"error_type": type(exc).__name__})

    def upload_dir(self) -> Path:
        """A fresh private folder for one upload."""
        self.uploads.mkdir(parents=True, exist_ok=True, mode=0o700)
        d = self.uploads / secrets.token_hex(12)
        d.mkdir(mode=0o700)
        return d

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
        job_id = secrets.token_hex(16)
        with self.store.engine.begin() as conn:
            conn.execute(insert(import_jobs).values(
                id=job_id, member_id=member_id, status="queued", reader=spec.id, seen=0,
                imported=0, skipped=0, created_at=datetime.now(UTC)))
        self.futures[job_id] = self._pool.submit(self._run, job_id, member_ref, member_id, path,
                                                 upload.parent)
        return job_id

    def _update(self, job_id: str, **values: Any) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(update(import_jobs).where(import_jobs.c.id == job_id).values(**values))

    def _run(self, job_id: str, member_ref: str, member_id: int, path: Path, folder: Path
             ) -> None:
        try:
            prefs = get_prefs(self.store, member_id, self.settings.evidence_retention_days)
            if prefs.paused:
                self._update(job_id, status="paused", finished_at=datetime.now(UTC),
                             error="E403 you paused Upwell: resume to import")
                return
            member = self.store.open_member(member_ref, create=False)
            self._update(job_id, status="running")

            def progress(r: ImportReport) -> None:
                self._update(job_id, seen=r.seen, imported=r.imported,
                             skipped=sum(r.skipped.values()))

            purge_evidence(self.store, member, prefs.evidence_retention_days)
            report = import_archive(
                self.store, member, path, batch_size=self.settings.batch_size,
                analyzers=self.settings.resolved_analyzers(),
                evidence=prefs.evidence_retention_days > 0, progress=progress)
            reapply_forgotten(self.store, member)
            dashboard.refresh(self.store, member, prefs)
            skipped = sum(report.skipped.values())
            self._update(job_id, status="done", seen=report.seen, imported=report.imported,
                         skipped=skipped, finished_at=datetime.now(UTC))
            access_log.append(self.store, member_id, "member-job", "import",
                              f"{report.reader}: {report.imported} imported, {skipped} skipped")
        except UpwellError as exc:
            self._update(job_id, status="failed", error=str(exc)[:200],
                         finished_at=datetime.now(UTC))
        except Exception as exc:
            log.error("import job failed", extra={"error_type": type(exc).__name__})
            self._update(job_id, status="failed", finished_at=datetime.now(UTC),
                         error="E500 the import failed unexpectedly: try again, or ask your "
                         "operator to check the server log")
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def wait(self, job_id: str, timeout: float | None = None) -> None:
        """Block until a job ends (tests and the CLI)."""
        future = self.futures.get(job_id)
        if future is not None:
            future.result(timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
