"""Key providers: where the key-encryption key (KEK) that wraps member data keys lives.

A provider wraps and unwraps a member's 32-byte data key. ``local-file`` keeps a random KEK in a
file created on first use with mode 0600; ``env`` takes it from the settings (for deployments
that inject secrets). Both wrap with AES-256-GCM bound to the member id, so a wrapped key copied
to another member does not unwrap.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from upwell.config import Settings
from upwell.errors import ConfigError, MemberKeyError


class KeyProvider(Protocol):
    """Wraps member data keys with a key-encryption key."""

    id: str

    def wrap(self, member_id: int, dek: bytes) -> tuple[str, bytes]:
        """(key id, wrapped blob) for ``dek``."""

    def unwrap(self, member_id: int, key_id: str, blob: bytes) -> bytes:
        """The data key, or :class:`MemberKeyError` if it does not belong to this member or KEK."""


class _AesGcmKek:
    id = "aes-gcm"

    def __init__(self, kek: bytes) -> None:
        if len(kek) != 32:
            raise ConfigError("the key-encryption key must be 32 bytes: regenerate it")
        self._aead = AESGCM(kek)
        self.key_id = hashlib.sha256(b"upwell-kek-id" + kek).hexdigest()[:16]

    @staticmethod
    def _aad(member_id: int) -> bytes:
        return b"upwell/dek/v1|%d" % member_id

    def wrap(self, member_id: int, dek: bytes) -> tuple[str, bytes]:
        nonce = os.urandom(12)
        return self.key_id, nonce + self._aead.encrypt(nonce, dek, self._aad(member_id))

    def unwrap(self, member_id: int, key_id: str, blob: bytes) -> bytes:
        if key_id != self.key_id:
            raise MemberKeyError("member key was wrapped by another key-encryption key: restore it")
        try:
            return self._aead.decrypt(blob[:12], blob[12:], self._aad(member_id))
        except InvalidTag:
            raise MemberKeyError("member key does not unwrap for this member") from None


class LocalFileKeyProvider(_AesGcmKek):
    """A KEK in ``<home>/keys/kek.key`` (mode 0600), created on first use."""

    id = "local-file"

    def __init__(self, home: Path) -> None:
        path = home / "keys" / "kek.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(32))
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise ConfigError(
                f"the key file is readable by others (mode {mode:o}): run chmod 600 on it"
            )
        super().__init__(path.read_bytes())
        self.path = path


class EnvKeyProvider(_AesGcmKek):
    """A KEK given in the settings (``UPWELL_KEK``, base64 of 32 bytes)."""

    id = "env"

    def __init__(self, settings: Settings) -> None:
        if settings.kek is None:
            raise ConfigError("UPWELL_KEK is not set: set it to base64 of 32 random bytes")
        try:
            raw = base64.b64decode(settings.kek.get_secret_value(), validate=True)
        except ValueError:
            raise ConfigError("UPWELL_KEK is not valid base64") from None
        super().__init__(raw)


def key_provider(settings: Settings) -> _AesGcmKek:
    """The provider named by ``settings.key_provider``."""
    if settings.key_provider == "env":
        return EnvKeyProvider(settings)
    return LocalFileKeyProvider(settings.home)
