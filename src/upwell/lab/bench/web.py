"""Dashboard latency under load: N signed-in members loading their dashboards at once.

Reads/writes: a scratch home (SQLite, local key file) that it deletes afterwards. Starts the app
as ``upwell serve`` (uvicorn, its own process) on a free loopback port, signs N members in
through the login form (each its own session cookie), then has every member load their
dashboard page ``requests_per_member`` times over their own keep-alive connection, pausing
``think_ms`` between loads, all members at once (bounded in count and time; loopback only).
Returns the latency percentiles of every load (slow ones and failures included: a failed load
counts as an error and its time still counts), the machine's load average before and after,
and the server's CPU time per request where ``/proc`` tells it. A benchmark prints numbers; it
is never a timed test.

The load client is a few lines of HTTP/1.1 over asyncio streams rather than httpx: on a small
machine the client shares the CPU with the server it measures, and httpx spent about 4.7 ms of
CPU per request here (more than the server), which turned client overhead into "latency".
Each request is still a full round trip: request line, the member's cookie, the complete body
read and checked. See docs/web.md.
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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from upwell.config import Settings
from upwell.pipeline.analyzers import resolve_analyzers
from upwell.pipeline.imports import import_archive
from upwell.store import consent
from upwell.store.accounts import create_account, create_org
from upwell.store.db import Store
from upwell.store.member_settings import MemberPrefs
from upwell.testing import make_email, write_maildir
from upwell.web import dashboard

PASSWORD = "bench-password-123"  # noqa: S105 - members of a throwaway scratch store


def _archive(root: Path) -> Path:
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
            import_archive(store, m, md, analyzers=resolve_analyzers(Settings()))
            dashboard.refresh(store, m, MemberPrefs())
            emails.append(email)
    finally:
        store.close()
    return emails


async def _sign_in(base: str, email: str) -> str | None:
    """Sign in through the login form; the session cookie's value, or ``None``."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as c:
        page = await c.get("/login")
        csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        r = await c.post("/login", data={"email": email, "password": PASSWORD, "csrf": csrf})
        return c.cookies.get("upwell") if r.status_code == 303 else None


class _Member:
    """One signed-in member's browser, reduced to what a page load needs: a keep-alive
    connection and the session cookie (updated from each response's ``Set-Cookie``)."""

    def __init__(self, port: int, cookie: str) -> None:
        self.port = port
        self.cookie = cookie
        self._conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        if self._conn is None:
            self._conn = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self._conn
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                     f"Accept: text/html\r\nCookie: upwell={self.cookie}\r\n\r\n".encode())
        await writer.drain()
        status = int((await reader.readline()).split(b" ", 2)[1])
        length, chunked, close = 0, False, False
        while (line := await reader.readline()) not in {b"\r\n", b""}:
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding":
                chunked = "chunked" in value.lower()
            elif name == "connection":
                close = value.lower() == "close"
            elif name == "set-cookie" and value.startswith("upwell="):
                self.cookie = value.split(";", 1)[0].removeprefix("upwell=")
        if chunked:
            parts = []
            while size := int((await reader.readline()).split(b";", 1)[0], 16):
                parts.append(await reader.readexactly(size))
                await reader.readline()
            await reader.readline()
            body = b"".join(parts)
        else:
            body = await reader.readexactly(length)
        if close:
            await self.close()
        return status, body

    async def close(self) -> None:
        if self._conn is not None:
            self._conn[1].close()
            self._conn = None


async def _sign_in_all(port: int, emails: list[str]) -> list[_Member]:
    """Sign every member in (one at a time: sign-in is deliberately slow)."""
    members = []
    for email in emails:
        cookie = await _sign_in(f"http://127.0.0.1:{port}", email)
        if cookie is None:
            raise RuntimeError("a bench member could not sign in")
        members.append(_Member(port, cookie))
    return members


async def _load(members: list[_Member], per_member: int, think_s: float, deadline: float
                ) -> tuple[list[float], int]:
    """Let all signed-in ``members`` load their dashboard at once, each pausing ``think_s``
    between loads; returns every load's latency (ms) and the number of failed loads."""
    latencies: list[float] = []
    errors = 0

    async def one(i: int, m: _Member) -> None:
        nonlocal errors
        await asyncio.sleep(think_s * i / len(members))  # members arrive spread out
        for _ in range(per_member):
            if time.monotonic() > deadline:
                return
            t = time.perf_counter()
            try:
                status, body = await asyncio.wait_for(m.get("/me"), 30)
            except (OSError, ValueError, IndexError, TimeoutError, asyncio.IncompleteReadError):
                status, body = 0, b""
                await m.close()
            latencies.append((time.perf_counter() - t) * 1000)
            if status != 200 or b"Your week of" not in body:
                errors += 1
            await asyncio.sleep(think_s)

    try:
        await asyncio.gather(*(one(i, m) for i, m in enumerate(members)))
    finally:
        for m in members:
            await m.close()
    return latencies, errors


def _cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) used so far by process ``pid``, where /proc tells it."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _measure(port: int, pid: int, emails: list[str],  # noqa: PLR0917 - one run's inputs
                   per_member: int, think_s: float, deadline: float) -> dict[str, Any]:
    """Sign the members in, then time the load phase alone: latencies, errors, the server's
    CPU seconds and the machine's load average (1, 5, 15 min) before and after."""
    members = await _sign_in_all(port, emails)
    load_before, cpu_before = os.getloadavg(), _cpu_s(pid)
    latencies, errors = await _load(members, per_member, think_s, deadline)
    cpu_after, load_after = _cpu_s(pid), os.getloadavg()
    return {"latencies": latencies, "errors": errors,
            "server_cpu_s": None if cpu_before is None or cpu_after is None
            else cpu_after - cpu_before,
            "load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in load_after]}


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
            run = asyncio.run(_measure(port, server.pid, emails, requests_per_member,
                                       think_ms / 1000, time.monotonic() + max_seconds))
        finally:
            server.terminate()
            server.wait(10)
    lat: list[float] = sorted(run["latencies"])
    q = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) >= 2 else [0.0] * 99
    cpu = run["server_cpu_s"]
    return {"members": members, "requests_per_member": requests_per_member,
            "think_ms": think_ms, "requests": len(lat), "errors": run["errors"],
            "p50_ms": round(q[49], 1), "p95_ms": round(q[94], 1),
            "max_ms": round(lat[-1], 1) if lat else 0.0,
            "server_cpu_ms_per_request": round(cpu * 1000 / len(lat), 2)
            if cpu is not None and lat else None,
            "cpus": os.cpu_count(), "load_before": run["load_before"],
            "load_after": run["load_after"]}
