"""Turn the Enron EDRM 10-mailbox JSON Lines corpus into maildir trees (test data, not product).

Why one module of over 500 lines: it is one converter for one corpus format (parties, dates,
bodies, folders, files and the cache), lab code outside the product path, kept together so the
rules below and the code that applies them read side by side.

``tools/enron_to_maildir.py`` (``make corpora``) and ``upwell eval real`` both run it.

Input: ``<src>/<mailbox>.partNN.jsonl`` as described in the corpus README (one item a line:
message, calendar entry or contact). Output, for each mailbox, under ``<out>/<mailbox>/``:

* Layout (nested maildir folders, not Maildir++ dot folders). ``<out>/<mailbox>/`` itself is a
  maildir (``cur``/``new``/``tmp``) holding the Outlook folder ``Inbox``. Every other folder is
  a maildir at the subdirectory named after its Outlook folder path, nesting kept:
  ``Sent Items/``, ``Deleted Items/``, ``Inbox/All documents/``, ``Sent Items/clickathome/``.
  A directory on such a path that only holds sub-folders (``Inbox/``) has no ``cur``/``new``/``tmp``
  of its own. Path parts that are unsafe as file names (``.``, ``..``, ``cur``, ``new``, ``tmp``,
  control characters) get a trailing ``_`` or ``_`` in place of the bad character; the exact
  folder name is always in the ``X-Folder`` header.
* One RFC 5322 file per ``message`` item in the folder's ``cur/``, named
  ``<sha1(source_file)>.<n>:2,S`` (``n`` counts repeats of one source_file, normally 0), so that
  reruns give identical trees; the file's mtime is set to the message date where there is one.
  Duplicates that the corpus itself holds (``All documents``/``Discussion threads`` folders) are
  kept: one file per source item.
* Headers: From, To, Cc, Bcc (kept: it is the member's own mailbox), Subject, Date, MIME-Version,
  Content-Type ``text/plain; charset="utf-8"``, Content-Transfer-Encoding ``quoted-printable``,
  X-Folder. No Message-ID and no In-Reply-To: the source has none and none are invented.
* Date: ``date_local`` read as UTC-03:00 (see the README's time-zone warning), written with
  ``email.utils.format_datetime``, so the header ends in ``-0300``. Items whose date cannot be
  parsed are written without a Date header and counted as ``no_date``.
* Body: encoded so that decoding gives back the source text exactly, byte for byte (no newline is
  added at the end, ``\\r`` survives as ``=0D``); lines are quoted-printable per source line.
* Parties, as ``email.utils.getaddresses`` reads them back:

  - SMTP address: ``Name <user@host>`` (``email.utils.formataddr``; non-ASCII names RFC 2047).
  - Exchange X.500 path: ``Name </O=ENRON/OU=NA/CN=RECIPIENTS/CN=JKING6>``; the path is a valid
    dot-atom local part without a domain, so the address read back is the X.500 string. The few
    paths with spaces (6 in the corpus) are written as a quoted local part
    (``<"/O=.../cn=Joseph Taylor">``); ``getaddresses`` gives those back with the quotes.
  - Only a display name: ``Name <>`` (empty angle address): the address read back is ``""`` and
    the name is the party.
  - ``undisclosed-recipients:;`` is written as the empty group it is.
  - A party with neither name nor address is dropped; a message with no sender has no From.

  ``email.policy.default`` reads all of these, noting an InvalidHeaderDefect on the header for
  ``<>`` and for a local part without a domain. Header lines are assembled here (addresses from
  ``formataddr``/``email.header.Header``, folded between addresses and before blanks, within 78
  characters unless one address is longer) because the library's header parser would take most
  of the run time; the tests read every field back with the stdlib parser.

  Clean-up of export artefacts: ``%XX`` escapes in addresses are undone (``Sarah%09 Bruck``),
  ``Name <addr>`` packed into one field is split, a trailing Notes ``@ENRON`` after ``<addr>`` is
  dropped, white space in names is collapsed. The export split ``Last, First <addr>`` at the comma
  into a bare ``Last`` followed by ``First <addr>``; where the second party's address contains the
  start of the bare name (``Kearney`` + ``Julie </O=.../CN=Jkearney>``), or the address is an
  X.500 path and the bare name is one surname (``Ader`` + ``Jeff </O=.../cn=d5962049-...>``),
  the two are joined back into ``"Kearney, Julie" </O=.../CN=Jkearney>`` and counted as
  ``names_rejoined``. (A lone From such as ``King <>`` lost its first name in the export and is
  kept as it is.)

* Calendar items go to ``<out>/<mailbox>/calendar.ics`` (only written when there is at least one
  event), one VEVENT each: UID ``<sha1(source_file)>@enron-edrm.invalid``, DTSTART and DTSTAMP
  the item date in UTC (the export date; no end or duration is known, so the event is zero-length),
  SUMMARY, DESCRIPTION (the body, if any), ORGANIZER/ATTENDEE as ``mailto:`` for SMTP parties and,
  following Outlook, ``invalid:nomail`` with CN for others (X.500 path in ``X-EXCHANGE-X500``).
  Items with ``date_is_placeholder`` are skipped and counted. Contacts are only counted.

Reruns replace each converted mailbox directory whole (built beside it, then swapped in); other
mailbox directories are left alone. A non-empty output directory without the marker file
``.enron-to-maildir`` is refused unless ``--force`` (which then replaces only the mailbox
directories it writes).

Usage::

    python tools/enron_to_maildir.py --src ../shared/data/enron-edrm-10-mailboxes --out DIR \
        [--mailbox NAME ...] [--force]

It prints a JSON summary, one entry per mailbox: messages, calendar_written,
calendar_placeholder, calendar_no_date, contacts, no_date, no_from, names_rejoined and folders
(Outlook folder -> message count).
"""

