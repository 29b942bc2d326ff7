"""Tables of the store (SQLAlchemy Core). Alembic migrations in ``migrations/`` create them.

Columns ending in ``_enc`` hold AES-GCM ciphertexts sealed with the member's key (see
:mod:`upwell.store.crypto`); columns ending in ``_key`` hold the member's blind index keys.
Message bodies are never stored. Record ids are the member's blind index of the source item id,
so re-importing the same item finds the same row.

Why one module of over 500 lines: it is only table definitions, and the migration test compares
this one metadata with what the migrations build; one file keeps every table, its keys and
its sealed columns readable side by side.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from upwell.store.types import UTCDateTime

metadata = MetaData()

members = Table(
    "members",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ref_key", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

member_keys = Table(
    "member_keys",
    metadata,
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("provider", String(32), nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("wrapped", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

tombstones = Table(
    "tombstones",
    metadata,
    Column("ref_key", String(64), primary_key=True),
    Column("deleted_at", UTCDateTime(), nullable=False),
)

persons = Table(
    "persons",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("is_self", Boolean, nullable=False, default=False),
    Column("name_enc", LargeBinary, nullable=True),
    Column("handle_enc", LargeBinary, nullable=False),
    Index("ix_persons_member", "member_id"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("import_id", Integer, nullable=True),
    Column("source", String(16), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=False),
    Column("utc_offset", Integer, nullable=True),
    Column("sender_id", String(32), nullable=False),
    Column("in_sent_folder", Boolean, nullable=False),
    Column("n_to", Integer, nullable=False),
    Column("n_cc", Integer, nullable=False),
    Column("subject_enc", LargeBinary, nullable=True),
    Column("subject_key", String(32), nullable=True),
    Column("is_reply", Boolean, nullable=False),
    Column("is_forward", Boolean, nullable=False),
    Column("msgid_key", String(32), nullable=True),
    Column("in_reply_to_key", String(32), nullable=True),
    Column("quoted_from_key", String(32), nullable=True),
    Column("sender_name_key", String(32), nullable=True),
    Column("conversation_key", String(32), nullable=True),
    Column("parent_id", String(32), nullable=True),
    Column("thread_key", String(32), nullable=True),
    Column("link_method", String(12), nullable=True),
    Column("word_count", Integer, nullable=False),
    Column("quoted_chars", Integer, nullable=False),
    Column("attachments", Integer, nullable=False),
    Column("notes", String(200), nullable=False, default=""),
    # Copies of one message stored apart (docs/identity.md): a blind key of its content
    # fingerprint and of the folder it came from.
    Column("copy_key", String(32), nullable=True),
    Column("folder_key", String(32), nullable=True),
    Index("ix_messages_member_sent", "member_id", "sent_at"),
    Index("ix_messages_member_msgid", "member_id", "msgid_key"),
    Index("ix_messages_member_subject", "member_id", "subject_key", "sent_at", "id"),
    Index("ix_messages_member_parent", "member_id", "parent_id"),
    Index("ix_messages_member_sender", "member_id", "sender_id"),
    Index("ix_messages_member_copy", "member_id", "copy_key"),
)

# Party and attendee rows are many (several per message) and written in bulk: a WITHOUT ROWID
# table keyed by member first is one B-tree, which halves insert cost against a rowid table plus
# a secondary index, and still serves every per-member scan. Rows go with their message or event
# (deleted together by member), so no foreign key to the message is checked per insert.
message_parties = Table(
    "message_parties",
    metadata,
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("message_id", String(32), primary_key=True),
    Column("person_id", String(32), primary_key=True),
    Column("role", String(8), primary_key=True),
    sqlite_with_rowid=False,
)

events = Table(
    "events",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("import_id", Integer, nullable=True),
    Column("source", String(16), nullable=False),
    Column("uid_key", String(32), nullable=False),
    Column("title_enc", LargeBinary, nullable=True),
    Column("start_at", UTCDateTime(), nullable=False),
    Column("end_at", UTCDateTime(), nullable=False),
    Column("utc_offset", Integer, nullable=True),
    Column("all_day", Boolean, nullable=False),
    Column("cancelled", Boolean, nullable=False),
    Column("recurring", Boolean, nullable=False),
    Column("organizer_id", String(32), nullable=True),
    Column("n_attendees", Integer, nullable=False),
    Column("notes", String(200), nullable=False, default=""),
    Index("ix_events_member_start", "member_id", "start_at"),
)

event_attendees = Table(
    "event_attendees",
    metadata,
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("event_id", String(32), primary_key=True),
    Column("person_id", String(32), primary_key=True),
    Column("response", String(12), nullable=False),
    sqlite_with_rowid=False,
)

# What the analyzers derived from a message's words, sealed as one JSON object per message
# ({analyzer: {feature: value}}), with the analyzer versions that made it kept in clear so that
# stale rows can be found without decrypting anything.
features = Table(
    "features",
    metadata,
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("message_id", String(32), primary_key=True),
    Column("versions", String(400), nullable=False),
    Column("values_enc", LargeBinary, nullable=False),
    sqlite_with_rowid=False,
)

# Phrases behind the member's cards, kept only as long as the member's retention setting allows.
evidence = Table(
    "evidence",
    metadata,
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("message_id", String(32), primary_key=True),
    Column("captured_at", UTCDateTime(), nullable=False),
    Column("snippets_enc", LargeBinary, nullable=False),
    sqlite_with_rowid=False,
)

# The member's own declared (or confirmed) direct reports and manager, by their person id.
team = Table(
    "team",
    metadata,
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", String(32), primary_key=True),
    Column("relation", String(8), nullable=False),
    sqlite_with_rowid=False,
)

imports = Table(
    "imports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("reader", String(16), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime(), nullable=True),
    Column("seen", Integer, nullable=False, default=0),
    Column("imported", Integer, nullable=False, default=0),
    Column("skipped", Text, nullable=False, default="{}"),
    Column("status", String(12), nullable=False, default="running"),
)

# -- the web app: tenants, accounts and sign-in (docs/web.md) ---------------------------------

orgs = Table(
    "orgs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("slug", String(40), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# An account signs in; a member account is bound to one member (``member_ref`` is what
# ``Store.open_member`` takes), an org admin account to none: admins have no personal plane.
# Emails are kept only as a keyed hash (``email_key``), enough to find the account at sign-in.
accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False),
    Column("email_key", String(64), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=True),
    Column("role", String(8), nullable=False),
    Column("member_ref", String(64), nullable=True, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_accounts_org", "org_id"),
)

# Single sign-on identities: a hash of issuer and subject, never the raw claims.
account_identities = Table(
    "account_identities",
    metadata,
    Column("subject_key", String(64), primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"),
           nullable=False),
    Index("ix_account_identities_account", "account_id"),
)

# OIDC providers an org admin configured (Google, Microsoft or any issuer by URL).
sso_providers = Table(
    "sso_providers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False),
    Column("slug", String(32), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("issuer_url", String(300), nullable=False),
    Column("client_id", String(200), nullable=False),
    Column("client_secret_enc", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("org_id", "slug", name="uq_sso_providers_org_slug"),
)

invitations = Table(
    "invitations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False),
    Column("token_key", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
)

# Server-side sessions: the cookie holds a random token, the table only its hash.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_key", String(64), primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"),
           nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Index("ix_web_sessions_account", "account_id"),
)

# -- the web app: one member's choices and rights (personal plane) ---------------------------

# Versioned consent records, append-only: the latest per (source, purpose) is in force.
consents = Table(
    "consents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("source", String(16), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("granted", Boolean, nullable=False),
    Column("version", String(16), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Index("ix_consents_member", "member_id", "source", "purpose"),
)

member_settings = Table(
    "member_settings",
    metadata,
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("tz", String(64), nullable=False),
    Column("start_hour", Integer, nullable=False),
    Column("end_hour", Integer, nullable=False),
    Column("digest_day", Integer, nullable=False),
    Column("evidence_retention_days", Integer, nullable=False),
    Column("paused", Boolean, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# People (by person id) and chat channels (by the member's blind key) kept out of coaching, and
# date ranges the member had forgotten (re-applied after every import).
exclusions = Table(
    "exclusions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("target_key", String(64), nullable=True),
    Column("label_enc", LargeBinary, nullable=True),
    Column("start_at", UTCDateTime(), nullable=True),
    Column("end_at", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_exclusions_member", "member_id"),
)

goals = Table(
    "goals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("metric", String(32), nullable=False),
    Column("baseline", Float, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_goals_member", "member_id"),
)

# Append-only, hash-chained: each row's hash covers the previous row's hash.
access_log = Table(
    "access_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor", String(16), nullable=False),
    Column("action", String(32), nullable=False),
    Column("detail", String(200), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("member_id", "seq", name="uq_access_log_member_seq"),
)

import_jobs = Table(
    "import_jobs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(12), nullable=False),
    Column("reader", String(16), nullable=True),
    Column("seen", Integer, nullable=False),
    Column("imported", Integer, nullable=False),
    Column("skipped", Integer, nullable=False),
    Column("error", String(200), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime(), nullable=True),
    Index("ix_import_jobs_member", "member_id"),
)

# The member's dashboard, computed after each change and sealed with their key.
dashboards = Table(
    "dashboards",
    metadata,
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("computed_at", UTCDateTime(), nullable=False),
    Column("payload_enc", LargeBinary, nullable=False),
)

# -- group insights: the privacy guard's own tables (aggregate/, docs/privacy-aggregates.md) ---

# The works-council policy, one row per version (append-only: the change log members read).
aggregate_policies = Table(
    "aggregate_policies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("metrics", Text, nullable=False),
    Column("k", Integer, nullable=False),
    Column("epsilon", Float, nullable=False),
    Column("period_days", Integer, nullable=False),
    Column("note", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("org_id", "version", name="uq_aggregate_policies_org_version"),
)

# The org's team tree for one period: the only groups anything is released about.
org_nodes = Table(
    "org_nodes",
    metadata,
    Column("org_id", Integer, ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True),
    Column("period", Date, primary_key=True),
    Column("node_key", String(64), primary_key=True),
    Column("parent_key", String(64), nullable=True),
    Column("name", String(120), nullable=False),
    Column("kind", String(12), nullable=False),
)

# Which account sits in which node for the period (matched by the account's email hash). Held
# by the guard alone: no page, API or export shows it.
org_members = Table(
    "org_members",
    metadata,
    Column("org_id", Integer, ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True),
    Column("period", Date, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"),
           primary_key=True),
    Column("node_key", String(64), nullable=False),
)

# Every decision of the guard, cached: a release (noisy value and its interval), a suppression
# or a refusal, keyed by (org, policy version, node, metric, period). Asking again reads this.
aggregate_releases = Table(
    "aggregate_releases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False),
    Column("policy_version", Integer, nullable=False),
    Column("period", Date, nullable=False),
    Column("node_key", String(64), nullable=False),
    Column("metric", String(32), nullable=False),
    Column("status", String(12), nullable=False),
    Column("reason", String(32), nullable=True),
    Column("value", Float, nullable=True),
    Column("half_width", Float, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("org_id", "policy_version", "node_key", "metric", "period",
                     name="uq_aggregate_releases_key"),
    Index("ix_aggregate_releases_org_period", "org_id", "period"),
)

# Contributor sets of released groups, kept for the differencing rules only (never shown).
aggregate_contributors = Table(
    "aggregate_contributors",
    metadata,
    Column("release_id", Integer, ForeignKey("aggregate_releases.id", ondelete="CASCADE"),
           primary_key=True),
    Column("account_id", Integer, primary_key=True),
    sqlite_with_rowid=False,
)

# The privacy ledger: one row per charge to the org's budget for a period. Members and admins
# read the same rows.
aggregate_ledger = Table(
    "aggregate_ledger",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False),
    Column("period", Date, nullable=False),
    Column("node_key", String(64), nullable=False),
    Column("metric", String(32), nullable=False),
    Column("policy_version", Integer, nullable=False),
    Column("epsilon", Float, nullable=False),
    Column("mechanism", String(80), nullable=False),
    Column("scale_sum", Float, nullable=False),
    Column("scale_count", Float, nullable=False),
    Column("charged_at", UTCDateTime(), nullable=False),
    Index("ix_aggregate_ledger_org_period", "org_id", "period"),
)


# -- connectors: a member's own grants and where each sync stands (docs/sources/) -------------

# One connected source of one member. ``secret_enc`` is the refresh token (or an IMAP password),
# ``config_enc`` the non-secret settings (IMAP host and user), ``cursor_enc`` where the next
# incremental sync starts: all sealed with the member's key. Access tokens are never stored.
connections = Table(
    "connections",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("source", String(16), nullable=False),
    Column("status", String(12), nullable=False),
    Column("mode", String(8), nullable=False),
    Column("scopes", Text, nullable=False),
    Column("secret_enc", LargeBinary, nullable=True),
    Column("config_enc", LargeBinary, nullable=True),
    Column("cursor_enc", LargeBinary, nullable=True),
    Column("error", String(200), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("synced_at", UTCDateTime(), nullable=True),
    Index("ix_connections_member", "member_id", "source"),
)

# An authorization in progress: single use, bound to the session that started it, with the PKCE
# verifier sealed with the member's key. Only a hash of the state is kept.
oauth_states = Table(
    "oauth_states",
    metadata,
    Column("state_key", String(64), primary_key=True),
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("session_key", String(64), nullable=False),
    Column("source", String(16), nullable=False),
    Column("mode", String(8), nullable=False),
    Column("verifier_enc", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_oauth_states_member", "member_id"),
)


# -- delivery: digest, nudges, fatigue controls, feedback, experiments (docs/delivery.md) -----

# The member's delivery choices: the digest on or off and its hour; the fatigue controls (caps
# per channel, quiet hours, mutes and snoozes per insight type) sealed as one JSON object; and
# their own account address, sealed, captured when they signed in (checked against the
# account's email hash before every send).
delivery_prefs = Table(
    "delivery_prefs",
    metadata,
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("digest_enabled", Boolean, nullable=False),
    Column("digest_hour", Integer, nullable=False),
    Column("controls_enc", LargeBinary, nullable=True),
    Column("address_enc", LargeBinary, nullable=True),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# One row per weekly digest slot (the member's local date of their digest day), written before
# the message is handed to SMTP: a second run, or a run after a crash, never sends it twice.
digests_sent = Table(
    "digests_sent",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("slot", String(10), nullable=False),
    Column("status", String(10), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=True),
    UniqueConstraint("member_id", "slot", name="uq_digests_sent_member_slot"),
)

# What went out on each channel (digest, nudges), content-free: the frequency caps count these.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=False),
    Index("ix_deliveries_member_channel", "member_id", "channel", "sent_at"),
)

# The nudge queue: each nudge once (a blind key of what it is about), its text sealed.
nudges = Table(
    "nudges",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("dedupe_key", String(32), nullable=False),
    Column("status", String(10), nullable=False),
    Column("reason", String(16), nullable=True),
    Column("channel", String(16), nullable=True),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=True),
    Column("payload_enc", LargeBinary, nullable=False),
    UniqueConstraint("member_id", "dedupe_key", name="uq_nudges_member_key"),
    Index("ix_nudges_member_status", "member_id", "status", "due_at"),
)

# Helpful / not helpful / wrong on a card or nudge, sealed (insight type, verdict, surface).
feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("item_enc", LargeBinary, nullable=False),
    Index("ix_feedback_member", "member_id"),
)

# Personal experiments: a behaviour (a weekly metric) and the period the member tries a change.
experiments = Table(
    "experiments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("metric", String(32), nullable=False),
    Column("start_on", Date, nullable=False),
    Column("end_on", Date, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_experiments_member", "member_id"),
)

# Signed single-use links (unsubscribe, feedback from the digest): only the hash of a used one.
used_tokens = Table(
    "used_tokens",
    metadata,
    Column("token_key", String(64), primary_key=True),
    Column("used_at", UTCDateTime(), nullable=False),
)


# One row per task run (a Dramatiq message id, or a fresh id in-process): what made a task's
# completion idempotent. Ids, status, counts and timings only; never content or addresses.
task_runs = Table(
    "task_runs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("task", String(32), nullable=False),
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=True),
    Column("queue", String(40), nullable=False),
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("detail", Text, nullable=True),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime(), nullable=True),
    Column("cpu_s", Float, nullable=True),
    Index("ix_task_runs_member", "member_id"),
    Index("ix_task_runs_status", "status"),
)

#: Tables holding one member's rows, children first (the order deletion uses).
MEMBER_TABLES = (
    task_runs,
    nudges,
    deliveries,
    digests_sent,
    feedback,
    experiments,
    delivery_prefs,
    oauth_states,
    connections,
    dashboards,
    import_jobs,
    access_log,
    goals,
    exclusions,
    member_settings,
    consents,
    evidence,
    team,
    features,
    message_parties,
    event_attendees,
    messages,
    events,
    persons,
    imports,
    member_keys,
)
