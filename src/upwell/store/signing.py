"""The deployment's signing secret, kept beside the member keys (``home``/keys).

Reads: ``web_secret_key`` from the settings, else ``home``/keys/web.key. Writes: that file
(random, mode 0600) on first use when the setting is unset. The web app signs its session
cookies with it and derives the key that seals SSO client secrets from it; the digest and
nudge links (``deliver/tokens.py``) are signed with it too, so a link made by a job is honoured
by the web app. Both take it from here: neither imports the other for it.
"""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

from upwell.config import Settings


def signing_secret(settings: Settings) -> bytes:
    """The secret: the setting, else a random key kept in ``home``/keys/web.key (0600)."""
    if settings.web_secret_key is not None:
        return settings.web_secret_key.get_secret_value().encode()
    path: Path = settings.home / "keys" / "web.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.write_bytes(base64.urlsafe_b64encode(secrets.token_bytes(32)))
        path.chmod(0o600)
    return path.read_bytes().strip()
