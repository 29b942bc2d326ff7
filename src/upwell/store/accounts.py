"""Tenants, accounts, sign-in sessions and invitations for the web app (see docs/web.md).

Reads/writes: ``orgs``, ``accounts``, ``account_identities``, ``invitations``, ``web_sessions``.
Emails, SSO subjects, session tokens and invitation tokens are stored only as hashes. A member
account is bound to one member of the store (``member_ref``); an org admin account to none, so
an admin has no path to anyone's personal data. Passwords are Argon2id hashes (argon2-cffi).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from upwell.errors import UpwellError
from upwell.store.db import Store
from upwell.store.schema import (
    account_identities,
    accounts,
    invitations,
    orgs,
    web_sessions,
)

ROLES = ("member", "admin")
MIN_PASSWORD = 10
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$")
_hasher = PasswordHasher()
#: Verified against when no account matches, so a wrong email costs as much as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(UpwellError):
    """Sign-up or sign-in cannot go on (a content-free reason with how to fix it)."""

    code = "E401"


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    org_id: int
    role: str
    member_ref: str | None

    @property
    def is_member(self) -> bool:
        return self.role == "member" and self.member_ref is not None


def _hash(prefix: str, value: str) -> str:
    return hashlib.sha256(f"upwell-{prefix}|{value}".encode()).hexdigest()


def email_key(email: str) -> str:
    """The stored form of an email address (trimmed, case-folded, hashed)."""
    return _hash("account", email.strip().casefold())


def _now() -> datetime:
    return datetime.now(UTC)


def create_org(store: Store, slug: str, name: str) -> int:
    """A new organization (tenant); its slug is lowercase letters, digits and dashes."""
    if not _SLUG.match(slug):
        raise AccountError("org slug must be 3-40 lowercase letters, digits or dashes")
    try:
        with store.engine.begin() as conn:
            pk = conn.execute(insert(orgs).values(slug=slug, name=name[:120] or slug,
                                                  created_at=_now())).inserted_primary_key
    except IntegrityError:
        raise AccountError(f"an org named {slug!r} exists: pick another slug") from None
    assert pk is not None
    return int(pk[0])


def org_id(store: Store, slug: str) -> int | None:
    with store.engine.connect() as conn:
        return conn.scalar(select(orgs.c.id).where(orgs.c.slug == slug))


def org_name(store: Store, org: int) -> str:
    with store.engine.connect() as conn:
        return str(conn.scalar(select(orgs.c.name).where(orgs.c.id == org)) or "")


def org_slug(store: Store, org: int) -> str:
    with store.engine.connect() as conn:
        return str(conn.scalar(select(orgs.c.slug).where(orgs.c.id == org)) or "")


def set_password(store: Store, account_id: int, password: str) -> None:
    check_password(password)
    with store.engine.begin() as conn:
        conn.execute(update(accounts).where(accounts.c.id == account_id)
                     .values(password_hash=_hasher.hash(password)))


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"choose a password of at least {MIN_PASSWORD} characters")


def create_account(store: Store, org: int, email: str, password: str | None, *,
                   role: str = "member", member_ref: str | None = None) -> Account:
    """A new account in ``org``. A member account gets a fresh member (data key included) unless
    ``member_ref`` binds it to an existing local member; an admin account gets none."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {ROLES}")
    if password is not None:
        check_password(password)
    if "@" not in email or len(email) > 320:
        raise AccountError("give a valid email address")
    ref = None
    if role == "member":
        ref = member_ref or "web:" + secrets.token_hex(16)
        store.open_member(ref)  # creates the member and its key; reads nothing
    try:
        with store.engine.begin() as conn:
            pk = conn.execute(insert(accounts).values(
                org_id=org, email_key=email_key(email), role=role, member_ref=ref,
                password_hash=_hasher.hash(password) if password is not None else None,
                created_at=_now())).inserted_primary_key
    except IntegrityError:
        raise AccountError("an account with this email exists: sign in instead") from None
    assert pk is not None
    return Account(int(pk[0]), org, role, ref)


def _account(row: object) -> Account:
    return Account(row.id, row.org_id, row.role, row.member_ref)  # type: ignore[attr-defined]


def get_account(store: Store, account_id: int) -> Account | None:
    with store.engine.connect() as conn:
        row = conn.execute(select(accounts).where(accounts.c.id == account_id)).first()
    return _account(row) if row is not None else None


def find_account(store: Store, email: str) -> Account | None:
    with store.engine.connect() as conn:
        row = conn.execute(select(accounts).where(accounts.c.email_key == email_key(email))
                           ).first()
    return _account(row) if row is not None else None


