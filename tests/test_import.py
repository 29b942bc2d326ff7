"""The import pipeline end to end on both databases: counts, idempotence, linkage, privacy."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import upwell.analyze
from upwell.analyze.names import GRATITUDE, REQUESTS
from upwell.model import Address
from upwell.normalize.mime import duplicate_key
from upwell.pipeline.imports import import_archive
from upwell.pipeline.prepare import INLINE_ITEMS
from upwell.store.db import Store
from upwell.store.member_data import export_member
from upwell.store.schema import messages, persons
from upwell.testing import make_email, open_store, write_maildir, write_mbox

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)


def _mailbox(tmp_path: Path) -> Path:
    return write_maildir(tmp_path / "md", {
        "": [
            make_email(sender="Dana Lee <dana@example.org>", to="Ann <ann@example.org>",
                       subject="Launch checklist", date=T0, message_id="<l1@example.org>",
                       body="Could you review the launch checklist today?\n"),
            make_email(sender="Dana Lee <dana@example.org>", to="Ann <ann@example.org>",
                       subject="Re: Budget", date=T0 + timedelta(hours=5),
                       body="Fine.\n\n-----Original Message-----\nFrom: Ann Example\n"
                            "Sent: Monday, March 04, 2024 10:00 AM\nTo: Dana Lee\n"
                            "Subject: Budget\n\nold\n"),
            b"From: broken\r\n\r\nno date here",
            make_email(date=datetime(2024, 3, 4, tzinfo=UTC), subject="Launch checklist",
                       message_id="<l1@example.org>"),  # the same Message-ID again
        ],
        "Sent Items": [
            make_email(sender="Ann Example <ann@example.org>", to="Dana Lee <dana@example.org>",
                       subject="Re: Launch checklist", date=T0 + timedelta(hours=1),
                       message_id="<l2@example.org>", in_reply_to="<l1@example.org>",
                       body="Done, thanks Dana for the clear list!\n"),
            make_email(sender="Ann Example <ann@example.org>", to="Dana Lee <dana@example.org>",
                       subject="Budget", date=T0 + timedelta(hours=2),
                       body="Numbers attached.\n"),
        ],
    })


def test_counts_idempotence_linkage_and_self(store: Store, tmp_path: Path) -> None:
    root = _mailbox(tmp_path)
    member = store.open_member("ann")
    first = import_archive(store, member, root)
    assert first.reader == "maildir"
    assert first.seen == 6
    assert first.imported == 4
    assert dict(first.skipped) == {"missing_date": 1, "duplicate": 1}
    assert first.imported + sum(first.skipped.values()) == first.seen
    assert first.linked == {"header": 1, "quote": 1}
    assert first.self_identities == 1
    second = import_archive(store, member, root)
    assert second.imported == 0
    assert second.skipped["duplicate"] == 5
    with store.engine.connect() as conn:
        assert len(conn.execute(select(messages.c.id)).all()) == 4
        selves = conn.execute(select(persons.c.id).where(persons.c.is_self.is_(True))).all()
    assert len(selves) == 1
    data = export_member(store, member)
    me = [p for p in data["persons"] if p["is_self"]]
    assert me[0]["handle"] == "ann@example.org"
    subjects = sorted(m["subject"] for m in data["messages"])
    assert subjects == ["Budget", "Launch checklist", "Re: Budget", "Re: Launch checklist"]


def test_given_identity_overrides_inference(store: Store, tmp_path: Path) -> None:
    root = _mailbox(tmp_path)
    member = store.open_member("ann")
    report = import_archive(store, member, root, me=[Address("dana@example.org")])
    assert report.self_identities == 1
    data = export_member(store, member)
    assert [p["handle"] for p in data["persons"] if p["is_self"]] == ["dana@example.org"]


def test_store_and_logs_hold_no_clear_personal_data(tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    root = _mailbox(tmp_path)
    raw = b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())
    secrets = [b"dana@example.org", b"Launch checklist", b"Dana Lee", b"review the launch"]
    assert all(s in raw for s in secrets)  # the fixture does hold personal data
    store = open_store(tmp_path / "home")
    with caplog.at_level(logging.DEBUG):
        import_archive(store, store.open_member("ann"), root)
    store.close()
    db = b"".join(p.read_bytes() for p in (tmp_path / "home").glob("upwell.db*"))
    for s in secrets:
        assert s not in db, "clear personal data in the database file"
        assert s.decode() not in caplog.text, "personal data in the logs"


def test_colleague_seen_by_email_and_on_slack_is_one_person(store: Store, tmp_path: Path) -> None:
    export = tmp_path / "slack"
    (export / "general").mkdir(parents=True)
    (export / "users.json").write_text(json.dumps([
        {"id": "U1", "name": "dana", "real_name": "Dana Lee",
         "profile": {"email": "Dana@example.org"}},
        {"id": "U2", "name": "ann", "real_name": "Ann Example", "profile": {}},
    ]))
    (export / "channels.json").write_text(json.dumps([{"id": "C1", "name": "general"}]))
    (export / "general" / "2024-03-04.json").write_text(json.dumps([
        {"type": "message", "user": "U1", "text": "standup in 5", "ts": "1709542800.000100"},
        {"type": "message", "user": "U2", "text": "on my way", "ts": "1709542860.000200",
         "thread_ts": "1709542800.000100"},
    ]))
    member = store.open_member("ann")
    chat = import_archive(store, member, export)
    assert chat.reader == "slack"
    assert chat.imported == 2
    assert chat.linked == {"header": 1}
    import_archive(store, member, _mailbox(tmp_path))
    data = export_member(store, member)
    dana = [p for p in data["persons"] if p["handle"] == "dana@example.org"]
    assert len(dana) == 1
    senders = {m["sender_id"] for m in data["messages"] if m["channel"] == "chat"}
    assert dana[0]["id"] in senders
    assert not any(p["handle"] == "slack:u1" for p in data["persons"])


def test_takeout_mail_and_calendar_end_to_end(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "export"
    (root / "Takeout" / "Mail").mkdir(parents=True)
    (root / "Takeout" / "Calendar").mkdir(parents=True)
    write_mbox(root / "Takeout" / "Mail" / "All mail Including Spam and Trash.mbox", [
        make_email(sender="Ann Example <ann@example.org>", subject="Agenda",
                   extra={"X-Gmail-Labels": "Sent,Opened"}),
        make_email(sender="Dana Lee <dana@example.org>", to="ann@example.org",
                   subject="Re: Agenda", extra={"X-Gmail-Labels": "Inbox"},
                   date=T0 + timedelta(hours=3)),
    ])
    (root / "Takeout" / "Calendar" / "ann@example.org.ics").write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        "BEGIN:VEVENT\r\nUID:oneonone@example.org\r\nDTSTAMP:20240301T000000Z\r\n"
        "DTSTART:20240304T150000Z\r\nDTEND:20240304T153000Z\r\n"
        "RRULE:FREQ=WEEKLY;COUNT=3\r\nSUMMARY:Ann / Dana 1:1\r\n"
        "ORGANIZER;CN=Ann Example:mailto:ann@example.org\r\n"
        "ATTENDEE;CN=Dana Lee;PARTSTAT=ACCEPTED:mailto:dana@example.org\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    member = store.open_member("ann")
    report = import_archive(store, member, root)
    assert report.reader == "takeout"
    assert report.seen == 3
    assert report.imported == 3
    assert dict(report.records) == {"messages": 2, "events": 3}
    assert report.self_identities == 1
    data = export_member(store, member)
    assert [e["title"] for e in data["events"]] == ["Ann / Dana 1:1"] * 3
    dana = next(p["id"] for p in data["persons"] if p["handle"] == "dana@example.org")
    assert all(e["attendees"] == [{"person": dana, "response": "accepted"}]
               for e in data["events"])
    assert report.linked == {"subject": 1}


def test_worker_processes_give_the_same_result_as_one_process(tmp_path: Path) -> None:
    n = INLINE_ITEMS + 600
    items = [
        make_email(sender=f"Person {i % 37} <p{i % 37}@example.org>", subject=f"Topic {i % 50}",
                   date=T0 + timedelta(minutes=i), message_id=f"<w{i}@example.org>",
                   in_reply_to=f"<w{i - 1}@example.org>" if i % 3 else None)
        for i in range(n)
    ]
    items[1200] = b"From: broken\r\n\r\nno date"
    box = write_mbox(tmp_path / "big.mbox", items + items[:5])  # five repeats at the end
    results = []
    for workers in (0, 2):
        store = open_store(tmp_path / f"home{workers}")
        member = store.open_member("ann")
        report = import_archive(store, member, box, workers=workers, batch_size=300,
                                analyzers=(GRATITUDE, "tone.v1"))
        data = export_member(store, member)
        store.close()
        results.append((report.as_dict(), sorted(
            (m["subject"], m["sent_at"], m["link_method"], str(m["features"]))
            for m in data["messages"])))
    (one, rows_one), (two, rows_two) = results
    for key in ("seen", "imported", "skipped", "records", "linked"):
        assert one[key] == two[key], key
    assert one["seen"] == n + 5
    assert one["skipped"] == {"duplicate": 5, "missing_date": 1}
    assert rows_one == rows_two


def test_copies_are_analyzed_once_and_nothing_good_is_lost(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = upwell.analyze.analyze_message

    def counting(message, names):  # type: ignore[no-untyped-def]
        calls.append(message.subject)
        return real(message, names)

    monkeypatch.setattr(upwell.analyze, "analyze_message", counting)
    a = make_email(subject="A", message_id="<a1@example.org>", body="Thanks for the fix!\n")
    b = make_email(subject="B", body="Could you send the deck?\n")  # no Message-ID
    b_other_to = make_email(subject="B", to="Cy <cy@example.org>",
                            body="Could you send the deck?\n")
    # The first copy of C cannot be read (no date): the second, under the same Message-ID, is
    # expected to be a duplicate, turns out new and must still be analyzed.
    c_broken = b"From: Ann <ann@example.org>\r\nMessage-ID: <c1@example.org>\r\n\r\nno date"
    c = make_email(subject="C", message_id="<c1@example.org>", body="Great work on the demo.\n")
    root = write_maildir(tmp_path / "md", {"": [a, b, c_broken], "Archive": [a, b_other_to, c]})
    member = store.open_member("ann")
    analyzers = (GRATITUDE, REQUESTS)

    first = import_archive(store, member, root, analyzers=analyzers)
    assert first.imported == 3
    assert dict(first.skipped) == {"duplicate": 2, "missing_date": 1}
    assert sorted(calls) == ["A", "B", "C"]  # C once: re-prepared, not analyzed twice more
    data = export_member(store, member)
    assert {m["subject"]: bool(m["features"]) for m in data["messages"]} == {
        "A": True, "B": True, "C": True}

    calls.clear()
    again = import_archive(store, member, root, analyzers=analyzers)
    assert again.imported == 0
    # What the store holds under a Message-ID is not analyzed again; a message without one
    # is recognized only after its parse (once per import: its copy is skipped).
    assert calls == ["B"]

    calls.clear()
    refreshed = import_archive(store, member, root, analyzers=analyzers, refresh=True)
    assert refreshed.imported == 0
    assert sorted(calls) == ["A", "B", "C"]  # reanalyzing reads every stored message again


def test_duplicate_key_reads_the_message_id_or_a_digest_of_what_makes_the_id() -> None:
    folded = b"From: a@example.org\r\nMessage-ID:\r\n <X1@Example.org>\r\n\r\nbody"
    assert duplicate_key(folded) == "mid:x1@example.org"
    assert duplicate_key(b"Message-ID: <x1@example.org>\n\nother body") == "mid:x1@example.org"
    one = make_email(subject="S", to="Bo <bo@example.org>", body="same words\n")
    other_to = make_email(subject="S", to="Cy <cy@example.org>", body="same words\n")
    other_body = make_email(subject="S", to="Bo <bo@example.org>", body="other words\n")
    assert duplicate_key(one).startswith("raw:")
    assert duplicate_key(one) == duplicate_key(other_to)
    assert duplicate_key(one) != duplicate_key(other_body)
    assert duplicate_key(b"no header end at all").startswith("raw:")


def test_calendar_file_inside_a_maildir_is_read_with_the_mail(store: Store,
                                                              tmp_path: Path) -> None:
    # an archive export: the maildir tree with the owner's calendar.ics beside the folders
    # (the Enron conversion writes exactly this); a .ics under cur/ is a message file, not it
    root = _mailbox(tmp_path)
    (root / "calendar.ics").write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        "BEGIN:VEVENT\r\nUID:sync@example.org\r\nDTSTAMP:20240301T000000Z\r\n"
        "DTSTART:20240304T150000Z\r\nDTEND:20240304T153000Z\r\n"
        "RRULE:FREQ=WEEKLY;COUNT=2\r\nSUMMARY:Ann / Dana 1:1\r\n"
        "ORGANIZER;CN=Ann Example:mailto:ann@example.org\r\n"
        "ATTENDEE;CN=Dana Lee;PARTSTAT=ACCEPTED:mailto:dana@example.org\r\n"
        "END:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:review@example.org\r\nDTSTAMP:20240301T000000Z\r\n"
        "DTSTART:20240305T140000Z\r\nDTEND:20240305T160000Z\r\nSUMMARY:Budget review\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n")
    member = store.open_member("ann")
    first = import_archive(store, member, root)
    assert first.reader == "maildir"
    assert first.seen == 6 + 2  # six mail items, two calendar items (one a weekly series)
    assert first.imported == 4 + 2
    assert dict(first.records) == {"messages": 4, "events": 3}
    data = export_member(store, member)
    assert sorted(e["title"] for e in data["events"]) == ["Ann / Dana 1:1", "Ann / Dana 1:1",
                                                          "Budget review"]
    again = import_archive(store, member, root)
    assert again.imported == 0
    assert again.seen == 8
