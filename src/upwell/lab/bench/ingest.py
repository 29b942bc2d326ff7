"""``upwell bench ingest``: import throughput and peak memory against the parse floor.

In one run, on the converted Enron maildir and on a generated mbox, it measures (a) the floor:
the stdlib ``email`` parser with the ``compat32`` policy reading the fields Upwell needs (From,
To, Cc, Date, Subject, Message-ID, In-Reply-To, References, and the text body) as the values the
stdlib gives for them (addresses split with ``getaddresses``, the date and the subject decoded),
and the same with the fields left as raw header strings; and (b) Upwell's whole import (parse +
normalize + encrypt + store into a fresh SQLite home). Each measurement
runs in its own process so its peak memory (max RSS) is its own. The generated mbox repeats the
Enron messages with fresh ids, dates and senders, so its bodies are real text.
"""

from __future__ import annotations

import contextlib
import email
import email.message
import mailbox
import multiprocessing as mp
import os
import resource
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from email.policy import compat32
from email.utils import format_datetime, getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import Any

from upwell.config import Settings
from upwell.errors import ConfigError
from upwell.pipeline.analyzers import resolve_analyzers
from upwell.pipeline.imports import import_archive
from upwell.sources.maildir import maildir_folders
from upwell.store.db import Store

FIELDS = ("From", "To", "Cc", "Date", "Subject", "Message-ID", "In-Reply-To", "References")


def _maildir_files(root: Path) -> Iterator[Path]:
    for folder in maildir_folders(root):
        for sub in ("cur", "new"):
            if (folder / sub).is_dir():
                yield from sorted((folder / sub).iterdir())


def _body(msg: email.message.Message) -> str:
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
            break
    return ""


def _floor_raw(data: bytes) -> int:
    """The fields as raw header strings, and the text body."""
    msg = email.message_from_bytes(data, policy=compat32)
    got = [msg.get(f) for f in FIELDS]
    return len(got) + len(_body(msg))


def _floor_decoded(data: bytes) -> int:
    """The fields as values the stdlib gives: addresses split, the date and subject decoded."""
    msg = email.message_from_bytes(data, policy=compat32)
    parties = getaddresses([str(v) for f in ("From", "To", "Cc") for v in msg.get_all(f) or []])
    date = msg.get("Date")
    when = None
    if date:
        with contextlib.suppress(TypeError, ValueError, IndexError, OverflowError):
            when = parsedate_to_datetime(str(date))
    subject = msg.get("Subject")
    with contextlib.suppress(LookupError, UnicodeError, ValueError, AssertionError):
        subject = str(make_header(decode_header(str(subject)))) if subject else ""
    ids = [msg.get(f) for f in ("Message-ID", "In-Reply-To", "References")]
    return len(parties) + (when is not None) + len(subject or "") + len(ids) + len(_body(msg))


_FLOORS = {"raw": _floor_raw, "decoded": _floor_decoded}


def _floor(kind: str, path: str, variant: str) -> dict[str, Any]:
    one = _FLOORS[variant]
    n = 0
    start = time.perf_counter()
    if kind == "maildir":
        for f in _maildir_files(Path(path)):
            one(f.read_bytes())
            n += 1
    else:
        box = mailbox.mbox(path, create=False)
        try:
            for key in box.iterkeys():
                one(box.get_bytes(key))
                n += 1
        finally:
            box.close()
    return {"messages": n, "seconds": time.perf_counter() - start}


def _floor_raw_run(kind: str, path: str) -> dict[str, Any]:
    return _floor(kind, path, "raw")


def _floor_decoded_run(kind: str, path: str) -> dict[str, Any]:
    return _floor(kind, path, "decoded")


def timed_import(kind: str, path: str, *, analyze: bool) -> dict[str, Any]:
    """One import into a fresh SQLite home, timed: ingest only, or with every analyzer on."""
    with tempfile.TemporaryDirectory(prefix="upwell-bench-") as home:
        settings = Settings(home=Path(home))
        store = Store(settings)
        member = store.open_member("bench")
        names = resolve_analyzers(settings) if analyze else ()
        start = time.perf_counter()
        report = import_archive(store, member, Path(path), fmt=kind,
                                batch_size=settings.batch_size, workers=settings.import_workers,
                                analyzers=names)
        seconds = time.perf_counter() - start
        store.close()
    return {"messages": report.seen, "imported": report.imported, "seconds": seconds,
            "skipped": dict(report.skipped), "workers": settings.import_workers,
            "analyzers": list(names)}


def _upwell(kind: str, path: str) -> dict[str, Any]:
    # Ingest only (parse + normalize + encrypt + store): no analyzers.
    return timed_import(kind, path, analyze=False)


def _child(fn: Callable[[str, str], dict[str, Any]], kind: str, path: str, q: Any) -> None:
    out = fn(kind, path)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The import's own worker processes (Linux reports the largest one that has ended).
    out["worker_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    q.put(out)


def _measure(fn: Callable[[str, str], dict[str, Any]], kind: str, path: Path) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn, kind, str(path), q))
    proc.start()
    out: dict[str, Any] = q.get()
    proc.join()
    out["msgs_per_s"] = round(out["messages"] / out["seconds"], 1) if out["seconds"] else 0.0
    out["seconds"] = round(out["seconds"], 3)
    out["peak_rss_mb"] = round(out["peak_rss_mb"], 1)
    out["worker_peak_rss_mb"] = round(out["worker_peak_rss_mb"], 1)
    return out


