"""Syncing a member's connected sources: fetch a page -> prepare -> write records and cursor.

Reads: the connection (sealed token, cursor), the provider's API. Writes: the member's records
(the same normalize/prepare/write path as an archive import), one ``imports`` row per sync, and
the connection's cursor and status. A page's records and the cursor after them are committed in
one transaction, so a sync killed at any point resumes where its last commit left it: nothing is
lost, nothing doubles (record ids come from source item ids as well). Before each commit the
connection must still be active and the member's coaching consent for its source still given:
a disconnect or an opt-out stops a running sync at its next page. Payloads and reports carry
ids and counts only. A later issue runs :func:`sync_connection` as a queue actor.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from sqlalchemy import delete, insert

from upwell.config import Settings
from upwell.errors import ConnectorError, ReconnectNeeded, UpwellError
from upwell.model import Skipped
from upwell.pipeline.analyzers import resolve_analyzers
from upwell.pipeline.imports import ImportReport, finish
from upwell.pipeline.prepare import prepare_item
from upwell.sources.connectors import connectors
from upwell.sources.connectors.http import Api
from upwell.sources.connectors.oauth import Grant, endpoints
from upwell.sources.connectors.spec import FetchSession
from upwell.store import access_log
from upwell.store import connections as vault
from upwell.store.consent import missing_for
from upwell.store.db import Member, Store
from upwell.store.member_data import purge_evidence
from upwell.store.member_rules import reapply_forgotten
from upwell.store.member_settings import get_prefs
from upwell.store.prepared import Prepared
from upwell.store.records import RecordWriter
from upwell.store.schema import event_attendees, events, imports

log = logging.getLogger(__name__)


@dataclass
class SyncReport:
    """What one sync of one connection did (counts only)."""

    connection_id: str
    source: str
    status: str = "done"
    seen: int = 0
    imported: int = 0
    removed: int = 0
    pages: int = 0
    requests: int = 0
    retried: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    error: str | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {"connection": self.connection_id, "source": self.source, "status": self.status,
                "seen": self.seen, "imported": self.imported, "removed": self.removed,
                "pages": self.pages, "requests": self.requests, "retried": self.retried,
                "skipped": dict(sorted(self.skipped.items())), "error": self.error,
                "seconds": round(self.seconds, 3)}


class _Stopped(Exception):
    """The connection was disconnected, or its consent withdrawn, while the sync ran."""


def context_for(store: Store, settings: Settings, member: Member, connection: vault.Connection,
                *, http: httpx.Client, sleep: Callable[[float], None]) -> FetchSession:
    """The fetch context of a connection: its grant (OAuth) or password (IMAP)."""
    spec = connectors()[connection.source]
    secret = vault.secret(store, member, connection.id)
    config = vault.config(store, member, connection.id)
    grant = None
    if spec.provider != "imap" or config.get("auth") == "xoauth2":
        provider = spec.provider if spec.provider != "imap" else str(config.get("provider"))
        grant = Grant(http, endpoints(settings, provider), connection.id, secret,
                      lambda new: vault.set_secret(store, member, connection.id, new))
        secret = None
    api = Api(http, grant, retries=settings.sync_retries, backoff_s=settings.sync_backoff_s,
              sleep=sleep)
    return FetchSession(api=api, settings=settings, mode=connection.mode, config=config,
                   secret=secret)


def sync_connection(store: Store, settings: Settings, member: Member, connection_id: str, *,
                    http: httpx.Client | None = None, sleep: Callable[[float], None] = time.sleep,
                    progress: Callable[[SyncReport], None] | None = None) -> SyncReport:
    """Sync one of the member's connections from its cursor (see the module docstring)."""
    connection = vault.get(store, member.id, connection_id)
    if connection is None:
        raise LookupError("no such connection")
    spec = connectors()[connection.source]
    report = SyncReport(connection.id, connection.source)
    started = time.monotonic()
    prefs = get_prefs(store, member.id, settings.evidence_retention_days)
    if connection.status != vault.ACTIVE:
        report.status = connection.status
        return report
    if missing_for(store, member.id, [spec.source]):
        report.status = "no_consent"
        return report
    if prefs.paused:
        report.status = "paused"
        return report
    own_http = http is None
    client = http or httpx.Client(timeout=30.0, follow_redirects=False)
    try:
        ctx = context_for(store, settings, member, connection, http=client, sleep=sleep)
        _run(store, settings, member, connection, ctx, report,
             retention=prefs.evidence_retention_days, progress=progress)
        vault.mark(store, member.id, connection.id, synced=True)
        if report.imported or report.removed:
            access_log.append(store, member.id, "member-job", "sync",
                              f"{spec.id}: {report.imported} new, {report.removed} removed")
    except _Stopped:
        report.status = "stopped"
    except ReconnectNeeded as exc:
        report.status, report.error = "reconnect", exc.code
        vault.mark(store, member.id, connection.id, status=vault.RECONNECT, error=str(exc))
        access_log.append(store, member.id, "member-job", "sync",
                          f"{spec.id}: reconnect needed ({exc.code})")
    except ConnectorError as exc:
        report.status, report.error = "failed", exc.code
        vault.mark(store, member.id, connection.id, error=str(exc))
    except UpwellError as exc:
        report.status, report.error = "failed", exc.code
        vault.mark(store, member.id, connection.id, error=str(exc))
    except Exception as exc:  # a connector bug on odd provider JSON: content-free, sync ends
        report.status, report.error = "failed", "E799"
        log.error("sync failed unexpectedly", extra={"source": spec.id,
                                                     "error_type": type(exc).__name__})
        vault.mark(store, member.id, connection.id,
                   error=f"E799 the sync failed unexpectedly ({type(exc).__name__}); the next "
                   "sync resumes where this one stopped")
    finally:
        if own_http:
            client.close()
        report.seconds = time.monotonic() - started
        if report.status != "done" or report.imported:
            log.info("sync ended", extra={"source": spec.id, "status": report.status,
                                          "imported": report.imported, "pages": report.pages,
                                          "error_code": report.error})
    if progress:
        progress(report)
    return report


