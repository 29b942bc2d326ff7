"""Coded errors. Every message says what went wrong and how to fix it, and never carries
message content, addresses or tokens."""

from __future__ import annotations


class UpwellError(Exception):
    """Base error with a stable code such as ``E101``."""

    code = "E000"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        if code is not None:
            self.code = code
        super().__init__(f"{self.code} {message}")
        self.detail = message


class BadItem(UpwellError):
    """One source item is unusable; the import counts it under ``reason`` and goes on.

    ``reason`` is a short, content-free slug (``malformed_mime``, ``date_out_of_range``...).
    """

    code = "E100"

    def __init__(self, reason: str) -> None:
        super().__init__(f"item skipped: {reason}")
        self.reason = reason


class UnknownFormat(UpwellError):
    code = "E101"


class ArchiveUnreadable(UpwellError):
    code = "E102"


class MemberKeyError(UpwellError):
    """A member key cannot be found or unwrapped."""

    code = "E201"


class DecryptionFailed(UpwellError):
    """A ciphertext does not belong to this member and record, or was altered."""

    code = "E202"


class MemberDeleted(UpwellError):
    """The member deleted their data; a tombstone blocks new imports until they opt in again."""

    code = "E203"


class ConfigError(UpwellError):
    code = "E301"


class TierUnavailable(UpwellError):
    """An optional analysis tier is not installed or not exported (the default tier is
    unaffected)."""

    code = "E303"


class ConnectorError(UpwellError):
    """A connected source failed in a way that ends this sync (the next one retries)."""

    code = "E701"


class ReconnectNeeded(ConnectorError):
    """The member's grant is gone (expired, revoked, ``invalid_grant``): they connect again."""

    code = "E702"


class ConnectorNotConfigured(ConnectorError):
    """The org has not registered an app with this provider (no client id)."""

    code = "E703"


class DeliveryError(UpwellError):
    """A digest or nudge could not be handed over (no SMTP server, refused, unreachable)."""

    code = "E601"


class TaskError(UpwellError):
    """A task cannot run as sent (its archive left the spool, its job is unknown)."""

    code = "E801"
