"""The cost and eligibility model shared by online routing and batch optimisation.

One definition serves both paths, so that a batch solution and an online decision agree on who
may take an item and what it costs.

- A specialist is **statically eligible** for an item when they hold every skill the service
  line requires at its minimum level (minus an optional relaxation from a routing-policy step),
  speak the item's language, and can work the line's channel (capacity > 0).
- **Expected handle time** is the line's handle time scaled by the specialist's pace at their
  level in the line's required skills (:data:`PACE_BY_LEVEL`; the mean over required skills).
- **Cost** of an assignment is the specialist's hourly cost × expected handle time.
- **Dynamically eligible** additionally needs: employed on that day, status available, free
  capacity on the channel, on shift now (working hours in their own zone, not a public holiday
  of their vendor's country) with at least the expected handle time left in the shift.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from kpo.domain.calendars import BusinessCalendar, HolidayCalendar
from kpo.domain.clients import ServiceLine
from kpo.domain.money import Money
from kpo.domain.reference import zone
from kpo.domain.specialists import Specialist, SpecialistStatus

__all__ = [
    "PACE_BY_LEVEL",
    "assignment_cost",
    "available_on",
    "expected_handle_time",
    "meets_skills",
    "pace",
    "relax_needed",
    "shift_calendar",
    "shift_left",
    "statically_eligible",
]

# Handle-time multiplier by skill level: a level-5 expert takes 75 % of the nominal time.
PACE_BY_LEVEL: dict[int, Decimal] = {
    1: Decimal("1.50"),
    2: Decimal("1.25"),
    3: Decimal("1.00"),
    4: Decimal("0.85"),
    5: Decimal("0.75"),
}


def meets_skills(line: ServiceLine, specialist: Specialist, *, relax: int = 0) -> bool:
    """Every required skill at ``min_level - relax`` or above (never below level 1)."""
    return all(
        specialist.level_of(r.skill) >= max(1, r.min_level - relax) for r in line.required_skills
    )


def relax_needed(line: ServiceLine, specialist: Specialist) -> int | None:
    """The smallest ``relax`` for which :func:`meets_skills` holds; ``None`` if no relaxation
    helps (a required skill is missing: level 0 never meets level 1).

    ``meets_skills(line, s, relax=r)`` is exactly ``relax_needed(line, s) is not None and
    r >= relax_needed(line, s)``; the routing index uses it to place a specialist into every
    policy step at once.
    """
    needed = 0
    for requirement in line.required_skills:
        level = specialist.level_of(requirement.skill)
        if level < 1:
            return None
        needed = max(needed, requirement.min_level - level)
    return needed


def statically_eligible(
    line: ServiceLine, specialist: Specialist, language: str, *, relax: int = 0
) -> bool:
    """Skills, language and channel: what does not change from minute to minute."""
    return (
        specialist.capacity.get(line.channel, 0) > 0
        and language in specialist.languages
        and meets_skills(line, specialist, relax=relax)
    )


def pace(line: ServiceLine, specialist: Specialist) -> Decimal:
    """Mean handle-time multiplier over the line's required skills (unknown skill: level 1)."""
    factors = [PACE_BY_LEVEL[max(1, specialist.level_of(r.skill))] for r in line.required_skills]
    return sum(factors, Decimal(0)) / len(factors)


def expected_handle_time(line: ServiceLine, specialist: Specialist) -> timedelta:
    seconds = Decimal(int(line.handle_time.total_seconds())) * pace(line, specialist)
    return timedelta(seconds=int(seconds.to_integral_value()))


def assignment_cost(line: ServiceLine, specialist: Specialist) -> Money:
    """What the specialist's time on one item of this line costs (exact, not rounded)."""
    hours = Decimal(int(expected_handle_time(line, specialist).total_seconds())) / 3600
    return specialist.hourly_cost * hours


def shift_calendar(specialist: Specialist, holidays: HolidayCalendar) -> BusinessCalendar:
    """The specialist's working time: their weekly hours in their zone minus ``holidays``."""
    return BusinessCalendar(
        time_zone=specialist.time_zone, windows=specialist.working_hours, holidays=holidays
    )


def shift_left(calendar: BusinessCalendar, at: datetime) -> timedelta:
    """Time left in the shift running at ``at``; zero when off shift."""
    for start, end in calendar.open_intervals(at, at + timedelta(days=2)):
        return end - at if start <= at else timedelta(0)
    return timedelta(0)


def available_on(specialist: Specialist, at: datetime) -> bool:
    """Status available and employed on that day (the specialist's local date)."""
    local_day = at.astimezone(zone(specialist.time_zone)).date()
    return specialist.status is SpecialistStatus.AVAILABLE and specialist.is_employed_on(local_day)
