"""Dashboard latency under load: N signed-in members loading their dashboards at once.

Reads/writes: a scratch home (SQLite, local key file) that it deletes afterwards. Starts the app
with uvicorn on a free loopback port, signs N members in, then has all of them load their
dashboard ``requests_per_member`` times concurrently (bounded in count and time; loopback only)
and returns the latency percentiles. A benchmark prints numbers; it is never a timed test.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from upwell.config import Settings
from upwell.store import consent
from upwell.store.accounts import create_account, create_org
from upwell.store.db import Store
from upwell.store.member_settings import MemberPrefs
from upwell.tasks.imports import import_archive
from upwell.testing import make_email, write_maildir
from upwell.web import dashboard

PASSWORD = "bench-password-123"  # noqa: S105 - members of a throwaway scratch store


def _archive(root: Path) -> Path:
    from datetime import UTC, datetime, timedelta

    t0 = datetime(2024, 1, 1, 15, tzinfo=UTC)
    inbox, sent = [], []
    for week in range(10):
        for day in range(5):
            for k, who in enumerate(("dana", "eli", "fay")):
                t = t0 + timedelta(weeks=week, days=day, hours=k)
                mid = f"<{who}{week}-{day}@example.org>"
                inbox.append(make_email(sender=f"{who.title()} Example <{who}@example.org>",
                                        to="Ann Example <ann@example.org>",
                                        subject=f"Topic {week}-{day}",
                                        body="Could you please check this today?\n", date=t,
                                        message_id=mid))
                sent.append(make_email(sender="Ann Example <ann@example.org>",
                                       to=f"{who.title()} Example <{who}@example.org>",
                                       subject=f"Re: Topic {week}-{day}",
                                       body="Thanks, done.\n", date=t + timedelta(hours=2),
                                       in_reply_to=mid))
    return write_maildir(root / "md", {"": inbox, "Sent Items": sent})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("the server did not start")


def _setup(home: Path, members: int) -> list[str]:
    store = Store(Settings(home=home))
    try:
        org = create_org(store, "bench", "Bench")
        md = _archive(home)
        emails = []
        for i in range(members):
            email = f"member{i}@example.org"
            account = create_account(store, org, email, PASSWORD)
            assert account.member_ref is not None
            m = store.open_member(account.member_ref)
            consent.record(store, m.id, {("mail", "coaching"): True})
            import_archive(store, m, md, analyzers=Settings().resolved_analyzers())
            dashboard.refresh(store, m, MemberPrefs())
            emails.append(email)
    finally:
        store.close()
    return emails


async def _load(base: str, emails: list[str], per_member: int, think_s: float,
                deadline: float) -> tuple[list[float], int]:
    """Sign every member in (one at a time: sign-in is deliberately slow), then let all of
    them load their dashboard at once, each pausing ``think_s`` between loads."""
    latencies: list[float] = []
    errors = 0
    clients = []
    for email in emails:
        c = httpx.AsyncClient(base_url=base, timeout=30)
        page = await c.get("/login")
        csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        r = await c.post("/login", data={"email": email, "password": PASSWORD, "csrf": csrf})
        errors += r.status_code != 303
        clients.append(c)

    async def one(i: int, c: httpx.AsyncClient) -> None:
        nonlocal errors
        await asyncio.sleep(think_s * i / len(clients))  # members arrive spread out
        for _ in range(per_member):
            if time.monotonic() > deadline:
                return
            t = time.perf_counter()
            r = await c.get("/me")
            latencies.append((time.perf_counter() - t) * 1000)
            if r.status_code != 200 or "Your week of" not in r.text:
                errors += 1
            await asyncio.sleep(think_s)

    try:
        await asyncio.gather(*(one(i, c) for i, c in enumerate(clients)))
    finally:
        for c in clients:
            await c.aclose()
    return latencies, errors


def run_dashboard_bench(members: int = 50, requests_per_member: int = 20,
                        think_ms: int = 1000, max_seconds: float = 180) -> dict[str, Any]:
    """p50/p95/max dashboard latency (ms) with ``members`` signed-in members using the app at
    once, each reloading their dashboard every ``think_ms`` (0: back to back)."""
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        emails = _setup(home, members)
        port = _free_port()
        # The server runs as `upwell serve` in its own process, as it would in production
        # (a client in the same process would compete with it for the interpreter).
        env = {**os.environ, "UPWELL_HOME": str(home), "UPWELL_WEB_LOGIN_ATTEMPTS": "1000"}
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "upwell", "serve", "--host", "127.0.0.1", "--port",
             str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_for(port)
            lat, errors = asyncio.run(_load(f"http://127.0.0.1:{port}", emails,
                                            requests_per_member, think_ms / 1000,
                                            time.monotonic() + max_seconds))
        finally:
            server.terminate()
            server.wait(10)
    lat.sort()
    q = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) >= 2 else [0.0] * 99
    return {"members": members, "requests_per_member": requests_per_member,
            "think_ms": think_ms, "requests": len(lat), "errors": errors,
            "p50_ms": round(q[49], 1), "p95_ms": round(q[94], 1),
            "max_ms": round(lat[-1], 1) if lat else 0.0}
