"""Features from analyzers: kept per message, sealed, versioned, and recomputed when stale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from upwell.analyze import analyzers
from upwell.analyze.names import GRATITUDE, REQUESTS
from upwell.pipeline.imports import import_archive
from upwell.store.db import Store
from upwell.store.member_data import export_member, purge_evidence
from upwell.store.member_view import load_member
from upwell.store.schema import evidence, features
from upwell.testing import make_email, open_store, write_maildir

ALL = tuple(sorted(analyzers()))


def _mailbox(tmp_path: Path) -> Path:
    return write_maildir(tmp_path / "md", {
        "": [make_email(sender="Dana Lee <dana@example.org>", subject="Numbers",
                        message_id="<n1@example.org>",
                        body="Can you send the Q3 numbers by Friday? Thanks in advance.\n")],
        "Sent Items": [make_email(sender="Ann <ann@example.org>", to="dana@example.org",
                                  subject="Re: Numbers", message_id="<n2@example.org>",
                                  in_reply_to="<n1@example.org>",
                                  body="Sure, I'll send them Friday. Great job on the "
                                       "forecast model last week!\n")],
    })


def test_features_are_kept_sealed_and_exported(store: Store, tmp_path: Path) -> None:
    member = store.open_member("ann")
    report = import_archive(store, member, _mailbox(tmp_path), analyzers=ALL)
    assert report.imported == 2
    data = export_member(store, member)
    by_subject = {m["subject"]: m["features"] for m in data["messages"]}
    ask, reply = by_subject["Numbers"], by_subject["Re: Numbers"]
    assert set(ask) == set(ALL)
    assert ask[REQUESTS]["requests"] >= 1
    assert ask[GRATITUDE]["thanks_kind"] == "in_advance"
    assert reply[REQUESTS]["commitments"] == 1
    assert reply[GRATITUDE]["recognition_specific"] is True
    with store.engine.connect() as conn:
        rows = conn.execute(select(features)).all()
    assert len(rows) == 2
    assert all(r.versions == ",".join(ALL) for r in rows)
    assert all(b"thanks" not in r.values_enc and b"requests" not in r.values_enc for r in rows)


def test_no_analyzers_no_features(tmp_path: Path) -> None:
    store = open_store(tmp_path / "home")
    import_archive(store, store.open_member("ann"), _mailbox(tmp_path))
    with store.engine.connect() as conn:
        assert conn.execute(select(features)).all() == []
    store.close()


def test_reanalyze_recomputes_only_stale_rows(store: Store, tmp_path: Path) -> None:
    member = store.open_member("ann")
    root = _mailbox(tmp_path)
    import_archive(store, member, root, analyzers=("tone.v1",))
    again = import_archive(store, member, root, analyzers=ALL, refresh=True)
    assert again.imported == 0
    assert again.reanalyzed == 2  # tone only -> all analyzers
    with store.engine.begin() as conn:
        conn.execute(update(features).where(features.c.message_id == conn.scalar(
            select(features.c.message_id).limit(1))).values(versions="tone.v0"))
    third = import_archive(store, member, root, analyzers=ALL, refresh=True)
    assert third.reanalyzed == 1
    assert import_archive(store, member, root, analyzers=ALL, refresh=True).reanalyzed == 0
    data = export_member(store, member)
    assert all(set(m["features"]) == set(ALL) for m in data["messages"])


def test_evidence_phrases_sealed_shown_and_purged(store: Store, tmp_path: Path) -> None:
    root = write_maildir(tmp_path / "md", {"Sent Items": [make_email(
        sender="Ann <ann@example.org>", to="dana@example.org", subject="Deadline",
        body="Morning. You ALWAYS miss the deadline!!! Fix it.\n")]})
    member = store.open_member("ann")
    import_archive(store, member, root, analyzers=ALL, evidence=True)
    with store.engine.connect() as conn:
        (row,) = conn.execute(select(evidence)).all()
    assert b"deadline" not in row.snippets_enc.lower()
    view = load_member(store, member)
    (phrases,) = view.snippets.values()
    assert phrases["harsh"] == "You ALWAYS miss the deadline!!!"
    assert export_member(store, member)["messages"][0]["evidence"]["harsh"].startswith("You")
    assert purge_evidence(store, member, 30) == 0
    with store.engine.begin() as conn:
        conn.execute(update(evidence).values(captured_at=datetime.now(UTC) - timedelta(days=40)))
    assert purge_evidence(store, member, 30) == 1
    assert load_member(store, member).snippets == {}


def test_no_evidence_unless_asked(tmp_path: Path) -> None:
    store = open_store(tmp_path / "home")
    import_archive(store, store.open_member("ann"), _mailbox(tmp_path), analyzers=ALL)
    with store.engine.connect() as conn:
        assert conn.execute(select(evidence)).all() == []
    store.close()
