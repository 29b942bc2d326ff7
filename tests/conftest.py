"""Shared fixtures: a store on each database, the shared corpora."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from upwell.lab.bench.scale import clear_namespace
from upwell.store.db import Store
from upwell.testing import open_store, postgres_admin_url, redis_test_url, scratch_postgres

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
if str(REPO) not in sys.path:  # the test-data converters in tools/ are imported by tests
    sys.path.insert(0, str(REPO))
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def shared(name: str) -> Path:
    """A corpus folder under ../shared/data, or skip with the reason."""
    path = SHARED_DATA / name
    if not path.is_dir():
        pytest.skip(f"corpus {name} not found at {path} (../shared/data is absent)")
    return path


@pytest.fixture(scope="session")
def corpus() -> Callable[[str], Path]:
    """``corpus(name)``: a folder of ../shared/data, or a skip that says it is absent."""
    return shared


def _postgres_available() -> str | None:
    try:
        eng = create_engine(postgres_admin_url())
        with eng.connect() as conn:
            conn.execute(text("select 1"))
        eng.dispose()
    except OperationalError as exc:
        return type(exc).__name__
    return None


@pytest.fixture(scope="session")
def postgres_ready() -> None:
    problem = _postgres_available()
    if problem is not None:
        msg = f"PostgreSQL not reachable at UPWELL_TEST_POSTGRES_URL ({problem})"
        if IN_CI:
            pytest.fail(msg + " — CI must start it (.ci/run)")
        pytest.skip(msg)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store on SQLite and on PostgreSQL (the same tests run on both)."""
    if request.param == "sqlite":
        s = open_store(tmp_path / "home")
        yield s
        s.close()
        return
    request.getfixturevalue("postgres_ready")
    with scratch_postgres() as url:
        s = open_store(tmp_path / "home", url)
        yield s
        s.close()


def _redis_available() -> str | None:
    import redis  # noqa: PLC0415 - redis is probed only to decide whether the Redis tests run

    try:
        client = redis.Redis.from_url(redis_test_url(), socket_connect_timeout=2)
        client.ping()
        client.close()
    except redis.RedisError as exc:
        return type(exc).__name__
    return None


@pytest.fixture(scope="session")
def redis_ready() -> None:
    problem = _redis_available()
    if problem is not None:
        msg = f"Redis not reachable at UPWELL_TEST_REDIS_URL ({problem})"
        if IN_CI:
            pytest.fail(msg + " — CI must start it (.ci/run)")
        pytest.skip(msg)


@pytest.fixture
def pg_url(postgres_ready: None) -> Iterator[str]:
    """A scratch PostgreSQL database (skips, or fails in CI, when there is no server)."""
    with scratch_postgres() as url:
        yield url


@pytest.fixture
def redis_namespace(redis_ready: None) -> Iterator[str]:
    """A fresh Redis key namespace for one test, deleted afterwards."""
    namespace = "upwell-test-" + uuid.uuid4().hex[:10]
    yield namespace
    clear_namespace(redis_test_url(), namespace)
