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
