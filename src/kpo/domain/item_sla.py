"""Where a work item stands against its service line's SLA targets.

The first-response clock runs from arrival until a specialist first starts work; the resolution
clock runs from arrival until the item is resolved and is paused while it waits on the client.
Both count business time of the service line's calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from kpo.domain.calendars import BusinessCalendar
from kpo.domain.sla import SlaClock, SlaPolicy
from kpo.domain.work_items import WorkItem, WorkItemState

__all__ = ["ClockStatus", "sla_status"]


@dataclass(frozen=True, slots=True)
class ClockStatus:
    """One SLA target of one item at one moment.

    ``stopped_at`` is when the target was met (work started, item resolved) or ``None`` while
    the clock still runs; ``due`` is ``None`` while paused.
    """

    target_name: str
    target: timedelta
    started_at: datetime
    stopped_at: datetime | None
    due: datetime | None
    elapsed: timedelta
    remaining: timedelta
    paused: bool
    breached: bool


def _resolved_at(item: WorkItem) -> datetime | None:
    for step in item.transitions:
        if step.to_state is WorkItemState.RESOLVED:
            return step.at
    return None


def _status(name: str, clock: SlaClock, stopped_at: datetime | None, now: datetime) -> ClockStatus:
    at = now if stopped_at is None else min(now, stopped_at)
    return ClockStatus(
        target_name=name,
        target=clock.target,
        started_at=clock.started_at,
        stopped_at=stopped_at if stopped_at is not None and stopped_at <= now else None,
        due=clock.due(at),
        elapsed=clock.elapsed(at),
        remaining=clock.remaining(at),
        paused=clock.paused and stopped_at is None,
        breached=clock.is_breached(at),
    )


def sla_status(
    item: WorkItem, policy: SlaPolicy, calendar: BusinessCalendar, *, now: datetime
) -> tuple[ClockStatus, ...]:
    """The status of every target the policy sets, as of ``now``."""
    statuses: list[ClockStatus] = []
    if policy.first_response is not None:
        clock = SlaClock(calendar, item.created_at, policy.first_response)
        statuses.append(_status("first_response", clock, item.first_response_at(), now))
    if policy.resolution is not None:
        clock = SlaClock(calendar, item.created_at, policy.resolution)
        for start, end in item.waiting_spans():
            if start > now:
                break
            clock = clock.pause(start)
            if end is not None and end <= now:
                clock = clock.resume(end)
        statuses.append(_status("resolution", clock, _resolved_at(item), now))
    return tuple(statuses)
