"""Outlook .msg and .pst readers and the ``outlook`` normalizer, on real files.

The .msg fixtures are genuine compound files written by ``fixtures/outlook/make_msg_fixtures.py``
(synthetic people at example.org); corrupt files are derived from them here.
"""

from __future__ import annotations

import importlib.util
import logging
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from upwell.errors import ArchiveUnreadable, BadItem
from upwell.model import Message, RawItem, Skipped
from upwell.normalize import to_records
from upwell.normalize.outlook import from_outlook
from upwell.sources import outlook_msg, pst
from upwell.sources.base import readers

FIXTURES = Path(__file__).parent / "fixtures" / "outlook"
PST = FIXTURES / "synthetic.pst"


def _read_msg(path: Path) -> list[RawItem | Skipped]:
    return list(outlook_msg.read_msg(path))


def _one(path: Path) -> RawItem:
    items = _read_msg(path)
    assert len(items) == 1
    item = items[0]
    assert isinstance(item, RawItem)
    return item


# --- .msg reader and normalizer ------------------------------------------------------------


def test_html_only_msg() -> None:
    raw = _one(FIXTURES / "html_only.msg")
    assert raw.kind == "outlook"
    assert raw.source == "msg"
    assert raw.item_id == "html_only.msg"
    assert raw.context == {"folder": ""}
    assert isinstance(raw.data, dict)
    assert raw.data["body"] is None
    assert raw.data["headers"] is None
    assert "<b>Bruno</b>" in (raw.data["html"] or "")

    msg = from_outlook(raw)
    assert msg.channel == "email"
    assert msg.body == "Thank you Bruno, the launch went really well.\nCould you share the slides?"
    assert "color" not in msg.body  # the <style> element is not text
    assert msg.sender.handle == "ada.lindqvist@example.org"
    assert msg.sender.name == "Ada Lindqvist"
    assert [a.handle for a in msg.to] == ["bruno.keller@example.org"]
    assert [a.handle for a in msg.cc] == ["chen.wei@example.org"]
    assert [a.handle for a in msg.bcc] == ["dana.okafor@example.org"]
    assert msg.sent_at == datetime(2024, 3, 5, 10, 30, tzinfo=UTC)
    assert msg.utc_offset_minutes is None  # MAPI times keep no offset
    assert msg.message_id == "retro-1@mail.example.org"
    assert msg.source_item_id == "mid:retro-1@mail.example.org"
    assert msg.attachments == 1
    assert msg.folder is None
    assert msg.subject == "Launch retro"


def test_outlook_original_message_reply() -> None:
    msg = from_outlook(_one(FIXTURES / "reply.msg"))
    assert msg.body == "Hi Ada,\n\nSure, I will send them this afternoon.\n\nBruno"
    assert msg.quoted.startswith("-----Original Message-----")
    assert "launch went really well" in msg.quoted
    assert msg.quoted_from == "Ada Lindqvist"
    # Outlook writes the quoted "Sent:" in the replier's zone, here +01:00 from the Date header.
    assert msg.quoted_sent == datetime(2024, 3, 5, 10, 30, tzinfo=UTC)
    # The transport headers win over the MAPI sender and carry the offset.
    assert msg.sender.handle == "bruno.keller@example.org"
    assert msg.sender.name == "Bruno Kéller"  # RFC 2047 decoded
    assert msg.sent_at == datetime(2024, 3, 12, 8, 14, tzinfo=UTC)
    assert msg.utc_offset_minutes == 60
    # "Lindqvist, Ada" in natural order (docs/identity.md)
    assert [(a.handle, a.name) for a in msg.to] == [("ada.lindqvist@example.org", "Ada Lindqvist")]
    assert [a.handle for a in msg.cc] == ["chen.wei@example.org"]  # unknown charset: no crash
    assert msg.message_id == "reply-2@mail.example.org"
    assert msg.in_reply_to == "retro-1@mail.example.org"
    assert msg.references == ("kickoff-0@mail.example.org", "retro-1@mail.example.org")
    assert msg.subject == "RE: Launch retro"


def test_non_ascii_subject_and_names() -> None:
    raw = _one(FIXTURES / "non_ascii.msg")
    (msg,) = to_records(raw)
    assert isinstance(msg, Message)
    assert msg.subject == "Schöne Grüße — café ☕ 会議"
    assert msg.sender.name == "Zoë Ångström"
    assert msg.to[0].name == "José Núñez"
    assert msg.body == "Danke für die Hilfe, Zoë! Das Treffen am Montag passt."
    assert msg.source_item_id == "msg:non_ascii.msg"  # no Message-ID: source and path


