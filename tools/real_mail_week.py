"""Print one week of one Enron EDRM mailbox for a human labeller (the labeller's own eyes only).

Usage: python tools/real_mail_week.py MAILBOX YYYY-MM-DD [--data ../shared/data] [--body N]
[--held-out]

The week is Monday 00:00 to the next Monday in America/Chicago (the profile the real-mail
evaluation coaches with); ``date_local`` is read as UTC-03:00, as the corpus README says. Every
message of the week is printed in time order with its folder, parties, local time, subject, its
``source_file`` (the reference the labels use) and the first N characters of its body; calendar
entries with a real date (not the export's placeholder) are listed too, marked CALENDAR. Prints to
the terminal only: nothing is written. A labelled week of the frozen test split is refused unless
``--held-out`` says the reader is labelling it, not tuning (docs/evaluation-real-mail.md).
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from upwell.lab.evaluate.real_score import LABELS, load_labels

CHICAGO = ZoneInfo("America/Chicago")
EXPORT = timezone(timedelta(hours=-3))


def parties(items: list[dict[str, str]]) -> str:
    return "; ".join(f"{p.get('name') or ''} <{p.get('addr') or ''}>" for p in items)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mailbox")
    ap.add_argument("week", help="the Monday, YYYY-MM-DD (America/Chicago)")
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--body", type=int, default=1200, help="characters of body to show")
    ap.add_argument("--held-out", action="store_true",
                    help="show a week of the test split (to label it; never while tuning)")
    a = ap.parse_args()
    if not a.held_out and (a.mailbox, a.week) in load_labels(LABELS).held_out("dev"):
        raise SystemExit(f"{a.mailbox} {a.week} is a held-out test week: not shown while tuning "
                         "(pass --held-out to label it)")
    start = datetime.fromisoformat(a.week).replace(tzinfo=CHICAGO)
    end = start + timedelta(weeks=1)
    rows = []
    for path in sorted((a.data / "enron-edrm-10-mailboxes").glob(f"{a.mailbox}.part*.jsonl")):
        for line in path.open(encoding="utf-8"):
            d = json.loads(line)
            if d.get("item_type") not in {"message", "calendar"} or not d.get("date_local"):
                continue
            if d.get("date_is_placeholder"):
                continue
            t = datetime.fromisoformat(d["date_local"]).replace(tzinfo=EXPORT).astimezone(CHICAGO)
            if start <= t < end:
                rows.append((t, d))
    rows.sort(key=lambda r: r[0])
    for i, (t, d) in enumerate(rows, 1):
        body = (d.get("body") or "").strip()
        kind = "CALENDAR " if d["item_type"] == "calendar" else ""
        print(f"=== [{i}] {kind}{t:%a %Y-%m-%d %H:%M} Chicago | folder: {d['folder']}")
        print(f"source_file: {d['source_file']}")
        print(f"From: {parties(d.get('from') or [])}")
        print(f"To: {parties(d.get('to') or [])}")
        if d.get("cc"):
            print(f"Cc: {parties(d['cc'])}")
        print(f"Subject: {d.get('subject') or ''}")
        print(body[:a.body] + (" [...]" if len(body) > a.body else ""))
        print()
    print(f"{len(rows)} items in the week of {a.week}")


if __name__ == "__main__":
    main()
