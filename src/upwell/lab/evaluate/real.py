"""The real-mail evaluation: the coach on the Enron EDRM mailboxes, judged by human labels.

Reads: the corpus (``../shared/data/enron-edrm-10-mailboxes/*.jsonl``), converted to maildirs
in a cache by :mod:`upwell.lab.corpora.enron`, and the labels in ``real_labels/`` (format in its
README; protocol in ``docs/evaluation-real-mail.md``). Writes: the converted maildirs, a
throw-away Upwell home (each mailbox imported as its own member, the way ``upwell coach`` imports
it), and, when asked, the cards as JSON Lines and the unjudged cards as a template to label.

Every card of every coached week is tied back to the corpus: the converter names each file after
``sha1(source_file)``, so each stored message (which may be several copies) is traced to every
``source_file`` it was read from. A card is then judged by the labels:

- it matches a **verdict** (``cards/``) with the same mailbox, week and insight that shares a
  ``source_file`` with it or names the same person: the verdict judges it;
- else a **point** (``points/``) the same way: correct, and useful when the point is ``useful``;
- else it is **unjudged** (printed by mailbox, week, insight and source files, never content).

Nothing here prints message content: the card records written to a file hold subjects and
phrases, as the member's own ``upwell coach --json`` does, for the labellers who read that mail.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from upwell.analyze.stream import WorkProfile
from upwell.config import Settings
from upwell.errors import BadItem
from upwell.insights.catalog import Card
from upwell.insights.view import coaching_view
from upwell.insights.weekly import active_weeks, weekly_cards
from upwell.lab.corpora import enron
from upwell.model import RawItem
from upwell.normalize import to_records
from upwell.pipeline.analyzers import resolve_analyzers
from upwell.pipeline.imports import import_archive
from upwell.pipeline.rows import record_id
from upwell.sources import detect
from upwell.store.crypto import MemberCipher
from upwell.store.db import Store
from upwell.store.member_view import MemberView

#: The corpus folder inside ``--data``.
CORPUS = "enron-edrm-10-mailboxes"
#: The labels shipped with the package.
LABELS = Path(__file__).parent / "real_labels"
#: The profile the labels were written for (``weeks.json`` repeats it).
PROFILE_TZ = "America/Chicago"
PROFILE_HOURS = (8, 18)
SPLITS = ("dev", "test", "all")
VERDICTS = ("useful", "trivial", "wrong")
OUT_OF_SCOPE = "out_of_scope"

_HEX40 = re.compile(r"(?<![0-9a-f])([0-9a-f]{40})(?![0-9a-f])")

Progress = Callable[[str], None]


def _quiet(_line: str) -> None:
    return None


def profile() -> WorkProfile:
    """America/Chicago, 8-18: the profile every label was written for."""
    return WorkProfile(ZoneInfo(PROFILE_TZ), *PROFILE_HOURS)


def code_commit(root: Path | None = None) -> str:
    """The short commit of the code that coaches (``unknown`` outside a git checkout); with
    ``+dirty`` when the working tree has changes under ``src/``."""
    where = root or Path(__file__).resolve().parents[3]
    try:
        head = subprocess.run(["git", "-C", str(where), "rev-parse", "--short=7", "HEAD"],  # noqa: S607 - git from PATH, fixed arguments
                              capture_output=True, text=True, check=True, timeout=10)
        dirty = subprocess.run(["git", "-C", str(where), "status", "--porcelain", "--", "src"],  # noqa: S607 - git from PATH, fixed arguments
                               capture_output=True, text=True, check=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


# -- the corpus as a member would import it ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceRef:
    """One corpus item behind a stored record."""

    source_file: str
    folder: str


#: A member's record id -> every corpus item it was read from (copies in several folders).
Provenance = dict[str, tuple[SourceRef, ...]]


def _digest(item: RawItem, source_item_id: str) -> str | None:
    stem = item.item_id.rsplit("/", 1)[-1]
    for text in (stem, source_item_id):
        m = _HEX40.search(text)
        if m:
            return m.group(1)
    return None


def provenance(path: Path, cipher: MemberCipher, index: Mapping[str, tuple[str, str]],
               fmt: str | None = None) -> Provenance:
    """Read ``path`` again as the import did and tie each record id of the member to the corpus
    items (``index``: file digest -> source_file, folder) whose converted files hold it."""
    refs: dict[str, list[SourceRef]] = {}
    for item in detect(path, fmt).read(path):
        if not isinstance(item, RawItem):
            continue
        try:
            records = to_records(item)
        except BadItem:
            continue
        for record in records:
            digest = _digest(item, record.source_item_id)
            found = index.get(digest) if digest else None
            if found is None:
                continue
            ref = SourceRef(*found)
            seen = refs.setdefault(record_id(cipher, record), [])
            if ref not in seen:
                seen.append(ref)
    return {rid: tuple(v) for rid, v in refs.items()}


def _stamp(paths: Iterable[Path]) -> str:
    return json.dumps([[p.name, p.stat().st_size, p.stat().st_mtime_ns] for p in sorted(paths)])


def maildirs(corpus: Path, cache: Path, names: Sequence[str] | None = None, *,
             progress: Progress = _quiet) -> dict[str, Path]:
    """Each mailbox of ``corpus`` as a maildir under ``cache``, converted again only when the
    corpus files or the converter's format changed since the last conversion."""
    chosen = list(names) if names else enron.mailboxes(corpus)
    out: dict[str, Path] = {}
    for name in chosen:
        parts = sorted(corpus.glob(f"{name}.*jsonl")) or sorted(corpus.glob(f"{name}.jsonl"))
        stamp = enron.MARKER_TEXT + _stamp(parts)
        mark = cache / f".{name}.source"
        if not (mark.is_file() and mark.read_text(encoding="utf-8") == stamp
                and (cache / name).is_dir()):
            progress(f"converting {name} to a maildir")
            enron.convert(corpus, cache, [name], force=True)
            mark.write_text(stamp, encoding="utf-8")
        out[name] = cache / name
    return out


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
                   index: Mapping[str, tuple[str, str]]) -> Mailbox:
    """Import ``path`` for a new member ``name`` the way ``upwell coach`` does (the settings'
    analyzers, evidence kept, no ``--me``) and open their coaching view, America/Chicago 8-18."""
    member = store.open_member(name)
    report = import_archive(store, member, path, batch_size=settings.batch_size,
                            workers=0,  # small mailboxes; no worker start-up
                            analyzers=resolve_analyzers(settings),
                            evidence=settings.evidence_retention_days > 0)
    opened = coaching_view(store, member, profile=profile(), paused_ok=True)
    assert opened is not None  # paused_ok and no consent asked: always opened
    return Mailbox(name, opened.view, opened.profile, provenance(path, member.cipher, index),
                   report.as_dict())


