"""MIME normalization: headers, charsets, bodies, reply and forward splitting, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from upwell.errors import BadItem
from upwell.model import Message, RawItem
from upwell.normalize.mime import MAX_PART_BYTES, from_mime, is_sent_folder
from upwell.testing import make_email


def norm(data: bytes, folder: str | None = None) -> Message:
    return from_mime(RawItem("mime", "test", "x", data, {"folder": folder} if folder else {}))


def test_headers_addresses_and_offset_kept() -> None:
    m = norm(make_email(
        sender='"Müller, Jörg" <Joerg@Example.org>',
        to="Bob <bob@example.org>, carol@example.org",
        date=datetime(2024, 3, 4, 9, 30, tzinfo=timezone(timedelta(hours=1))),
        message_id="<ABC@example.org>",
    ))
    assert m.sender.handle == "joerg@example.org"
    assert m.sender.name == "Müller, Jörg"
    assert [a.handle for a in m.to] == ["bob@example.org", "carol@example.org"]
    assert m.sent_at == datetime(2024, 3, 4, 8, 30, tzinfo=UTC)
    assert m.sent_at.tzinfo is UTC
    assert m.utc_offset_minutes == 60
    assert m.message_id == "abc@example.org"
    assert m.source_item_id == "mid:abc@example.org"


def test_encoded_subject_and_x500_address() -> None:
    raw = (
        b"From: Jeff King </O=ENRON/OU=NA/CN=RECIPIENTS/CN=JKING6>\r\n"
        b"To: =?utf-8?q?Ren=C3=A9e?= <renee@example.org>\r\n"
        b"Subject: =?iso-8859-1?q?R=E9union_demain?=\r\n"
        b"Date: Tue, 16 Oct 2001 10:00:00 -0300\r\n\r\nOk.\r\n"
    )
    m = norm(raw)
    assert m.subject == "Réunion demain"
    assert m.sender.kind == "x500"
    assert m.sender.handle == "/o=enron/ou=na/cn=recipients/cn=jking6"
    assert m.to[0].name == "Renée"
    assert m.utc_offset_minutes == -180


def test_wrong_declared_charset_is_repaired() -> None:
    body = "Grüße aus Köln, wir sehen uns am Montag früh.".encode("cp1252")
    raw = (
        b"From: a@example.org\r\nDate: Mon, 4 Mar 2024 10:00:00 +0000\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + body
    )
    m = norm(raw)
    assert "Köln" in m.body
    assert "charset_repaired" in m.notes


def test_unknown_charset_falls_back() -> None:
    raw = (
        b"From: a@example.org\r\nDate: Mon, 4 Mar 2024 10:00:00 +0000\r\n"
        b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nplain words"
    )
    m = norm(raw)
    assert m.body == "plain words"
    assert "charset_repaired" in m.notes


def test_html_only_body_becomes_text() -> None:
    raw = (
        b"From: a@example.org\r\nDate: Mon, 4 Mar 2024 10:00:00 +0000\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><style>p{color:red}</style><body><p>Great <b>work</b> on the launch!</p>"
        b"<div>Thanks</div></body></html>"
    )
    m = norm(raw)
    assert m.body == "Great work on the launch!\nThanks"


def test_outlook_original_message_is_quoted_not_own_words() -> None:
    body = (
        "Sounds good, I'll send it Friday.\n\n -----Original Message-----\n"
        "From: \tCantrell, Rebecca W.  \nSent:\tMonday, November 26, 2001 11:16 AM\n"
        "To:\tSouth, Steven P.\nSubject:\tNew policy\n\nYou are always late with this!!!\n"
    )
    m = norm(make_email(body=body))
    assert m.body == "Sounds good, I'll send it Friday."
    assert "always late" in m.quoted
    assert m.quoted_from == "Cantrell, Rebecca W."


def test_on_wrote_over_two_lines_and_signature() -> None:
    body = (
        "Thanks Dana, that fixed it.\n\n-- \nAnn Example | Ops\n\n"
        "On Mon, Mar 4, 2024 at 9:00 AM Dana Example\n<dana@example.org> wrote:\n> try restarting\n"
    )
    m = norm(make_email(body=body))
    assert m.body == "Thanks Dana, that fixed it."
    assert "try restarting" in m.quoted


def test_forward_kept_apart() -> None:
    body = (
        "FYI, see below.\n\n---------- Forwarded message ---------\n"
        "From: Cy <cy@example.org>\nDate: Mon\nSubject: x\n\nThe numbers are wrong.\n"
    )
    m = norm(make_email(body=body))
    assert m.body == "FYI, see below."
    assert "numbers are wrong" in m.forwarded
    assert m.quoted == ""


def test_lotus_notes_quote_header() -> None:
    body = (
        "Please review by noon.\n\n\n\n"
        "Kim Ward/HOU/ECT@ECT on 10/16/2000 09:14 AM\nTo: Sue Lee/HOU/ECT@ECT\ncc:\n"
        "Subject: deal 123\n\nold words\n"
    )
    m = norm(make_email(body=body))
    assert m.body == "Please review by noon."
    assert m.quoted_from == "Kim Ward"


def test_attached_message_is_forwarded_not_own() -> None:
    inner = make_email(body="inner words of someone else\n")
    outer = (
        b"From: a@example.org\r\nDate: Mon, 4 Mar 2024 10:00:00 +0000\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: text/plain\r\n\r\nmy own words\r\n"
        b"--XX\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"\r\n--XX--\r\n"
    )
    m = norm(outer)
    assert m.body == "my own words"
    assert "inner words" in m.forwarded


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty_item"),
        (b"Subject: hi\r\nDate: Mon, 4 Mar 2024 10:00:00 +0000\r\n\r\nx", "missing_sender"),
        (b"From: a@example.org\r\n\r\nx", "missing_date"),
        (b"From: a@example.org\r\nDate: someday soon\r\n\r\nx", "bad_date"),
        (b"From: a@example.org\r\nDate: Fri, 31 Dec 9999 10:00:00 +0000\r\n\r\nx",
         "date_out_of_range"),
    ],
)
def test_bad_items_are_skipped_with_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(BadItem) as info:
        norm(raw)
    assert info.value.reason == reason


def test_gigantic_part_dropped_message_kept() -> None:
    huge = b"A" * (MAX_PART_BYTES + 10)
    raw = (
        b"From: a@example.org\r\nDate: Mon, 4 Mar 2024 10:00:00 +0000\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=B\r\n\r\n"
        b"--B\r\nContent-Type: text/plain\r\n\r\n" + huge + b"\r\n"
        b"--B\r\nContent-Type: text/html\r\n\r\n<p>short</p>\r\n--B--\r\n"
    )
    m = norm(raw)
    assert "part_too_large" in m.notes
    assert m.body == "short"


def test_truncated_multipart_still_reads() -> None:
    raw = (
        b"From: a@example.org\r\nDate: Mon, 4 Mar 2024 10:00:00 +0000\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
        b"--B\r\nContent-Type: text/plain\r\n\r\nkept words but the archive was cut he"
    )
    assert norm(raw).body.startswith("kept words")


def test_sent_folder_names() -> None:
    assert is_sent_folder("Sent Items")
    assert is_sent_folder("[Gmail]/Sent Mail")
    assert is_sent_folder("Gesendete Objekte")
    assert not is_sent_folder("Inbox")
    assert not is_sent_folder("Consent forms")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    try:
        m = norm(data)
    except BadItem:
        return
    assert m.sent_at.tzinfo is UTC


header_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)


@settings(max_examples=200, deadline=None)
@given(subject=header_text, name=header_text, body=st.text(max_size=500),
       charset=st.sampled_from(["utf-8", "latin-1", "cp1252", "koi8-r", "bogus", "utf-16"]))
def test_structured_but_hostile_messages(subject: str, name: str, body: str, charset: str) -> None:
    raw = (
        f"From: {name} <a@example.org>\r\nSubject: {subject}\r\n"
        f"Date: Mon, 4 Mar 2024 10:00:00 +0000\r\n"
        f"Content-Type: text/plain; charset={charset}\r\n\r\n"
    ).encode("utf-8", "surrogatepass") + body.encode("utf-8", "replace")
    try:
        m = norm(raw)
    except BadItem:
        return
    assert isinstance(m.body, str)
