"""The member's path in a real headless Chromium (Debian's), driven by Playwright: sign up from
an invitation, consent, upload an archive, see cards and their evidence, export, delete.
Screenshots go to var/test-artifacts/browser/. In CI a missing browser fails the test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.web import helpers

from upwell.config import Settings
from upwell.store.accounts import create_invitation
from upwell.testing import open_store
from upwell.web import create_app

ARTIFACTS = helpers.ARTIFACTS


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The app on a free loopback port; yields (base URL, invitation token)."""
    home = tmp_path / "home"
    store = open_store(home)
    token = create_invitation(store, helpers.org(store, "acme"))
    app = create_app(Settings(home=home), store, secure_cookies=False)
    with helpers.serving(app) as base:
        yield base, token
    store.close()


def test_member_journey_in_chromium(server: tuple[str, str], tmp_path: Path) -> None:
    from playwright.sync_api import expect  # noqa: PLC0415 - playwright (a real browser) loads only when a browser test runs

    base, token = server
    archive = helpers.archive(tmp_path)
    with helpers.chromium_page(accept_downloads=True) as (page, errors):
        page.goto(f"{base}/invite/{token}")
        expect(page.get_by_text("What Upwell never shows anyone")).to_be_visible()
        page.screenshot(path=ARTIFACTS / "01-invitation.png", full_page=True)
        page.fill("input[name=email]", "ann@example.org")
        page.fill("input[name=password]", helpers.PASSWORD)
        page.click("text=Create my account")
        expect(page.locator("h1")).to_have_text("Your choices")
        assert not page.is_checked("#mail-aggregate")  # off by default
        page.check("#mail-coaching")
        page.check("#calendar-coaching")
        page.screenshot(path=ARTIFACTS / "02-consent.png", full_page=True)
        page.click("text=Save my choices")
        expect(page.locator("h1")).to_have_text("Import your own archive")
        page.set_input_files("input[name=archive]", str(archive))
        page.click("text=Upload and import")
        done = page.locator("text=See your week")
        expect(done).to_be_visible(timeout=60_000)  # htmx polls the job's progress
        page.screenshot(path=ARTIFACTS / "03-import-done.png", full_page=True)
        done.click()
        expect(page.locator("#card-unanswered_asks")).to_be_visible()
        assert helpers.CANARY not in page.content()
        page.click("#card-unanswered_asks >> .evidence-link")
        expect(page.locator("#ev-unanswered_asks")).to_contain_text(helpers.CANARY)
        page.screenshot(path=ARTIFACTS / "04-dashboard-evidence.png", full_page=True)
        page.click("text=Privacy")
        with page.expect_download() as info:
            page.click("#export-json")
        data = json.loads(Path(info.value.path()).read_text())
        assert data["format"] == "upwell-export/1"
        assert data["messages"]
        page.fill("#confirm-delete", "DELETE")
        page.screenshot(path=ARTIFACTS / "05-privacy.png", full_page=True)
        page.click("#delete")
        expect(page.locator("h1")).to_have_text("Your data is deleted")
        page.screenshot(path=ARTIFACTS / "06-deleted.png", full_page=True)
        page.goto(f"{base}/me")
        expect(page.locator("h1")).to_have_text("Sign in")
    assert not errors


def test_api_docs_render_under_the_csp(server: tuple[str, str]) -> None:
    """/docs: Swagger UI from the app's own files, its inline start-up script allowed by hash;
    no console error (a CSP violation is one) and no request to another origin."""
    from playwright.sync_api import expect  # noqa: PLC0415 - playwright (a real browser) loads only when a browser test runs

    base, _token = server
    with helpers.chromium_page() as (page, errors):
        elsewhere: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("request", lambda r: None if r.url.startswith((base, "data:"))
                else elsewhere.append(r.url))
        response = page.goto(f"{base}/docs")
        assert response is not None
        csp = response.headers["content-security-policy"]
        assert "'unsafe-inline'" not in csp
        assert "'sha256-" in csp
        other = page.request.get(f"{base}/login").headers["content-security-policy"]
        assert "'sha256-" not in other  # every other page keeps the strict policy
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("Upwell")
        operation = page.locator(".opblock-summary-path[data-path='/api/v1/me/dashboard']")
        expect(operation).to_be_visible()
        page.screenshot(path=ARTIFACTS / "07-api-docs.png", full_page=False)
    assert not errors, errors
    assert not elsewhere, elsewhere


def test_member_declares_a_direct_report_in_chromium(server: tuple[str, str]) -> None:
    """The team page (issue 18): a member adds a direct report through the form."""
    from playwright.sync_api import expect  # noqa: PLC0415 - playwright (a real browser) loads only when a browser test runs

    base, token = server
    with helpers.chromium_page() as (page, errors):
        page.goto(f"{base}/invite/{token}")
        page.fill("input[name=email]", "bo@example.org")
        page.fill("input[name=password]", helpers.PASSWORD)
        page.click("text=Create my account")
        expect(page.locator("h1")).to_have_text("Your choices")
        page.goto(f"{base}/me/team")
        expect(page.locator("h1")).to_have_text("Your team")
        expect(page.locator("#team")).to_contain_text("Nobody declared yet")
        page.fill("#team-person", "dana@example.org")
        page.click("#team-add button[type=submit]")
        expect(page.locator("h1")).to_have_text("Your team")
        row = page.locator("#team tr.team-member")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("dana@example.org")
        expect(row).to_contain_text("direct report")
        page.screenshot(path=ARTIFACTS / "07-team.png", full_page=True)
        row.locator("text=Remove").click()
        expect(page.locator("#team")).to_contain_text("Nobody declared yet")
    assert not errors