from __future__ import annotations

import argparse
import binascii
import hashlib
import json
import os
import re
import shutil
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.header import Header
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import icalendar

SOURCE_TZ = timezone(timedelta(hours=-3))
MARKER = ".enron-to-maildir"
MARKER_TEXT = "enron_to_maildir output, format 1\n"
ICS_FILE = "calendar.ics"
UID_DOMAIN = "enron-edrm.invalid"
QP_MAX_LINE = 76
MAX_HEADER_LINE = 78

_MAILBOX_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_PART_FILE = re.compile(r"^(?P<mailbox>.+?)\.part\d+\.jsonl$")
# "Name <inner>" with an optional Notes domain tail ("... <addr>@ENRON").
_ANGLE_TAIL = re.compile(r"^(?P<name>.*?)\s*<(?P<inner>[^<>]*)>(?:@[\w.-]+)?$", re.DOTALL)
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_SMTP = re.compile(rf"^{_ATEXT}+(?:\.{_ATEXT}+)*@[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$")
_DOT_ATOM = re.compile(rf"^{_ATEXT}+(?:\.{_ATEXT}+)*$")
_X500 = re.compile(r"^/o=", re.IGNORECASE)
_GROUP = re.compile(r"^[^:;<>@,\"]+:\s*;$")
_PCT = re.compile(r"%[0-9A-Fa-f]{2}")
_SUFFIX = re.compile(r"^(?:jr|sr|ii|iii|iv)\.?$", re.IGNORECASE)
_SPECIALS = re.compile(r'[][\\()<>@,:;".]')
_FOLD_POINT = re.compile(r"(?<=[^ \t])(?=[ \t])")
_UNSAFE_PATH_CHARS = re.compile(r"[\x00-\x1f\x7f\\]")
_RESERVED_DIRS = frozenset({"", ".", "..", "cur", "new", "tmp"})


class OutputNotEmpty(Exception):
    """The output directory holds something that this converter did not write."""


@dataclass(frozen=True, slots=True)
class Party:
    """One sender or recipient after clean-up. ``kind``: smtp, x500, name or group."""

    name: str
    addr: str
    kind: str


