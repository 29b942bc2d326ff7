"""Print the real-mail labels a tuner may read: points and verdicts of dev and unlabelled weeks.

Usage: python tools/dev_labels.py [--insight NAME] [--mailbox NAME] [--points | --verdicts]

The points and verdict files carry no split field, so a search over them shows held-out weeks
too; this reads them through ``weeks.json`` and leaves every labelled test week out. Prints to
the terminal only.
"""

from __future__ import annotations

import argparse
import json

from upwell.lab.evaluate.real_score import LABELS, load_labels


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--insight")
    ap.add_argument("--mailbox")
    which = ap.add_mutually_exclusive_group()
    which.add_argument("--points", action="store_true", help="points only")
    which.add_argument("--verdicts", action="store_true", help="verdicts only")
    a = ap.parse_args()
    held_out = load_labels(LABELS).held_out("dev")
    kinds = ["points"] if a.points else ["cards"] if a.verdicts else ["points", "cards"]
    shown = 0
    for kind in kinds:
        for path in sorted((LABELS / kind).glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                r = json.loads(line)
                if (r["mailbox"], r["week"]) in held_out:
                    continue
                if (a.insight and r.get("insight") != a.insight) or (
                        a.mailbox and r["mailbox"] != a.mailbox):
                    continue
                print(kind, json.dumps(r, ensure_ascii=False))
                shown += 1
    print(f"{shown} labels of dev and unlabelled weeks ({len(held_out)} test weeks left out)")


if __name__ == "__main__":
    main()
