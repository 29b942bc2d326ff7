"""One member, two doors, one export: ``upwell export`` and ``/me/export.json`` are the same
document (both are :func:`upwell.rights.export`)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from tests.web.conftest import SignedIn

from upwell.cli import cli
from upwell.store.accounts import find_account


def test_cli_export_and_web_export_are_the_same_document(ann: SignedIn, tmp_path: Path) -> None:
    store, c, csrf = ann.store, ann.client, ann.csrf  # consents and an import
    h = {"X-CSRF-Token": csrf}
    assert c.put("/api/v1/me/settings", headers=h, json={
        "tz": "Europe/Paris", "start_hour": 8, "end_hour": 16, "digest_day": 2,
        "evidence_retention_days": 30}).status_code == 200
    assert c.post("/api/v1/me/goals", headers=h, json={"metric": "recognition"}
                  ).status_code == 201
    assert c.post("/me/delivery", data={
        "csrf": csrf, "digest_enabled": "on", "digest_hour": "7", "nudge_channel": "email",
        "cap_email_day": "1", "cap_email_week": "3", "quiet_start": "22", "quiet_end": "6",
        "muted": ["harsh_language"]}).status_code == 200
    assert c.post("/me/exclusions", data={"csrf": csrf, "kind": "channel",
                                          "target": "C-random"}).status_code == 200
    assert c.post("/me/forget", data={"csrf": csrf, "first": "2024-02-26",
                                      "last": "2024-03-03"}).status_code == 200
    c.post("/me/pause", data={"csrf": csrf, "paused": "true"})
    c.post("/me/pause", data={"csrf": csrf, "paused": "false"})
    account = find_account(store, "ann@example.org")
    assert account is not None
    assert account.member_ref

    out = tmp_path / "cli-export.json"
    result = CliRunner().invoke(cli, ["--home", str(tmp_path / "home"), "--member",
                                      account.member_ref, "export", "-o", str(out)])
    assert result.exit_code == 0, result.output
    from_cli = json.loads(out.read_text(encoding="utf-8"))
    from_web = c.get("/me/export.json").json()

    # The member's data and every choice they made are there, whichever door they used.
    for key in ("messages", "consents", "settings", "goals", "delivery",
                "exclusions", "dashboard", "access_log"):
        assert from_cli[key], key
    assert from_cli["settings"]["tz"] == "Europe/Paris"
    assert from_cli["delivery"]["digest_hour"] == 7
    assert sorted(x["kind"] for x in from_cli["exclusions"]) == ["channel", "range"]
    # Each export writes its own access-log entry and lists it (newest first): the web export,
    # made second, lists one more entry (its own) than the CLI's. Everything else is equal.
    assert from_cli["access_log"][0]["action"] == "export"
    assert from_web["access_log"][0]["action"] == "export"
    assert from_web["access_log"][1:] == from_cli["access_log"]
    assert from_web["access_log"][0]["seq"] == from_cli["access_log"][0]["seq"] + 1
    from_web["access_log"] = from_web["access_log"][1:]
    # ``exported_at`` is the one generated field: when each document was written.
    assert from_web.pop("exported_at") >= from_cli.pop("exported_at")
    assert from_web == from_cli