def authenticate(store: Store, email: str, password: str) -> Account | None:
    """The account when ``password`` is right; ``None`` otherwise (in constant-ish time)."""
    with store.engine.connect() as conn:
        row = conn.execute(select(accounts).where(accounts.c.email_key == email_key(email))
                           ).first()
    stored = row.password_hash if row is not None and row.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row.password_hash:
        return None
    if _hasher.check_needs_rehash(stored):
        with store.engine.begin() as conn:
            conn.execute(update(accounts).where(accounts.c.id == row.id)
                         .values(password_hash=_hasher.hash(password)))
    return _account(row)


def delete_account(store: Store, account_id: int) -> None:
    """Remove the account, its sessions and SSO identities (member data goes separately)."""
    with store.engine.begin() as conn:
        for table in (web_sessions, account_identities):
            conn.execute(delete(table).where(table.c.account_id == account_id))
        conn.execute(delete(accounts).where(accounts.c.id == account_id))


# -- sessions ----------------------------------------------------------------------------------


def new_session(store: Store, account_id: int, hours: int) -> tuple[str, str]:
    """A fresh session: (token for the cookie, CSRF token). Only the token's hash is stored."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    now = _now()
    with store.engine.begin() as conn:
        conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < now))
        conn.execute(insert(web_sessions).values(
            token_key=_hash("session", token), account_id=account_id, csrf=csrf, created_at=now,
            expires_at=now + timedelta(hours=hours)))
    return token, csrf


def session_account(store: Store, token: str) -> tuple[Account, str] | None:
    """(account, CSRF token) of a live session, else ``None``."""
    with store.engine.connect() as conn:
        row = conn.execute(
            select(accounts, web_sessions.c.csrf, web_sessions.c.expires_at)
            .join(web_sessions, web_sessions.c.account_id == accounts.c.id)
            .where(web_sessions.c.token_key == _hash("session", token))).first()
    if row is None or row.expires_at <= _now():
        return None
    return _account(row), str(row.csrf)


def end_session(store: Store, token: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(delete(web_sessions).where(web_sessions.c.token_key ==
                                                _hash("session", token)))


# -- invitations and single sign-on identities -----------------------------------------------


def create_invitation(store: Store, org: int, days: int = 14) -> str:
    """A sign-up token for ``org`` (not tied to anyone: the org never learns who used it)."""
    token = secrets.token_urlsafe(24)
    now = _now()
    with store.engine.begin() as conn:
        conn.execute(insert(invitations).values(org_id=org, token_key=_hash("invite", token),
                                                created_at=now,
                                                expires_at=now + timedelta(days=days)))
    return token


def invitation_org(store: Store, token: str) -> int | None:
    """The org a live invitation token belongs to."""
    with store.engine.connect() as conn:
        row = conn.execute(select(invitations.c.org_id, invitations.c.expires_at)
                           .where(invitations.c.token_key == _hash("invite", token))).first()
    if row is None or row.expires_at <= _now():
        return None
    return int(row.org_id)


def invitations_of(store: Store, org: int) -> list[tuple[int, datetime, datetime]]:
    """(id, created, expires) of the org's invitations, newest first."""
    with store.engine.connect() as conn:
        return [(r.id, r.created_at, r.expires_at) for r in conn.execute(
            select(invitations).where(invitations.c.org_id == org)
            .order_by(invitations.c.id.desc()))]


def revoke_invitation(store: Store, org: int, invitation_id: int) -> bool:
    with store.engine.begin() as conn:
        res = conn.execute(delete(invitations).where(invitations.c.id == invitation_id,
                                                     invitations.c.org_id == org))
    return bool(res.rowcount)


def subject_key(issuer: str, subject: str) -> str:
    return _hash("oidc", f"{issuer}|{subject}")


def link_identity(store: Store, account_id: int, issuer: str, subject: str) -> None:
    with store.engine.begin() as conn:
        key = subject_key(issuer, subject)
        if conn.scalar(select(account_identities.c.account_id)
                       .where(account_identities.c.subject_key == key)) is None:
            conn.execute(insert(account_identities).values(subject_key=key,
                                                           account_id=account_id))


def account_for_identity(store: Store, issuer: str, subject: str) -> Account | None:
    with store.engine.connect() as conn:
        row = conn.execute(
            select(accounts).join(account_identities,
                                  account_identities.c.account_id == accounts.c.id)
            .where(account_identities.c.subject_key == subject_key(issuer, subject))).first()
    return _account(row) if row is not None else None
