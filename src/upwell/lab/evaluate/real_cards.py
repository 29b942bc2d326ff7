"""The coach's cards on a converted corpus, each tied back to the corpus items behind it.

Reads: the corpus (Enron EDRM JSON Lines), converted to maildirs in a cache; each mailbox is
imported as its own member into a throw-away Upwell home, the way ``upwell coach`` imports an
archive (the settings' analyzers, evidence kept, no ``--me``), and coached with
:func:`upwell.insights.weekly.weekly_cards` on each week asked for, profile America/Chicago
8-18 (the labels' profile). Writes: the cache, and with :func:`write_cards` one JSON Lines file
of card records per mailbox, for labellers (they hold subjects and phrases: the member's own
view, for the people who read that mail).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from upwell.analyze.stream import WorkProfile
from upwell.config import Settings
from upwell.insights.catalog import Card
from upwell.insights.view import coaching_view
from upwell.insights.weekly import active_weeks, weekly_cards
from upwell.lab.corpora import enron
from upwell.lab.corpora.provenance import Provenance, provenance
from upwell.pipeline.analyzers import resolve_analyzers
from upwell.pipeline.imports import import_archive
from upwell.store.db import Store
from upwell.store.member_view import MemberView

#: The profile every label was written for (``real_labels/weeks.json`` repeats it).
PROFILE_TZ = "America/Chicago"
PROFILE_HOURS = (8, 18)


def profile() -> WorkProfile:
    """America/Chicago, working hours 8-18."""
    return WorkProfile(ZoneInfo(PROFILE_TZ), *PROFILE_HOURS)


def code_commit(root: Path | None = None) -> str:
    """The short commit of the code that coaches (the checkout holding ``root``, by default
    the ``upwell`` package), with ``+dirty`` when files under ``root`` have changes not
    committed; ``unknown`` outside a git checkout."""
    where = str(root or Path(__file__).resolve().parents[2])
    try:
        head = subprocess.run(["git", "-C", where, "rev-parse", "--short=7", "HEAD"],  # noqa: S603, S607 - git from PATH, fixed arguments
                              capture_output=True, text=True, check=True, timeout=10)
        dirty = subprocess.run(["git", "-C", where, "status", "--porcelain", "--", "."],  # noqa: S603, S607 - git from PATH, fixed arguments
                               capture_output=True, text=True, check=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


@dataclass(slots=True)
class Mailbox:
    """One mailbox imported as its own member: the coaching view and each record's sources."""

    name: str
    view: MemberView
    profile: WorkProfile
    sources: Provenance
    imported: dict[str, object] = field(default_factory=dict)

    def weeks(self) -> list[datetime]:
        """Every active week (any message or dated event), oldest first."""
        return active_weeks(self.view, self.profile)


def import_mailbox(store: Store, settings: Settings, name: str, path: Path,
                   index: dict[str, tuple[str, str]]) -> Mailbox:
    """Import ``path`` for a new member ``name`` as ``upwell coach`` does and open their
    coaching view; ``index`` (digest -> source_file, folder) ties records to the corpus."""
    member = store.open_member(name)
    report = import_archive(store, member, path, batch_size=settings.batch_size,
                            workers=0,  # small mailboxes: worker start-up would cost more
                            analyzers=resolve_analyzers(settings),
                            evidence=settings.evidence_retention_days > 0)
    opened = coaching_view(store, member, profile=profile(), paused_ok=True)
    assert opened is not None  # paused_ok and no consent asked: always opened
    return Mailbox(name, opened.view, opened.profile, provenance(path, member.cipher, index),
                   report.as_dict())


@contextmanager
def imported(corpus: Path, cache: Path, names: Iterable[str] | None = None, *,
             progress: Callable[[str], None] | None = None) -> Iterator[Iterator[Mailbox]]:
    """The chosen mailboxes of ``corpus`` (all by default), converted into ``cache`` when
    needed, each imported into a throw-away home in turn (one at a time in memory)."""
    paths = enron.cached(corpus, cache, names, progress=progress)
    with tempfile.TemporaryDirectory(prefix="upwell-eval-real-") as home:
        settings = Settings(home=Path(home))
        store = Store(settings)

        def each() -> Iterator[Mailbox]:
            for name, path in paths.items():
                if progress is not None:
                    progress(f"importing and coaching {name}")
                yield import_mailbox(store, settings, name, path,
                                     enron.source_index(corpus, name))

        try:
            yield each()
        finally:
            store.close()


def card_person(card: Card, view: MemberView) -> str | None:
    """The one colleague a card is about, as the member sees their name; ``None`` when it is
    about no one person. A card field ``person`` (a person id) wins; else the one known name
    that the card's summary names."""
    pid = getattr(card, "person", None)
    if isinstance(pid, str) and pid:
        return view.name(pid)
    named = {n for p, n in view.names.items() if p not in view.me and len(n) >= 4
             and re.search(rf"(?<!\w){re.escape(n)}(?!\w)", card.summary)}
    # a name inside a longer one also named ("Kam" in "Kam Keiser") is the same person
    named = {n for n in named if not any(n != o and n in o for o in named)}
    return named.pop() if len(named) == 1 else None


def evidence_records(card: Card, sources: Provenance) -> list[dict[str, Any]]:
    """The card's evidence, each item with its corpus sources: ``source_file`` (the copy
    stored) and ``source_files`` (every copy)."""
    rows = []
    for e in card.evidence:
        refs = sources.get(e.message_id, ()) if e.kind in ("message", "event") else ()
        rows.append({"source_file": refs[0].source_file if refs else None,
                     "source_files": [r.source_file for r in refs],
                     "folder": refs[0].folder if refs else None, "kind": e.kind,
                     "sent_at": e.sent_at.isoformat(), "subject": e.subject,
                     "detail": e.detail})
    return rows


def card_record(mailbox: Mailbox, week: datetime, card: Card, code: str = "") -> dict[str, Any]:
    """One card as the labellers read it: mailbox, week (its Monday), insight, title,
    summary, person, evidence (with source files) and the code commit."""
    return {"mailbox": mailbox.name, "week": week.date().isoformat(), "insight": card.insight,
            "title": card.title, "summary": card.summary,
            "person": card_person(card, mailbox.view),
            "evidence": evidence_records(card, mailbox.sources), "code": code}


def coach_weeks(mailbox: Mailbox, weeks: Iterable[datetime]) -> list[tuple[datetime, list[Card]]]:
    """The cards of each week (``weekly_cards`` at its Monday), in the order given."""
    return [(w, weekly_cards(mailbox.view, mailbox.profile, at=w)) for w in weeks]


def write_cards(records: Iterable[dict[str, Any]], out: Path,
                mailboxes: Sequence[str] = ()) -> dict[str, int]:
    """Card records as ``<out>/<mailbox>.jsonl``, one file per mailbox (each of ``mailboxes``
    gets one, empty when it had no card); the count per mailbox."""
    out.mkdir(parents=True, exist_ok=True)
    by_box: dict[str, list[dict[str, Any]]] = {m: [] for m in mailboxes}
    for r in records:
        by_box.setdefault(r["mailbox"], []).append(r)
    for name, rows in by_box.items():
        text = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
        (out / f"{name}.jsonl").write_text(text, encoding="utf-8")
    return {name: len(rows) for name, rows in by_box.items()}


def stderr_progress(line: str) -> None:
    """A progress line on stderr (content-free: mailbox names and counts)."""
    print(f"eval real: {line}", file=sys.stderr, flush=True)