def _squash(text: str) -> str:
    """White space runs to one space; other control characters dropped."""
    return " ".join("".join(ch for ch in text if ch.isprintable() or ch.isspace()).split())


def _split_angle(text: str) -> tuple[str, str | None]:
    """``Name <inner>`` -> (Name, inner); anything else -> (text, None)."""
    m = _ANGLE_TAIL.match(text.strip())
    if m is None:
        return text.strip(), None
    return m.group("name").strip(), m.group("inner").strip()


def _unquote_name(name: str) -> str:
    name = _squash(name)
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = _squash(name[1:-1])
    return name


def clean_party(entry: dict[str, Any]) -> Party | None:
    """One ``{name, addr}`` entry of the corpus as a Party; ``None`` when it names nobody."""
    raw_name = str(entry.get("name") or "")
    raw_addr = str(entry.get("addr") or "")
    if _PCT.search(raw_addr):
        raw_addr = unquote(raw_addr)
    name, name_inner = _split_angle(raw_name)
    addr_outer, addr_inner = _split_angle(raw_addr)
    addr = addr_inner if addr_inner is not None else addr_outer
    if not name:
        name = addr_outer if addr_inner is not None else ""
    name = _unquote_name(name)
    addr = addr.strip()
    if not addr and name_inner:
        addr = name_inner.strip()
    if _SMTP.match(addr):
        kind = "smtp"
    elif _X500.match(addr):
        kind = "x500"
    else:
        # Not an address: a display name (or junk from a broken Notes address). Prefer the
        # name field; fall back to the address text.
        label = name or _unquote_name(addr)
        if not label:
            return None
        if _GROUP.match(label):
            return Party(name=label, addr="", kind="group")
        return Party(name=label, addr="", kind="name")
    if name.casefold() == addr.casefold():
        name = ""
    return Party(name=name, addr=addr, kind=kind)


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalpha())


def _surname_like(name: str) -> bool:
    """One word, perhaps with a generational suffix: ``Kearney``, ``Cocke Jr.``, ``Stuart III``."""
    words = name.split()
    return len(words) == 1 or (len(words) == 2 and _SUFFIX.match(words[1]) is not None)


def _is_split_name(first: Party, second: Party) -> bool:
    """Whether ``first`` is the ``Last`` half of a ``Last, First <addr>`` split at the comma.

    The bare ``Last`` must be followed by an addressed party whose display name is the rest of
    the name, and either the address holds the start of ``Last`` (``Jkearney``) or it is an
    Exchange path (Notes-migrated paths are hashes) and ``Last`` looks like one surname."""
    if first.kind != "name" or second.kind not in ("smtp", "x500"):
        return False
    if not second.name or "," in second.name or "," in first.name:
        return False
    surname = _letters(first.name)
    if not surname or surname in {_letters(w) for w in second.name.split()}:
        return False
    if surname[:5] in second.addr.casefold():
        return True
    return second.kind == "x500" and _surname_like(first.name)


def _join_names(last: str, first: str) -> str:
    joined = f"{last}, {first}"
    if len(joined) > 2 and joined[0] == joined[-1] == "'":  # Outlook's 'Last, First'
        joined = joined[1:-1].strip()
    return joined


def clean_parties(entries: Iterable[dict[str, Any]]) -> tuple[list[Party], int]:
    """Cleaned parties of one header, with ``Last, First`` splits joined back; and the joins."""
    parties = [p for p in (clean_party(e) for e in entries) if p is not None]
    out: list[Party] = []
    joined = 0
    i = 0
    while i < len(parties):
        cur = parties[i]
        nxt = parties[i + 1] if i + 1 < len(parties) else None
        if nxt is not None and _is_split_name(cur, nxt):
            out.append(Party(name=_join_names(cur.name, nxt.name), addr=nxt.addr, kind=nxt.kind))
            joined += 1
            i += 2
            continue
        out.append(cur)
        i += 1
    return out, joined


