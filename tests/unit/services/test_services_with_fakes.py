"""Services against the in-memory fakes: no database, same rules."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from kpo.adapters.clock import FixedClock
from kpo.domain.calendars import BusinessCalendar, HolidayCalendar, NoHolidays, parse_hours
from kpo.domain.clients import Coverage
from kpo.domain.errors import NotFound
from kpo.domain.work_items import WorkItemState
from kpo.services.demo import DatabaseNotEmpty, run_demo
from kpo.services.imports import export_records, import_file
from kpo.services.sla_status import item_sla_status
from kpo.services.tabular import ImportFailed
from tests.fakes import FakeUnitOfWork

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "csv"
ORDER = ("clients", "vendors", "service-lines", "specialists", "work-items")


def seeded() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    with uow:
        for skill in ("card_disputes", "payments", "it_support_l1"):
            uow.skills.add(skill)
        uow.commit()
    return uow


def test_imports_commit_once_per_file_and_queue_items() -> None:
    uow = seeded()
    for kind in ORDER:
        import_file(uow, kind, EXAMPLES / f"{kind}.csv")
    assert uow.commits == 1 + len(ORDER)
    items = export_records(uow, "work-items")
    assert {item.state for item in items} == {WorkItemState.QUEUED}
    assert [e.name for e in uow.committed.events].count("ItemQueued") == len(items)


def test_a_failed_import_commits_nothing() -> None:
    uow = seeded()
    import_file(uow, "clients", EXAMPLES / "clients.csv")
    with pytest.raises(ImportFailed) as failure:
        import_file(uow, "clients", EXAMPLES / "clients.csv")  # same ids again
    assert [e.row for e in failure.value.errors] == [2, 2, 3, 3]  # id and name of both rows
    assert uow.commits == 2
    assert len(uow.committed.clients) == 2


def test_demo_refuses_a_store_with_clients() -> None:
    uow = seeded()
    week = datetime(2026, 3, 23, tzinfo=UTC)
    result = run_demo(
        uow,
        seed=1,
        week_start=week,
        days=1,
        scale=0.01,
        holidays_for=_no_holidays,
        calendar_for=_always_open,
    )
    assert len(uow.committed.specialists) == len(result.network.specialists)
    assert len(uow.committed.work_items) == result.items
    assert result.report.items.arrived == result.items
    with pytest.raises(DatabaseNotEmpty):
        run_demo(
            uow,
            seed=1,
            week_start=week,
            days=1,
            holidays_for=_no_holidays,
            calendar_for=_always_open,
        )


def _no_holidays(_country: str) -> HolidayCalendar:
    return NoHolidays()


def _always_open(coverage: Coverage) -> BusinessCalendar:
    return BusinessCalendar(coverage.time_zone, parse_hours("daily 00:00-24:00"))


def test_sla_status_uses_the_injected_clock_and_calendar() -> None:
    uow = seeded()
    for kind in ORDER:
        import_file(uow, kind, EXAMPLES / f"{kind}.csv")
    asked: list[Coverage] = []

    def calendar_for(coverage: Coverage) -> BusinessCalendar:
        asked.append(coverage)
        return BusinessCalendar("UTC", parse_hours("daily 00:00-24:00"))

    clock = FixedClock(datetime(2026, 10, 23, 16, 30, tzinfo=UTC))
    item, clocks = item_sla_status(uow, "W000001", clock=clock, calendar_for=calendar_for)
    assert item.id == "W000001"
    assert asked[0].hours == "mon-fri 08:00-20:00"
    first = clocks[0]
    assert first.due == datetime(2026, 10, 23, 18, 30, tzinfo=UTC)  # 24x7: 4 h after 14:30
    assert not first.breached
    with pytest.raises(NotFound):
        item_sla_status(uow, "W999", clock=clock, calendar_for=calendar_for)
