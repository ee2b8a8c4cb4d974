"""Use case: the SLA status of a stored work item."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from kpo.domain.calendars import BusinessCalendar
from kpo.domain.clients import Coverage
from kpo.domain.errors import NotFound
from kpo.domain.item_sla import ClockStatus, sla_status
from kpo.domain.work_items import WorkItem
from kpo.services.ports import UnitOfWork

__all__ = ["Clock", "item_sla_status"]


class Clock(Protocol):
    def now(self) -> datetime: ...


def item_sla_status(
    uow: UnitOfWork,
    item_id: str,
    *,
    clock: Clock,
    calendar_for: Callable[[Coverage], BusinessCalendar],
) -> tuple[WorkItem, tuple[ClockStatus, ...]]:
    with uow:
        item = uow.work_items.get(item_id)
        if item is None:
            raise NotFound("work item", item_id)
        line = uow.service_lines.get(item.service_line_id)
        if line is None:
            raise NotFound("service line", item.service_line_id)
    return item, sla_status(item, line.sla, calendar_for(line.coverage), now=clock.now())