def _is_plain(text: str) -> bool:
    """Printable ASCII and blanks only: can go into a header as it is."""
    return all(" " <= ch <= "~" or ch == "\t" for ch in text)


def _encoded_words(text: str, header_name: str | None = None) -> str:
    """RFC 2047 encoded words (UTF-8), folded with LF + space between words."""
    return Header(text, "utf-8", header_name=header_name).encode(linesep="\n")


def _phrase(name: str) -> str:
    """An ASCII display name as an RFC 5322 phrase: quoted when it holds specials."""
    if _SPECIALS.search(name):
        return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return name


def format_party(party: Party) -> str:
    """The party as one RFC 5322 address (or group) that ``getaddresses`` reads back."""
    if party.kind == "group":
        return party.name if _is_plain(party.name) else _encoded_words(party.name) + ":;"
    addr = party.addr
    if party.kind == "x500" and not _DOT_ATOM.match(addr):
        addr = '"' + addr.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if not party.name:
        if party.kind == "smtp":
            return addr
        return f"<{addr}>"
    if not _is_plain(party.name):
        return f"{_encoded_words(party.name)} <{addr}>"
    if party.kind == "name":
        return f"{_phrase(party.name)} <>"
    return formataddr((party.name, addr))


def fold_list(name: str, items: list[str]) -> str:
    """``Name: a, b, c`` folded between items (and, for a long one, before its ``<addr>``) so
    that lines stay within 78 characters where an item allows it."""
    out = f"{name}: "
    line_len = len(out)
    for i, item in enumerate(items):
        text = item
        if i:
            # ", " before the item and, if another follows, "," after it
            if line_len + 2 + len(text.split("\n", 1)[0]) + 1 > MAX_HEADER_LINE:
                out += ",\n "
                line_len = 1
            else:
                out += ", "
                line_len += 2
        if line_len + len(text) > MAX_HEADER_LINE and "\n" not in text and text.endswith(">"):
            phrase, _, angle = text.rpartition(" <")
            if phrase:
                text = f"{phrase}\n <{angle}"
        out += text
        if "\n" in text:  # folded inside the item: count from its last line
            line_len = len(text.rsplit("\n", 1)[1])
        else:
            line_len += len(text)
    return out


def fold_text(name: str, value: str) -> str:
    """An unstructured header (Subject, X-Folder) folded before blanks; RFC 2047 if needed.

    Unfolding (dropping each LF before a blank) gives back ``value`` exactly."""
    value = value.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
    if not _is_plain(value):
        return f"{name}: " + _encoded_words(value, header_name=name)
    chunks = _FOLD_POINT.split(value)
    out = f"{name}: "
    line_len = len(out)
    for i, chunk in enumerate(chunks):
        if i and line_len + len(chunk) > MAX_HEADER_LINE and chunk.strip():
            out += "\n"
            line_len = 0
        out += chunk
        line_len += len(chunk)
    return out


def parse_date(item: dict[str, Any]) -> datetime | None:
    """The item's instant: ``date_local`` (else ``date_raw``) read as UTC-03:00."""
    local = item.get("date_local")
    naive: datetime | None = None
    if isinstance(local, str) and local.strip():
        try:
            naive = datetime.fromisoformat(local.strip())
        except ValueError:
            naive = None
    raw = item.get("date_raw")
    if naive is None and isinstance(raw, str) and raw.strip():
        try:
            naive = datetime.strptime(raw.strip(), "%d/%m/%Y %I:%M:%S %p")  # noqa: DTZ007
        except ValueError:
            naive = None
    if naive is None:
        return None
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=SOURCE_TZ)


