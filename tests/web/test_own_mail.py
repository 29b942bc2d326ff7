"""The dashboard says when none of the member's own mail was found, never "nothing stood
out" (docs/identity.md)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web import helpers

from upwell.testing import make_email, write_maildir


def test_dashboard_says_no_own_mail_was_found_and_how_to_fix_it(
        sqlite_app: FastAPI, client_for: Callable[[FastAPI], TestClient], tmp_path: Path) -> None:
    t0 = datetime(2024, 1, 1, 15, tzinfo=UTC)
    root = write_maildir(tmp_path / "md", {"": [
        make_email(sender=f"Colleague {c} <c{c}@acme.example>", to=f"list{c}@acme.example",
                   subject=f"Update {c}", date=t0 + timedelta(days=c),
                   body="The weekly update is attached for your review.\n")
        for c in range(6)]})
    out = tmp_path / "mail.zip"
    with zipfile.ZipFile(out, "w") as zf:
        for f in sorted(root.rglob("*")):
            if f.is_file():
                zf.write(f, "md/" + str(f.relative_to(root)))
    helpers.member(sqlite_app.state.store, "acme", "ann@example.org")
    client = client_for(sqlite_app)
    csrf = helpers.sign_in(client, "ann@example.org")
    helpers.consent_all(client, csrf)
    with out.open("rb") as fh:
        r = client.post("/me/import", data={"csrf": csrf},
                        files={"archive": ("mail.zip", fh, "application/zip")},
                        follow_redirects=False)
    assert r.status_code == 303, r.text
    sqlite_app.state.jobs.wait(r.headers["location"].rsplit("/", 1)[1], 120)
    page = client.get("/me").text
    assert 'id="no-own-mail"' in page
    assert "--me" in page
    assert "Nothing stood out" not in page
