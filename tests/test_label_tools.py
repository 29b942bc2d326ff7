"""The labellers' tools keep the frozen test split out of a tuner's sight."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from upwell.lab.evaluate.real_score import LABELS, load_labels

REPO = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True,
                          check=False)


def test_dev_labels_never_shows_a_test_week() -> None:
    held_out = load_labels(LABELS).held_out("dev")
    assert len(held_out) == 9
    out = _run("tools/dev_labels.py")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line.split(" ", 1)[1]) for line in out.stdout.splitlines()[:-1]]
    assert rows, "no labels shown"
    assert not {(r["mailbox"], r["week"]) for r in rows} & held_out
    assert "9 test weeks left out" in out.stdout.splitlines()[-1]


def test_real_mail_week_refuses_a_test_week_unless_labelling(tmp_path: Path) -> None:
    mailbox, week = sorted(load_labels(LABELS).held_out("dev"))[0]
    refused = _run("tools/real_mail_week.py", mailbox, week, "--data", str(tmp_path))
    assert refused.returncode != 0
    assert "held-out test week" in refused.stderr
    labelling = _run("tools/real_mail_week.py", mailbox, week, "--data", str(tmp_path),
                     "--held-out")
    assert labelling.returncode == 0, labelling.stderr
    assert "0 items in the week" in labelling.stdout
