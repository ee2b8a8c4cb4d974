"""Database engines and schema migration to the newest Alembic revision."""

from __future__ import annotations

from dataclasses import dataclass
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

__all__ = [
    "MAX_WAL_FRAMES",
    "WalCheckpoint",
    "checkpoint_wal",
    "create_db_engine",
    "current_revision",
    "head_revision",
    "migrate",
]

MIGRATIONS = Path(__file__).parent / "migrations"
MAX_WAL_FRAMES = 16_384
"""Pages (64 MiB at SQLite's default 4 KiB page) a SQLite WAL may hold after a passive
checkpoint before :func:`checkpoint_wal` forces a TRUNCATE, which waits for the writers."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    # The commit that crosses SQLite's auto-checkpoint threshold (1,000 pages) copies the WAL
    # into the database and fsyncs it inside that request; the server does it in the
    # background instead (checkpoint_wal). Per connection: the setting is not stored.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def create_db_engine(url: str, *, background_checkpoints: bool = False) -> Engine:
    """An engine for any SQLAlchemy URL; SQLite files get WAL, foreign keys and a busy timeout.

    ``background_checkpoints`` (SQLite only; a server process) turns off the WAL checkpoint
    that SQLite runs inside a commit: the caller must then call :func:`checkpoint_wal`
    regularly, or the WAL grows without bound while the engine's connections are open."""
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
        if background_checkpoints:
            event.listen(engine, "connect", _no_autocheckpoint)
        return engine
    return create_engine(parsed, pool_pre_ping=True)


@dataclass(frozen=True, slots=True)
class WalCheckpoint:
    """What one :func:`checkpoint_wal` did: ``frames`` in the WAL, ``copied`` of them into the
    database file, ``busy`` if a connection kept it from finishing, ``truncated`` if the
    TRUNCATE fallback ran."""

    frames: int
    copied: int
    busy: bool
    truncated: bool = False


def checkpoint_wal(engine: Engine, *, max_frames: int = MAX_WAL_FRAMES) -> WalCheckpoint | None:
    """Copy a SQLite database's WAL into the database file without waiting for anyone
    (``PASSIVE``: readers and writers carry on; the next writer reuses the WAL from its start
    once every frame is copied). If more than ``max_frames`` are still in the WAL afterwards
    (readers kept it from finishing for long), ``TRUNCATE`` waits for them (up to the busy
    timeout) and empties the file. ``None`` for other databases."""
    if engine.dialect.name != "sqlite":
        return None
    with engine.connect() as connection:
        busy, frames, copied = connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
        if frames <= max_frames:
            return WalCheckpoint(frames=frames, copied=copied, busy=bool(busy))
        busy, _, _ = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        # frames and copied: what the passive checkpoint found (the TRUNCATE empties the log)
        return WalCheckpoint(frames=frames, copied=copied, busy=bool(busy), truncated=True)


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
