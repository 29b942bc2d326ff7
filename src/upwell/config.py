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

    minilm_dir: Path | None = Field(
        default=None,
        description="Folder of the optional MiniLM tier: the ONNX export of all-MiniLM-L6-v2 "
        "and its heads, written by `upwell train minilm` (needs the `minilm` extra). Unset: "
        "`home`/models/minilm. The default tier never reads it.",
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

    aggregate_k: int = Field(
        default=10,
        ge=5,
        le=1000,
        description="Group floor for orgs without a policy file: a group is released only "
        "with at least this many contributors (never below 5).",
    )
    aggregate_epsilon: float = Field(
        default=1.0,
        gt=0,
        le=10,
        description="Privacy budget per period for orgs without a policy file, all metrics "
        "and groups together (epsilon of differential privacy).",
    )
    aggregate_period: Literal["week", "28 days"] = Field(
        default="28 days",
        description="Length of a group-insights period for orgs without a policy file.",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The web app's own base URL as members reach it. OAuth redirect URIs are "
        "exactly this plus /me/sources/callback: register that URI with each provider. Also "
        "the base of the unsubscribe and feedback links in digests and nudges (use https:// "
        "in production).",
    )
    connector_metadata_only: bool = Field(
        default=False,
        description="Ask providers for metadata-only scopes (Gmail gmail.metadata, Graph "
        "Mail.ReadBasic; mail over IMAP fetches headers only): no message bodies are read, so "
        "only the rhythm analyzers run.",
    )
    google_client_id: str | None = Field(
        default=None,
        description="OAuth client id of the org's Google app (Gmail and Google Calendar). "
        "Unset: Google sources cannot be connected.",
    )
    google_client_secret: SecretStr | None = Field(
        default=None, description="OAuth client secret of the Google app. No default.",
    )
    google_auth_url: str = Field(
        default="https://accounts.google.com/o/oauth2/v2/auth",
        description="Google's authorization endpoint (tests point it at a local server).",
    )
    google_token_url: str = Field(
        default="https://oauth2.googleapis.com/token",
        description="Google's token endpoint (code exchange and refresh).",
    )
    google_revoke_url: str = Field(
        default="https://oauth2.googleapis.com/revoke",
        description="Google's token revocation endpoint (disconnect and opt-out).",
    )
    google_api_url: str = Field(
        default="https://www.googleapis.com",
        description="Base URL of the Gmail (/gmail/v1) and Calendar (/calendar/v3) APIs.",
    )
    microsoft_client_id: str | None = Field(
        default=None,
        description="Application (client) id of the org's Microsoft Entra app registration "
        "(Outlook mail and calendar, Teams chats; delegated permissions only).",
    )
    microsoft_client_secret: SecretStr | None = Field(
        default=None, description="Client secret of the Microsoft app registration. No default.",
    )
    microsoft_tenant: str = Field(
        default="organizations",
        description="Entra tenant in the sign-in URL: a tenant id, `organizations` or `common`.",
    )
    microsoft_login_url: str = Field(
        default="https://login.microsoftonline.com",
        description="Microsoft identity platform base; /<tenant>/oauth2/v2.0/authorize and "
        "/token are appended.",
    )
    graph_api_url: str = Field(
        default="https://graph.microsoft.com/v1.0",
        description="Base URL of Microsoft Graph.",
    )
    slack_client_id: str | None = Field(
        default=None,
        description="Client id of the org's Slack app (user token scopes only; no bot).",
    )
    slack_client_secret: SecretStr | None = Field(
        default=None, description="Client secret of the Slack app. No default.",
    )
    slack_auth_url: str = Field(
        default="https://slack.com/oauth/v2/authorize",
        description="Slack's authorization page.",
    )
    slack_bot_token: SecretStr | None = Field(
        default=None,
        description="Bot token of the org's Upwell Slack app, for nudges only: its scopes are "
        "chat:write and im:write (it opens a DM with the member and posts there; it cannot read "
        "any conversation). Unset: Slack nudges stay queued.",
    )
    slack_api_url: str = Field(
        default="https://slack.com/api",
        description="Base URL of Slack's Web API (oauth.v2.access, auth.revoke, conversations.*).",
    )
    sync_initial_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="How far back a first (or a bounded full re-) sync of a mail or chat source "
        "reaches, in days.",
    )
    sync_initial_max_items: int = Field(
        default=5000,
        ge=1,
        le=1_000_000,
        description="Most items a first (or bounded full re-) sync reads per mail source.",
    )
    sync_calendar_days: tuple[int, int] = Field(
        default=(180, 60),
        description="Calendar window synced: days before and after today (a JSON pair).",
    )
    sync_retries: int = Field(
        default=6,
        ge=0,
        le=20,
        description="Retries of a provider request answered 429 or 5xx (or a network error), "
        "with exponential backoff and full jitter, honouring Retry-After.",
    )
    sync_backoff_s: float = Field(
        default=1.0,
        ge=0.0,
        le=60.0,
        description="First backoff delay in seconds (doubled per retry, at most 60 s).",
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

    def resolved_database_url(self) -> str:
        """The store URL, defaulting to the SQLite file in ``home``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'upwell.db'}"

    def resolved_minilm_dir(self) -> Path:
        """The MiniLM tier's folder, defaulting to ``home``/models/minilm."""
        return self.minilm_dir or self.home / "models" / "minilm"

    def resolved_spool_dir(self) -> Path:
        """The spool folder, defaulting to ``home``/uploads."""
        return self.spool_dir or self.home / "uploads"
