"""Route policies: every route of the web app declares who may reach it.

``public``: anyone (sign-in, invitations, static files). ``signed_in``: any signed-in account
(sign out). ``member``: the personal plane, served only to the member who owns it; any other
principal (another member, an org admin, another tenant) gets 404. ``org_admin``: the org's
configuration, for that org's admins alone (never anyone's personal data). A test fails when a
route has no policy, or when its dependencies do not enforce the one it declares.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal, TypeVar

Policy = Literal["public", "signed_in", "member", "org_admin"]
POLICIES: tuple[Policy, ...] = ("public", "signed_in", "member", "org_admin")
ATTR = "__upwell_policy__"
F = TypeVar("F", bound=Callable[..., object])


def policy(name: Policy) -> Callable[[F], F]:
    """Declare a route's policy (the route's dependencies enforce it)."""
    if name not in POLICIES:
        raise ValueError(f"unknown policy {name!r}")

    def mark(fn: F) -> F:
        setattr(fn, ATTR, name)
        return fn

    return mark


def policy_of(fn: object) -> Policy | None:
    value = getattr(fn, ATTR, None)
    return value if value in POLICIES else None


def flat_routes(routes: Iterable[Any]) -> Iterator[Any]:
    """Every route of an app, included routers opened up (whichever way FastAPI keeps them)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from flat_routes(inner.routes)
        else:
            yield route
