"""Reports over the caller's scope: queues and SLA standing of open work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from kpo.domain.access import Actor, Role
from kpo.domain.calendars import BusinessCalendar
from kpo.domain.clients import Coverage, ServiceLine
from kpo.domain.item_sla import sla_status
from kpo.domain.work_items import WorkItemState
from kpo.services.ports import UnitOfWork
from kpo.services.sla_status import Clock

__all__ = ["AT_RISK_SHARE", "LineQueue", "LineSla", "queue_report", "sla_report"]

# A running clock is "at risk" once less than this share of its target remains.
AT_RISK_SHARE = 0.2


@dataclass(frozen=True, slots=True)
class LineQueue:
    service_line_id: str
    client_id: str
    states: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LineSla:
    service_line_id: str
    open_items: int
    on_track: int
    at_risk: int
    breached: int


def _lines(uow: UnitOfWork, actor: Actor) -> list[ServiceLine]:
    actor.require(Role.CLIENT, action="read reports")
    return [line for line in uow.service_lines.all() if actor.sees_client(line.client_id)]


def queue_report(uow: UnitOfWork, actor: Actor) -> list[LineQueue]:
    """Items per state for every service line the caller may see."""
    with uow:
        lines = _lines(uow, actor)
        counts = uow.work_items.state_counts()
    report = []
    for line in lines:
        states = {s.value: counts.get((line.id, s), 0) for s in WorkItemState}
        report.append(LineQueue(line.id, line.client_id, states))
    return report


def sla_report(
    uow: UnitOfWork,
    actor: Actor,
    *,
    clock: Clock,
    calendar_for: Callable[[Coverage], BusinessCalendar],
) -> list[LineSla]:
    """Open items per line that are on track, at risk or breached on any SLA target."""
    now = clock.now()
    report = []
    with uow:
        lines = _lines(uow, actor)
        for line in lines:
            calendar = calendar_for(line.coverage)
            on_track = at_risk = breached = 0
            items = [i for i in uow.work_items.all(service_line_id=line.id) if not i.state.is_final]
            for item in items:
                clocks = [
                    c for c in sla_status(item, line.sla, calendar, now=now) if not c.stopped_at
                ]
                if any(c.breached for c in clocks):
                    breached += 1
                elif any(
                    c.remaining <= c.target * AT_RISK_SHARE and c.remaining >= timedelta(0)
                    for c in clocks
                ):
                    at_risk += 1
                else:
                    on_track += 1
            report.append(LineSla(line.id, len(items), on_track, at_risk, breached))
    return report
