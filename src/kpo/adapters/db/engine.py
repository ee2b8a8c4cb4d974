"""Database engines and schema migration to the newest Alembic revision."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from kpo.domain.errors import ValidationError

__all__ = ["create_db_engine", "current_revision", "head_revision", "migrate"]

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_db_engine(url: str) -> Engine:
    """An engine for any SQLAlchemy URL; SQLite files get WAL, foreign keys and a busy timeout."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValidationError(
            f"database URL {url!r} is not a SQLAlchemy URL such as 'sqlite:///kpo.sqlite3' or "
            "'postgresql+psycopg://user@host/db'",
            field="KPO_DATABASE_URL",
        ) from None
    if parsed.drivername.startswith("postgresql") and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername.startswith("sqlite"):
        database = parsed.database or ""
        if database and database != ":memory:":
            parent = Path(database).expanduser().resolve().parent
            if not parent.is_dir():
                raise ValidationError(
                    f"cannot create the database {database!r}: folder {str(parent)!r} does not "
                    "exist",
                    field="KPO_DATABASE_URL",
                )
        engine = create_engine(parsed)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(parsed, pool_pre_ping=True)


def _config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (the newest by default); safe to run repeatedly."""
    command.upgrade(_config(engine), revision)


def head_revision() -> str:
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
