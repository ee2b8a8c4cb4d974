"""Who may take which items at one instant, and at what cost: the batch's view of the network.

Everything here comes from :mod:`kpo.routing.model`, evaluated once per specialist (available,
shift left), once per (service line, language) (who qualifies) and once per distinct
(service line, skill levels, hourly cost) (handle time and cost), so that a batch of
thousands of items costs thousands of model calls, not millions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum

from kpo.domain.calendars import HolidayCalendar
from kpo.domain.channels import Channel
from kpo.domain.clients import ServiceLine
from kpo.domain.money import Money
from kpo.domain.reference import zone
from kpo.domain.specialists import Specialist
from kpo.routing.model import (
    assignment_cost,
    available_on,
    expected_handle_time,
    shift_calendar,
    shift_left,
    statically_eligible,
)

__all__ = ["COST_QUANTUM", "COST_UNITS", "Audience", "Network", "UnassignedReason"]

COST_QUANTUM = Decimal("0.0001")
COST_UNITS = 10_000  # cost units per currency unit: 1 / COST_QUANTUM


class UnassignedReason(StrEnum):
    NO_ELIGIBLE_SPECIALIST = "no_eligible_specialist"  # nobody has the skills/language/channel
    NONE_AVAILABLE = "none_available"  # qualified people exist, none on shift with a free slot
    CAPACITY_TAKEN = "capacity_taken"  # eligible people are full with better assignments


@dataclass
class Audience:
    """Who may take items of one service line and language at ``at``, and at what cost."""

    line: ServiceLine
    language: str
    candidates: list[int]
    slots: list[int]
    costs: list[int]
    options: tuple[tuple[Specialist, Money], ...] = ()
    why_none: tuple[UnassignedReason, str] | None = None

    def reason(
        self, tier: int, lowest_tier_in_slot: Mapping[int, int]
    ) -> tuple[UnassignedReason, str]:
        if self.why_none is not None:
            return self.why_none
        n = len(self.candidates)
        people = (
            "the only eligible specialist on shift is full"
            if n == 1
            else f"all {n} eligible specialists on shift are full"
        )
        if all(lowest_tier_in_slot.get(slot, tier) > tier for slot in self.slots):
            return (
                UnassignedReason.CAPACITY_TAKEN,
                f"capacity taken by higher-priority items: {people}",
            )
        return (
            UnassignedReason.CAPACITY_TAKEN,
            f"capacity taken by higher-priority or cheaper assignments: {people}",
        )


class Network:
    """The specialists at ``at``: indexes for static eligibility, state computed lazily."""

    def __init__(
        self,
        specialists: Sequence[Specialist],
        at: datetime,
        holidays_for: Callable[[Specialist], HolidayCalendar],
        occupied: Mapping[str, Mapping[Channel, int]],
    ) -> None:
        self.specialists = specialists
        self.at = at
        self.holidays_for = holidays_for
        self.occupied = occupied
        self.by_language: dict[str, set[int]] = defaultdict(set)
        self.by_skill: dict[str, set[int]] = defaultdict(set)
        self.by_channel: dict[Channel, set[int]] = defaultdict(set)
        for index, specialist in enumerate(specialists):
            for language in specialist.languages:
                self.by_language[language].add(index)
            for skill in specialist.skills:
                self.by_skill[skill].add(index)
            for channel, slots in specialist.capacity.items():
                if slots > 0:
                    self.by_channel[channel].add(index)
        self._now: dict[int, tuple[bool, timedelta]] = {}
        self._handle: dict[tuple[str, tuple[int, ...]], timedelta] = {}
        self._pair: dict[tuple[str, tuple[int, ...], Money], tuple[timedelta, Money]] = {}
        self._audience: dict[tuple[str, str], Audience] = {}
        self._slot: dict[tuple[int, Channel], int] = {}
        self.slot_capacity: list[int] = []

    # -- per specialist, computed once -----------------------------------------------------

    def free(self, index: int, channel: Channel) -> int:
        specialist = self.specialists[index]
        in_use = self.occupied.get(specialist.id, {}).get(channel, 0)
        return max(0, specialist.capacity.get(channel, 0) - in_use)

    def now(self, index: int) -> tuple[bool, timedelta]:
        """Available (status, employment) at ``at``, and the shift time left then."""
        state = self._now.get(index)
        if state is None:
            specialist = self.specialists[index]
            if available_on(specialist, self.at):
                calendar = shift_calendar(specialist, self.holidays_for(specialist))
                state = (True, shift_left(calendar, self.at))
            else:
                state = (False, timedelta(0))
            self._now[index] = state
        return state

    def pair(self, line: ServiceLine, index: int) -> tuple[timedelta, Money]:
        """Expected handle time and cost (rounded to :data:`COST_QUANTUM`) of one pair.

        Memoised on what :mod:`kpo.routing.model` documents them to depend on: the line, the
        specialist's levels in its required skills and (for the cost) the hourly cost.
        """
        specialist = self.specialists[index]
        levels = tuple(specialist.level_of(r.skill) for r in line.required_skills)
        key = (line.id, levels, specialist.hourly_cost)
        found = self._pair.get(key)
        if found is None:
            handle_time = self._handle.get(key[:2])
            if handle_time is None:
                handle_time = self._handle[key[:2]] = expected_handle_time(line, specialist)
            exact = assignment_cost(line, specialist)
            amount = exact.amount.quantize(COST_QUANTUM, rounding=ROUND_HALF_EVEN)
            found = self._pair[key] = (handle_time, Money(amount, exact.currency))
        return found

    def money(self, line: ServiceLine, index: int) -> Money:
        return self.pair(line, index)[1]

    def slot(self, index: int, channel: Channel) -> int:
        key = (index, channel)
        if key not in self._slot:
            self._slot[key] = len(self.slot_capacity)
            self.slot_capacity.append(self.free(index, channel))
        return self._slot[key]

    def on_holiday(self, index: int) -> bool:
        specialist = self.specialists[index]
        local_day = self.at.astimezone(zone(specialist.time_zone)).date()
        return self.holidays_for(specialist).is_holiday(local_day)

    # -- per service line and language ------------------------------------------------------

    def qualified(self, line: ServiceLine, language: str) -> list[int]:
        pool = self.by_language.get(language, set()) & self.by_channel.get(line.channel, set())
        for requirement in line.required_skills:
            pool &= self.by_skill.get(requirement.skill, set())
        return sorted(j for j in pool if statically_eligible(line, self.specialists[j], language))

    def audience(self, line: ServiceLine, language: str) -> Audience:
        """Who may take an item of ``line`` in ``language`` now; computed once per pair."""
        key = (line.id, language)
        if key not in self._audience:
            self._audience[key] = self._audience_of(line, language)
        return self._audience[key]

    def _audience_of(self, line: ServiceLine, language: str) -> Audience:
        audience = Audience(line, language, [], [], [])
        qualified = self.qualified(line, language)
        if not qualified:
            audience.why_none = (
                UnassignedReason.NO_ELIGIBLE_SPECIALIST,
                "no eligible specialist: " + self._who_is_missing(line, language),
            )
            return audience
        misses: Counter[str] = Counter()
        options: list[tuple[Specialist, Money]] = []
        for j in qualified:
            available, left = self.now(j)
            if not available:
                misses["not available (status or employment)"] += 1
                continue
            if self.free(j, line.channel) <= 0:
                misses[f"without a free {line.channel.value} slot"] += 1
            elif left <= timedelta(0):
                misses["on a public holiday" if self.on_holiday(j) else "off shift"] += 1
            else:
                handle_time, cost = self.pair(line, j)
                if left < handle_time:
                    misses["with less shift left than the expected handle time"] += 1
                    continue
                audience.candidates.append(j)
                audience.slots.append(self.slot(j, line.channel))
                audience.costs.append(int(cost.amount * COST_UNITS))
                options.append((self.specialists[j], cost))
        audience.options = tuple(options)
        if not audience.candidates:
            detail = ", ".join(f"{n} {why}" for why, n in misses.most_common())
            audience.why_none = (
                UnassignedReason.NONE_AVAILABLE,
                f"no eligible specialist on shift: {len(qualified)} qualified, {detail}",
            )
        return audience

    def _who_is_missing(self, line: ServiceLine, language: str) -> str:
        if not self.by_language.get(language):
            return f"no one speaks {language!r}"
        if not self.by_channel.get(line.channel):
            return f"no one works the {line.channel.value} channel"
        needs = [f"language {language!r}", f"the {line.channel.value} channel"]
        for requirement in line.required_skills:
            holders = [
                j
                for j in self.by_skill.get(requirement.skill, set())
                if self.specialists[j].level_of(requirement.skill) >= requirement.min_level
            ]
            if not holders:
                return f"no one has {requirement.skill} at level {requirement.min_level} or above"
            needs.append(f"{requirement.skill} ≥ {requirement.min_level}")
        return "no one has all of " + ", ".join(needs)
