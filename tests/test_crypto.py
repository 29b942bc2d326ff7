"""Member keys: values bound to member, table, record and column; shredding is final."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, update

from upwell.errors import DecryptionFailed, MemberDeleted, MemberKeyError
from upwell.pipeline.imports import import_archive
from upwell.store.crypto import MemberCipher, new_data_key
from upwell.store.db import Store
from upwell.store.keys import LocalFileKeyProvider
from upwell.store.member_data import delete_member, export_member
from upwell.store.schema import member_keys, messages, persons
from upwell.testing import make_email, write_mbox


def test_seal_open_roundtrip_and_binding() -> None:
    key = new_data_key()
    a = MemberCipher(1, key)
    blob = a.seal("messages", "r1", "subject", "Quarterly plan")
    assert b"Quarterly" not in blob
    assert a.open("messages", "r1", "subject", blob) == "Quarterly plan"
    with pytest.raises(DecryptionFailed):
        a.open("messages", "r2", "subject", blob)  # moved to another record
    with pytest.raises(DecryptionFailed):
        a.open("persons", "r1", "subject", blob)  # another table
    with pytest.raises(DecryptionFailed):
        a.open("messages", "r1", "name", blob)  # another column
    with pytest.raises(DecryptionFailed):
        MemberCipher(2, key).open("messages", "r1", "subject", blob)  # another member
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(DecryptionFailed):
        a.open("messages", "r1", "subject", tampered)


def test_index_keys_differ_between_members() -> None:
    a, b = MemberCipher(1, new_data_key()), MemberCipher(2, new_data_key())
    assert a.index("person|ann@example.org") == a.index("person|ann@example.org")
    assert a.index("person|ann@example.org") != b.index("person|ann@example.org")


def test_local_key_file_is_private_and_bound_to_member(tmp_path: Path) -> None:
    provider = LocalFileKeyProvider(tmp_path)
    assert (provider.path.stat().st_mode & 0o777) == 0o600
    dek = new_data_key()
    key_id, blob = provider.wrap(7, dek)
    assert provider.unwrap(7, key_id, blob) == dek
    with pytest.raises(MemberKeyError):
        provider.unwrap(8, key_id, blob)


def _import_two_members(store: Store, tmp_path: Path) -> tuple[int, int]:
    box = write_mbox(tmp_path / "a.mbox", [
        make_email(subject="Budget review", message_id="<a1@example.org>"),
        make_email(sender="Cy <cy@example.org>", subject="Re: Budget review",
                   message_id="<a2@example.org>", in_reply_to="<a1@example.org>"),
    ])
    alice = store.open_member("alice")
    bob = store.open_member("bob")
    import_archive(store, alice, box, fmt="mbox")
    import_archive(store, bob, box, fmt="mbox")
    return alice.id, bob.id


def test_ciphertext_moved_to_another_member_or_record_fails(store: Store, tmp_path: Path) -> None:
    alice_id, bob_id = _import_two_members(store, tmp_path)
    alice = store.open_member("alice")
    with store.engine.begin() as conn:
        rows = conn.execute(
            select(messages.c.id, messages.c.subject_enc).where(messages.c.member_id == alice_id)
            .order_by(messages.c.sent_at)
        ).all()
        assert alice.cipher.open("messages", rows[0].id, "subject", rows[0].subject_enc)
        # Move a ciphertext to another record of the same member.
        conn.execute(update(messages).where(messages.c.id == rows[1].id)
                     .values(subject_enc=rows[0].subject_enc))
        bob_row = conn.execute(
            select(messages.c.id).where(messages.c.member_id == bob_id)
        ).first()
        assert bob_row is not None
        # Move it to another member's record.
        conn.execute(update(messages).where(messages.c.id == bob_row.id)
                     .values(subject_enc=rows[0].subject_enc))
    with pytest.raises(DecryptionFailed):
        export_member(store, alice)
    with pytest.raises(DecryptionFailed):
        export_member(store, store.open_member("bob"))


def test_after_delete_no_row_of_that_member_decrypts(store: Store, tmp_path: Path) -> None:
    alice_id, _bob = _import_two_members(store, tmp_path)
    alice = store.open_member("alice")
    with store.engine.connect() as conn:
        kept = conn.execute(
            select(persons.c.id, persons.c.handle_enc).where(persons.c.member_id == alice_id)
        ).all()
    assert kept
    assert all(alice.cipher.open("persons", r.id, "handle", r.handle_enc) for r in kept)
    removed = delete_member(store, "alice")
    assert removed["member_keys"] == 1
    assert removed["messages"] == 2
    with store.engine.connect() as conn:
        assert conn.execute(
            select(member_keys).where(member_keys.c.member_id == alice_id)).first() is None
        assert conn.execute(
            select(messages).where(messages.c.member_id == alice_id)).first() is None
    # Even a copy of the old rows (a backup) cannot be opened: the key is gone for good.
    with pytest.raises(MemberDeleted):
        store.open_member("alice")
    assert store.opt_in_again("alice")
    fresh = store.open_member("alice")
    for r in kept:
        with pytest.raises(DecryptionFailed):
            fresh.cipher.open("persons", r.id, "handle", r.handle_enc)
    # Bob is untouched.
    assert export_member(store, store.open_member("bob"))["messages"]
