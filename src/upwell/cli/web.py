"""``upwell serve`` and ``upwell web ...``: run the web app, set up orgs, admins, invitations
and a demo login bound to a local member. Thin shells over the library; FastAPI and uvicorn are
imported only when a command runs.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

import click

from upwell.config import Settings
from upwell.store.db import Store


def _settings(ctx: click.Context) -> Settings:
    obj: dict[str, Any] = ctx.ensure_object(dict)
    return Settings(**({"home": obj["home"]} if obj.get("home") else {}))


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.pass_context
def serve_cmd(ctx: click.Context, host: str, port: int) -> None:
    """Run the web app (uvicorn). On a loopback address the cookie works over plain http."""
    import uvicorn

    from upwell.web import create_app

    settings = _settings(ctx)
    secure = settings.web_secure_cookies and not _loopback(host)
    app = create_app(settings, secure_cookies=secure)
    click.echo(f"Upwell on http://{host}:{port} (data in {settings.home})", err=True)
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning")


@click.group("web")
def web_group() -> None:
    """Set up the web app: organizations, admins, invitations, a demo login."""


def _org(store: Store, slug: str, create: bool = True) -> int:
    from upwell.store.accounts import create_org, org_id

    found = org_id(store, slug)
    if found is None:
        if not create:
            raise click.ClickException(f"no org {slug!r}: create it with `upwell web org`")
        found = create_org(store, slug, slug.replace("-", " ").title())
    return found


@web_group.command("org")
@click.argument("slug")
@click.option("--name", help="Display name (default: from the slug).")
@click.pass_context
def org_cmd(ctx: click.Context, slug: str, name: str | None) -> None:
    """Create an organization (tenant)."""
    from upwell.store.accounts import create_org

    store = Store(_settings(ctx))
    try:
        create_org(store, slug, name or slug.replace("-", " ").title())
    finally:
        store.close()
    click.echo(f"created org {slug}")


@web_group.command("admin")
@click.option("--org", "slug", required=True)
@click.option("--email", required=True)
@click.password_option()
@click.pass_context
def admin_cmd(ctx: click.Context, slug: str, email: str, password: str) -> None:
    """Create an org admin account (admins have no personal data and see nobody's)."""
    from upwell.store.accounts import create_account

    store = Store(_settings(ctx))
    try:
        create_account(store, _org(store, slug, create=False), email, password, role="admin")
    finally:
        store.close()
    click.echo("admin account created")


@web_group.command("invite")
@click.option("--org", "slug", required=True)
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True)
@click.option("--days", default=14, show_default=True)
@click.pass_context
def invite_cmd(ctx: click.Context, slug: str, base_url: str, days: int) -> None:
    """Print a sign-up link for an org."""
    from upwell.store.accounts import create_invitation

    store = Store(_settings(ctx))
    try:
        token = create_invitation(store, _org(store, slug, create=False), days)
    finally:
        store.close()
    click.echo(f"{base_url.rstrip('/')}/invite/{token}")


@web_group.command("demo-user")
@click.option("--member", "member_ref", required=True,
              help="An existing local member (the name used with --member on import).")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--org", "slug", default="demo", show_default=True)
@click.option("--tz", default="UTC", show_default=True, help="The member's time zone.")
@click.option("--hours", default="9-17", show_default=True, help="Working hours START-END.")
@click.pass_context
def demo_user_cmd(ctx: click.Context, member_ref: str, email: str,  # noqa: PLR0917
                  password: str, slug: str, tz: str, hours: str) -> None:
    """Bind a web login to a local member whose archives are imported (for a demo); prints
    the login. Records coaching consent for mail and calendar and computes the dashboard."""
    from upwell.store import access_log, consent
    from upwell.store.accounts import create_account, find_account, set_password
    from upwell.store.member_settings import MemberPrefs, get_prefs, save_prefs
    from upwell.web import dashboard

    settings = _settings(ctx)
    store = Store(settings)
    try:
        member_id = store.find_member(member_ref)
        if member_id is None:
            raise click.ClickException(f"no local member {member_ref!r}: import an archive "
                                       "with --member first")
        account = find_account(store, email)
        if account is None:
            create_account(store, _org(store, slug), email, password, member_ref=member_ref)
        elif account.member_ref != member_ref:
            raise click.ClickException("this email is bound to another member")
        else:
            set_password(store, account.id, password)
        consent.record(store, member_id, {("mail", "coaching"): True,
                                          ("calendar", "coaching"): True})
        start, end = (int(x) for x in hours.split("-", 1))
        prefs = save_prefs(store, member_id, MemberPrefs(
            tz, start, end, 0, get_prefs(store, member_id,
                                         settings.evidence_retention_days)
            .evidence_retention_days))
        access_log.append(store, member_id, "operator", "demo-login",
                          "a demo web login was bound to this member")
        data = dashboard.refresh(store, store.open_member(member_ref, create=False), prefs)
    finally:
        store.close()
    click.echo(json.dumps({"login": email, "password": password, "cards": len(data["cards"]),
                           "week": data["week"]}))


@web_group.command("bench")
@click.option("--members", default=50, show_default=True)
@click.option("--requests", "n_requests", default=20, show_default=True,
              help="Dashboard loads per member.")
@click.option("--think-ms", default=1000, show_default=True,
              help="Pause between one member's loads (0: back to back).")
@click.option("--json", "as_json", is_flag=True)
def bench_cmd(members: int, n_requests: int, think_ms: int, as_json: bool) -> None:
    """Dashboard latency with N concurrent signed-in members on loopback: prints p50/p95/max,
    the server's CPU time per page and the machine's load average (1/5/15 min) before and
    after, since other work on the machine moves the tail."""
    # The lab's shell: the benchmark is lab code (upwell.lab), imported only inside this command.
    from upwell.lab.bench.web import run_dashboard_bench

    result = run_dashboard_bench(members=members, requests_per_member=n_requests,
                                 think_ms=think_ms)
    cpu = result["server_cpu_ms_per_request"]
    click.echo(json.dumps(result, indent=2) if as_json else
               f"{result['members']} signed-in members x {result['requests_per_member']} "
               f"dashboard loads (think {result['think_ms']} ms): p50 {result['p50_ms']} ms, "
               f"p95 {result['p95_ms']} ms, max {result['max_ms']} ms, "
               f"errors {result['errors']}; server CPU "
               f"{'?' if cpu is None else cpu} ms/page; load average "
               f"{' '.join(map(str, result['load_before']))} -> "
               f"{' '.join(map(str, result['load_after']))} on {result['cpus']} CPUs")
