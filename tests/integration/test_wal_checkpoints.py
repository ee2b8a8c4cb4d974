"""SQLite's WAL in a server process: no checkpoint inside a request's commit; the background
worker checkpoints it, so the file stays bounded, and nothing committed is lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpo.adapters.clock import FixedClock
from kpo.adapters.db.engine import checkpoint_wal
from kpo.bootstrap import App, connect
from kpo.domain.access import Actor
from kpo.entrypoints.api import create_app
from kpo.entrypoints.api.background import BackgroundWorker
from kpo.entrypoints.api.runtime import ApiSettings
from kpo.services.setup import initialize
from kpo.services.work_items import SubmitWorkItem, submit_work_item
from tests import factories
from tests.factories import T0

ROUNDS = 5
PER_ROUND = 40


def _open(path: Path, *, server: bool) -> App:
    return connect(f"sqlite:///{path}", server=server)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "kpo.sqlite3"
    with _open(path, server=False) as app:
        initialize(app.engine, app.uow())
        with app.uow() as uow:
            uow.clients.add(factories.client())
            uow.service_lines.add(factories.service_line())
            uow.commit()
    return path


def _wal_bytes(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def _submit(app: App, count: int) -> None:
    for _ in range(count):
        submit_work_item(
            app.uow(),
            Actor.operator(),
            SubmitWorkItem("acme-disputes", "en", subject="Card charged twice"),
            clock=FixedClock(T0),
        )


def _worker(app: App) -> BackgroundWorker:
    api = create_app(app, settings=ApiSettings(background=False), clock=FixedClock(T0))
    worker: BackgroundWorker = api.state.worker
    return worker


def _count(path: Path) -> int:
    with _open(path, server=False) as app, app.engine.connect() as connection:
        count: int = connection.exec_driver_sql("SELECT count(*) FROM work_items").scalar_one()
    return count


def test_only_a_server_engine_turns_auto_checkpoints_off(db: Path) -> None:
    for server, expected in ((True, 0), (False, 1000)):
        with _open(db, server=server) as app, app.engine.connect() as connection:
            setting = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()
        assert setting == expected


def test_the_worker_keeps_the_wal_bounded(db: Path) -> None:
    with _open(db, server=True) as app:
        truncated = checkpoint_wal(app.engine, max_frames=-1)  # the fallback: empty the file
        assert truncated is not None
        assert truncated.truncated
        assert _wal_bytes(db) == 0
        worker = _worker(app)
        sizes = []
        for _ in range(ROUNDS):
            _submit(app, PER_ROUND)
            worker.run_once()
            sizes.append(_wal_bytes(db))
        done = app.checkpoint_wal()
        assert done is not None
        assert not done.busy
        assert done.copied == done.frames
        checkpointed = max(sizes)

        # The same writes with nobody checkpointing: the WAL only grows.
        checkpoint_wal(app.engine, max_frames=-1)
        for _ in range(ROUNDS):
            _submit(app, PER_ROUND)
        unchecked = _wal_bytes(db)
    assert 0 < checkpointed * 3 < unchecked


def test_nothing_committed_is_lost_across_a_restart(db: Path) -> None:
    with _open(db, server=True) as app:
        worker = _worker(app)
        _submit(app, PER_ROUND)
        worker.run_once()  # these are in the database file
        _submit(app, PER_ROUND)  # these only in the WAL
        assert _count(db) == 2 * PER_ROUND  # another process sees both
    assert _count(db) == 2 * PER_ROUND
    with _open(db, server=True) as app:
        _submit(app, 1)
    assert _count(db) == 2 * PER_ROUND + 1
