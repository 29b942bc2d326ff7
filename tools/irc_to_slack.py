"""Test-data converter (not part of the product): the Ubuntu IRC disentanglement corpus as a
Slack export folder, so the Slack reader and normalizer can be checked on real chat.

Reads ``<src>/{train,dev,test}/*.raw.txt`` with their ``*.annotation.txt`` (and, when the split
``new-domains`` is asked for, ``<src>/new-domains/*.ascii.txt``, whose lines carry channel and
date). Writes ``users.json`` (one user per IRC nick: ``U`` + 7 digits), ``channels.json`` and
one folder per channel (``ubuntu`` for train/dev/test; ``mediawiki``, ``rust``, ``stripe``,
``ubuntu-meeting`` for new-domains) holding one ``YYYY-MM-DD.json`` per day. All source files
are merged in time order, so a channel is one continuous history.

Mapping, line by line (the line number is the 0-based index the annotations use):

* ``[HH:MM] <nick> text`` -> a message; ``[HH:MM]  * nick text`` -> ``me_message``;
  ``-nick:#chan- text`` notices and ``(nick/#chan) text`` relays -> messages from ``nick``.
* ``=== nick ... has joined`` -> ``channel_join``; ``has left``/``has quit`` -> ``channel_leave``
  (the reader counts both as ``not_a_message``); other system lines (nick changes, modes) and
  unparseable lines are dropped. System lines carry no time: they take the previous line's.
* Time: the file name gives the date (train/dev/test), a clock going backwards is the next
  day, times are taken as UTC. ``ts`` = the minute (or second, where the log has seconds) plus
  k seconds for the k-th line within it (at most 59) and k as the microseconds, so ``ts`` is
  unique and increasing within a channel; a clash with an earlier file is bumped (counted).
* ``nick: text`` / ``nick, text`` where ``nick`` speaks in the same file -> ``<@U...> text``.
* Annotations ``A B -`` (B responds to A; ``B B`` starts a conversation): B's parent is its
  latest linked earlier message; the root of the parent chain is the Slack thread parent
  (``thread_ts`` = its own ``ts``) and every linked message gets ``thread_ts`` = the root's
  ``ts`` (Slack threads are flat). Links to or from non-messages are ignored (counted).

Text is escaped the Slack way (``&``, ``<``, ``>``). Prints counts only, as JSON.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

_CLOCK = r"\[(\d\d):(\d\d)(?::(\d\d))?\]"
_SAY = re.compile(_CLOCK + r" <([^>]+)>\s?(.*)$")  # a few logged nicks hold spaces: "<bur[n] er>"
_ACTION = re.compile(_CLOCK + r" {1,2}\* (\S+) *(.*)$")
_NOTICE = re.compile(_CLOCK + r" -([^:\s]+):#\S*- ?(.*)$")
_RELAY = re.compile(_CLOCK + r" \(([^/\s]+)/#\S*\) ?(.*)$")
_SYSTEM = re.compile(r"^=== (\S+) .*?\bhas (joined|left|quit)\b")
_NEW_DOMAIN = re.compile(r"^(\S+) (\d{4}-\d\d-\d\d) (.*)$")
_ADDRESSED = re.compile(r"^([^\s:,]+)[:,](?:\s+|$)(.*)$", re.DOTALL)
_TEAM = "TIRC00000"


@dataclass
class Line:
    kind: str  # "message", "me_message", "channel_join", "channel_leave"
    nick: str
    text: str
    day: date
    second: int  # seconds since midnight (minute precision unless the log has seconds)
    precise: bool
    ts: str = ""
    uid: str = ""


@dataclass
class Export:
    users: dict[str, str] = field(default_factory=dict)  # nick -> id
    days: dict[tuple[str, str], list[dict[str, object]]] = field(
        default_factory=lambda: defaultdict(list))
    last_ts: dict[str, tuple[int, int]] = field(default_factory=dict)
    first: dict[str, tuple[str, str]] = field(default_factory=dict)  # channel -> (ts, uid)
    members: dict[str, dict[str, None]] = field(default_factory=lambda: defaultdict(dict))
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def uid(self, nick: str) -> str:
        if nick not in self.users:
            self.users[nick] = f"U{len(self.users) + 1:07d}"
        return self.users[nick]


def parse_line(line: str, day: date | None) -> Line | None:
    """One log line (without its channel/date prefix) as a Line, or None to drop it."""
    for pattern, kind in ((_SAY, "message"), (_ACTION, "me_message"), (_NOTICE, "message"),
                          (_RELAY, "message")):
        m = pattern.match(line)
        if m:
            secs = int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3] or 0)
            nick = m[4].replace(" ", "")
            return Line(kind, nick, m[5].strip(), day or date.min, secs, m[3] is not None)
    m = _SYSTEM.match(line)
    if m:
        kind = "channel_join" if m[2] == "joined" else "channel_leave"
        return Line(kind, m[1], "", day or date.min, -1, False)
    return None


def read_ubuntu(raw: Path) -> list[Line | None]:
    start = date.fromisoformat(raw.name[:10])
    lines = [parse_line(t, None) for t in _split(raw)]
    day, prev = start, -1
    for ln in lines:
        if ln is None or ln.second < 0:
            continue
        if ln.second < prev:  # the clock went back: past midnight
            day += timedelta(days=1)
        prev = ln.second
        ln.day = day
    return lines


def read_new_domain(path: Path) -> tuple[str, list[Line | None]]:
    channel = path.name.split(".", 1)[0]
    lines: list[Line | None] = []
    for text in _split(path):
        m = _NEW_DOMAIN.match(text)
        lines.append(parse_line(m[3], date.fromisoformat(m[2])) if m else None)
    return channel, lines


def _split(path: Path) -> list[str]:
    # split("\n"), not splitlines(): annotations count "\n" lines; some texts hold \x0c or \u2028.
    lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def parents(annotation: Path, lines: list[Line | None], export: Export) -> dict[int, int]:
    """Message index -> its parent message index (latest linked earlier message)."""
    out: dict[int, int] = {}
    for row in annotation.read_text(encoding="utf-8").split("\n"):
        parts = row.split()
        if len(parts) < 2:
            continue
        a, b = sorted((int(parts[0]), int(parts[1])))
        if a == b:
            continue
        la = lines[a] if a < len(lines) else None
        lb = lines[b] if b < len(lines) else None
        if la is None or lb is None or la.kind.startswith("channel_") or lb.kind.startswith(
                "channel_"):
            export.counts["links_ignored"] += 1
            continue
        out[b] = max(out.get(b, a), a)
    return out


def convert(channel: str, lines: list[Line | None], links: dict[int, int], export: Export) -> None:
    """Stamp ts, resolve mentions and threads, and file each line under its channel day."""
    c = export.counts
    speakers = {ln.nick.lower(): ln.nick for ln in lines if ln and not ln.kind.startswith("ch")}
    first_clock = next((ln for ln in lines if ln and ln.second >= 0), None)
    prev: Line | None = first_clock
    within: dict[tuple[date, int], int] = defaultdict(int)
    for ln in lines:
        if ln is None:
            c["dropped_lines"] += 1
            continue
        if ln.second < 0:  # system line: the previous line's time
            if prev is None:
                c["dropped_lines"] += 1
                continue
            ln.day, ln.second, ln.precise = prev.day, prev.second, prev.precise
        prev = ln
        slot = ln.second if ln.precise else ln.second // 60 * 60
        k = within[(ln.day, slot)]
        within[(ln.day, slot)] += 1
        base = int(datetime.combine(ln.day, datetime.min.time(), UTC).timestamp()) + slot
        stamp = (base + (0 if ln.precise else min(k, 59)), k)
        last = export.last_ts.get(channel)
        if last is not None and stamp <= last:
            stamp = (last[0], last[1] + 1) if last[1] < 999_999 else (last[0] + 1, 0)
            c["ts_adjusted"] += 1
        export.last_ts[channel] = stamp
        ln.ts = f"{stamp[0]}.{stamp[1]:06d}"
        ln.uid = export.uid(ln.nick)
        export.members[channel][ln.uid] = None
    roots: dict[int, int] = {}
    replies: dict[int, list[int]] = defaultdict(list)
    for b in sorted(links):
        a = links[b]
        root = roots.get(a, a)
        roots[b] = root
        replies[root].append(b)
    for i, ln in enumerate(lines):
        if ln is None or not ln.ts:
            continue
        text = _escape(ln.text)
        msg: dict[str, object] = {"type": "message", "user": ln.uid, "text": text, "ts": ln.ts,
                                  "team": _TEAM, "user_profile": {"name": ln.nick,
                                                                  "real_name": ln.nick}}
        if ln.kind == "message":
            m = _ADDRESSED.match(ln.text)
            target = speakers.get(m[1].lower()) if m else None
            if m and target is not None:
                msg["text"] = f"<@{export.uid(target)}> {_escape(m[2])}".rstrip()
                c["mentions"] += 1
            c["messages"] += 1
        elif ln.kind == "me_message":
            msg["subtype"] = "me_message"
            c["messages"] += 1
        else:
            msg["subtype"] = ln.kind
            msg["text"] = f"<@{ln.uid}> has {'joined' if ln.kind == 'channel_join' else 'left'}"
            c["system_events"] += 1
        if i in replies:
            kids = replies[i]
            msg.update(thread_ts=ln.ts, reply_count=len(kids),
                       reply_users=list(dict.fromkeys(_uid(lines, j) for j in kids)),
                       latest_reply=_ts(lines, kids[-1]))
            c["threads"] += 1
        elif i in roots:
            parent = lines[roots[i]]
            assert parent is not None
            msg.update(thread_ts=parent.ts, parent_user_id=parent.uid)
            c["replies_linked"] += 1
        export.days[(channel, ln.day.isoformat())].append(msg)
        export.first.setdefault(channel, (ln.ts, ln.uid))


def _uid(lines: list[Line | None], i: int) -> str:
    ln = lines[i]
    return ln.uid if ln else ""


def _ts(lines: list[Line | None], i: int) -> str:
    ln = lines[i]
    return ln.ts if ln else ""


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write(export: Export, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    users = [{"id": uid, "team_id": _TEAM, "name": nick, "real_name": nick, "deleted": False,
              "is_bot": False, "profile": {"real_name": nick, "display_name": nick}}
             for nick, uid in export.users.items()]
    channels = []
    for n, (name, (ts, uid)) in enumerate(sorted(export.first.items()), start=1):
        channels.append({"id": f"C{n:07d}", "name": name, "created": int(float(ts)),
                         "creator": uid, "is_archived": False, "is_general": n == 1,
                         "members": list(export.members[name]),
                         "topic": {"value": "", "creator": "", "last_set": 0},
                         "purpose": {"value": "", "creator": "", "last_set": 0}})
    (out / "users.json").write_text(json.dumps(users, ensure_ascii=False), encoding="utf-8")
    (out / "channels.json").write_text(json.dumps(channels, ensure_ascii=False), encoding="utf-8")
    for (channel, day), msgs in export.days.items():
        folder = out / channel
        folder.mkdir(exist_ok=True)
        (folder / f"{day}.json").write_text(json.dumps(msgs, ensure_ascii=False),
                                            encoding="utf-8")
    export.counts.update(users=len(users), channels=len(channels), day_files=len(export.days))


def run(src: Path, out: Path, splits: list[str]) -> dict[str, int]:
    """Convert ``splits`` of the corpus at ``src`` into a Slack export at ``out``; the counts."""
    export = Export()
    sources: list[tuple[str, str, list[Line | None], Path]] = []  # (key, channel, lines, file)
    for split in splits:
        if split == "new-domains":
            for f in sorted((src / split).glob("*.ascii.txt")):
                channel, lines = read_new_domain(f)
                first = next((ln for ln in lines if ln and ln.second >= 0), None)
                key = f"{first.day.isoformat()} {first.second:05d}" if first else ""
                sources.append((key, channel, lines, f))
        else:
            for f in sorted((src / split).glob("*.raw.txt")):
                sources.append((f.name, "ubuntu", read_ubuntu(f), f))
    for _, channel, lines, f in sorted(sources, key=lambda s: (s[1], s[0])):
        name = f.name.replace(".raw.txt", "").replace(".ascii.txt", "")
        links = parents(f.with_name(name + ".annotation.txt"), lines, export)
        convert(channel, lines, links, export)
        export.counts["files"] += 1
        export.counts["lines"] += len(lines)
    write(export, out)
    return dict(export.counts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Convert the IRC disentanglement corpus to a "
                                 "Slack export (test data).")
    ap.add_argument("--src", type=Path, required=True, help="the irc-ubuntu-disentanglement folder")
    ap.add_argument("--out", type=Path, required=True, help="where to write the Slack export")
    ap.add_argument("--splits", default="train,dev,test",
                    help="comma-separated: train, dev, test, new-domains")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    counts = run(args.src, args.out, [s for s in args.splits.split(",") if s])
    report: dict[str, object] = {**counts, "seconds": round(time.perf_counter() - started, 2)}
    print(json.dumps(report, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
