"""Where simulated items go: each participant's own archives on disk, or a counter.

Reads: rendered items from :mod:`upwell.lab.sim.generate`. Writes (``DiskSink``), per participant
under ``OUT/people/<id>/``: ``mail/`` (a Maildir: received mail in ``cur/``, sent mail in the
Maildir++ folder ``.Sent/``), ``slack/`` (a Slack workspace export: ``users.json``,
``channels.json``, ``dms.json`` and one folder of day files per conversation) and
``calendar.ics``. People who did not opt in get no archives (their messages still sit in their
colleagues' mailboxes). ``CountSink`` renders everything the same way and only counts, for
benchmarks on machines without the disk for a large organization.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from upwell.lab.sim.generate import Chat, Mail, Meeting, render_event, render_mail
from upwell.lab.sim.world import Org, Person, contacts

CAL_HEAD = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Upwell//Simulator//EN\r\n" \
           "CALSCALE:GREGORIAN\r\n"
CAL_TAIL = "END:VCALENDAR\r\n"


class Sink:
    """Counts what passes through; subclasses also store it."""

    def __init__(self, org: Org) -> None:
        self.org = org
        self.people = org.people
        self.mails = 0
        self.chats = 0
        self.events = 0
        self.copies = 0
        self.bytes = 0
        self._ts = 0

    def owners(self, idxs: Iterable[int]) -> list[Person]:
        return [self.people[i] for i in dict.fromkeys(idxs) if self.people[i].participant]

    def mail(self, m: Mail) -> None:
        data = render_mail(m, self.people)
        self.mails += 1
        self.bytes += len(data)
        owners = self.owners((m.sender, *m.to, *m.cc))
        self.copies += len(owners)
        self.store_mail(m, data, owners)

    def chat(self, c: Chat) -> None:
        self._ts = (self._ts + 1) % 1_000_000
        c.ts = f"{int(c.t)}.{self._ts:06d}"
        obj: dict[str, object] = {"type": "message", "user": self.people[c.sender].slack,
                                  "text": c.text, "ts": c.ts}
        if c.thread_ts:
            obj["thread_ts"] = c.thread_ts
        self.chats += 1
        self.bytes += len(c.text) + 60
        owners = self.owners(c.members)
        self.copies += len(owners)
        self.store_chat(c, obj, owners)

    def meeting(self, e: Meeting) -> None:
        text = render_event(e, self.people)
        self.events += 1
        self.bytes += len(text)
        self.store_event(text, self.owners((e.organizer, *e.attendees)))

    def store_mail(self, m: Mail, data: bytes, owners: list[Person]) -> None:
        """Keep a rendered message for its owners (nothing, for a counter)."""

    def store_chat(self, c: Chat, obj: dict[str, object], owners: list[Person]) -> None:
        """Keep a Slack message object for its owners (nothing, for a counter)."""

    def store_event(self, text: str, owners: list[Person]) -> None:
        """Keep a VEVENT for its owners (nothing, for a counter)."""

    def end_week(self) -> None:
        """Flush anything held for the week."""

    def close(self) -> None:
        """Finish every archive."""


class CountSink(Sink):
    """Renders and counts; stores nothing."""


class DiskSink(Sink):
    """Each participant's maildir, Slack export and calendar under ``root/people/<id>/``."""

    def __init__(self, org: Org, root: Path) -> None:
        super().__init__(org)
        self.root = root
        self._n = 0
        self._chats: dict[tuple[int, str, str], list[dict[str, object]]] = defaultdict(list)
        self._cal: dict[int, list[str]] = defaultdict(list)
        for p in org.people:
            if p.participant:
                self._prepare(p)

    def home(self, p: Person) -> Path:
        return self.root / "people" / p.pid

    def _prepare(self, p: Person) -> None:
        base = self.home(p)
        for sub in ("mail/cur", "mail/new", "mail/tmp", "mail/.Sent/cur", "mail/.Sent/new",
                    "mail/.Sent/tmp", "slack"):
            (base / sub).mkdir(parents=True, exist_ok=True)
        (base / "calendar.ics").write_text(CAL_HEAD, encoding="utf-8", newline="")
        self._slack_directory(p, base / "slack")

    def _slack_directory(self, p: Person, root: Path) -> None:
        people = self.people
        leads = {p.manager if p.manager >= 0 else p.idx}
        if p.reports:
            leads.add(p.idx)
        channels = []
        users: set[int] = {p.idx}
        for lead in sorted(leads):
            members = [lead, *people[lead].reports]
            users.update(members)
            channels.append({"id": f"C{lead:06d}", "name": f"C{lead:06d}",
                             "created": int(self.org.start.timestamp()),
                             "members": [people[i].slack for i in members],
                             "purpose": {"value": "Team channel"}})

        dms = []
        for c in contacts(people, p):
            a, b = sorted((p.idx, c))
            users.add(c)
            dms.append({"id": f"D{a:06d}{b:06d}", "created": int(self.org.start.timestamp()),
                        "members": [people[a].slack, people[b].slack]})
        directory = [{"id": people[i].slack, "name": people[i].email.split("@")[0],
                      "real_name": people[i].name, "tz": people[i].tz,
                      "profile": {"real_name": people[i].name, "email": people[i].email,
                                  "display_name": people[i].first}} for i in sorted(users)]
        for name, data in (("users.json", directory), ("channels.json", channels),
                           ("dms.json", dms)):
            (root / name).write_text(json.dumps(data, indent=1), encoding="utf-8")

    def store_mail(self, m: Mail, data: bytes, owners: list[Person]) -> None:
        self._n += 1
        name = f"{int(m.t)}.M{self._n}P{os.getpid()}.sim:2,S"
        for p in owners:
            folder = "mail/.Sent/cur" if p.idx == m.sender else "mail/cur"
            (self.home(p) / folder / name).write_bytes(data)

    def store_chat(self, c: Chat, obj: dict[str, object], owners: list[Person]) -> None:
        day = datetime.fromtimestamp(c.t, UTC).date().isoformat()
        for p in owners:
            self._chats[(p.idx, c.conv, day)].append(obj)

    def store_event(self, text: str, owners: list[Person]) -> None:
        for p in owners:
            self._cal[p.idx].append(text)

    def end_week(self) -> None:
        for (idx, conv, day), items in self._chats.items():
            folder = self.home(self.people[idx]) / "slack" / conv
            folder.mkdir(exist_ok=True)
            path = folder / f"{day}.json"
            day_items = items
            if path.exists():  # a day split across two weeks' flushes
                day_items = json.loads(path.read_text(encoding="utf-8")) + items
            day_items.sort(key=lambda o: str(o["ts"]))
            path.write_text(json.dumps(day_items, indent=1), encoding="utf-8")
        self._chats.clear()
        for idx, texts in self._cal.items():
            with (self.home(self.people[idx]) / "calendar.ics").open(
                    "a", encoding="utf-8", newline="") as fh:
                fh.write("".join(texts))
        self._cal.clear()

    def close(self) -> None:
        self.end_week()
        for p in self.people:
            if p.participant:
                with (self.home(p) / "calendar.ics").open("a", encoding="utf-8",
                                                          newline="") as fh:
                    fh.write(CAL_TAIL)
