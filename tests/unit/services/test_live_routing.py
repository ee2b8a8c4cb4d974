"""The server's engine keeper: the background tick compacts the queues on a schedule; a
submit checks its service line against the engine's copy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kpo.adapters.clock import FixedClock
from kpo.bootstrap import calendar_for
from kpo.domain.access import Actor, Role
from kpo.domain.calendars import NoHolidays
from kpo.domain.errors import NotFound, ValidationError
from kpo.domain.work_items import WorkItem
from kpo.routing.engine import Router
from kpo.services.live_routing import LiveRouting
from kpo.services.network import create_service_line
from kpo.services.work_items import SubmitWorkItem, submit_work_item
from tests import factories
from tests.fakes import FakeServiceLines, FakeUnitOfWork

NOW = datetime(2026, 10, 22, 9, 0, tzinfo=UTC)


def test_tick_compacts_the_queues_every_few_minutes(monkeypatch: pytest.MonkeyPatch) -> None:
    uow = FakeUnitOfWork()
    with uow:
        uow.clients.add(factories.client())
        uow.vendors.add(factories.vendor())
        uow.service_lines.add(factories.service_line())
        uow.commit()
    clock = FixedClock(NOW)
    compactions: list[datetime] = []

    def maintain(_router: Router) -> int:
        compactions.append(clock.at)
        return 0

    monkeypatch.setattr(Router, "maintain", maintain)
    live = LiveRouting(
        lambda: uow, clock=clock, holidays_for=lambda _c: NoHolidays(), calendar_for=calendar_for
    )
    for minutes in (0, 1, 4, 5, 6, 9, 10, 11):
        clock.at = NOW + timedelta(minutes=minutes)
        live.tick()
    assert compactions == [NOW, NOW + timedelta(minutes=5), NOW + timedelta(minutes=10)]


def _live(uow: FakeUnitOfWork) -> LiveRouting:
    return LiveRouting(
        lambda: uow,
        clock=FixedClock(NOW),
        holidays_for=lambda _c: NoHolidays(),
        calendar_for=calendar_for,
    )


@pytest.fixture
def line_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The service lines read from storage by id."""
    reads: list[str] = []
    read = FakeServiceLines.get

    def counted(self: FakeServiceLines, key: str) -> Any:
        reads.append(key)
        return read(self, key)

    monkeypatch.setattr(FakeServiceLines, "get", counted)
    return reads


def _seeded() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    with uow:
        uow.skills.add("card_disputes")
        uow.clients.add(factories.client())
        uow.clients.add(factories.client(id="globex", name="Globex"))
        uow.vendors.add(factories.vendor())
        uow.service_lines.add(factories.service_line())
        uow.commit()
    return uow


def _submit(uow: FakeUnitOfWork, live: LiveRouting, actor: Actor, **fields: Any) -> WorkItem:
    command = SubmitWorkItem(**({"service_line_id": "acme-disputes", "language": "en"} | fields))
    return submit_work_item(uow, actor, command, clock=FixedClock(NOW), routing=live)


def test_a_submit_takes_its_line_from_the_engine_with_the_same_checks(
    line_reads: list[str],
) -> None:
    uow = _seeded()
    live = _live(uow)
    acme = Actor(Role.CLIENT, "acme")
    first = _submit(uow, live, acme)  # builds the engine
    line_reads.clear()
    second = _submit(uow, live, acme)
    assert line_reads == []
    assert {first.id, second.id} <= uow.work_items.ids()
    with pytest.raises(NotFound, match="acme-disputes"):
        _submit(uow, live, Actor(Role.CLIENT, "globex"))  # another tenant's line
    with pytest.raises(ValidationError) as error:
        _submit(uow, live, acme, language="pl")
    assert error.value.field == "language"
    with pytest.raises(NotFound, match="nowhere"):
        _submit(uow, live, acme, service_line_id="nowhere")
    assert line_reads == ["nowhere"]  # unknown to the engine: storage decides


def test_a_new_line_is_routed_after_the_engine_is_rebuilt() -> None:
    uow = _seeded()
    live = _live(uow)
    acme = Actor(Role.CLIENT, "acme")
    _submit(uow, live, acme)
    line = factories.service_line(id="acme-cards", languages=frozenset({"pl"}))
    create_service_line(uow, acme, line, routing=live)
    item = _submit(uow, live, acme, service_line_id="acme-cards", language="pl")
    assert item.service_line_id == "acme-cards"
