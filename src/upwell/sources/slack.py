"""Slack workspace export (a .zip or its unpacked folder): one raw item per message object.

Reads: the standard export layout: ``users.json`` and ``channels.json`` (plus optional
``groups.json``, ``dms.json``, ``mpims.json``) at the top (or under one top folder), and one
folder per conversation holding ``YYYY-MM-DD.json`` day files, each a JSON array of message
objects. Writes: ``RawItem(kind="slack", item_id="<conversation id>:<ts>", data=<message dict>)``
whose ``context`` holds ``conversation_id``, ``conversation_name``, ``conversation_kind``
(``channel``, ``group``, ``im``, ``mpim``), ``members`` and ``users``, the user directory
(id -> ``name``, ``real_name``, ``email`` and ``tz`` where known). The directory is built once
and the same dict, like each conversation's context dict, is shared by every item: treat both
as read-only.

Input is hostile. Zip members are read in memory and never extracted; a member name that is
absolute or climbs with ``..`` is skipped as ``unsafe_path`` (symlinks in a folder likewise).
No file or member is read past ``MAX_ITEM_BYTES`` (``item_too_large``), whatever its header
claims. Skip reasons: ``broken_json`` (once per file, also for nesting too deep),
``not_a_list`` (a day file that is not an array), ``not_an_object`` (an entry that is not an
object), ``truncated_archive`` (a corrupt member, or the tail of a zip cut short: members before
the cut are still read from their local headers), ``unsupported_member`` (encrypted or an
unknown compression), ``unreadable_file``, and the message policy of
:func:`upwell.sources.slack_messages.skip_reason` (``not_a_message``, ``deleted_message``,
``edit_event``, ``bot_message``). Detection needs an openable zip or a folder; a zip cut short
is read with ``--format slack``.
"""

from __future__ import annotations

import json
import lzma
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import BinaryIO

from upwell.model import RawItem, Skipped
from upwell.sources.base import MAX_ITEM_BYTES, reader
from upwell.sources.slack_messages import skip_reason

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
_KINDS = {
    "channels.json": "channel", "groups.json": "group", "dms.json": "im", "mpims.json": "mpim"
}
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_CHUNK = 1 << 16
_ZIP_ERRORS = (zipfile.BadZipFile, ValueError, NotImplementedError, EOFError, struct.error)

Thunk = Callable[[], "bytes | Skipped"]
Index = list[tuple[str, Thunk]]  # (name inside the export, how to read it), wanted files only


def _detect(path: Path) -> bool:
    if path.is_dir():
        return (path / "users.json").is_file() and any((path / n).is_file() for n in _KINDS)
    if path.is_file() and zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as zf:
                names = {n.rsplit("/", 1)[-1] for n in zf.namelist() if n.count("/") <= 1}
        except (*_ZIP_ERRORS, OSError):
            return False
        return "users.json" in names and bool(names & _KINDS.keys())
    return False


@reader("slack", title="Slack workspace export", provides=("messages",), detect=_detect,
        priority=70)
def read_slack(path: Path) -> Iterator[RawItem | Skipped]:
    """Every message object in a Slack export zip or folder (see the module docstring)."""
    if path.is_dir():
        skips, index = _folder_index(path)
        yield from skips
        yield from _read_export(index)
        return
    try:
        zf = zipfile.ZipFile(path)
    except _ZIP_ERRORS:  # no usable central directory: the tail was cut off, or it is corrupt
        skips, index = _salvage_index(path)
        yield from skips
        yield from _read_export(index)
        return
    except OSError:
        yield Skipped("unreadable_file")
        return
    with zf:
        skips, index = _zip_index(zf)
        yield from skips
        yield from _read_export(index)


def _read_export(index: Index) -> Iterator[RawItem | Skipped]:
    """Directory and conversation listings first, then every day file, folder by folder."""
    users: dict[str, dict[str, str]] = {}
    convs: dict[str, dict[str, object]] = {}
    days: list[tuple[str, str, Thunk]] = []
    for name, read in index:
        folder, _, day = name.rpartition("/")
        if folder:
            days.append((folder, day, read))
            continue
        parsed = _load(read())
        if isinstance(parsed, Skipped):
            yield parsed
        elif not isinstance(parsed, list):
            yield Skipped("not_a_list")
        elif name == "users.json":
            users.update(_directory(parsed))
        else:
            _conversations(parsed, _KINDS[name], convs)
    for conv in convs.values():
        conv["users"] = users
    days.sort(key=lambda d: (d[0], d[1]))
    for folder, day, read in days:
        ctx = convs.get(folder)
        if ctx is None:  # a folder no listing names: keep its messages as a channel's
            ctx = convs[folder] = {"conversation_id": folder, "conversation_name": folder,
                                   "conversation_kind": "channel", "members": [], "users": users}
        yield from _day_items(ctx, day, read())


