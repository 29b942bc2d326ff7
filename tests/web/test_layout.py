"""Every page at phone width (390 x 844) in Debian's headless Chromium: no sideways scrolling,
a skip link first, the current page marked in the navigation, a label on every input, and no
console error (a CSP violation is one). The member has imported the canary archive; the admin
runs the simulated org of ``upwell.lab.org_demo`` (released and suppressed groups). The CLI's
HTML report is checked at the same width. Screenshots go to var/test-artifacts/browser/.

The pages are the single list ``PAGES`` below; ``test_pages_list_every_html_page`` fails when
the app gains a GET page (``member`` or ``org_admin`` policy, outside ``/api``) that the list
does not name, so a new page gets measured too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tests.test_simulate import small_pools
from tests.web import helpers

from upwell.cli import cli
from upwell.config import Settings
from upwell.lab.org_demo import ADMIN_EMAIL, build
from upwell.lab.sim import simulate
from upwell.store.accounts import create_invitation
from upwell.testing import open_store
from upwell.web import create_app
from upwell.web.policies import flat_routes, policy_of

ARTIFACTS = helpers.ARTIFACTS
WIDTH, HEIGHT = 390, 844
ADMIN_PASSWORD = "admin-password-1"
POLICY = 'k = 5\nmetrics = ["after_hours", "meeting_hours", "tone", "one_on_ones"]\n'

#: Every GET page of the member and the org admin, by route template: the URL to open
#: ("{job}" is the member's import job), or None with the
#: reason it is not a page one can look at.
PAGES: dict[str, str | None] = {
    "/consent": "/consent",
    "/me": "/me",
    "/me/cards/{insight}": "/me/cards/unanswered_asks",
    "/me/relationships": "/me/relationships",
    "/me/meetings": "/me/meetings",
    "/me/goals": "/me/goals",
    "/me/team": "/me/team",
    "/me/import": "/me/import",
    "/me/imports/{job_id}": "/me/imports/{job}",
    "/me/privacy": "/me/privacy",
    "/me/export.html": "/me/export.html",  # an attachment: saved, then opened
    "/me/access-log": "/me/access-log",
    "/me/settings": "/me/settings",
    "/me/sources": "/me/sources",
    "/me/group-insights": "/me/group-insights",
    "/admin": "/admin",
    "/admin/insights": "/admin/insights",  # the root group, with its trends
}
NOT_PAGES = {
    "/me/export.json": "a JSON download",
    "/me/sources/callback": "the provider's redirect target (needs a single-use state)",
}
#: Public pages seen by someone signed out (not enumerated: the route test covers members and
#: admins; these are here because a newcomer meets them first).
PUBLIC = ("/login", "/invite/{token}")
ATTACHMENTS = {"/me/export.html"}

#: In-page measurement: width, the first focusable element, the marked nav item, inputs
#: without a label (an associated <label>, aria-label or aria-labelledby), rows of the nav.
MEASURE = """() => {
  const focusable = document.querySelector(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]');
  const current = [...document.querySelectorAll('[aria-current="page"]')];
  const unlabelled = [...document.querySelectorAll('input, select, textarea')]
    .filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length)
            && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
    .map(e => e.name || e.id || e.type);
  return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
          first: focusable ? {cls: focusable.className, href: focusable.getAttribute('href'),
                              text: focusable.textContent.trim()} : null,
          current: current.map(e => e.getAttribute('href')), unlabelled,
          navRows: new Set([...document.querySelectorAll('header nav a')]
                           .map(a => Math.round(a.getBoundingClientRect().top))).size};
}"""

#: For each channel row on Settings: how far (px) its inputs' middles sit from its name's.
CAP_ROWS = """() => [...document.querySelectorAll('.caps .cap')].map(r => {
  const mid = e => { const b = e.getBoundingClientRect(); return b.top + b.height / 2; };
  const name = r.querySelector('span');
  const off = [...r.querySelectorAll('input')].map(i => Math.abs(mid(i) - mid(name)));
  return {name: name.textContent, off: Math.max(...off)};
})"""


@dataclass
class Site:
    base: str
    token: str
    member_email: str
    maildir: Path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The app on a loopback port over a home holding the simulated org (its admin console has
    released and suppressed groups) and a second org with one member account."""
    root = tmp_path_factory.mktemp("layout")
    simulate(small_pools(), people=30, weeks=10, seed=4, out=root / "sim", participation=1.0)
    settings = Settings(home=root / "home", web_secret_key="test-secret-" + "x" * 20)
    build(root / "sim", settings, contributing=0.7, seed=2, admin_password=ADMIN_PASSWORD,
          policy_text=POLICY)
    store = open_store(settings.home)
    helpers.member(store, "acme", "ann@example.org")
    token = create_invitation(store, helpers.org(store, "acme"))
    helpers.archive(root)  # writes root/md (the maildir) and root/mail.zip
    app = create_app(settings, store, secure_cookies=False)
    with helpers.serving(app) as base:
        yield Site(base, token, "ann@example.org", root / "md")
    store.close()


def _html_pages(app_routes: Any) -> set[str]:
    return {r.path for r in flat_routes(app_routes)
            if "GET" in (getattr(r, "methods", None) or ())
            and policy_of(getattr(r, "endpoint", None)) in {"member", "org_admin"}
            and not r.path.startswith("/api/")}


