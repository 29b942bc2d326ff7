"""The member's whole path through the pages: sign in, consent, import, cards, rights."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from tests.web import helpers
from tests.web.conftest import imported


def test_import_shows_cards_and_evidence_to_the_owner(sqlite_app: FastAPI, client_for,
                                                      tmp_path: Path) -> None:
    store = sqlite_app.state.store
    helpers.member(store, "acme", "ann@example.org")
    c = client_for(sqlite_app)
    imported(sqlite_app, c, tmp_path)
    page = c.get("/me")
    assert page.status_code == 200
    assert "Asks left unanswered" in page.text
    assert helpers.CANARY not in page.text  # evidence only on the evidence view
    assert "<svg" in page.text
    ev = c.get("/me/cards/unanswered_asks")
    assert ev.status_code == 200
    assert helpers.CANARY in ev.text
