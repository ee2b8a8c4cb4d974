"""The one place that wires adapters to services. Nothing here runs at import time."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from kpo.adapters.clock import SystemClock
from kpo.adapters.db.engine import (
    WalCheckpoint,
    checkpoint_wal,
    create_db_engine,
    current_revision,
    head_revision,
    migrate,
)
from kpo.adapters.db.unit_of_work import SqlUnitOfWork
from kpo.adapters.holidays import CountryHolidays
from kpo.adapters.search.embeddings import SEMANTIC_UNAVAILABLE, load_embedder
from kpo.adapters.webhooks.http import HttpWebhookTransport
from kpo.config import Settings
from kpo.domain.calendars import BusinessCalendar, HolidayCalendar, NoHolidays, parse_hours
from kpo.domain.clients import Coverage
from kpo.domain.errors import KpoError
from kpo.knowledge.vectors import Embedder
from kpo.services.live_routing import LiveRouting
from kpo.services.ports import WebhookTransport
from kpo.services.sla_status import Clock

__all__ = [
    "SEMANTIC_UNAVAILABLE",
    "App",
    "DatabaseNotReady",
    "calendar_for",
    "connect",
    "connect_existing",
    "embedder",
    "holidays_for",
    "scratch_app",
]


class DatabaseNotReady(KpoError):
    def __init__(self, url: str, found: str | None, head: str) -> None:
        state = "has no OpenKPO schema" if found is None else f"is at revision {found}"
        super().__init__(
            f"the database {url!r} {state}, this version needs {head}: run `kpo init` first"
        )


@dataclass
class App:
    """Wired adapters for one process: an engine, a unit-of-work factory and a clock."""

    settings: Settings
    engine: Engine = field(repr=False)
    clock: Clock = field(default_factory=SystemClock)

    def __enter__(self) -> App:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)

    def checkpoint_wal(self) -> WalCheckpoint | None:
        """On SQLite, copy the write-ahead log into the database file (never waiting for
        requests unless the log has grown past its bound); ``None`` on other databases."""
        return checkpoint_wal(self.engine)

    def webhook_transport(self) -> WebhookTransport:
        """How webhook deliveries are posted (HTTP with a 10 s timeout)."""
        return HttpWebhookTransport(timeout=10.0)

    def live_routing(
        self, *, clock: Clock | None = None, on_decisions: Callable[[int], None] | None = None
    ) -> LiveRouting:
        """The routing engine of a server process over this database (built on first use)."""
        return LiveRouting(
            self.uow,
            clock=clock or self.clock,
            holidays_for=holidays_for,
            calendar_for=calendar_for,
            on_decisions=on_decisions,
        )

    def require_schema(self) -> None:
        found, head = current_revision(self.engine), head_revision()
        if found != head:
            raise DatabaseNotReady(self.settings.database_url, found, head)


def connect(database_url: str | None = None, *, server: bool = False) -> App:
    """Build the application for ``database_url`` (default: ``KPO_DATABASE_URL``).

    Use it as ``with connect() as app:`` so that connections are closed at the end. A
    ``server`` process leaves SQLite's WAL checkpoints to its background worker (it must call
    :meth:`App.checkpoint_wal` regularly), so that no request waits for one.
    """
    settings = Settings() if database_url is None else Settings(database_url=database_url)
    return App(settings, create_db_engine(settings.database_url, background_checkpoints=server))


def connect_existing(database_url: str | None = None) -> tuple[App | None, str]:
    """The database if it exists with the current schema, else ``None`` and why not.

    Unlike :func:`connect` followed by a query, this never creates a SQLite file.
    """
    settings = Settings() if database_url is None else Settings(database_url=database_url)
    url = settings.database_url
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None, f"KPO_DATABASE_URL {url!r} is not a database URL"
    if parsed.drivername.startswith("sqlite"):
        database = parsed.database or ""
        if not database or database == ":memory:" or not Path(database).expanduser().is_file():
            return None, f"the database {url!r} does not exist"
    app = App(settings, create_db_engine(url))
    try:
        app.require_schema()
    except DatabaseNotReady as error:
        app.close()
        return None, error.message
    except SQLAlchemyError as error:
        app.close()
        return None, f"the database {url!r} cannot be read ({type(error).__name__})"
    return app, ""


@contextmanager
def scratch_app() -> Iterator[App]:
    """A throw-away, migrated SQLite database (for evaluations); deleted on exit."""
    with tempfile.TemporaryDirectory(prefix="kpo-scratch-") as folder:
        url = f"sqlite:///{Path(folder) / 'scratch.sqlite3'}"
        app = App(Settings(database_url=url), create_db_engine(url))
        try:
            migrate(app.engine)
            yield app
        finally:
            app.close()


def embedder() -> Embedder | None:
    """The sentence-embedding model when ``openkpo[semantic]`` is installed, else ``None``
    (callers then say :data:`SEMANTIC_UNAVAILABLE` once and work lexically)."""
    return load_embedder()


@lru_cache(maxsize=4096)
def calendar_for(coverage: Coverage) -> BusinessCalendar:
    """The business calendar of a service line's coverage, with its country's holidays (one
    per distinct coverage: calendars are immutable)."""
    holidays = CountryHolidays(coverage.country) if coverage.country else NoHolidays()
    return BusinessCalendar(
        time_zone=coverage.time_zone,
        windows=parse_hours(coverage.hours),
        holidays=holidays,
        closed_dates=coverage.closed_dates,
    )


@cache
def holidays_for(country: str) -> HolidayCalendar:
    """Public holidays of ``country`` (ISO 3166-1), one cached calendar per country."""
    return CountryHolidays(country)
