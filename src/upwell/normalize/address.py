"""Addresses and handles: turn what a header or export says about a party into an Address.

Reads: display names and address strings. Writes: :class:`~upwell.model.Address` with a
normalized ``handle`` (lower-cased SMTP address, lower-cased Exchange X.500 path, or a folded
display name when there is nothing better).
"""

from __future__ import annotations

import re
from email.utils import getaddresses
from functools import lru_cache

from upwell.model import Address

_X500 = re.compile(r"^/o=[^<>]*$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+$")
_SPACES = re.compile(r"\s+")
_PAREN = re.compile(r"\([^()]*\)")
_PAREN_NAME = re.compile(r"\(([^()@]{3,80})\)")
_ANGLE = re.compile(r"<([^<>]*)>")


def fold_name(name: str) -> str:
    """A display name folded for comparison: "Smith, John" and "John Smith" fold the same."""
    cleaned = _PAREN.sub(" ", _ANGLE.sub(" ", name)).replace('"', " ").replace("'", " ")
    words = [w for w in re.findall(r"[^\W\d_]+", cleaned.lower()) if len(w) > 1]
    return " ".join(sorted(words))


@lru_cache(maxsize=65536)
def make_address(addr: str, name: str = "") -> Address | None:
    """One party from an address string and an optional display name; ``None`` if empty."""
    addr = addr.strip().strip("<>").strip()
    name = _SPACES.sub(" ", name.replace('"', "")).strip().strip("'").strip()
    if name.lower() == addr.lower():
        name = ""
    if _EMAIL.match(addr):
        return Address(handle=addr.lower(), name=name, kind="email")
    if _X500.match(addr):
        return Address(handle=addr.lower(), name=name, kind="x500")
    label = name or addr
    inner = _PAREN_NAME.search(label)
    if inner and len(inner.group(1).split()) >= 2:
        # Notes-style "user@host (Full Name)@DOMAIN": the person is the name in parentheses.
        label = inner.group(1).strip()
    folded = fold_name(label)
    if not folded:
        return None
    return Address(handle="name:" + folded, name=label, kind="name")


# One comma-separated entry of an address list, honouring quotes and angle brackets.
_ENTRY = re.compile(r'(?:"(?:[^"\\]|\\.)*"|<[^<>]*>|[^,"<])+')
_NAME_ADDR = re.compile(r"^\s*(.*?)\s*<([^<>]*)>\s*$", re.DOTALL)
_QUOTED = re.compile(r'^"((?:[^"\\]|\\.)*)"$', re.DOTALL)


def _split_fast(value: str) -> list[tuple[str, str]] | None:
    """(name, addr) pairs for the common shapes; ``None`` when comments or groups need the
    full RFC 5322 parser."""
    out: list[tuple[str, str]] = []
    for entry in _ENTRY.findall(value):
        m = _NAME_ADDR.match(entry)
        if m:
            name, addr = m.group(1), m.group(2)
            if "(" in name or ":" in name or ";" in name:
                return None
            q = _QUOTED.match(name)
            if q:
                name = q.group(1).replace('\\"', '"').replace("\\\\", "\\")
            out.append((name, addr))
        else:
            bare = entry.strip()
            if not bare:
                continue
            if any(c in bare for c in '():;"'):
                return None
            out.append(("", bare))
    return out


def split_addresses(values: list[str]) -> list[tuple[str, str]]:
    """(display name, address) pairs from address header values, like
    :func:`email.utils.getaddresses` but about ten times faster on plain lists."""
    pairs: list[tuple[str, str]] = []
    for value in values:
        fast = _split_fast(value.replace("\r", " ").replace("\n", " "))
        pairs.extend(fast if fast is not None else getaddresses([value]))
    return pairs


def parse_header(values: list[str]) -> tuple[Address, ...]:
    """All parties named by one or more address header values (To, Cc, ...), deduplicated."""
    return _parse_header(tuple(values))


@lru_cache(maxsize=8192)
def _parse_header(values: tuple[str, ...]) -> tuple[Address, ...]:
    # Distribution lists repeat header values verbatim across a mailbox: parse each once.
    seen: set[str] = set()
    out: list[Address] = []
    for name, addr in split_addresses(list(values)):
        a = make_address(addr, name)
        if a is not None and a.handle not in seen:
            seen.add(a.handle)
            out.append(a)
    return tuple(out)


_KIND_RANK = {"email": 0, "x500": 1, "slack": 2, "name": 3}


def handle_kind(handle: str) -> str:
    """The kind of a normalized handle."""
    if handle.startswith("name:"):
        return "name"
    if handle.startswith("slack:"):
        return "slack"
    if handle.startswith("/o="):
        return "x500"
    return "email"


def handle_rank(handle: str) -> int:
    """How good a handle is as a person's canonical one (lower is better)."""
    return _KIND_RANK[handle_kind(handle)]


def person_name_key(handle: str, name: str) -> str | None:
    """The folded full name that identifies a person across handles, or ``None`` when there is
    no full name (at least two words) to go by."""
    folded = fold_name(name) if name else (handle[5:] if handle.startswith("name:") else "")
    return folded if len(folded.split()) >= 2 else None