@contextmanager
def imported(corpus: Path, cache: Path, names: Sequence[str] | None = None, *,
             progress: Progress = _quiet) -> Iterator[Iterator[Mailbox]]:
    """The chosen mailboxes (all by default), each imported into a throw-away home in turn."""
    paths = maildirs(corpus, cache, names, progress=progress)
    with tempfile.TemporaryDirectory(prefix="upwell-eval-real-") as home:
        settings = Settings(home=Path(home))
        store = Store(settings)

        def each() -> Iterator[Mailbox]:
            for name, path in paths.items():
                progress(f"importing and coaching {name}")
                yield import_mailbox(store, settings, name, path,
                                     enron.source_index(corpus, name))

        try:
            yield each()
        finally:
            store.close()


# -- the cards, tied back to the corpus -----------------------------------------------------------


def card_person(card: Card, view: MemberView) -> str | None:
    """The one colleague a card is about, as the member sees their name; ``None`` when it is
    about no one person. A card field ``person`` (a person id) wins; else the one known name
    that the card's summary names."""
    pid = getattr(card, "person", None)
    if isinstance(pid, str) and pid:
        return view.name(pid)
    named = {n for p, n in view.names.items() if p not in view.me and len(n) >= 4
             and re.search(rf"(?<!\w){re.escape(n)}(?!\w)", card.summary)}
    # a name inside a longer one named too ("Kam" in "Kam Keiser") is the same person
    named = {n for n in named if not any(n != o and n in o for o in named)}
    return named.pop() if len(named) == 1 else None


def evidence_records(card: Card, sources: Provenance) -> list[dict[str, Any]]:
    """The card's evidence with each item's corpus sources (every copy)."""
    rows = []
    for e in card.evidence:
        refs = sources.get(e.message_id, ()) if e.kind in ("message", "event") else ()
        rows.append({
            "source_file": refs[0].source_file if refs else None,
            "source_files": [r.source_file for r in refs],
            "folder": refs[0].folder if refs else None,
            "kind": e.kind,
            "sent_at": e.sent_at.isoformat(),
            "subject": e.subject,
            "detail": e.detail,
        })
    return rows


def card_record(mailbox: Mailbox, week: datetime, card: Card, code: str) -> dict[str, Any]:
    """One card as the labellers read it (``before-cards`` format)."""
    return {"mailbox": mailbox.name, "week": week.date().isoformat(), "insight": card.insight,
            "title": card.title, "summary": card.summary,
            "person": card_person(card, mailbox.view),
            "evidence": evidence_records(card, mailbox.sources), "code": code}


def coach_weeks(mailbox: Mailbox, weeks: Iterable[datetime]) -> list[tuple[datetime, list[Card]]]:
    """The cards of each week (``weekly_cards`` at its Monday)."""
    return [(w, weekly_cards(mailbox.view, mailbox.profile, at=w)) for w in weeks]


def write_cards(records: Iterable[dict[str, Any]], out: Path) -> dict[str, int]:
    """Card records as ``<out>/<mailbox>.jsonl`` (one file per mailbox seen, replaced); the
    count per mailbox."""
    out.mkdir(parents=True, exist_ok=True)
    by_box: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by_box.setdefault(r["mailbox"], []).append(r)
    for name, rows in by_box.items():
        text = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
        (out / f"{name}.jsonl").write_text(text, encoding="utf-8")
    return {name: len(rows) for name, rows in by_box.items()}


def stderr_progress(line: str) -> None:
    """A progress line on stderr (content-free: mailbox names and counts)."""
    print(f"eval real: {line}", file=sys.stderr, flush=True)
