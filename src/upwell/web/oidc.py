"""OIDC single sign-on through Authlib: Google, Microsoft, or any issuer by URL.

Reads/writes: ``sso_providers`` (client secrets sealed with the web secret). Each org admin
configures their org's providers; a member signs in with one, and the ID token (signature from
the issuer's JWKS, issuer, audience, nonce, expiry) is checked by Authlib before the subject is
matched to an account. Only a hash of issuer and subject is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from authlib.integrations.starlette_client import OAuth
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from upwell.store.db import Store
from upwell.store.schema import sso_providers
from upwell.web.auth import SecretBox

KINDS = {"google": "https://accounts.google.com",
         "microsoft": "https://login.microsoftonline.com/{tenant}/v2.0",
         "oidc": ""}
SCOPES = "openid email profile"


@dataclass(frozen=True, slots=True)
class Provider:
    id: int
    org_id: int
    slug: str
    kind: str
    issuer_url: str
    client_id: str

    @property
    def title(self) -> str:
        return {"google": "Google", "microsoft": "Microsoft"}.get(self.kind, self.slug)


def issuer_for(kind: str, value: str) -> str:
    """The issuer URL: Google's, Microsoft's for a tenant id, or the URL given."""
    if kind not in KINDS:
        raise ValueError("provider kind must be google, microsoft or oidc")
    if kind == "google":
        return KINDS["google"]
    if kind == "microsoft" and not value.startswith("https://"):
        if not value.strip():
            raise ValueError("give your Microsoft Entra tenant id")
        return KINDS["microsoft"].format(tenant=value.strip())
    if not value.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise ValueError("the issuer must be an https:// URL")
    return value.rstrip("/")


def add_provider(store: Store, box: SecretBox, org: int, slug: str, *, kind: str, issuer: str,
                 client_id: str, client_secret: str) -> int:
    url = issuer_for(kind, issuer)
    if not slug.isalnum() or not client_id or not client_secret:
        raise ValueError("give a short name (letters and digits), a client id and a secret")
    try:
        with store.engine.begin() as conn:
            pk = conn.execute(insert(sso_providers).values(
                org_id=org, slug=slug.lower(), kind=kind, issuer_url=url, client_id=client_id,
                client_secret_enc=box.seal(f"sso|{org}|{slug.lower()}", client_secret),
                created_at=datetime.now(UTC))).inserted_primary_key
    except IntegrityError:
        raise ValueError("a provider with this name exists") from None
    assert pk is not None
    return int(pk[0])


def _provider(r: Any) -> Provider:
    return Provider(r.id, r.org_id, r.slug, r.kind, r.issuer_url, r.client_id)


def providers(store: Store, org: int) -> list[Provider]:
    with store.engine.connect() as conn:
        return [_provider(r) for r in conn.execute(
            select(sso_providers).where(sso_providers.c.org_id == org)
            .order_by(sso_providers.c.slug))]


def provider(store: Store, org: int, slug: str) -> Provider | None:
    with store.engine.connect() as conn:
        r = conn.execute(select(sso_providers).where(sso_providers.c.org_id == org,
                                                     sso_providers.c.slug == slug)).first()
    return _provider(r) if r is not None else None


def remove_provider(store: Store, org: int, provider_id: int) -> bool:
    with store.engine.begin() as conn:
        res = conn.execute(delete(sso_providers).where(sso_providers.c.id == provider_id,
                                                       sso_providers.c.org_id == org))
    return bool(res.rowcount)


class SSO:
    """Authlib clients, one per configured provider, registered on first use."""

    def __init__(self, store: Store, box: SecretBox) -> None:
        self.store = store
        self.box = box
        self.oauth = OAuth()

    def client(self, p: Provider) -> Any:
        name = f"p{p.id}"
        existing = self.oauth.create_client(name)
        if existing is not None:
            return existing
        with self.store.engine.connect() as conn:
            blob = conn.scalar(select(sso_providers.c.client_secret_enc)
                               .where(sso_providers.c.id == p.id))
        assert blob is not None
        return self.oauth.register(
            name, client_id=p.client_id,
            client_secret=self.box.open(f"sso|{p.org_id}|{p.slug}", blob),
            server_metadata_url=p.issuer_url + "/.well-known/openid-configuration",
            client_kwargs={"scope": SCOPES, "code_challenge_method": "S256"})
