"""mbox, maildir, .eml and Google Takeout readers, and format detection."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from upwell.errors import UnknownFormat
from upwell.model import RawItem, Skipped
from upwell.sources import detect
from upwell.sources.mbox import iter_mbox
from upwell.testing import make_email, write_maildir, write_mbox

ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:e1@example.org\r\n"
    "DTSTAMP:20240301T000000Z\r\nDTSTART:20240304T100000Z\r\nDTEND:20240304T110000Z\r\n"
    "SUMMARY:Weekly sync\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def items(spec_path: Path, fmt: str | None = None) -> list[RawItem | Skipped]:
    return list(detect(spec_path, fmt).read(spec_path))


def test_mbox_splits_and_unescapes(tmp_path: Path) -> None:
    body = "line one\nFrom the start, this line began with From.\n"
    box = write_mbox(tmp_path / "x.mbox", [make_email(body=body), make_email(subject="two")])
    assert detect(box).id == "mbox"
    got = items(box)
    assert len(got) == 2
    first = got[0]
    assert isinstance(first, RawItem)
    assert isinstance(first.data, bytes)
    assert b"\nFrom the start" in first.data


def test_mbox_truncated_last_message_is_still_an_item() -> None:
    data = b"From x\n" + make_email() + b"\nFrom y\n" + make_email()[:60]
    got = list(iter_mbox(io.BytesIO(data), source="mbox", origin="t"))
    assert len(got) == 2


def test_mbox_oversized_message_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("upwell.sources.mbox.MAX_ITEM_BYTES", 1000)
    data = b"From x\n" + make_email(body="y" * 5000) + b"\nFrom y\n" + make_email()
    got = list(iter_mbox(io.BytesIO(data), source="mbox", origin="t"))
    assert isinstance(got[0], Skipped)
    assert got[0].reason == "item_too_large"
    assert isinstance(got[1], RawItem)


def test_maildir_nested_and_dot_folders(tmp_path: Path) -> None:
    root = write_maildir(tmp_path / "md", {
        "": [make_email(subject="a")],
        "Sent Items": [make_email(subject="b")],
        "Inbox/Projects": [make_email(subject="c")],
        ".Archive.2023": [make_email(subject="d")],
    })
    (root / "new" / "fresh").write_bytes(make_email(subject="e"))
    (root / "tmp" / "partial").write_bytes(b"half a message")
    assert detect(root).id == "maildir"
    got = [i for i in items(root) if isinstance(i, RawItem)]
    folders = sorted(str(i.context.get("folder")) for i in got)
    assert folders == ["Archive/2023", "Inbox", "Inbox", "Inbox/Projects", "Sent Items"]


def test_eml_folder(tmp_path: Path) -> None:
    (tmp_path / "mail" / "sub").mkdir(parents=True)
    (tmp_path / "mail" / "one.eml").write_bytes(make_email())
    (tmp_path / "mail" / "sub" / "two.EML").write_bytes(make_email(subject="two"))
    (tmp_path / "mail" / "notes.txt").write_text("not mail")
    assert detect(tmp_path / "mail").id == "eml"
    assert len(items(tmp_path / "mail")) == 2
    assert detect(tmp_path / "mail" / "one.eml").id == "eml"


def _takeout_zip(path: Path, mbox: bytes, ics: str, truncate: bool = False) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Takeout/Mail/All mail Including Spam and Trash.mbox", mbox)
        zf.writestr("Takeout/Calendar/ann@example.org.ics", ics)
        zf.writestr("Takeout/archive_browser.html", "<html></html>")
    if truncate:
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    return path


def test_takeout_zip_mail_and_calendar(tmp_path: Path) -> None:
    sent = make_email(subject="sent one", extra={"X-Gmail-Labels": "Sent,Important"})
    mbox = b"From 1@xxx Mon Jan 01 00:00:00 +0000 2024\n" + sent + b"\n"
    z = _takeout_zip(tmp_path / "takeout-2024.zip", mbox, ICS)
    assert detect(z).id == "takeout"
    got = [i for i in items(z) if isinstance(i, RawItem)]
    assert sorted(i.kind for i in got) == ["ics", "mime"]


def test_takeout_folder(tmp_path: Path) -> None:
    (tmp_path / "Takeout" / "Mail").mkdir(parents=True)
    (tmp_path / "Takeout" / "Calendar").mkdir(parents=True)
    write_mbox(tmp_path / "Takeout" / "Mail" / "Inbox.mbox", [make_email()])
    (tmp_path / "Takeout" / "Calendar" / "work.ics").write_text(ICS)
    assert detect(tmp_path).id == "takeout"
    assert sorted(i.kind for i in items(tmp_path) if isinstance(i, RawItem)) == ["ics", "mime"]


def test_truncated_takeout_zip_is_counted_not_fatal(tmp_path: Path) -> None:
    z = _takeout_zip(tmp_path / "t.zip", b"From x\n" + make_email() * 50, ICS, truncate=True)
    got = items(z, "takeout")
    assert any(isinstance(i, Skipped) and i.reason == "truncated_archive" for i in got)


def test_unknown_format_says_how_to_fix(tmp_path: Path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("hello")
    with pytest.raises(UnknownFormat) as info:
        detect(f)
    assert "--format" in str(info.value)
    with pytest.raises(UnknownFormat):
        detect(f, "nope")


bodies = st.lists(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=300).map(
        lambda t: t.replace("\r", "")
    ),
    min_size=1, max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(bodies, st.sampled_from([7, 64, 1 << 20]))
def test_mbox_round_trips_any_bodies_across_block_sizes(texts: list[str], block: int) -> None:
    msgs = [make_email(body="x\n" + t + "\n", subject=f"m{i}") for i, t in enumerate(texts)]
    buf = io.BytesIO()
    for m in msgs:
        buf.write(b"From someone Mon Jan  1 00:00:00 2024\n")
        buf.write(re.sub(rb"(?m)^(>*From )", rb">\1", m))
        buf.write(b"\n")
    with patch("upwell.sources.mbox._BLOCK", block):
        got = list(iter_mbox(io.BytesIO(buf.getvalue()), source="mbox", origin="t"))
    datas = [g.data for g in got if isinstance(g, RawItem)]
    assert [bytes(d).rstrip(b"\n") for d in datas] == [m.rstrip(b"\n") for m in msgs]


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000))
def test_mbox_never_crashes_on_garbage(data: bytes) -> None:
    with patch("upwell.sources.mbox._BLOCK", 100):
        got = list(iter_mbox(io.BytesIO(data), source="mbox", origin="t"))
    assert all(isinstance(g, RawItem | Skipped) for g in got)