def test_non_mail_msg_is_skipped() -> None:
    assert _read_msg(FIXTURES / "contact.msg") == [Skipped("not_a_message")]


def _corrupt_variants(tmp_path: Path) -> list[Path]:
    good = (FIXTURES / "reply.msg").read_bytes()
    variants = {
        "garbage.msg": b"this is not an OLE compound file\n" * 100,
        # Short bytes are taken by olefile as a *file name*: a path must never be opened.
        "a_path.msg": str(FIXTURES / "reply.msg").encode(),
        "zeros.msg": outlook_msg.OLE_MAGIC + bytes(4096),
        "truncated.msg": good[: len(good) // 3],
        "empty.msg": b"",
    }
    paths = []
    for name, blob in variants.items():
        (tmp_path / name).write_bytes(blob)
        paths.append(tmp_path / name)
    return paths


def test_corrupt_msg_is_skipped(tmp_path: Path) -> None:
    for path in _corrupt_variants(tmp_path):
        assert _read_msg(path) == [Skipped("malformed_msg")], path.name


def test_folder_of_msgs_with_one_corrupt(tmp_path: Path) -> None:
    (tmp_path / "Inbox" / "Projects").mkdir(parents=True)
    shutil.copy(FIXTURES / "reply.msg", tmp_path / "Inbox" / "reply.msg")
    shutil.copy(FIXTURES / "html_only.msg", tmp_path / "Inbox" / "Projects" / "retro.MSG")
    shutil.copy(FIXTURES / "non_ascii.msg", tmp_path / "top.msg")
    (tmp_path / "Inbox" / "broken.msg").write_bytes(outlook_msg.OLE_MAGIC + bytes(4096))
    (tmp_path / "Inbox" / "notes.txt").write_text("not mail")

    items = _read_msg(tmp_path)
    good = [i for i in items if isinstance(i, RawItem)]
    assert [(i.item_id, i.context["folder"]) for i in good] == [
        ("Inbox/Projects/retro.MSG", "Inbox/Projects"),
        ("Inbox/reply.msg", "Inbox"),
        ("top.msg", ""),
    ]
    assert [i for i in items if isinstance(i, Skipped)] == [Skipped("malformed_msg")]
    assert [from_outlook(i).folder for i in good] == ["Inbox/Projects", "Inbox", None]


def test_oversize_msg_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outlook_msg, "MAX_ITEM_BYTES", 1024)
    assert _read_msg(FIXTURES / "reply.msg") == [Skipped("item_too_large")]


def test_detection() -> None:
    specs = readers()
    assert specs["msg"].detect(FIXTURES / "reply.msg")
    assert specs["msg"].detect(FIXTURES)
    assert not specs["msg"].detect(Path(__file__))
    assert not specs["pst"].detect(FIXTURES / "reply.msg")
    assert specs["msg"].provides == ("messages",)


