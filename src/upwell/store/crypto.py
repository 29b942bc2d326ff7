"""Per-member encryption: AES-256-GCM for values, HMAC-SHA256 for blind index keys.

Each member has a random 32-byte data key. From it HKDF derives an encryption key and an index
key. Every ciphertext's associated data binds member, table, record id and column, so a value
moved to another member, record or column, or altered, fails to decrypt. Index keys (HMACs) let
the store find equal values (a colleague's handle, a normalized subject) without holding them in
clear; they are meaningless without the member's key, and different for every member.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from upwell.errors import DecryptionFailed

_VERSION = b"\x01"


def _derive(dek: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(dek)


class MemberCipher:
    """Seal and open one member's values; compute their blind index keys."""

    __slots__ = ("_aead", "_enc_key", "_index_key", "member_id")

    def __init__(self, member_id: int, dek: bytes) -> None:
        self._setup(member_id, _derive(dek, b"upwell/enc/v1"), _derive(dek, b"upwell/index/v1"))

    def _setup(self, member_id: int, enc_key: bytes, index_key: bytes) -> None:
        self.member_id = member_id
        self._enc_key = enc_key
        self._aead = AESGCM(enc_key)
        self._index_key = index_key

    @classmethod
    def _from_keys(cls, member_id: int, enc_key: bytes, index_key: bytes) -> MemberCipher:
        cipher = cls.__new__(cls)
        cipher._setup(member_id, enc_key, index_key)
        return cipher

    def __reduce__(self) -> tuple[object, tuple[int, bytes, bytes]]:
        # Pickled only to hand the member's own import worker processes their keys over a
        # private pipe; the data key itself never leaves the process that unwrapped it.
        return (MemberCipher._from_keys, (self.member_id, self._enc_key, self._index_key))

    def __repr__(self) -> str:
        return f"MemberCipher(member_id={self.member_id})"

    def _aad(self, table: str, record_id: str, column: str) -> bytes:
        return f"{self.member_id}|{table}|{record_id}|{column}".encode()

    def seal(self, table: str, record_id: str, column: str, value: str) -> bytes:
        """Ciphertext of ``value`` bound to (member, table, record, column)."""
        nonce = os.urandom(12)
        aad = self._aad(table, record_id, column)
        return _VERSION + nonce + self._aead.encrypt(nonce, value.encode(), aad)

    def open(self, table: str, record_id: str, column: str, blob: bytes) -> str:
        """The plaintext, or :class:`DecryptionFailed` if the blob does not belong here."""
        if not blob or blob[:1] != _VERSION:
            raise DecryptionFailed("unknown ciphertext version")
        try:
            out = self._aead.decrypt(blob[1:13], blob[13:], self._aad(table, record_id, column))
        except InvalidTag:
            raise DecryptionFailed(
                "a stored value does not belong to this member and record"
            ) from None
        return out.decode()

    def index(self, value: str, length: int = 16) -> str:
        """Hex blind index of ``value`` (``length`` bytes), stable for this member only."""
        return hmac.digest(self._index_key, value.encode(), hashlib.sha256)[:length].hex()


def new_data_key() -> bytes:
    """A fresh random 256-bit member data key."""
    return AESGCM.generate_key(bit_length=256)
