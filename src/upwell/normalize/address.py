"""Addresses and handles: turn what a header or export says about a party into an Address.

Reads: display names and address strings. Writes: :class:`~upwell.model.Address` with a
normalized ``handle`` (lower-cased SMTP address, lower-cased Exchange X.500 path, or a folded
display name when there is nothing better).
"""

from __future__ import annotations

import re
from email.utils import getaddresses

from upwell.model import Address

_X500 = re.compile(r"^/o=[^<>]*$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+$")
_SPACES = re.compile(r"\s+")
_ANGLE = re.compile(r"<([^<>]*)>")


def fold_name(name: str) -> str:
    """A display name folded for comparison: "Smith, John" and "John Smith" fold the same."""
    cleaned = _ANGLE.sub(" ", name).replace('"', " ").replace("'", " ")
    words = [w for w in re.findall(r"[^\W\d_]+", cleaned.lower()) if len(w) > 1]
    return " ".join(sorted(words))


def make_address(addr: str, name: str = "") -> Address | None:
    """One party from an address string and an optional display name; ``None`` if empty."""
    addr = addr.strip().strip("<>").strip()
    name = _SPACES.sub(" ", name.replace('"', "")).strip()
    if name.lower() == addr.lower():
        name = ""
    if _EMAIL.match(addr):
        return Address(handle=addr.lower(), name=name, kind="email")
    if _X500.match(addr):
        return Address(handle=addr.lower(), name=name, kind="x500")
    label = name or addr
    folded = fold_name(label)
    if not folded:
        return None
    return Address(handle="name:" + folded, name=label, kind="name")


def parse_header(values: list[str]) -> tuple[Address, ...]:
    """All parties named by one or more address header values (To, Cc, ...), deduplicated."""
    seen: set[str] = set()
    out: list[Address] = []
    for name, addr in getaddresses(values):
        a = make_address(addr, name)
        if a is not None and a.handle not in seen:
            seen.add(a.handle)
            out.append(a)
    return tuple(out)
