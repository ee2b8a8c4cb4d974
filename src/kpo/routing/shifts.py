"""Shift starts and ends: where the time-zone arithmetic happens, once per shift, not per
decision.

The router keeps an on-shift flag per specialist; these helpers compute, from each
specialist's weekly hours in their own zone minus their country's public holidays, when that
flag changes. A caller (the routing service, the simulation) feeds the changes to
:meth:`Router.shift_started` / :meth:`Router.shift_ended` in time order.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from kpo.domain.calendars import HolidayCalendar
from kpo.domain.reference import zone
from kpo.domain.specialists import Specialist
from kpo.routing.model import shift_calendar, shift_left

__all__ = ["ShiftChange", "current_shift_end", "shift_changes"]


@dataclass(frozen=True, slots=True, order=True)
class ShiftChange:
    """At ``at`` the specialist's shift starts (``starts``) or ends; ``ends`` is when the
    shift that starts ends."""

    at: datetime
    specialist_id: str
    starts: bool
    ends: datetime


def _employed(specialist: Specialist, at: datetime) -> bool:
    return specialist.is_employed_on(at.astimezone(zone(specialist.time_zone)).date())


def current_shift_end(
    specialist: Specialist,
    holidays: HolidayCalendar,
    at: datetime,
    *,
    memo: dict[Hashable, timedelta] | None = None,
    memo_key: Hashable = None,
) -> datetime | None:
    """When the shift running at ``at`` ends; ``None`` when off shift or not employed.

    Loading many specialists at one instant, pass a ``memo`` dict and a ``memo_key`` that
    names the holiday calendar (e.g. the country): the time left in the shift is then
    computed once per (zone, working hours, holidays) — the only time-zone arithmetic — and
    shared by everyone with the same hours."""
    if not _employed(specialist, at):
        return None
    if memo is None:
        left = shift_left(shift_calendar(specialist, holidays), at)
    else:
        key = (specialist.time_zone, specialist.working_hours, memo_key, at)
        known = memo.get(key)
        if known is None:
            known = memo[key] = shift_left(shift_calendar(specialist, holidays), at)
        left = known
    return at + left if left > timedelta(0) else None


def shift_changes(
    specialists: Iterable[Specialist],
    holidays_for: Callable[[Specialist], HolidayCalendar],
    start: datetime,
    end: datetime,
) -> list[ShiftChange]:
    """Every shift start and end in ``[start, end)``, in time order. A shift already running
    at ``start`` starts at ``start``; shifts on days outside the employment are left out."""
    changes: list[ShiftChange] = []
    for specialist in specialists:
        calendar = shift_calendar(specialist, holidays_for(specialist))
        for opens, closes in calendar.open_intervals(start, end + timedelta(days=2)):
            if opens >= end or not _employed(specialist, opens):
                continue
            changes.append(ShiftChange(opens, specialist.id, True, closes))
            if closes < end:
                changes.append(ShiftChange(closes, specialist.id, False, closes))
    changes.sort(key=lambda c: (c.at, c.starts, c.specialist_id))
    return changes