def _day_items(ctx: dict[str, object], day: str, content: bytes | Skipped
               ) -> Iterator[RawItem | Skipped]:
    parsed = _load(content)
    if isinstance(parsed, Skipped):
        yield parsed
        return
    if not isinstance(parsed, list):
        yield Skipped("not_a_list")
        return
    conv = str(ctx["conversation_id"])
    for i, entry in enumerate(parsed):
        if not isinstance(entry, dict):
            yield Skipped("not_an_object")
            continue
        reason = skip_reason(entry)
        if reason is not None:
            yield Skipped(reason)
            continue
        ts = entry.get("ts")
        key = ts if isinstance(ts, str) and ts else f"{day[:10]}#{i}"
        yield RawItem(kind="slack", source="slack", item_id=f"{conv}:{key}", data=entry,
                      context=ctx)


def _load(content: bytes | Skipped) -> object:
    if isinstance(content, Skipped):
        return content
    try:
        return json.loads(content)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return Skipped("broken_json")


def _directory(entries: list[object]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            continue
        profile = entry.get("profile")
        profile = profile if isinstance(profile, dict) else {}
        fields = {
            "name": entry.get("name"),
            "real_name": entry.get("real_name") or profile.get("real_name"),
            "email": profile.get("email"),
            "tz": entry.get("tz"),
        }
        out[entry["id"]] = {k: v for k, v in fields.items() if isinstance(v, str) and v}
    return out


def _conversations(entries: list[object], kind: str, convs: dict[str, dict[str, object]]) -> None:
    """Folder name -> context. Channel and group folders are named by name, DM folders by id."""
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            continue
        members = entry.get("members")
        name = entry.get("name")
        ctx: dict[str, object] = {
            "conversation_id": entry["id"],
            "conversation_name": name if isinstance(name, str) else "",
            "conversation_kind": kind,
            "members": [m for m in members if isinstance(m, str)]
            if isinstance(members, list) else [],
        }
        convs.setdefault(entry["id"], ctx)
        if isinstance(name, str) and name:
            convs.setdefault(name, ctx)


def _unsafe(name: str) -> bool:
    parts = name.split("/")
    return name.startswith("/") or ".." in parts or (len(parts[0]) == 2 and parts[0][1] == ":")


def _wanted(name: str) -> bool:
    parts = name.split("/")
    if len(parts) == 1:
        return parts[0] == "users.json" or parts[0] in _KINDS
    return len(parts) == 2 and parts[0] not in ("", ".") and bool(_DAY.match(parts[1]))


def _folder_index(root: Path) -> tuple[list[Skipped], Index]:
    skips: list[Skipped] = []
    index: Index = []
    for top in sorted(root.iterdir()):
        if top.is_symlink():  # never follow a link out of the export
            skips.append(Skipped("unsafe_path"))
        elif top.is_file() and _wanted(top.name):
            index.append((top.name, partial(_read_file, top)))
        elif top.is_dir():
            for f in sorted(top.iterdir()):
                if f.is_symlink():
                    skips.append(Skipped("unsafe_path"))
                elif _DAY.match(f.name) and f.is_file():
                    index.append((f"{top.name}/{f.name}", partial(_read_file, f)))
    return skips, index


def _read_file(path: Path) -> bytes | Skipped:
    try:
        if path.stat().st_size > MAX_ITEM_BYTES:
            return Skipped("item_too_large")
        with path.open("rb") as fh:
            data = fh.read(MAX_ITEM_BYTES + 1)
    except OSError:
        return Skipped("unreadable_file")
    return Skipped("item_too_large") if len(data) > MAX_ITEM_BYTES else data


def _zip_index(zf: zipfile.ZipFile) -> tuple[list[Skipped], Index]:
    infos = [i for i in zf.infolist() if not i.is_dir()]
    names = [i.filename.replace("\\", "/") for i in infos]
    root = ""
    if "users.json" not in names:  # a re-zipped export may sit under one top folder
        tops = {n[: -len("users.json")] for n in names if n.count("/") == 1
                and n.endswith("/users.json")}
        root = tops.pop() if len(tops) == 1 else ""
    skips: list[Skipped] = []
    index: Index = []
    for info, name in zip(infos, names, strict=True):
        if _unsafe(name):
            skips.append(Skipped("unsafe_path"))
        elif _wanted(name.removeprefix(root)):
            index.append((name.removeprefix(root), partial(_read_member, zf, info)))
    return skips, index


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | Skipped:
    if info.file_size > MAX_ITEM_BYTES:
        return Skipped("item_too_large")
    try:
        with zf.open(info) as fh:
            data = fh.read(MAX_ITEM_BYTES + 1)  # the header's size may lie: cap what we inflate
    except (NotImplementedError, RuntimeError):  # unknown compression method; encrypted
        return Skipped("unsupported_member")
    except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, ValueError):
        return Skipped("truncated_archive")
    return Skipped("item_too_large") if len(data) > MAX_ITEM_BYTES else data


