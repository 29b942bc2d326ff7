"""Builders for the web tests: a synthetic archive with a planted canary, signed-in clients."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from upwell.store.accounts import create_account, create_org, org_id
from upwell.store.db import Store
from upwell.testing import weekly_asks

CANARY = "CANARY-7f3a9c"
PASSWORD = "correct horse battery"
T0 = datetime(2024, 1, 1, 15, tzinfo=UTC)


def archive(tmp: Path) -> Path:
    """A zipped maildir: nine weeks of asks from Dana (answered for eight), the last week's
    asks carrying the canary in subject and body."""
    root = weekly_asks(tmp / "md", ask="Could you please review the draft",
                       reply="Sure, thanks a lot for the clear summary.",
                       last_week_tag=f" {CANARY}")
    out = tmp / "mail.zip"
    with zipfile.ZipFile(out, "w") as zf:
        for f in sorted(root.rglob("*")):
            if f.is_file():
                zf.write(f, "md/" + str(f.relative_to(root)))
    return out


def org(store: Store, slug: str) -> int:
    return org_id(store, slug) or create_org(store, slug, slug.title())


def member(store: Store, slug: str, email: str) -> None:
    create_account(store, org(store, slug), email, PASSWORD)


def admin(store: Store, slug: str, email: str) -> None:
    create_account(store, org(store, slug), email, PASSWORD, role="admin")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Sign in through the login form; returns the session's CSRF token."""
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"email": email, "password": password, "csrf": token},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"])
    return csrf_of(page.text)


def consent_all(client: TestClient, csrf: str) -> None:
    r = client.post("/consent", data={"csrf": csrf, "mail-coaching": "on",
                                      "calendar-coaching": "on"}, follow_redirects=False)
    assert r.status_code == 303


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """``app`` served by uvicorn on a free loopback port in a thread: its base URL, until the
    block ends (then the server stops and the app's import jobs shut down)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                        access_log=False))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)
        app.state.jobs.shutdown()


CHROMIUM = os.environ.get("UPWELL_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "browser"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def browser_or_skip() -> str:
    """Debian's Chromium; a skip with its reason without it (a failure in CI)."""
    path = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not path:
        msg = f"Chromium not found at {CHROMIUM} (make test installs Debian's chromium as root)"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    return path


@contextmanager
def chromium_page(**options: Any) -> Iterator[tuple[Any, list[str]]]:
    """A watched page of a fresh headless Chromium (closed afterwards) and the list its script
    errors go to; skips without Chromium. ``options`` go to ``new_page``."""
    executable = browser_or_skip()
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - playwright (a real browser) loads only when a browser test runs

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = chromium(pw, executable)
        try:
            yield watched_page(browser, errors, **options), errors
        finally:
            browser.close()


def chromium(pw: Any, executable: str) -> Any:
    """Debian's headless Chromium at ``executable``, launched by Playwright (never a download)."""
    return pw.chromium.launch(executable_path=executable, headless=True,
                              args=["--no-sandbox", "--disable-dev-shm-usage"])


def watched_page(browser: Any, errors: list[str], **options: Any) -> Any:
    """A new page of ``browser`` whose script errors are appended to ``errors``."""
    page = browser.new_page(**options)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page
