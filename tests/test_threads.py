"""Reply linkage in SQL (on both databases), subject normalization, address list splitting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import formataddr, getaddresses
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import insert, select

from upwell.normalize.address import fold_name, split_addresses
from upwell.normalize.threads import is_reply_subject, normalize_subject
from upwell.store.db import Store
from upwell.store.schema import messages
from upwell.store.threads import relink

T = datetime(2024, 1, 1, tzinfo=UTC)


def row(member: int, i: str, minutes: int, subject: str | None = "s", *, reply: bool = False,
        msgid: str | None = None, irt: str | None = None, quoted: str | None = None,
        sender: str | None = None) -> dict[str, Any]:
    return {
        "id": i, "member_id": member, "source": "t", "channel": "email",
        "sent_at": T + timedelta(minutes=minutes), "utc_offset": 0, "sender_id": "p",
        "in_sent_folder": False, "n_to": 1, "n_cc": 0, "subject_key": subject,
        "is_reply": reply, "is_forward": False, "msgid_key": msgid, "in_reply_to_key": irt,
        "quoted_from_key": quoted, "sender_name_key": sender, "word_count": 1,
        "quoted_chars": 0, "attachments": 0, "notes": "",
    }


def links(store: Store, member: int) -> dict[str, tuple[str | None, str | None, str | None]]:
    with store.engine.connect() as conn:
        return {
            r.id: (r.parent_id, r.link_method, r.thread_key)
            for r in conn.execute(select(messages).where(messages.c.member_id == member))
        }


def test_header_then_quote_then_subject(store: Store) -> None:
    m = store.open_member("ann").id
    rows = [
        row(m, "a", 0, sender="ann", msgid="m1"),
        row(m, "b", 10, sender="bob"),
        row(m, "c", 20, reply=True, irt="m1"),
        row(m, "d", 30, reply=True, quoted="ann"),
        row(m, "e", 40, reply=True),
        row(m, "f", -5, reply=True, subject="other"),
        row(m, "g", 50, reply=True, irt="nowhere"),
    ]
    with store.engine.begin() as conn:
        conn.execute(insert(messages), rows)
        counts = relink(conn, m)
    got = links(store, m)
    assert got["c"][:2] == ("a", "header")
    assert got["d"][:2] == ("a", "quote")
    assert got["e"][:2] == ("d", "subject")
    assert got["g"][:2] == ("e", "subject")  # unknown id: falls back on the subject
    assert got["f"][:2] == (None, None)  # nothing earlier with that subject
    assert got["a"][:2] == (None, None)  # not a reply
    assert counts == {"header": 1, "quote": 1, "subject": 2}
    assert {got[k][2] for k in "acdeg"} == {"a"}  # one thread, rooted at a
    assert got["b"][2] is None


def test_late_parent_upgrades_a_subject_guess_and_cycles_stay_unthreaded(store: Store) -> None:
    m = store.open_member("ann").id
    with store.engine.begin() as conn:
        conn.execute(insert(messages), [row(m, "old", 0), row(m, "r", 30, reply=True, irt="m9")])
        assert relink(conn, m) == {"subject": 1}
        conn.execute(insert(messages), [row(m, "p", 10, msgid="m9"),
                                        row(m, "x", 60, subject="c", msgid="mx", irt="my"),
                                        row(m, "y", 70, subject="c", msgid="my", irt="mx")])
        counts = relink(conn, m)
    got = links(store, m)
    assert got["r"][:2] == ("p", "header")
    assert got["r"][2] == got["p"][2] == "p"
    assert got["x"][:2] == ("y", "header")
    assert got["y"][:2] == ("x", "header")
    assert got["x"][2] is None  # a forged cycle has no root
    assert counts == {"header": 3}


def test_members_never_link_across(store: Store) -> None:
    a = store.open_member("ann").id
    b = store.open_member("bob").id
    with store.engine.begin() as conn:
        conn.execute(insert(messages), [row(a, "a1", 0, msgid="m1"),
                                        row(b, "b1", 10, reply=True, irt="m1")])
        relink(conn, b)
    assert links(store, b)["b1"][:2] == (None, None)


def test_subject_normalization() -> None:
    assert normalize_subject("RE: Fw: re[2]:  Budget   Plan") == "budget plan"
    assert is_reply_subject("Re: x")
    assert is_reply_subject("AW: x")
    assert not is_reply_subject("Regarding x")


def test_fold_name_matches_across_orders() -> None:
    assert fold_name("Cantrell, Rebecca W.") == fold_name("Rebecca Cantrell")
    assert fold_name('"Smith, John" <x>') == "john smith"
    assert fold_name("Steve South (E-mail)") == "south steve"


names = st.text(st.characters(whitelist_categories=("L", "Zs"), max_codepoint=0x24F), max_size=20)
locals_ = st.from_regex(r"[a-z][a-z0-9.]{0,10}", fullmatch=True)


@given(st.lists(st.tuples(names, locals_), min_size=1, max_size=6))
def test_fast_address_split_agrees_with_stdlib(parties: list[tuple[str, str]]) -> None:
    value = ", ".join(formataddr((n.strip(), f"{a}@example.org")) for n, a in parties)
    assert split_addresses([value]) == getaddresses([value])