def generate_mbox(source: Path, out: Path, n: int) -> int:
    """Write an mbox of ``n`` messages cycled from the maildir ``source`` with fresh ids,
    dates and senders (so every message is distinct). Returns the count written."""
    files = list(_maildir_files(source))
    if not files:
        raise ConfigError("the maildir holds no messages")
    base = datetime(2001, 1, 1, tzinfo=UTC)
    written = 0
    with out.open("wb") as fh:
        while written < n:
            for f in files:
                if written >= n:
                    break
                msg = email.message_from_bytes(f.read_bytes(), policy=compat32)
                for h in ("Message-ID", "Date", "From"):
                    del msg[h]
                msg["From"] = f"Sender {written % 997} <sender{written % 997}@example.org>"
                msg["Date"] = format_datetime(base + timedelta(minutes=7 * written))
                msg["Message-ID"] = f"<bench-{written}@example.org>"
                fh.write(b"From bench@example.org Mon Jan  1 00:00:00 2001\n")
                data = msg.as_bytes(policy=compat32).replace(b"\nFrom ", b"\n>From ")
                fh.write(data if data.endswith(b"\n") else data + b"\n")
                fh.write(b"\n")
                written += 1
    return written


def _pair(kind: str, path: Path) -> dict[str, Any]:
    floor = _measure(_floor_decoded_run, kind, path)
    raw = _measure(_floor_raw_run, kind, path)
    ours = _measure(_upwell, kind, path)
    ratio = ours["msgs_per_s"] / floor["msgs_per_s"] if floor["msgs_per_s"] else 0.0
    raw_ratio = ours["msgs_per_s"] / raw["msgs_per_s"] if raw["msgs_per_s"] else 0.0
    return {"floor": floor, "floor_raw": raw, "upwell": ours, "ratio": round(ratio, 3),
            "ratio_raw": round(raw_ratio, 3)}


def default_maildir() -> Path | None:
    """The converted Enron maildir if ``make corpora`` has built it."""
    root = Path(os.environ.get("UPWELL_CORPORA", "var/corpora")) / "enron-maildir"
    return root if root.is_dir() else None


def run_ingest_bench(
    *, maildir: Path | None, n_messages: int, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Run the whole benchmark and return its numbers."""
    say = progress or (lambda _m: None)
    maildir = maildir or default_maildir()
    if maildir is None:
        raise ConfigError(
            "no Enron maildir: pass --maildir DIR or run `make corpora` (it converts "
            "../shared/data/enron-edrm-10-mailboxes into var/corpora/enron-maildir)",
            code="E302",
        )
    result: dict[str, Any] = {"cpu_count": os.cpu_count()}
    say("enron maildir: floor, then upwell import")
    result["enron_maildir"] = _pair("maildir", maildir)
    with tempfile.TemporaryDirectory(prefix="upwell-bench-mbox-") as tmp:
        small = Path(tmp) / "small.mbox"
        big = Path(tmp) / "big.mbox"
        small_n = max(1, n_messages // 10)
        say(f"generating mboxes of {small_n} and {n_messages} messages")
        generate_mbox(maildir, small, small_n)
        generate_mbox(maildir, big, n_messages)
        say(f"mbox {n_messages}: floor, then upwell import")
        result["mbox"] = _pair("mbox", big)
        say(f"mbox {small_n}: upwell import (memory at 1/10 the size)")
        result["mbox_small"] = {"upwell": _measure(_upwell, "mbox", small)}
    small_rss = result["mbox_small"]["upwell"]["peak_rss_mb"]
    big_rss = result["mbox"]["upwell"]["peak_rss_mb"]
    result["memory_growth_mb"] = round(big_rss - small_rss, 1)
    return result


def render(result: dict[str, Any]) -> str:
    """A plain table of the numbers."""
    lines = [f"{'corpus':<22}{'floor msg/s':>12}{'raw msg/s':>11}{'upwell msg/s':>14}"
             f"{'ratio':>7}{'(raw)':>7}{'floor MB':>10}{'upwell MB':>11}"]
    for key in ("enron_maildir", "mbox"):
        r = result[key]
        label = f"{key} ({r['upwell']['messages']})"
        lines.append(
            f"{label:<22}{r['floor']['msgs_per_s']:>12}{r['floor_raw']['msgs_per_s']:>11}"
            f"{r['upwell']['msgs_per_s']:>14}{r['ratio']:>7}{r['ratio_raw']:>7}"
            f"{r['floor']['peak_rss_mb']:>10}{r['upwell']['peak_rss_mb']:>11}"
        )
    small = result["mbox_small"]["upwell"]
    big = result["mbox"]["upwell"]
    lines.append(
        f"mbox ({small['messages']}) upwell {small['msgs_per_s']} msg/s, "
        f"peak {small['peak_rss_mb']} MB; growth to full size {result['memory_growth_mb']} MB"
    )
    lines.append(
        f"worker processes: largest peak {small['worker_peak_rss_mb']} MB at "
        f"{small['messages']}, {big['worker_peak_rss_mb']} MB at {big['messages']}"
    )
    lines.append(
        "floor: stdlib email, compat32, addresses split (getaddresses), date and subject decoded; "
        "raw: the same fields as undecoded header strings"
    )
    return "\n".join(lines)
