"""The server's engine keeper: the background tick compacts the queues on a schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kpo.adapters.clock import FixedClock
from kpo.bootstrap import calendar_for
from kpo.domain.calendars import NoHolidays
from kpo.routing.engine import Router
from kpo.services.live_routing import LiveRouting
from tests import factories
from tests.fakes import FakeUnitOfWork

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