def test_pages_list_every_html_page(tmp_path: Path) -> None:
    store = open_store(tmp_path / "home")
    try:
        app = create_app(Settings(home=tmp_path / "home"), store)
        found = _html_pages(app.routes)
        app.state.jobs.shutdown()
    finally:
        store.close()
    missing = found - set(PAGES) - set(NOT_PAGES)
    assert not missing, f"add these pages to PAGES in {__name__}: {sorted(missing)}"
    gone = (set(PAGES) | set(NOT_PAGES)) - found
    assert not gone, f"no longer routes of the app: {sorted(gone)}"


def _check(page: Any, name: str, problems: list[str], widths: dict[str, int], *,
           nav_href: str | None = None, chrome: bool = True) -> None:
    m = page.evaluate(MEASURE)
    widths[name] = m["scroll"]
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    page.screenshot(path=ARTIFACTS / f"390-{slug}.png", full_page=True)
    if m["scroll"] > m["inner"]:
        problems.append(f"{name}: {m['scroll']} px wide at {m['inner']} px")
    if m["navRows"] > 1:
        problems.append(f"{name}: the navigation takes {m['navRows']} rows")
    if m["unlabelled"]:
        problems.append(f"{name}: inputs without a label {m['unlabelled']}")
    if not chrome:
        return
    first = m["first"] or {}
    if "skip" not in (first.get("cls") or "") or first.get("href") != "#main":
        problems.append(f"{name}: the first focusable element is not the skip link ({first})")
    if nav_href is not None and m["current"] != [nav_href]:
        problems.append(f"{name}: aria-current on {m['current']}, expected [{nav_href!r}]")


def test_every_page_fits_a_phone(site: Site, tmp_path: Path) -> None:
    executable = helpers.browser_or_skip()
    from playwright.sync_api import expect, sync_playwright  # noqa: PLC0415 - playwright (a real browser) loads only when a browser test runs

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    widths: dict[str, int] = {}
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = helpers.chromium(pw, executable)
        try:
            ctx = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
            page = ctx.new_page()
            page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
            page.on("console", lambda msg: errors.append(f"{page.url}: {msg.text}")
                    if msg.type == "error" else None)
            page.on("response", lambda r: errors.append(f"{r.status} for {r.url}")
                    if r.status >= 400 else None)
            for path in PUBLIC:
                page.goto(site.base + path.format(token=site.token))
                _check(page, path, problems, widths)

            # The member: sign in, consent, import the archive, wait for the job.
            page.goto(f"{site.base}/login")
            page.fill("input[name=email]", site.member_email)
            page.fill("input[name=password]", helpers.PASSWORD)
            page.click("button[type=submit] >> text=Sign in")
            expect(page.locator("h1")).to_have_text("Your choices")
            page.check("#mail-coaching")
            page.check("#calendar-coaching")
            page.click("text=Save my choices")
            page.set_input_files("input[name=archive]", str(site.maildir.parent / "mail.zip"))
            page.click("text=Upload and import")
            expect(page.locator("text=See your week")).to_be_visible(timeout=60_000)
            job = page.url.rsplit("/", 1)[1]
            nav = set(page.eval_on_selector_all("header nav a", "as => as.map(a => a.pathname)"))
            for route, url in PAGES.items():
                if url is None or route.startswith("/admin"):
                    continue
                target = url.format(job=job)
                if route in ATTACHMENTS:
                    saved = tmp_path / target.rsplit("/", 1)[1]  # opened as the member would
                    saved.write_bytes(page.request.get(site.base + target).body())
                    page.goto(saved.as_uri())
                    _check(page, route, problems, widths, chrome=False)
                    continue
                page.goto(site.base + target)
                _check(page, route, problems, widths,
                       nav_href=target if target in nav else None)
            # The skip link: first on Tab, shown when focused, and it moves the focus to main.
            page.goto(f"{site.base}/me/settings")
            page.keyboard.press("Tab")
            skip = page.locator("a.skip")
            expect(skip).to_be_focused()
            box = skip.bounding_box()
            assert box is not None
            assert box["y"] >= 0, "the focused skip link is off screen"
            page.keyboard.press("Enter")
            assert page.evaluate("document.activeElement.id") == "main"
            # Settings at 1280 px: each channel's name on the same row as its two caps.
            page.set_viewport_size({"width": 1280, "height": 900})
            rows = page.evaluate(CAP_ROWS)
            assert len(rows) >= 2, rows
            assert all(r["off"] < 8 for r in rows), f"channel names off their rows: {rows}"
            page.screenshot(path=ARTIFACTS / "1280-me-settings.png", full_page=True)
            page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
            page.click("header button >> text=Sign out")

            # The org admin's console.
            page.fill("input[name=email]", ADMIN_EMAIL)
            page.fill("input[name=password]", ADMIN_PASSWORD)
            page.click("button[type=submit] >> text=Sign in")
            for route, url in PAGES.items():
                if url is None or not route.startswith("/admin"):
                    continue
                page.goto(site.base + url)
                _check(page, route, problems, widths, nav_href=url)

            # The CLI's report (``upwell coach --html``), opened from its file.
            report = tmp_path / "report.html"
            result = CliRunner().invoke(cli, ["--home", str(tmp_path / "cli"), "coach",
                                              str(site.maildir), "--html", str(report)])
            assert result.exit_code == 0, result.output
            page.goto(report.as_uri())
            _check(page, "upwell coach --html", problems, widths, chrome=False)
        finally:
            browser.close()
    (ARTIFACTS / "widths-390.json").write_text(json.dumps(widths, indent=1))
    print("\n".join(f"{w:5d} px  {n}" for n, w in widths.items()))
    assert not problems, "\n".join(problems)
    assert not errors, "\n".join(errors)
