"""The CLI: import, export, delete, opt in again; errors are coded and content-free."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from upwell.cli import cli
from upwell.testing import make_email, write_mbox


def run(home: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--home", str(home), *args])
    return result.exit_code, result.stdout, result.stderr


def test_import_export_delete_cycle(tmp_path: Path) -> None:
    box = write_mbox(tmp_path / "mine.mbox", [
        make_email(subject="Quarterly numbers", message_id="<q1@example.org>"),
        make_email(subject="Re: Quarterly numbers", message_id="<q2@example.org>",
                   in_reply_to="<q1@example.org>"),
        b"From: nobody@example.org\r\n\r\nno date",
    ])
    home = tmp_path / "home"
    code, out, _ = run(home, "import", str(box), "--json")
    assert code == 0
    report = json.loads(out)
    assert report["seen"] == 3
    assert report["imported"] == 2
    assert report["skipped"] == {"missing_date": 1}
    assert report["linked"] == {"header": 1}

    code, out, _ = run(home, "import", str(box))
    assert code == 0
    assert out.startswith("imported 0, skipped 3 (duplicate 2, missing_date 1) of 3 items seen")

    code, out, _ = run(home, "export")
    assert code == 0
    data = json.loads(out)
    assert sorted(m["subject"] for m in data["messages"]) == [
        "Quarterly numbers", "Re: Quarterly numbers"]
    assert "body" not in json.dumps(data["messages"])  # bodies are never stored

    code, out, _ = run(home, "delete", "--yes")
    assert code == 0
    assert "key shredded" in out
    code, _out, err = run(home, "import", str(box))
    assert code == 2
    assert "E203" in err
    assert "upwell optin" in err
    assert "Quarterly" not in err

    code, out, _ = run(home, "optin")
    assert code == 0
    assert out.strip() == "opted in again"
    code, out, _ = run(home, "import", str(box), "--json")
    assert json.loads(out)["imported"] == 2


def test_unknown_format_error_is_coded(tmp_path: Path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("Dear Bob, secret plans")
    code, _out, err = run(tmp_path / "home", "import", str(f))
    assert code == 2
    assert "E101" in err
    assert "--format" in err
    assert "secret" not in err


def test_export_without_member_says_how_to_fix(tmp_path: Path) -> None:
    code, _out, err = run(tmp_path / "home", "export")
    assert code == 2
    assert "E201" in err
    assert "import an archive first" in err
