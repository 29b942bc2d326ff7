"""The member's own identities and message provenance, on small real-shaped archives.

Each archive copies a shape seen in real Outlook exports (docs/identity.md): display-name-only
senders, a bare surname for the member's own sent mail, Exchange X.500 recipients, no Sent
folder, the same message in "All documents" and "Sent Items", copies whose From is written
differently and whose stamps sit hours apart, names written surname first.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from upwell.cli import cli
from upwell.config import Settings
from upwell.deliver.digest import Digest, render
from upwell.insights.view import coaching_view
from upwell.insights.weekly import OwnMail, own_mail
from upwell.model import Address, fold_name, make_address, natural_name
from upwell.pipeline.imports import import_archive
from upwell.store.crypto import MemberCipher
from upwell.store.db import Store
from upwell.store.identities import natural_names
from upwell.store.records import RecordWriter, insert_ignoring_duplicates, is_copy, stamps_agree
from upwell.store.schema import messages, persons
from upwell.testing import make_email, open_store, write_maildir

T0 = datetime(2024, 3, 4, 15, 0, tzinfo=UTC)
X500 = "/O=ACME/OU=NA/CN=RECIPIENTS/CN=MOKAFOR"


def _selves(store: Store, member_id: int, cipher: MemberCipher) -> set[str]:
    with store.engine.connect() as conn:
        return {cipher.open("persons", r.id, "handle", r.handle_enc) for r in conn.execute(
            select(persons).where(persons.c.member_id == member_id, persons.c.is_self))}


def _handles(store: Store, member_id: int, cipher: MemberCipher) -> set[str]:
    with store.engine.connect() as conn:
        return {cipher.open("persons", r.id, "handle", r.handle_enc) for r in conn.execute(
            select(persons).where(persons.c.member_id == member_id))}


def _own_count(store: Store, member_id: int) -> int:
    with store.engine.connect() as conn:
        selves = [r.id for r in conn.execute(
            select(persons.c.id).where(persons.c.member_id == member_id, persons.c.is_self))]
        return len(conn.execute(select(messages.c.id).where(
            messages.c.member_id == member_id, messages.c.sender_id.in_(selves))).all())


def _from_colleague(i: int, to: str = f"Maya <{X500}>") -> bytes:
    return make_email(sender="Lee, Dana <dana.lee@acme.example>", to=to,
                      subject=f"Gas nominations {i}", date=T0 + timedelta(days=i),
                      body=f"Could you confirm the volumes for day {i}?\n")


def test_x500_surname_only_and_display_name_only_forms_are_the_member(tmp_path: Path) -> None:
    archive = write_maildir(tmp_path / "md", {
        "": [
            _from_colleague(1),
            _from_colleague(2, to='"Okafor, Maya" <Maya.Okafor@acme.example>'),
            # a relative who shares the surname writes to the member: not the member
            make_email(sender="Okafor <>", to="Maya Okafor <Maya.Okafor@acme.example>",
                       subject="Sunday", date=T0 + timedelta(days=3), body="Lunch at noon?\n"),
        ],
        "Sent Items": [
            make_email(sender="Maya Okafor <>", to="Lee, Dana <dana.lee@acme.example>",
                       subject=f"Re: Gas nominations {i}", date=T0 + timedelta(days=i, hours=1),
                       body="Confirmed, same volumes as yesterday.\n") for i in (1, 2)
        ],
        "Deleted Items": [
            # the member's own sent mail that an export kept under the bare surname
            make_email(sender="Okafor <>", to="ops@partner.example",
                       subject="Meter readings", date=T0 + timedelta(days=4),
                       body="Please send the meter readings for March.\n"),
        ],
    })
    store = open_store(tmp_path / "home")
    member = store.open_member("m")
    import_archive(store, member, archive)
    selves = _selves(store, member.id, member.cipher)
    assert "maya.okafor@acme.example" in selves  # display-name-only sender, same full name
    assert X500.lower() in selves  # the X.500 path's CN spells her login
    assert "name:okafor" not in selves  # the bare surname that writes to her is someone else
    # 2 sent replies; the bare "Okafor" is one person here, so it stays apart (a colleague)
    assert _own_count(store, member.id) == 2
    store.close()


def test_bare_surname_that_writes_to_others_is_the_member(tmp_path: Path) -> None:
    archive = write_maildir(tmp_path / "md", {
        "": [_from_colleague(1), _from_colleague(2)],
        "Sent Items": [make_email(sender="Maya Okafor <>", to="Lee, Dana <dana.lee@acme.example>",
                                  subject="Re: Gas nominations 1",
                                  date=T0 + timedelta(days=1, hours=1),
                                  body="Confirmed, same volumes as yesterday.\n")],
        "Deleted Items": [
            make_email(sender="Okafor <>", to="ops@partner.example",
                       subject="Meter readings", date=T0 + timedelta(days=4),
                       body="Please send the meter readings for March.\n"),
            # another Maya writing to a list the member is on: a first name is not a surname
            make_email(sender="Maya <>", to="desk-all@acme.example",
                       subject="Cake", date=T0 + timedelta(days=5),
                       body="Cake in the kitchen at three.\n")],
    })
    store = open_store(tmp_path / "home")
    member = store.open_member("m")
    import_archive(store, member, archive)
    selves = _selves(store, member.id, member.cipher)
    assert "name:okafor" in selves
    assert "name:maya" not in selves
    assert _own_count(store, member.id) == 2
    store.close()


def test_without_a_sent_folder_the_most_addressed_full_name_gives_the_bare_surname(
        tmp_path: Path) -> None:
    archive = write_maildir(tmp_path / "md", {
        "": [_from_colleague(i, to="Okafor  Maya <Maya.Okafor@acme.example>")
             for i in range(1, 5)],
        "Deleted Items": [make_email(sender="Okafor <>", to="ops@partner.example",
                                     subject=f"Meter readings {i}", date=T0 + timedelta(days=i),
                                     body="Please send the meter readings for March.\n")
                          for i in range(1, 3)],
    })
    store = open_store(tmp_path / "home")
    member = store.open_member("m")
    import_archive(store, member, archive)
    assert {"maya.okafor@acme.example", "name:okafor"} <= _selves(store, member.id,
                                                                  member.cipher)
    assert _own_count(store, member.id) == 2
    store.close()


def _sent_reply(sender: str, date: datetime) -> bytes:
    return make_email(sender=sender, to="Lee, Dana <dana.lee@acme.example>",
                      subject="Re: Storage contract", date=date,
                      body="Dana, the storage contract is signed; the copy goes out today.\n")


def test_a_copy_in_all_documents_read_before_sent_items_is_still_sent_mail(
        store: Store, tmp_path: Path) -> None:
    same = _sent_reply("Maya Okafor <>", T0)
    archive = write_maildir(tmp_path / "md", {
        "All documents": [same], "Sent Items": [same], "": [_from_colleague(1)]})
    member = store.open_member("m")
    report = import_archive(store, member, archive)
    assert report.skipped["duplicate"] == 1
    with store.engine.connect() as conn:
        sent = conn.execute(select(messages.c.id).where(messages.c.in_sent_folder)).all()
    assert len(sent) == 1
    assert _own_count(store, member.id) == 1


def test_copies_with_different_from_and_shifted_stamps_are_kept_once_sent_copy_winning(
        store: Store, tmp_path: Path) -> None:
    archive = write_maildir(tmp_path / "md", {
        # read first: a copy whose From the export wrote as a bare surname, stamped in another
        # clock's zone (5 hours and a few seconds off)
        "All documents": [_sent_reply("Okafor <>", T0 + timedelta(hours=5, seconds=17))],
        "Sent Items": [_sent_reply("Maya Okafor <>", T0)],
        # read last: a third copy, the From a Notes path (its sender is not stored for it)
        "Trash": [_sent_reply("Okafor/Corp/Acme@ACME", T0 + timedelta(hours=2, seconds=40))],
        "Inbox/Reports": [
            # the same report text sent twice from one folder, two hours apart: two messages
            make_email(sender="Scheduler <reports@acme.example>", to="desk@acme.example",
                       subject="Final comparison", date=T0 + timedelta(hours=h),
                       body="The final comparison for today is attached, no changes found.\n")
            for h in (0, 2)],
    })
    member = store.open_member("m")
    report = import_archive(store, member, archive)
    assert report.skipped["copy"] == 2
    assert report.imported == 3
    assert "okafor/corp/acme@acme" not in _handles(store, member.id, member.cipher)
    with store.engine.connect() as conn:
        rows = conn.execute(select(messages.c.sent_at, messages.c.in_sent_folder)
                            .where(messages.c.in_sent_folder)).all()
    assert [(r.sent_at, r.in_sent_folder) for r in rows] == [(T0, True)]  # the Sent copy won
    again = import_archive(store, member, archive)
    assert again.imported == 0


def test_copy_rule_needs_agreeing_stamps_and_a_different_folder_or_sender() -> None:
    assert stamps_agree(T0, T0 + timedelta(hours=5, seconds=28))
    assert stamps_agree(T0, T0 - timedelta(hours=9, minutes=30))
    assert not stamps_agree(T0, T0 + timedelta(hours=1, minutes=8))
    assert not stamps_agree(T0, T0 + timedelta(days=2))
    assert is_copy((T0, "inbox", "p1"), (T0 + timedelta(hours=5), "deleted", "p1"))
    assert is_copy((T0, "inbox", "p1"), (T0 + timedelta(hours=5), "inbox", "p2"))
    # one folder, two senders, half an hour off the hour: two sends (spam from two aliases)
    assert not is_copy((T0, "inbox", "p1"), (T0 + timedelta(hours=6, minutes=31), "inbox", "p2"))
    assert not is_copy((T0, "inbox", "p1"), (T0 + timedelta(hours=2), "inbox", "p1"))


def test_names_in_natural_order_only_where_the_archive_shows_the_order() -> None:
    assert make_address("Louis.Dicarlo@acme.example", "Dicarlo  Louis").name == "Louis Dicarlo"
    assert make_address("", "Dicarlo, Louis").name == "Louis Dicarlo"
    assert make_address("frazier.king@acme.example", "King Jr.  Frazier").name == (
        "Frazier King Jr.")
    # no evidence of the order: left as written
    assert make_address("", "Dicarlo Louis").name == "Dicarlo Louis"
    assert make_address("ld@acme.example", "Dicarlo Louis").name == "Dicarlo Louis"
    assert natural_name("Smith, Jr.") == "Smith, Jr."
    # a delegate's "on behalf of" names the principal
    boss = make_address("dana.lee@acme.example", "Sam Roe on behalf of Dana Lee")
    assert boss is not None
    assert boss.name == "Dana Lee"


def test_no_own_mail_is_said_with_the_fix_never_nothing_stood_out(tmp_path: Path) -> None:
    # Only mail from others, to an address the coach cannot tie to anyone: no Sent folder,
    # no recipient on a third of the mail.
    archive = write_maildir(tmp_path / "md", {"": [
        make_email(sender=f"Colleague {c} <c{c}@acme.example>", to=f"list{c}@acme.example",
                   subject=f"Update {c}", date=T0 + timedelta(days=c),
                   body="The weekly update is attached for your review.\n")
        for c in range(6)]})
    store = open_store(tmp_path / "home")
    member = store.open_member("m")
    import_archive(store, member, archive)
    opened = coaching_view(store, member, paused_ok=True)
    assert opened is not None
    status = own_mail(opened.view)
    assert status.status == "no_own_mail"
    assert status.sent == 0
    assert status.received == 6
    assert "--me" in status.fix
    store.close()

    runner = CliRunner()
    text = runner.invoke(cli, ["--home", str(tmp_path / "h1"), "coach", str(archive)])
    assert text.exit_code == 0, text.output
    assert "recognized as sent by you" in text.stdout
    assert "--me" in text.stdout
    assert "nothing stood out" not in text.stdout
    data = json.loads(runner.invoke(cli, ["--home", str(tmp_path / "h2"), "coach",
                                          str(archive), "--json"]).stdout)
    assert data["own_mail"]["status"] == "no_own_mail"
    fixed = json.loads(runner.invoke(cli, ["--home", str(tmp_path / "h3"), "coach",
                                           str(archive), "--json", "--me",
                                           "c0@acme.example"]).stdout)
    assert fixed["own_mail"]["status"] == "ok"
    assert fixed["own_mail"]["sent"] == 1


def test_an_address_given_that_the_archive_lacks_leaves_inference_on(tmp_path: Path) -> None:
    archive = write_maildir(tmp_path / "md", {
        "": [_from_colleague(1)],
        "Sent Items": [_sent_reply("Maya Okafor <>", T0)]})
    store = open_store(tmp_path / "home")
    member = store.open_member("m")
    import_archive(store, member, archive, me=[Address("maya@home.example")])
    assert _own_count(store, member.id) == 1
    store.close()


def test_names_stored_surname_first_are_put_in_natural_order_after_an_import(
        tmp_path: Path) -> None:
    store = open_store(tmp_path / "home")
    member = store.open_member("m")
    writer = RecordWriter(member.id, member.cipher)
    # as an earlier version stored them: the export's order kept
    _pid, rows = writer.person_rows(Address("louis.dicarlo@acme.example", "Dicarlo Louis"))
    _pid2, rows2 = writer.person_rows(Address("name:chidi okafor", "Okafor Chidi", "name"))
    with store.engine.begin() as conn:
        insert_ignoring_duplicates(conn, persons, rows + rows2)
        assert natural_names(conn, member.id, member.cipher) == 1
        names = sorted(member.cipher.open("persons", r.id, "name", r.name_enc)
                       for r in conn.execute(select(persons)))
    # the address shows the order; the bare name alone does not
    assert names == ["Louis Dicarlo", "Okafor Chidi"]
    store.close()


def test_the_digest_says_no_own_mail_was_found_not_nothing_stood_out(tmp_path: Path) -> None:
    status = OwnMail("no_own_mail", 0, 6).as_dict()
    digest = Digest("2024-03-04", [], [], [], own_mail=status)
    msg = render(Settings(home=tmp_path), digest, to="maya@acme.example", account_id=None,
                 now=T0)
    assert msg["Subject"] == "Your Upwell week: none of your own mail was found"
    for part in ("plain", "html"):
        body = msg.get_body(preferencelist=(part,))
        assert body is not None
        text = body.get_content()
        assert "recognized as sent by you" in text
        assert "--me" in text
        assert "Nothing stood out" not in text
    quiet = render(Settings(home=tmp_path), Digest("2024-03-04", [], [], [],
                                                   own_mail=OwnMail("ok", 3, 6).as_dict()),
                   to=None, account_id=None, now=T0)
    assert quiet["Subject"] == "Your Upwell week: nothing stood out"


def test_a_notes_routing_domain_after_a_name_is_not_part_of_it() -> None:
    # real-shaped: an export names an outside friend "Grant, Bruce S @ENRON" on one copy and
    # "Bruce S Grant" on another; folded, they are one name (and merge as one person)
    assert fold_name("Grant, Bruce S @ENRON") == fold_name("Bruce S Grant") == "bruce grant"
    assert fold_name("Jane Doe @ Acme") == fold_name("Doe, Jane")
    # an address is not a name with a routing domain
    assert fold_name("jane@acme.example") != fold_name("Jane")