def _run(store: Store, settings: Settings, member: Member,  # noqa: PLR0917 (one sync's state)
         connection: vault.Connection, ctx: FetchSession, report: SyncReport, *, retention: int,
         progress: Callable[[SyncReport], None] | None) -> None:
    spec = connectors()[connection.source]
    analyzers = resolve_analyzers(settings)
    with store.engine.begin() as conn:
        pk = conn.execute(insert(imports).values(
            member_id=member.id, reader=spec.id, started_at=datetime.now(UTC),
            status="running")).inserted_primary_key
        cursor = vault.cursor(conn, member, connection.id)
    assert pk is not None
    import_id = int(pk[0])
    writer = RecordWriter(member.id, member.cipher, import_id)
    with store.engine.connect() as conn:
        writer.preload(conn)
    totals = ImportReport(reader=spec.id)
    purge_evidence(store, member, retention)
    try:
        for page in spec.fetch(ctx, cursor):
            groups: list[list[Prepared]] = []
            for item in page.items:
                if isinstance(item, Skipped):
                    report.seen += item.count
                    report.skipped[item.reason] += item.count
                    continue
                report.seen += 1
                outcome = prepare_item(item, member.cipher, analyzers, retention > 0)
                if isinstance(outcome, str):
                    report.skipped[outcome.split(":", 1)[0]] += 1
                elif not outcome:
                    report.skipped["no_records"] += 1
                else:
                    groups.append(outcome)
            with store.engine.begin() as conn:
                # A disconnect or an opt-out since the last page stops the sync here.
                if (vault.status(conn, member.id, connection.id) != vault.ACTIVE
                        or missing_for(store, member.id, [spec.source])):
                    raise _Stopped
                new = writer.write(conn, [p for g in groups for p in g])
                if page.removed:
                    ids = [member.cipher.index("evt|" + sid) for sid in page.removed]
                    conn.execute(delete(event_attendees).where(
                        event_attendees.c.member_id == member.id,
                        event_attendees.c.event_id.in_(ids)))
                    gone = conn.execute(delete(events).where(
                        events.c.member_id == member.id, events.c.id.in_(ids)))
                    report.removed += gone.rowcount or 0
                vault.set_cursor(conn, member, connection.id, page.cursor)
            for g in groups:
                if any(p.id in new for p in g):
                    report.imported += 1
                else:
                    report.skipped["duplicate"] += 1
            report.pages += 1
            report.requests = ctx.api.requests if ctx.api is not None else 0
            report.retried = ctx.api.retried if ctx.api is not None else 0
            if progress:
                progress(report)
    finally:
        totals.seen, totals.imported, totals.skipped = (report.seen, report.imported,
                                                        report.skipped)
        finish(store, member, writer, totals, me=[], import_id=import_id)
        reapply_forgotten(store, member)


def sync_member(store: Store, settings: Settings, member: Member, *, source: str | None = None,
                http: httpx.Client | None = None, sleep: Callable[[float], None] = time.sleep,
                progress: Callable[[SyncReport], None] | None = None) -> list[SyncReport]:
    """Sync every active connection of the member (or those of one ``source``)."""
    out = []
    for c in vault.list_for(store, member.id):
        if source is None or c.source == source:
            out.append(sync_connection(store, settings, member, c.id, http=http, sleep=sleep,
                                       progress=progress))
    return out