def test_readers_log_no_content(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    blob = (FIXTURES / "reply.msg").read_bytes()
    assert "Ada Lindqvist".encode("utf-16-le") in blob  # the fixture does hold personal data
    caplog.set_level(logging.DEBUG)
    for path in [*sorted(FIXTURES.glob("*.msg")), *_corrupt_variants(tmp_path)]:
        for item in _read_msg(path):
            if isinstance(item, RawItem):
                from_outlook(item)
    for secret in ("Lindqvist", "example.org", "Launch", "Original Message", "Zoë"):
        assert secret not in caplog.text


def test_body_decoding() -> None:
    assert outlook_msg.codec_for(65001) == "utf-8"
    assert outlook_msg.codec_for(28591) == "iso8859-1"
    assert outlook_msg.codec_for(1252) == "cp1252"
    assert outlook_msg.codec_for(99999) is None
    assert outlook_msg.codec_for(None) is None
    text = "Grüße"
    assert outlook_msg.decode_body(text.encode("cp1252") + b"\0", 1252) == text
    meta = '<meta charset="iso-8859-2"><p>Łódź</p>'
    assert outlook_msg.decode_body(meta.encode("iso-8859-2"), None) == meta
    assert outlook_msg.decode_body("Grüße".encode(), None) == "Grüße"
    assert outlook_msg.decode_body(b"\xff\xfe bad \x81", 65001)  # never raises


# --- normalizer on the dict shape both readers hand over ----------------------------------


def _raw(**fields: object) -> RawItem:
    data: dict[str, object] = {
        "headers": None,
        "from": [("Ada Lindqvist", "ada.lindqvist@example.org")],
        "to": [],
        "cc": [],
        "bcc": [],
        "date": datetime(2024, 3, 5, 10, 30, tzinfo=UTC),
        "subject": "",
        "body": "Hello",
        "html": None,
        "message_id": None,
        "in_reply_to": None,
        "references": None,
        "attachments": 0,
        "message_class": "IPM.Note",
    }
    data.update(fields)
    return RawItem("outlook", "pst", "Inbox/2097860", data, {"folder": "Inbox"})


def test_exchange_header_banner_and_pst_subject_prefix() -> None:
    headers = (
        "\r\nMicrosoft Mail Internet Headers Version 2.0\r\n"
        "From: Bruno Keller <bruno.keller@example.org>\r\n"
        "Date: Tue, 12 Mar 2024 09:14:00 -0500\r\n"
        "Message-ID: <X@Example.org>\r\n\r\n"
    )
    msg = from_outlook(_raw(headers=headers, subject="\x01\x05Re: hi"))
    assert msg.sender.handle == "bruno.keller@example.org"
    assert msg.utc_offset_minutes == -300
    assert msg.source_item_id == "mid:x@example.org"
    assert msg.subject == "Re: hi"
    assert msg.folder == "Inbox"


def test_item_id_fallback_and_dict_ids() -> None:
    msg = from_outlook(
        _raw(in_reply_to="<A@example.org>", references="<Z@example.org> <A@example.org>")
    )
    assert msg.source_item_id == "pst:Inbox/2097860"
    assert msg.in_reply_to == "a@example.org"
    assert msg.references == ("z@example.org", "a@example.org")


def test_dates() -> None:
    with pytest.raises(BadItem) as err:
        from_outlook(_raw(date=None))
    assert err.value.reason == "missing_date"
    with pytest.raises(BadItem) as err:
        from_outlook(_raw(date=None, headers="Date: not a date\r\n"))
    assert err.value.reason == "bad_date"
    with pytest.raises(BadItem) as err:
        from_outlook(_raw(date=datetime(2999, 1, 1, tzinfo=UTC)))
    assert err.value.reason == "date_out_of_range"
    # A broken Date header falls back to the MAPI time.
    msg = from_outlook(_raw(headers="Date: garbage\r\n"))
    assert msg.sent_at == datetime(2024, 3, 5, 10, 30, tzinfo=UTC)
    assert msg.utc_offset_minutes is None
    msg = from_outlook(_raw(headers="Date: Tue, 12 Mar 2024 09:14:00 -0000\r\n"))
    assert msg.sent_at == datetime(2024, 3, 12, 9, 14, tzinfo=UTC)
    assert "unknown_zone" in msg.notes


def test_unusable_items() -> None:
    with pytest.raises(BadItem) as err:
        from_outlook(_raw(**{"from": []}))
    assert err.value.reason == "missing_sender"
    with pytest.raises(BadItem) as err:
        from_outlook(RawItem("outlook", "msg", "x.msg", b"bytes"))
    assert err.value.reason == "malformed_outlook_item"


_values = st.one_of(
    st.none(), st.text(max_size=200), st.integers(), st.lists(st.tuples(st.text(), st.text()))
)


@settings(max_examples=150, deadline=None)
@given(
    headers=st.one_of(st.none(), st.text(max_size=400)),
    sender=_values,
    to=_values,
    date=st.one_of(st.none(), st.datetimes(timezones=st.just(UTC)), st.text(max_size=20)),
    body=_values,
    html=_values,
    subject=_values,
    attachments=_values,
)
def test_normalizer_never_crashes(
    headers: object,
    sender: object,
    to: object,
    date: object,
    body: object,
    html: object,
    subject: object,
    attachments: object,
) -> None:
    raw = _raw(
        headers=headers,
        to=to,
        date=date,
        body=body,
        html=html,
        subject=subject,
        attachments=attachments,
        **{"from": sender},
    )
    try:
        msg = from_outlook(raw)
    except BadItem:
        return
    assert msg.sent_at.tzinfo is UTC
    assert msg.quoted_sent is None or msg.quoted_sent.tzinfo is not None


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=1600, max_size=6000))
def test_msg_reader_never_crashes(blob: bytes) -> None:
    result = outlook_msg.read_msg_bytes(outlook_msg.OLE_MAGIC + blob)
    assert isinstance(result, Skipped | dict)


# --- .pst reader ---------------------------------------------------------------------------


def test_not_a_pst_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "mail.pst"
    path.write_bytes(b"PK\x03\x04 this is a zip file, not Outlook data" * 20)
    assert not readers()["pst"].detect(path)
    with pytest.raises(ArchiveUnreadable) as err:
        list(pst.read_pst(path))
    assert err.value.code == "E102"
    assert "scanpst" in str(err.value)
    assert str(tmp_path) not in str(err.value)


