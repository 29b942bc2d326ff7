"""Cards travel as typed records (``insights/catalog.py``); the JSON API's output is the stored
shape, unchanged: the stored board's cards, read as records and written back, are the same
JSON, and ``/api/v1/me/dashboard`` and the evidence route answer exactly that shape."""

from __future__ import annotations

from tests.web.conftest import SignedIn

from upwell.insights.catalog import Card, cards_of
from upwell.store.accounts import find_account
from upwell.web import dashboard


def test_cards_round_trip_and_the_api_shape_is_the_stored_shape(ann: SignedIn) -> None:
    store, c = ann.store, ann.client
    account = find_account(store, "ann@example.org")
    assert account is not None
    assert account.member_ref
    data = dashboard.load(store, store.open_member(account.member_ref, create=False))
    assert data is not None
    stored = data["cards"]
    assert stored
    assert any(card["evidence"] for card in stored)
    cards = cards_of(data)
    assert all(isinstance(card, Card) for card in cards)
    assert [card.to_json() for card in cards] == stored
    assert list(stored[0]) == ["insight", "title", "summary", "action", "priority",
                               "evidence_count", "metrics", "caveat", "positive", "evidence"]
    assert list(stored[0]["evidence"][0]) == ["message_id", "sent_at", "subject", "phrase",
                                              "kind", "quote", "who", "day"]
    api = c.get("/api/v1/me/dashboard").json()
    assert api["cards"] == [{k: v for k, v in card.items() if k != "evidence"}
                            for card in stored]
    for card in stored:
        got = c.get(f"/api/v1/me/cards/{card['insight']}/evidence").json()
        assert got == card["evidence"]