def _salvage_index(path: Path) -> tuple[list[Skipped], Index]:
    """Members of a zip whose end is missing, found by walking local headers up to the cut."""
    skips: list[Skipped] = []
    index: Index = []
    try:
        with path.open("rb") as fh:
            while True:
                offset = fh.tell()
                name, content = _local_member(fh)
                if name is None:
                    if isinstance(content, Skipped) and content.reason != "end":
                        skips.append(content)
                    break
                if _unsafe(name):
                    skips.append(Skipped("unsafe_path"))
                elif _wanted(name):  # keep where it is, not what it holds: read it again later
                    index.append((name, partial(_salvaged, path, offset)))
    except OSError:
        skips.append(Skipped("truncated_archive"))
    return skips, index


def _salvaged(path: Path, offset: int) -> bytes | Skipped:
    try:
        with path.open("rb") as fh:
            fh.seek(offset)
            return _local_member(fh)[1]
    except OSError:
        return Skipped("truncated_archive")


def _local_member(fh: BinaryIO) -> tuple[str | None, bytes | Skipped]:
    """(name, data) of the member whose local header is at the file position, leaving the
    position at the next header; ``(None, reason)`` at the cut, ``(None, "end")`` at a clean
    end. A member whose size is only given after its data is found by inflating it."""
    cut = None, Skipped("truncated_archive")
    header = fh.read(_LOCAL_HEADER.size)
    if len(header) < _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        clean = header[:4] in (b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x06")
        return (None, Skipped("end")) if clean else cut
    _, _, flags, method, _, _, _, csize, _, nlen, xlen = _LOCAL_HEADER.unpack(header)
    name = fh.read(nlen).decode("utf-8" if flags & 0x800 else "cp437", "replace")
    fh.seek(xlen, 1)
    known = not flags & 0x08 and csize != 0xFFFFFFFF  # else sizes follow the data (or zip64)
    start, end = fh.tell(), _size(fh)
    content: bytes | Skipped | None
    if flags & 0x01 or method not in (0, 8):  # encrypted, or another compression
        content = Skipped("unsupported_member") if known else None
    elif method == 8:
        content = _inflate(fh)
    elif known and csize > MAX_ITEM_BYTES:
        content = Skipped("item_too_large")
    else:
        content = fh.read(csize) if known else None
    if known:
        if start + csize > end:
            return cut
        fh.seek(start + csize)
        return name.replace("\\", "/"), Skipped("truncated_archive") if content is None else content
    if not isinstance(content, bytes):  # the end of this member is unknown: stop here
        return cut
    sig = fh.read(4)  # data descriptor: optional signature, crc, two 4-byte sizes
    fh.seek(12 if sig == b"PK\x07\x08" else 8, 1)
    return name.replace("\\", "/"), content


def _inflate(fh: BinaryIO) -> bytes | Skipped | None:
    """One raw deflate stream from the file position, left just after it; ``None`` if corrupt
    or cut short. Inflating stops past ``MAX_ITEM_BYTES``: a bomb is never run to its end."""
    inflater = zlib.decompressobj(-15)
    out = bytearray()
    try:
        while not inflater.eof:
            chunk = fh.read(_CHUNK)
            if not chunk:
                return None
            out += inflater.decompress(chunk, MAX_ITEM_BYTES + 1 - len(out))
            if len(out) > MAX_ITEM_BYTES:
                return Skipped("item_too_large")
    except zlib.error:
        return None
    fh.seek(-len(inflater.unused_data), 1)
    return bytes(out)


def _size(fh: BinaryIO) -> int:
    here = fh.tell()
    end = fh.seek(0, 2)
    fh.seek(here)
    return end
