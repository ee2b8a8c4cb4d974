"""Reports over the caller's service lines."""

from __future__ import annotations

from fastapi import APIRouter

from kpo.entrypoints.api.deps import ActorDep, ClockDep, RuntimeDep, UowDep
from kpo.entrypoints.api.routes import PROBLEMS
from kpo.entrypoints.api.schemas.reports import LineQueuePublic, LineSlaPublic
from kpo.services import reports

__all__ = ["router"]

router = APIRouter(prefix="/reports", tags=["reports"], responses=PROBLEMS)


@router.get("/queues")
def queue_report(actor: ActorDep, uow: UowDep) -> list[LineQueuePublic]:
    """Work items per state of every service line the caller may see."""
    return [
        LineQueuePublic(service_line_id=q.service_line_id, client_id=q.client_id, states=q.states)
        for q in reports.queue_report(uow, actor)
    ]


@router.get("/sla")
def sla_report(
    actor: ActorDep, uow: UowDep, clock: ClockDep, runtime: RuntimeDep
) -> list[LineSlaPublic]:
    """Open items per service line that are on track, at risk or past an SLA deadline."""
    found = reports.sla_report(uow, actor, clock=clock, calendar_for=runtime.calendar_for)
    return [
        LineSlaPublic(
            service_line_id=s.service_line_id,
            open_items=s.open_items,
            on_track=s.on_track,
            at_risk=s.at_risk,
            breached=s.breached,
        )
        for s in found
    ]