def qp_body(text: str) -> str:
    """Quoted-printable of ``text`` whose decoding is exactly ``text`` (line by line, no added
    final newline: a body without one ends in a soft line break)."""
    if not text:
        return ""
    lines = [
        binascii.b2a_qp(line, quotetabs=False, istext=False, header=False)
        for line in text.encode("utf-8").split(b"\n")
    ]
    last = lines[-1]
    if last:
        if len(last.rsplit(b"\n", 1)[-1]) + 1 > QP_MAX_LINE:  # no room for the final "="
            cut = 3 if last[-3:-2] == b"=" else 1  # never split an =XX escape
            lines[-1:] = [last[:-cut] + b"=", last[-cut:]]
        lines[-1] += b"=\n"
    return b"\n".join(lines).decode("ascii")


def build_message(item: dict[str, Any], when: datetime | None) -> tuple[bytes, int, bool]:
    """The RFC 5322 bytes of one message item; the ``Last, First`` joins; whether From exists.

    Assembled line by line (the library's header parser is too slow for thousands of long
    recipient lists): addresses come from ``formataddr``/``Header``, the date from
    ``format_datetime``; the tests read every field back with the stdlib parser."""
    lines: list[str] = []
    joined = 0
    has_from = False
    for header, key in (("From", "from"), ("To", "to"), ("Cc", "cc"), ("Bcc", "bcc")):
        parties, n = clean_parties(item.get(key) or [])
        joined += n
        if parties:
            lines.append(fold_list(header, [format_party(p) for p in parties]))
            has_from = has_from or header == "From"
    lines.append(fold_text("Subject", str(item.get("subject") or "")))
    if when is not None:
        lines.append(f"Date: {format_datetime(when)}")
    lines.append("MIME-Version: 1.0")
    lines.append('Content-Type: text/plain; charset="utf-8"')
    lines.append("Content-Transfer-Encoding: quoted-printable")
    lines.append(fold_text("X-Folder", str(item.get("folder") or "")))
    text = "\n".join(lines) + "\n\n" + qp_body(str(item.get("body") or ""))
    return text.encode("ascii"), joined, has_from


def folder_dir(root: Path, folder: str) -> Path:
    """The maildir of an Outlook folder: ``root`` for Inbox, else the nested folder path."""
    parts = [p.strip() for p in folder.replace("\\", "/").split("/")]
    if [p.casefold() for p in parts] == ["inbox"]:
        return root
    safe = []
    for part in parts:
        cleaned = _UNSAFE_PATH_CHARS.sub("_", part)
        if cleaned.casefold() in _RESERVED_DIRS or cleaned.startswith("."):
            cleaned += "_"
        safe.append(cleaned)
    return root.joinpath(*safe)


def make_maildir(path: Path) -> None:
    for sub in ("cur", "new", "tmp"):
        (path / sub).mkdir(parents=True, exist_ok=True)


def _add_party(event: icalendar.Event, prop: str, party: Party) -> None:
    params: dict[str, str] = {}
    if party.kind == "smtp":
        value = f"mailto:{party.addr}"
        if party.name:
            params["CN"] = party.name
    else:
        value = "invalid:nomail"
        params["CN"] = party.name or party.addr
        if party.kind == "x500":
            params["X-EXCHANGE-X500"] = party.addr
    if prop == "ATTENDEE":
        params["ROLE"] = "REQ-PARTICIPANT"
    event.add(prop, icalendar.vCalAddress(value), parameters=params)


def build_event(item: dict[str, Any], when: datetime, uid: str) -> icalendar.Event:
    event = icalendar.Event()
    instant = when.astimezone(UTC)
    event.add("UID", uid)
    event.add("DTSTAMP", instant)
    event.add("DTSTART", instant)
    event.add("SUMMARY", str(item.get("subject") or ""))
    body = str(item.get("body") or "")
    if body:
        event.add("DESCRIPTION", body)
    organizers, _ = clean_parties(item.get("from") or [])
    for party in organizers[:1]:
        if party.kind != "group":
            _add_party(event, "ORGANIZER", party)
    attendees: list[Party] = []
    for key in ("to", "cc"):
        parties, _ = clean_parties(item.get(key) or [])
        attendees.extend(p for p in parties if p.kind != "group")
    for party in attendees:
        _add_party(event, "ATTENDEE", party)
    return event


