"""Run one sync in its own process (the crash test kills it mid-page): argv = home, db, base."""

from __future__ import annotations

import sys
from pathlib import Path

from upwell.config import Settings
from upwell.pipeline.sync import sync_member
from upwell.store.db import Store


def main() -> None:
    home, db, base = sys.argv[1], sys.argv[2], sys.argv[3]
    settings = Settings(
        home=Path(home), database_url=db, public_url="https://upwell.test", analyzers=(),
        google_client_id="google-client", google_client_secret="google-secret",
        google_auth_url=base + "/google/auth", google_token_url=base + "/google/token",
        google_revoke_url=base + "/google/revoke", google_api_url=base + "/google/api",
        sync_backoff_s=0.0)
    store = Store(settings)
    member = store.open_member("ann", create=False)
    reports = sync_member(store, settings, member)
    print(reports[0].status, reports[0].imported, flush=True)


if __name__ == "__main__":
    main()
