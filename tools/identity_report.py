"""Identity and provenance on the Enron maildirs: the member's own mail and the copies stored.

For each converted mailbox (``tools/enron_to_maildir.py``), imports it into a fresh store with
the analyzers off and prints one JSON line of counts (never a name or an address):

* ``stored``: messages stored; ``copies_skipped``: items recognized as copies of a stored
  message written differently (``copy`` in the import report);
* ``own``: stored messages whose sender is one of the member's own identities;
  ``in_sent``: stored messages marked as in a Sent folder (any copy of them was);
  ``self_persons``: persons marked as the member;
* ``reference_unique``: distinct messages by a reading of the JSON Lines source independent of
  the code: the same subject and body with stamps a whole number of hours apart (within two
  minutes, at most 26 hours) are one message; an empty body counts by subject, From and stamp.
  It over-merges one folder's hourly reports, so read ``stored - reference_unique`` as a rough
  guide, not a truth.

Usage (``PYTHONPATH`` decides which code is measured)::

    PYTHONPATH=src python tools/identity_report.py --maildirs var/corpora/enron-maildir \\
        --data ../shared/data/enron-edrm-10-mailboxes [MAILBOX ...]
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import tempfile
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from upwell.config import Settings
from upwell.pipeline.imports import import_archive
from upwell.store.db import Store
from upwell.store.schema import messages, persons

_SPACE = re.compile(r"\s+")


def reference_unique(source: Path) -> int:
    """Distinct messages in one mailbox's JSON Lines, read independently of the code."""
    groups: dict[tuple[str, ...], list[datetime]] = collections.defaultdict(list)
    for line in source.open(encoding="utf-8"):
        d = json.loads(line)
        if d["item_type"] != "message" or not d.get("date_local"):
            continue
        body = _SPACE.sub(" ", d["body"] or "").strip()
        subject = _SPACE.sub(" ", d["subject"] or "").strip().lower()
        key = ("b", subject, body) if body else (
            "e", subject, json.dumps(d["from"]), d["date_local"])
        groups[key].append(datetime.fromisoformat(d["date_local"]))
    unique = 0
    for stamps in groups.values():
        kept: list[datetime] = []
        for t in sorted(stamps):
            if not any(abs((t - k).total_seconds()) <= 26 * 3600
                       and abs((t - k).total_seconds() % 3600 - 1800) >= 1800 - 120
                       for k in kept):
                kept.append(t)
        unique += len(kept)
    return unique


def measure(maildir: Path, source: Path) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as home:
        store = Store(Settings(home=Path(home)))
        try:
            member = store.open_member("m")
            report = import_archive(store, member, maildir)
            with store.engine.connect() as conn:
                selves = list(conn.scalars(select(persons.c.id).where(persons.c.is_self)))
                stored = conn.scalar(select(func.count()).select_from(messages)) or 0
                own = conn.scalar(select(func.count()).select_from(messages).where(
                    messages.c.sender_id.in_(selves))) or 0
                in_sent = conn.scalar(select(func.count()).select_from(messages).where(
                    messages.c.in_sent_folder)) or 0
        finally:
            store.close()
    return {"mailbox": maildir.name, "stored": stored,
            "copies_skipped": report.skipped.get("copy", 0),
            "reference_unique": reference_unique(source), "own": own, "in_sent": in_sent,
            "self_persons": len(selves)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--maildirs", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("mailbox", nargs="*")
    args = parser.parse_args()
    boxes = args.mailbox or sorted(p.name for p in args.maildirs.iterdir() if p.is_dir())
    for box in boxes:
        print(json.dumps(measure(args.maildirs / box, args.data / f"{box}.part00.jsonl")),
              flush=True)


if __name__ == "__main__":
    main()
