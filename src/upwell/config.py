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

    queue: Literal["inline", "dramatiq"] = Field(
        default="inline",
        description="Where tasks (import, reanalyze, insights, web imports) run: `inline` in "
        "the calling process (the embedded default, no Redis), or `dramatiq` as Dramatiq "
        "actors on the Redis broker, run by `dramatiq upwell.tasks.worker` processes.",
    )
    redis_url: str = Field(
        default="redis://127.0.0.1:6379/0",
        description="Redis URL of the Dramatiq broker (used when `queue` is `dramatiq`); may "
        "carry a password, so it is never logged.",
    )
    queue_namespace: str = Field(
        default="upwell",
        pattern=r"^[A-Za-z0-9_.-]{1,40}$",
        description="Prefix of every Redis key the broker writes, so that several deployments "
        "(or benchmarks) can share one Redis server.",
    )
    queue_shards: int = Field(
        default=8,
        ge=1,
        le=1024,
        description="Member queues (`member-0` ... `member-N-1`); a member's tasks always go to "
        "queue `member-(stable hash of member id mod N)`. Changing it re-shards new tasks only.",
    )
    spool_dir: Path | None = Field(
        default=None,
        description="Folder where archives wait for their import task (uploads, or links to "
        "files an operator hands over); workers on other machines need it mounted at the same "
        "path. Unset: `home`/uploads.",
    )
    task_max_retries: int = Field(
        default=5,
        ge=0,
        le=100,
        description="Times a task that failed unexpectedly is retried (with exponential "
        "backoff) before it is dead-lettered; input errors (coded Upwell errors) never retry.",
    )
    task_time_limit_s: int = Field(
        default=6 * 3600,
        ge=10,
        le=7 * 24 * 3600,
        description="Seconds a task may run before the worker stops it (and retries it).",
    )
    broker_heartbeat_ms: int = Field(
        default=60_000,
        ge=1000,
        le=3_600_000,
        description="Milliseconds without a heartbeat after which a worker counts as dead and "
        "the tasks it had taken are handed to another worker (redelivery after a crash).",
    )
    worker_metrics_port: int = Field(
        default=0,
        ge=0,
        le=65535,
        description="Port on which a worker process serves Prometheus metrics (`/metrics`); 0 "
        "serves none. Run one worker process per port.",
    )
    schedules: dict[str, str] = Field(
        default_factory=dict,
        description="Cron lines (5 fields, UTC) per periodic task, overriding the registered "
        "ones, as a JSON object, e.g. {\"insights\": \"0 5 * * 1\"}; \"\" turns a task off.",
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

    def resolved_spool_dir(self) -> Path:
        """The spool folder, defaulting to ``home``/uploads."""
        return self.spool_dir or self.home / "uploads"
