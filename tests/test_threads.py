"""Reply linkage over blind keys, and address list splitting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import formataddr, getaddresses

from hypothesis import given
from hypothesis import strategies as st

from upwell.normalize.address import fold_name, split_addresses
from upwell.normalize.threads import (
    LinkRow,
    is_reply_subject,
    link_replies,
    normalize_subject,
    thread_roots,
)

T = datetime(2024, 1, 1, tzinfo=UTC)


def row(i: str, minutes: int, subject: str | None = "s", *, reply: bool = False,
        msgid: str | None = None, irt: str | None = None, quoted: str | None = None,
        sender: str | None = None) -> LinkRow:
    return LinkRow(i, T + timedelta(minutes=minutes), reply, subject, msgid, irt, quoted, sender)


def test_subject_normalization() -> None:
    assert normalize_subject("RE: Fw: re[2]:  Budget   Plan") == "budget plan"
    assert is_reply_subject("Re: x")
    assert is_reply_subject("AW: x")
    assert not is_reply_subject("Regarding x")


def test_header_link_wins_then_quote_then_subject() -> None:
    rows = [
        row("a", 0, sender="ann", msgid="m1"),
        row("b", 10, sender="bob"),
        row("c", 20, reply=True, irt="m1"),
        row("d", 30, reply=True, quoted="ann"),
        row("e", 40, reply=True),
        row("f", -5, reply=True, subject="other"),
    ]
    links = link_replies(rows)
    assert links["c"] == ("a", "header")
    assert links["d"] == ("a", "quote")
    assert links["e"] == ("d", "subject")
    assert "f" not in links  # nothing earlier with that subject
    assert "a" not in links
    assert "b" not in links


def test_reply_is_never_linked_to_a_later_message() -> None:
    links = link_replies([row("r", 0, reply=True), row("later", 10)])
    assert links == {}


def test_thread_roots_follow_chains_and_break_cycles() -> None:
    assert thread_roots({"c": "b", "b": "a"}) == {"c": "a", "b": "a"}
    roots = thread_roots({"x": "y", "y": "x"})
    assert set(roots) == {"x", "y"}


def test_fold_name_matches_across_orders() -> None:
    assert fold_name("Cantrell, Rebecca W.") == fold_name("Rebecca Cantrell")
    assert fold_name('"Smith, John" <x>') == "john smith"


names = st.text(st.characters(whitelist_categories=("L", "Zs"), max_codepoint=0x24F), max_size=20)
locals_ = st.from_regex(r"[a-z][a-z0-9.]{0,10}", fullmatch=True)


@given(st.lists(st.tuples(names, locals_), min_size=1, max_size=6))
def test_fast_address_split_agrees_with_stdlib(parties: list[tuple[str, str]]) -> None:
    value = ", ".join(formataddr((n.strip(), f"{a}@example.org")) for n, a in parties)
    assert split_addresses([value]) == getaddresses([value])