def test_truncated_pst_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "archive.pst"
    path.write_bytes(pst.PST_MAGIC + bytes(600))  # a PST signature and nothing behind it
    assert readers()["pst"].detect(path)
    with pytest.raises(ArchiveUnreadable):
        list(pst.read_pst(path))


def _read_pst(path: Path = PST) -> list[RawItem | Skipped]:
    return list(pst.read_pst(path))


def test_pst_walks_the_mail_folders() -> None:
    assert readers()["pst"].detect(PST)
    assert not readers()["msg"].detect(PST)
    items = _read_pst()
    assert [(i.item_id, i.context) for i in items if isinstance(i, RawItem)] == [
        ("Inbox/2097156", {"folder": "Inbox"}),
        ("Inbox/2097316", {"folder": "Inbox"}),
        ("Inbox/Projects/2097188", {"folder": "Inbox/Projects"}),
        ("Sent Items/2097220", {"folder": "Sent Items"}),
    ]  # the folder outside the IPM subtree is not walked
    assert [i for i in items if isinstance(i, Skipped)] == [Skipped("not_a_message")]  # a contact
    assert all(i.kind == "outlook" and i.source == "pst" for i in items if isinstance(i, RawItem))


def test_pst_messages_normalize() -> None:
    reply, rtf_only, html_only, sent = (
        from_outlook(i) for i in _read_pst() if isinstance(i, RawItem)
    )

    # Transport headers win over the MAPI sender; the Outlook underscore block is quoted history.
    assert reply.sender.handle == "bruno.keller@example.org"
    assert reply.utc_offset_minutes == -240
    assert reply.sent_at == datetime(2024, 3, 14, 20, 5, tzinfo=UTC)
    assert reply.body == "Thanks Ada, the numbers look right to me.\n\nBruno"
    assert reply.quoted.startswith("________________________________")
    assert reply.quoted_from == "Ada Lindqvist"
    assert [a.handle for a in reply.cc] == ["chen.wei@example.org"]
    assert reply.folder == "Inbox"
    # The reply links to the sent mail by id, and by the quoted "Sent:" time read at -04:00.
    assert reply.in_reply_to == sent.message_id == "pst-ask-0@mail.example.org"
    assert reply.quoted_sent == sent.sent_at == datetime(2024, 3, 14, 18, 30, tzinfo=UTC)
    assert sent.folder == "Sent Items"
    assert sent.sender.handle == "ada.lindqvist@example.org"

    # HTML-only, non-ASCII subject, recipients from the recipient table (Bcc included).
    assert html_only.subject == "Größenordnung — 予算"
    assert html_only.body == "Danke schön, Ada!"
    assert [a.handle for a in html_only.to] == ["ada.lindqvist@example.org"]
    assert [a.handle for a in html_only.bcc] == ["bruno.keller@example.org"]
    assert html_only.source_item_id == "pst:Inbox/Projects/2097188"
    assert html_only.utc_offset_minutes is None

    # RTF-only (HTML encapsulated in compressed RTF, as Outlook stores it).
    assert rtf_only.body == "Merci pour le rapport, Chen."
    assert rtf_only.sender.handle == "bruno.keller@example.org"


def test_pst_corrupt_message_is_skipped(tmp_path: Path) -> None:
    blob = bytearray(PST.read_bytes())
    at = blob.find("Größenordnung".encode("utf-16-le"))
    start = at - at % 64  # back to the start of that message's heap block
    while blob[start + 2 : start + 4] != b"\xec\xbc":
        start -= 64
    blob[start + 2] = 0  # break the heap signature
    path = tmp_path / "damaged.pst"
    path.write_bytes(bytes(blob))
    items = _read_pst(path)
    assert [i.item_id for i in items if isinstance(i, RawItem)] == [
        "Inbox/2097156",
        "Inbox/2097316",
        "Sent Items/2097220",
    ]
    assert sorted(i.reason for i in items if isinstance(i, Skipped)) == [
        "malformed_pst_item",
        "not_a_message",
    ]


def test_pst_reader_logs_no_content(caplog: pytest.LogCaptureFixture) -> None:
    assert "Lindqvist".encode("utf-16-le") in PST.read_bytes()  # the fixture holds personal data
    caplog.set_level(logging.DEBUG)
    for item in _read_pst():
        if isinstance(item, RawItem):
            from_outlook(item)
    for secret in ("Lindqvist", "example.org", "Budget", "Größenordnung"):
        assert secret not in caplog.text


def test_pst_fixture_is_reproducible(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("make_pst", FIXTURES / "make_pst_fixture.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "make_pst", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    assert module.build() == PST.read_bytes()
