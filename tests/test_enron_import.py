"""End to end on the real Enron mailboxes: every item accounted for, re-import adds nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from tools.enron_to_maildir import convert

from upwell.pipeline.imports import import_archive
from upwell.store.schema import messages, persons
from upwell.testing import open_store

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def enron_maildir(tmp_path_factory: pytest.TempPathFactory,
                  corpus: Callable[[str], Path]) -> tuple[Path, Path, dict[str, Any]]:
    src = corpus("enron-edrm-10-mailboxes")
    out = tmp_path_factory.mktemp("enron") / "maildir"
    summary = convert(src, out)
    return src, out, summary


def _messages_in_source(src: Path, mailbox: str) -> int:
    with (src / f"{mailbox}.part00.jsonl").open(encoding="utf-8") as fh:
        return sum(json.loads(line)["item_type"] == "message" for line in fh)


def test_every_mailbox_accounts_for_every_message(
        enron_maildir: tuple[Path, Path, dict[str, Any]], tmp_path: Path) -> None:
    src, out, summary = enron_maildir
    store = open_store(tmp_path / "home")
    mailboxes = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert len(mailboxes) == 10
    calendars = 0
    for box in mailboxes:
        member = store.open_member(box)
        first = import_archive(store, member, out / box)
        # the maildir folder's calendar.ics is read along with the mail, one item per event
        events = summary[box]["calendar_written"]
        calendars += events > 0
        expected = _messages_in_source(src, box) + events
        assert first.seen == expected, box
        assert first.imported + sum(first.skipped.values()) == expected, box
        assert first.imported > 0, box
        assert first.records["events"] == events, box
        assert set(first.skipped) <= {"duplicate", "copy", "missing_sender", "missing_date",
                                      "bad_date"}
        assert first.self_identities >= 1, box
        # every mailbox's owner sent mail, Sent folder or not (harris-s has none)
        with store.engine.connect() as conn:
            own = conn.scalar(select(func.count()).select_from(messages).join(
                persons, persons.c.id == messages.c.sender_id).where(
                messages.c.member_id == member.id, persons.c.is_self.is_(True)))
        assert own, box
        again = import_archive(store, member, out / box)
        assert again.imported == 0, box
        assert again.seen == expected, box
    assert calendars >= 1  # the corpus has calendars: the test would notice them ignored
    store.close()