def _mailbox_files(src: Path) -> dict[str, list[Path]]:
    files: dict[str, list[Path]] = {}
    for path in sorted(src.glob("*.jsonl")):
        m = _PART_FILE.match(path.name)
        name = m.group("mailbox") if m else path.stem
        files.setdefault(name, []).append(path)
    return files


def _read_items(paths: Iterable[Path]) -> Iterator[dict[str, Any]]:
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                item = json.loads(line)
                if not isinstance(item, dict):
                    raise ValueError(f"{path.name}:{lineno}: not a JSON object")
                yield item


def file_digest(source_file: str) -> str:
    """The name stem this converter gives the items of ``source_file`` (maildir file names
    ``<digest>.<n>:2,S``, calendar UIDs ``<digest>@enron-edrm.invalid``)."""
    return hashlib.sha1(source_file.encode("utf-8")).hexdigest()  # noqa: S324 - a file name, not security


def mailboxes(src: Path) -> list[str]:
    """The mailboxes of the corpus folder ``src`` (``<mailbox>.partNN.jsonl``)."""
    return sorted(_mailbox_files(Path(src)))


def source_index(src: Path, mailbox: str) -> dict[str, tuple[str, str]]:
    """Where each converted file came from: name digest -> (``source_file``, Outlook folder),
    for the message and calendar items of ``mailbox`` in the corpus folder ``src``."""
    paths = _mailbox_files(Path(src)).get(mailbox)
    if not paths:
        raise FileNotFoundError(f"no *.jsonl files for mailbox {mailbox!r} in {src}")
    index: dict[str, tuple[str, str]] = {}
    for item in _read_items(paths):
        if item.get("item_type") not in ("message", "calendar"):
            continue
        source = str(item.get("source_file") or "")
        index.setdefault(file_digest(source), (source, str(item.get("folder") or "")))
    return index


