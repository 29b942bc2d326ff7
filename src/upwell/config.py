"""One typed Settings object, read once from the environment (prefix ``UPWELL_``).

Every field is documented; a test fails when one is not. Secrets have no usable default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Upwell's configuration. Each field can be set as ``UPWELL_<FIELD>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="UPWELL_", extra="ignore")

    home: Path = Field(
        default_factory=lambda: Path(user_data_dir("upwell")),
        description="Data directory holding the SQLite file and the local key file. "
        "The CLI's --home overrides it.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the store. Unset: a SQLite file `upwell.db` in `home`. "
        "Use postgresql+psycopg://... for PostgreSQL.",
    )
    key_provider: Literal["local-file", "env"] = Field(
        default="local-file",
        description="Where the key-encryption key comes from: `local-file` (created on first "
        "use in `home`/keys with mode 0600) or `env` (UPWELL_KEK, base64 of 32 bytes).",
    )
    kek: SecretStr | None = Field(
        default=None,
        description="Base64 key-encryption key for the `env` key provider. No default: the "
        "`env` provider refuses to start without it.",
    )
    member: str = Field(
        default="me",
        description="The local member the CLI acts for on the embedded default (one person, "
        "one archive). The CLI's --member overrides it.",
    )
    batch_size: int = Field(
        default=2000,
        ge=1,
        le=50_000,
        description="Records written per database transaction during an import.",
    )
    import_workers: int = Field(
        default=2,
        ge=0,
        le=64,
        description="Extra processes that parse and normalize items during a large import "
        "(0: all in the importing process). Small imports never start them.",
    )

    analyzers: tuple[str, ...] | None = Field(
        default=None,
        description="Analyzers (name.vN) run on every imported message, whose features are "
        "kept. Unset: every registered analyzer. An empty list keeps no features.",
    )

    evidence_retention_days: int = Field(
        default=30,
        ge=0,
        le=3650,
        description="Days the phrases behind your cards are kept (sealed with your key) after "
        "they were read; 0 keeps none and deletes any kept before.",
    )

    web_secret_key: SecretStr | None = Field(
        default=None,
        description="Secret that signs the web app's session cookies and seals SSO client "
        "secrets. Unset: a random key created on first use in `home`/keys/web.key (mode 0600).",
    )
    web_secure_cookies: bool = Field(
        default=True,
        description="Send the session cookie only over HTTPS (Secure). `upwell serve` on a "
        "loopback address turns it off for plain http://127.0.0.1.",
    )
    web_session_hours: int = Field(
        default=12,
        ge=1,
        le=24 * 30,
        description="Hours a web sign-in lasts before signing in again.",
    )
    web_login_attempts: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="Failed sign-ins allowed per account (and per client address, ten times "
        "as many) in 15 minutes before further tries are refused with 429.",
    )
    web_upload_max_mb: int = Field(
        default=4096,
        ge=1,
        le=1_048_576,
        description="Largest archive upload in MiB (uploads stream to disk in `home`/uploads and "
        "are deleted after their import).",
    )

    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The web app's address as members reach it: the base of the unsubscribe "
        "and feedback links in digests and nudges (use https:// in production).",
    )
    smtp_host: str | None = Field(
        default=None,
        description="SMTP server that sends digests and email nudges. Unset: nothing is sent "
        "(`upwell digest run --dry-run` and `preview` still work).",
    )
    smtp_port: int = Field(
        default=587, ge=1, le=65535,
        description="SMTP port (587 for STARTTLS, 465 for implicit TLS, 25 for plain).",
    )
    smtp_security: Literal["starttls", "ssl", "plain"] = Field(
        default="starttls",
        description="How the SMTP connection is protected: `starttls` (upgrade after "
        "connecting), `ssl` (TLS from the start) or `plain` (loopback relays and tests only).",
    )
    smtp_username: str | None = Field(
        default=None, description="SMTP user name, when the server requires sign-in.",
    )
    smtp_password: SecretStr | None = Field(
        default=None, description="SMTP password for `smtp_username`. No default.",
    )
    smtp_timeout_s: float = Field(
        default=30.0, gt=0, le=600, description="Seconds before an SMTP connection gives up.",
    )
    mail_from: str = Field(
        default="Upwell <upwell@localhost>",
        description="The From address of digests and email nudges.",
    )
    mail_unsubscribe: str | None = Field(
        default=None,
        description="Mailbox for `mailto:` unsubscribe requests, listed in List-Unsubscribe "
        "beside the one-click https link. Unset: the https link only.",
    )
    digest_hour: int = Field(
        default=8, ge=0, le=23,
        description="Local hour (in each member's own time zone) from which their weekly "
        "digest is due on their digest day; a member may choose another.",
    )

    def resolved_analyzers(self) -> tuple[str, ...]:
        """The analyzer names to run: the setting, or every registered analyzer."""
        from upwell.analyze import analyzers as registered

        known = registered()
        if self.analyzers is None:
            return tuple(sorted(known))
        unknown = [a for a in self.analyzers if a not in known]
        if unknown:
            from upwell.errors import ConfigError

            raise ConfigError(
                f"unknown analyzers {unknown} in UPWELL_ANALYZERS: choose from {sorted(known)}"
            )
        return tuple(self.analyzers)

    def resolved_database_url(self) -> str:
        """The store URL, defaulting to the SQLite file in ``home``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'upwell.db'}"
