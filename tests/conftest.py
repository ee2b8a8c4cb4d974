"""Shared fixtures: a migrated database on SQLite and on PostgreSQL.

PostgreSQL tests use the server named by KPO_TEST_POSTGRES_URL (``.ci/run`` and
``scripts/with-postgres`` start one). Without it they are skipped with a message, except under
CI=true, where a missing server fails the run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from kpo.adapters.db.engine import create_db_engine

POSTGRES_ENV = "KPO_TEST_POSTGRES_URL"
HOW_TO = (
    "PostgreSQL tests need a server: run `scripts/with-postgres make test` (starts one on "
    f"loopback) or set {POSTGRES_ENV}=postgresql+psycopg://user@host:port/db"
)


def postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {POSTGRES_ENV} is not set. {HOW_TO}")
    pytest.skip(HOW_TO)


def _reset_postgres(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend (unmigrated)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kpo.sqlite3'}"
        return
    url = postgres_url()
    engine = create_db_engine(url)
    _reset_postgres(engine)
    engine.dispose()
    yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()
