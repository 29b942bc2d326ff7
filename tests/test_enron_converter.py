"""tools/enron_to_maildir.py: the Enron EDRM JSON Lines -> maildir + iCalendar test-data converter.

A synthetic mailbox (invented people, example.org) runs everywhere; the real-corpus check runs only
where ../shared/data/enron-edrm-10-mailboxes exists beside the repository.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import UTC, datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

import icalendar
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools import enron_to_maildir as e2m  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "enron-edrm-10-mailboxes"
MINUS_3H = timezone(timedelta(hours=-3))
X500_JDOE = "/O=EXAMPLE/OU=NA/CN=RECIPIENTS/CN=JDOE"


def _read(path: Path) -> EmailMessage:
    msg = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def _addrs(msg: EmailMessage, header: str) -> list[tuple[str, str]]:
    """(name, address) pairs as getaddresses reads them. An X.500 path with spaces is written
    as a quoted local part and comes back quoted: the quotes are dropped here."""
    pairs = getaddresses([str(v) for v in msg.get_all(header, [])])
    return [(n, a[1:-1] if len(a) > 1 and a[0] == a[-1] == '"' else a) for n, a in pairs]


def _item(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "mailbox": "doe-j",
        "folder": "Inbox",
        "item_type": "message",
        "from": [],
        "to": [],
        "cc": [],
        "bcc": [],
        "date_raw": "05/03/2001 02:15:00 PM",
        "date_local": "2001-03-05T14:15:00",
        "subject": "",
        "body": "",
    }
    base.update(fields)
    return base


BODY = (
    "Hi Ann,\n\nnumbers attached.  \nTrailing tab\t\n=equals= and caf\u00e9 \u20ac\r\n"
    + "x" * 200
    + "\n-----Original Message-----\nFrom: \tDoe, Jane  \nSent:\tMonday, March 05, 2001 11:02 AM\n."
)

ITEMS = [
    _item(
        source_file="mail/doe-j/Inbox/numbers.html",
        **{
            "from": [
                {"name": "Ann Smith <ann.smith@example.org>", "addr": "ann.smith@example.org"}
            ],
            "to": [
                {"name": "Doe <Doe>", "addr": "Doe"},
                {"name": f"Jane <{X500_JDOE}>", "addr": X500_JDOE},
                {"name": "Zo\u00eb M\u00fcller <zoe@example.org>", "addr": "zoe@example.org"},
            ],
            "cc": [
                {"name": "Bob Lee <Bob Lee>", "addr": "Bob Lee"},
                {"name": "<>", "addr": " <>"},
                {"name": "Tab\t Person <Tab\t Person>", "addr": "Tab%09 Person"},
            ],
            "bcc": [{"name": "carl@example.org", "addr": "carl@example.org"}],
            "subject": "RE: Q1\tnumbers \u2013 final",
            "body": BODY,
        },
    ),
    _item(
        source_file="mail/doe-j/Inbox/Projects/plan.html",
        folder="Inbox/Projects",
        subject="Plan",
        body="",
        **{"from": [{"name": "Ann Smith", "addr": "Ann Smith <ann.smith@example.org>"}]},
    ),
    _item(
        source_file="mail/doe-j/Sent Items/undated.html",
        folder="Sent Items",
        date_raw="",
        date_local="",
        subject="no date",
        body="sent",
        **{"to": [{"name": "ann.smith@example.org", "addr": "ann.smith@example.org"}]},
    ),
    _item(
        source_file="mail/doe-j/Calendar/review.html",
        folder="Calendar",
        item_type="calendar",
        subject="Review; budget, Q2",
        body="Room 5\nbring numbers",
        **{
            "from": [
                {"name": "Ann Smith <ann.smith@example.org>", "addr": "ann.smith@example.org"}
            ],
            "to": [{"name": f"Jane <{X500_JDOE}>", "addr": X500_JDOE}],
        },
    ),
    _item(
        source_file="mail/doe-j/Calendar/placeholder.html",
        folder="Calendar",
        item_type="calendar",
        subject="Old entry",
        date_raw="30/11/2002 12:00:00 AM",
        date_local="2002-11-30T00:00:00",
        date_is_placeholder=True,
    ),
    _item(source_file="mail/doe-j/Contacts/ann.html", folder="Contacts", item_type="contact"),
]


@pytest.fixture
def src(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    lines = [json.dumps(item, ensure_ascii=False) for item in ITEMS]
    (folder / "doe-j.part00.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_synthetic_mailbox(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = e2m.convert(src, out)
    stats = summary["doe-j"]
    assert stats["messages"] == 3
    assert stats["calendar_written"] == 1
    assert stats["calendar_placeholder"] == 1
    assert stats["contacts"] == 1
    assert stats["no_date"] == 1
    assert stats["no_from"] == 1
    assert stats["names_rejoined"] == 1
    assert stats["folders"] == {"Inbox": 1, "Inbox/Projects": 1, "Sent Items": 1}

    box = out / "doe-j"
    for maildir in (box, box / "Inbox" / "Projects", box / "Sent Items"):
        assert {p.name for p in maildir.iterdir()} >= {"cur", "new", "tmp"}
    assert not (box / "Inbox" / "cur").exists()  # "Inbox" is the root maildir
    [first] = list((box / "cur").iterdir())
    assert first.name.endswith(".0:2,S")
    msg = _read(first)

    assert _addrs(msg, "From") == [("Ann Smith", "ann.smith@example.org")]
    assert _addrs(msg, "To") == [
        ("Doe, Jane", X500_JDOE),
        ("Zo\u00eb M\u00fcller", "zoe@example.org"),
    ]
    assert _addrs(msg, "Cc") == [("Bob Lee", ""), ("Tab Person", "")]
    assert _addrs(msg, "Bcc") == [("", "carl@example.org")]
    raw = first.read_bytes()
    assert raw.isascii()
    assert b"=?utf-8?" in raw  # the non-ASCII name and subject are RFC 2047 encoded
    assert msg["Subject"] == "RE: Q1\tnumbers \u2013 final"
    assert msg["X-Folder"] == "Inbox"
    assert "Message-ID" not in msg
    assert "In-Reply-To" not in msg
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content() == BODY  # exact: no newline added, CR and blanks kept
    sent = parsedate_to_datetime(msg["Date"])
    assert sent == datetime(2001, 3, 5, 14, 15, tzinfo=MINUS_3H)
    assert msg["Date"].endswith("-0300")

    [plan] = list((box / "Inbox" / "Projects" / "cur").iterdir())
    plan_msg = _read(plan)
    assert _addrs(plan_msg, "From") == [("Ann Smith", "ann.smith@example.org")]
    assert plan_msg.get_content() == ""
    [undated] = list((box / "Sent Items" / "cur").iterdir())
    undated_msg = _read(undated)
    assert "Date" not in undated_msg
    assert "From" not in undated_msg
    assert undated_msg.get_content() == "sent"

    cal = icalendar.Calendar.from_ical((box / "calendar.ics").read_bytes())
    [event] = cal.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Review; budget, Q2"
    assert str(event["DESCRIPTION"]) == "Room 5\nbring numbers"
    assert event.decoded("DTSTART") == datetime(2001, 3, 5, 17, 15, tzinfo=UTC)
    assert str(event["ORGANIZER"]) == "mailto:ann.smith@example.org"
    assert event["ATTENDEE"].params["X-EXCHANGE-X500"] == X500_JDOE


def test_rerun_is_identical_and_foreign_dirs_are_refused(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = e2m.convert(src, out)
    before = _tree(out)
    assert e2m.convert(src, out, ["doe-j"]) == first
    assert _tree(out) == before

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(e2m.OutputNotEmpty):
        e2m.convert(src, foreign)
    e2m.convert(src, foreign, force=True)
    assert (foreign / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert _tree(foreign / "doe-j") == _tree(out / "doe-j")

    with pytest.raises(ValueError, match="unknown mailbox"):
        e2m.convert(src, out, ["nobody-x"])


def test_cli_prints_summary(src: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    assert e2m.main(["--src", str(src), "--out", str(out), "--mailbox", "doe-j"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["doe-j"]["messages"] == 3


@pytest.mark.corpus
def test_enron_slinger_r(tmp_path: Path) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"Enron EDRM corpus not present at {CORPUS}")
    items = [
        json.loads(line)
        for path in sorted(CORPUS.glob("slinger-r.part*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    messages = [i for i in items if i["item_type"] == "message"]
    summary = e2m.convert(CORPUS, tmp_path, ["slinger-r"])
    assert summary["slinger-r"]["messages"] == len(messages)
    files = [p for p in (tmp_path / "slinger-r").rglob("*") if p.parent.name == "cur"]
    assert len(files) == len(messages)

    by_name = {}
    for item in messages:
        digest = hashlib.sha1(item["source_file"].encode("utf-8")).hexdigest()
        path = e2m.folder_dir(tmp_path / "slinger-r", item["folder"]) / "cur" / f"{digest}.0:2,S"
        by_name[path] = item
    assert set(by_name) == set(files)

    x500_seen = 0
    for path, item in by_name.items():
        msg = _read(path)
        assert "Message-ID" not in msg
        assert msg.get_content() == item["body"]
        assert msg["Subject"] == item["subject"]
        assert msg["X-Folder"] == item["folder"]
        assert msg["Date"].endswith("-0300")
        expected = datetime.fromisoformat(item["date_local"]).replace(tzinfo=MINUS_3H)
        assert parsedate_to_datetime(msg["Date"]) == expected
        for header in ("From", "To", "Cc"):
            parties, _ = e2m.clean_parties(item[header.lower()])
            want = [("", "") if p.kind == "group" else (p.name, p.addr) for p in parties]
            assert _addrs(msg, header) == want
            x500_seen += sum(1 for _, addr in want if addr.upper().startswith("/O=ENRON/"))
    assert x500_seen > 0

    cal = icalendar.Calendar.from_ical((tmp_path / "slinger-r" / "calendar.ics").read_bytes())
    assert len(cal.walk("VEVENT")) == summary["slinger-r"]["calendar_written"] > 0