def _check_out(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise OutputNotEmpty(f"{out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file() and not force:
        raise OutputNotEmpty(
            f"{out} is not empty and is not an earlier output of this tool "
            f"(no {MARKER}); pass --force to write into it anyway"
        )


def convert_mailbox(name: str, paths: list[Path], dest: Path) -> dict[str, Any]:
    """Write one mailbox's maildir tree and calendar into ``dest`` (which must not exist)."""
    stats: dict[str, Any] = {
        "messages": 0,
        "calendar_written": 0,
        "calendar_placeholder": 0,
        "calendar_no_date": 0,
        "contacts": 0,
        "no_date": 0,
        "no_from": 0,
        "names_rejoined": 0,
        "folders": Counter(),
    }
    make_maildir(dest)
    seen: Counter[str] = Counter()
    made: set[Path] = {dest}
    cal = icalendar.Calendar()
    cal.add("PRODID", "-//Upwell test data//enron_to_maildir//EN")
    cal.add("VERSION", "2.0")
    cal.add("X-WR-CALNAME", name)
    for item in _read_items(paths):
        if item.get("mailbox", name) != name:
            raise ValueError(f"item of mailbox {item.get('mailbox')!r} in the files of {name!r}")
        kind = item.get("item_type")
        source = str(item.get("source_file") or "")
        digest = file_digest(source)
        n = seen[digest]
        seen[digest] += 1
        if kind == "contact":
            stats["contacts"] += 1
            continue
        when = parse_date(item)
        if kind == "calendar":
            if item.get("date_is_placeholder"):
                stats["calendar_placeholder"] += 1
            elif when is None:
                stats["calendar_no_date"] += 1
            else:
                uid = f"{digest}.{n}@{UID_DOMAIN}" if n else f"{digest}@{UID_DOMAIN}"
                cal.add_component(build_event(item, when, uid))
                stats["calendar_written"] += 1
            continue
        if kind != "message":
            raise ValueError(f"unknown item_type {kind!r} in {name}")
        folder = str(item.get("folder") or "Inbox")
        mdir = folder_dir(dest, folder)
        if mdir not in made:
            make_maildir(mdir)
            made.add(mdir)
        data, joined, has_from = build_message(item, when)
        target = mdir / "cur" / f"{digest}.{n}:2,S"
        target.write_bytes(data)
        if when is not None:
            stamp = when.timestamp()
            os.utime(target, (stamp, stamp))
        else:
            stats["no_date"] += 1
        stats["messages"] += 1
        stats["names_rejoined"] += joined
        stats["no_from"] += 0 if has_from else 1
        stats["folders"][folder] += 1
    if stats["calendar_written"]:
        (dest / ICS_FILE).write_bytes(cal.to_ical())
    stats["folders"] = dict(sorted(stats["folders"].items()))
    return stats


def convert(
    src: Path, out: Path, mailboxes: list[str] | None = None, *, force: bool = False
) -> dict[str, Any]:
    """Convert the chosen mailboxes (all when ``None``) of ``src`` into ``out``; the summary."""
    src = Path(src)
    out = Path(out)
    available = _mailbox_files(src)
    if not available:
        raise FileNotFoundError(f"no *.jsonl files in {src}")
    chosen = sorted(available) if not mailboxes else list(dict.fromkeys(mailboxes))
    unknown = [m for m in chosen if m not in available]
    if unknown:
        raise ValueError(f"unknown mailbox(es) {unknown}; available: {sorted(available)}")
    bad = [m for m in chosen if not _MAILBOX_NAME.match(m)]
    if bad:
        raise ValueError(f"mailbox names not usable as directory names: {bad}")
    _check_out(out, force)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    summary: dict[str, Any] = {}
    for name in chosen:
        final = out / name
        staging = out / f".{name}.building"
        if staging.exists():
            shutil.rmtree(staging)
        try:
            summary[name] = convert_mailbox(name, available[name], staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        if final.is_dir() and not final.is_symlink():
            shutil.rmtree(final)
        elif final.exists() or final.is_symlink():
            final.unlink()
        staging.rename(final)
    return summary


def _stamp(paths: Iterable[Path]) -> str:
    return json.dumps([[p.name, p.stat().st_size, p.stat().st_mtime_ns] for p in sorted(paths)])


def cached(src: Path, cache: Path, names: Iterable[str] | None = None, *,
           progress: Callable[[str], None] | None = None) -> dict[str, Path]:
    """Each chosen mailbox of ``src`` (all by default) as a maildir under ``cache``, converted
    again only when its corpus files or this converter's format changed since the last run
    (a ``.<mailbox>.source`` stamp beside it)."""
    src, cache = Path(src), Path(cache)
    available = _mailbox_files(src)
    chosen = list(names) if names else sorted(available)
    out: dict[str, Path] = {}
    for name in chosen:
        stamp = MARKER_TEXT + _stamp(available.get(name, []))
        mark = cache / f".{name}.source"
        fresh = (mark.is_file() and mark.read_text(encoding="utf-8") == stamp
                 and (cache / name).is_dir())
        if not fresh:
            if progress is not None:
                progress(f"converting {name} to a maildir")
            convert(src, cache, [name], force=True)
            mark.write_text(stamp, encoding="utf-8")
        out[name] = cache / name
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Convert the Enron EDRM JSON Lines mailboxes into maildir trees (test data)."
    )
    parser.add_argument("--src", type=Path, required=True, help="folder of <mailbox>.*.jsonl")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--mailbox",
        action="extend",
        nargs="+",
        default=None,
        metavar="NAME",
        help="convert only these mailboxes (repeatable); default: all",
    )
    parser.add_argument(
        "--force", action="store_true", help="write into a non-empty folder not made by this tool"
    )
    args = parser.parse_args(argv)
    try:
        summary = convert(args.src, args.out, args.mailbox, force=args.force)
    except (OutputNotEmpty, ValueError, FileNotFoundError) as exc:
        print(f"enron_to_maildir: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
