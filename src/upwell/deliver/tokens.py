"""Signed single-use links in digests and nudges: unsubscribe, and feedback on a card.

Reads: the deployment's signing secret (``store/signing.py``: the key that also signs the web
app's sessions). Writes: ``used_tokens`` (the hash of a used token, nothing else). A token
names an account id, a purpose and, for feedback, the insight type and verdict: no content, no
address. It works without signing in (the route's policy is ``public``), expires, and is
honoured once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from upwell.config import Settings
from upwell.store.db import Store
from upwell.store.schema import used_tokens
from upwell.store.signing import signing_secret

PURPOSES = ("unsubscribe", "feedback")
MAX_AGE_S = 90 * 24 * 3600
_SALT = "upwell-delivery-link/1"


@dataclass(frozen=True, slots=True)
class LinkClaim:
    account_id: int
    purpose: str
    insight: str = ""
    verdict: str = ""
    surface: str = "digest"


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_secret(settings), salt=_SALT)


def make_token(settings: Settings, claim: LinkClaim) -> str:
    return str(_serializer(settings).dumps({
        "a": claim.account_id, "p": claim.purpose, "i": claim.insight, "v": claim.verdict,
        "s": claim.surface, "n": secrets.token_urlsafe(8)}))


def read_token(settings: Settings, token: str) -> LinkClaim | None:
    """The claim of a genuine, unexpired token; ``None`` otherwise."""
    try:
        d = _serializer(settings).loads(token, max_age=MAX_AGE_S)
    except BadSignature:
        return None
    if not isinstance(d, dict) or d.get("p") not in PURPOSES or not isinstance(d.get("a"), int):
        return None
    return LinkClaim(d["a"], d["p"], str(d.get("i", "")), str(d.get("v", "")),
                     str(d.get("s", "digest")))


def _key(token: str) -> str:
    return hashlib.sha256(b"upwell-link|" + token.encode()).hexdigest()


def use_token(store: Store, token: str) -> bool:
    """Mark the token used; ``False`` when it was used before."""
    try:
        with store.engine.begin() as conn:
            conn.execute(insert(used_tokens).values(token_key=_key(token),
                                                    used_at=datetime.now(UTC)))
    except IntegrityError:
        return False
    return True
