"""Batch optimisation: one exact min-cost assignment of queued items to free capacity.

For ticket and back-office queues, where nobody waits on the line, assigning a whole batch at
once beats offering items one by one: the solver sees every item and every free slot together.
It uses the same model as the online path (:mod:`kpo.routing.model`):

- who may take an item: :func:`~kpo.routing.model.statically_eligible` (skills, language,
  channel), then, at the instant ``at``, :func:`~kpo.routing.model.available_on` (status and
  employment), a free slot on the line's channel, and on shift per
  :func:`~kpo.routing.model.shift_calendar` / :func:`~kpo.routing.model.shift_left` with at
  least :func:`~kpo.routing.model.expected_handle_time` left;
- what it costs: :func:`~kpo.routing.model.assignment_cost` (hourly cost × expected handle
  time).

The optimum, in strict order: as many items of the highest priority as possible, then of the
next priority, …, then the least total cost (:mod:`kpo.routing.flow` explains why this also
assigns the largest possible number of items). Items of one service line, language and
priority are interchangeable — same eligible specialists, same costs — so they form one
*group* in the flow network, and within a group the oldest items get the slots.

The cost of a pair is ``assignment_cost`` rounded half-even to :data:`COST_QUANTUM`
(1/10,000 of the currency): the solver minimises the sum of exactly these integers, so the
reported total is exact, equals the sum of the reported pair costs, and anyone can check the
optimum from them (``eligible_pairs``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from time import perf_counter

import numpy as np

from kpo.domain.calendars import HolidayCalendar, NoHolidays
from kpo.domain.channels import Channel
from kpo.domain.clients import ServiceLine
from kpo.domain.errors import ValidationError
from kpo.domain.instants import require_utc
from kpo.domain.money import Money
from kpo.domain.reference import zone
from kpo.domain.specialists import Specialist
from kpo.domain.work_items import WorkItem, WorkItemState
from kpo.routing.flow import solve_by_priority_then_cost
from kpo.routing.model import (
    assignment_cost,
    available_on,
    expected_handle_time,
    shift_calendar,
    shift_left,
    statically_eligible,
)

__all__ = [
    "COST_QUANTUM",
    "Assignment",
    "BatchResult",
    "BatchStats",
    "Unassigned",
    "UnassignedReason",
    "solve_batch",
]


COST_QUANTUM = Decimal("0.0001")
_UNITS = 10_000  # cost units per currency unit: 1 / COST_QUANTUM


class UnassignedReason(StrEnum):
    NO_ELIGIBLE_SPECIALIST = "no_eligible_specialist"  # nobody has the skills/language/channel
    NONE_AVAILABLE = "none_available"  # qualified people exist, none on shift with a free slot
    CAPACITY_TAKEN = "capacity_taken"  # eligible people are full with better assignments


@dataclass(frozen=True, slots=True)
class Assignment:
    item: WorkItem
    specialist: Specialist
    cost: Money


@dataclass(frozen=True, slots=True)
class Unassigned:
    item: WorkItem
    code: UnassignedReason
    reason: str


@dataclass(frozen=True, slots=True)
class BatchStats:
    """How big the problem was and how it was solved.

    ``groups`` are sets of interchangeable items; ``eligible_pairs`` counts (item, specialist)
    pairs; ``cost_units_per_currency_unit`` converts ``optimal_cost_units`` to money.
    ``exact`` is false only if costs had to be coarsened to fit the solver's integer range.
    """

    items: int
    specialists: int
    groups: int
    eligible_pairs: int
    nodes: int
    arcs: int
    max_flow_runs: int
    optimal_cost_units: int
    cost_units_per_currency_unit: int
    exact: bool
    prepare_seconds: float
    solve_seconds: float


@dataclass(frozen=True)
class BatchResult:
    """The optimum at ``at``. ``total_cost`` is ``None`` only when no specialist was given."""

    at: datetime
    assignments: tuple[Assignment, ...]
    unassigned: tuple[Unassigned, ...]
    total_cost: Money | None
    stats: BatchStats
    _eligible: tuple[tuple[WorkItem, tuple[tuple[Specialist, Money], ...]], ...] = field(
        repr=False, compare=False
    )

    def eligible_pairs(self) -> Iterator[tuple[WorkItem, Specialist, Money]]:
        """Every (item, specialist) pair the solver could choose, with its cost."""
        for item, options in self._eligible:
            for specialist, cost in options:
                yield item, specialist, cost


def _no_holidays(_specialist: Specialist) -> HolidayCalendar:
    return NoHolidays()


def solve_batch(
    items: Sequence[WorkItem],
    specialists: Sequence[Specialist],
    *,
    lines: Mapping[str, ServiceLine],
    at: datetime,
    holidays_for: Callable[[Specialist], HolidayCalendar] = _no_holidays,
    occupied: Mapping[str, Mapping[Channel, int]] | None = None,
) -> BatchResult:
    """Assign queued ``items`` to ``specialists`` optimally at the instant ``at``.

    ``lines`` holds every item's service line; ``holidays_for`` gives a specialist's public
    holidays (their vendor's country); ``occupied`` counts slots already in use per specialist
    and channel (free = capacity − occupied). All specialists' hourly costs must be in one
    currency, else :class:`ValidationError` names the currencies found.
    """
    started = perf_counter()
    at = require_utc(at, "at")
    _check_unique(items, specialists)
    currency = _one_currency(specialists)
    lines_of = [_line_of(item, lines) for item in items]
    network = _Network(specialists, at, holidays_for, occupied or {})

    members: dict[tuple[str, str, int], list[int]] = defaultdict(list)
    for position, (item, line) in enumerate(zip(items, lines_of, strict=True)):
        members[(line.id, item.language, item.priority)].append(position)
    keys = list(members)
    audiences = [network.audience(lines[key[0]], key[1]) for key in keys]  # cached per line+lang

    arc_group: list[int] = []
    arc_slot: list[int] = []
    arc_cost: list[int] = []
    for group, audience in enumerate(audiences):
        arc_group.extend([group] * len(audience.candidates))
        arc_slot.extend(audience.slots)
        arc_cost.extend(audience.costs)
    prepared = perf_counter()
    solution = solve_by_priority_then_cost(
        supply=np.array([len(members[key]) for key in keys], dtype=np.int64),
        tier=np.array([key[2] for key in keys], dtype=np.int64),
        capacity=np.array(network.slot_capacity, dtype=np.int64),
        arc_group=np.array(arc_group, dtype=np.int64),
        arc_slot=np.array(arc_slot, dtype=np.int64),
        arc_cost=np.array(arc_cost, dtype=np.int64),
    )
    solved = perf_counter()

    flows = solution.flow.tolist()
    # Lowest priority that fills each slot: tells "higher-priority" from "cheaper" losses.
    lowest_tier_in_slot: dict[int, int] = {}
    for arc, count in enumerate(flows):
        if count:
            slot, tier = arc_slot[arc], keys[arc_group[arc]][2]
            lowest_tier_in_slot[slot] = min(lowest_tier_in_slot.get(slot, tier), tier)
    assigned: list[Assignment] = []
    unassigned: list[Unassigned] = []
    arc = 0
    for group, key in enumerate(keys):
        audience = audiences[group]
        # Items of a group are interchangeable: the oldest get the slots.
        queue = sorted(members[key], key=lambda p: (items[p].created_at, items[p].id))
        taken = 0
        for specialist in audience.candidates:
            count = flows[arc]
            arc += 1
            for position in queue[taken : taken + count]:
                cost = network.money(lines[key[0]], specialist)
                assigned.append(Assignment(items[position], specialists[specialist], cost))
            taken += count
        for position in queue[taken:]:
            code, reason = audience.reason(key[2], lowest_tier_in_slot)
            unassigned.append(Unassigned(items[position], code, reason))

    order = {item.id: position for position, item in enumerate(items)}
    assigned.sort(key=lambda a: order[a.item.id])
    unassigned.sort(key=lambda u: order[u.item.id])
    total = None
    if currency is not None:
        total = sum((a.cost for a in assigned), Money(COST_QUANTUM * 0, currency))
    eligible = tuple(
        (items[p], audience.options)
        for key, audience in zip(keys, audiences, strict=True)
        for p in members[key]
    )
    stats = BatchStats(
        items=len(items),
        specialists=len(specialists),
        groups=len(keys),
        eligible_pairs=sum(len(options) for _, options in eligible),
        nodes=solution.nodes,
        arcs=solution.arcs,
        max_flow_runs=solution.max_flow_runs,
        optimal_cost_units=solution.cost * solution.cost_divisor,
        cost_units_per_currency_unit=_UNITS,
        exact=solution.exact,
        prepare_seconds=prepared - started,
        solve_seconds=solved - prepared,
    )
    return BatchResult(at, tuple(assigned), tuple(unassigned), total, stats, eligible)


def _check_unique(items: Sequence[WorkItem], specialists: Sequence[Specialist]) -> None:
    for what, ids in (
        ("work item", [i.id for i in items]),
        ("specialist", [s.id for s in specialists]),
    ):
        repeated = sorted(key for key, n in Counter(ids).items() if n > 1)
        if repeated:
            raise ValidationError(f"{what} {repeated[0]!r} appears more than once in the batch")
    for item in items:
        if item.state is not WorkItemState.QUEUED:
            raise ValidationError(
                f"work item {item.id!r} is {item.state.value}; a batch assigns queued items only"
            )


def _one_currency(specialists: Sequence[Specialist]) -> str | None:
    example: dict[str, str] = {}
    for specialist in specialists:
        example.setdefault(specialist.hourly_cost.currency, specialist.id)
    if len(example) > 1:
        found = ", ".join(f"{code} (e.g. {who})" for code, who in sorted(example.items()))
        raise ValidationError(
            f"specialists' hourly costs are in several currencies: {found}; a batch compares "
            "costs, so give every specialist's hourly cost in one currency",
            field="currency",
        )
    return next(iter(example), None)


def _line_of(item: WorkItem, lines: Mapping[str, ServiceLine]) -> ServiceLine:
    line = lines.get(item.service_line_id)
    if line is None:
        raise ValidationError(
            f"work item {item.id!r} belongs to service line {item.service_line_id!r}, "
            "which is not known",
            field="service_line",
        )
    return line


@dataclass
class _Audience:
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


class _Network:
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
        self._audience: dict[tuple[str, str], _Audience] = {}
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

    def audience(self, line: ServiceLine, language: str) -> _Audience:
        """Who may take an item of ``line`` in ``language`` now; computed once per pair."""
        key = (line.id, language)
        if key not in self._audience:
            self._audience[key] = self._audience_of(line, language)
        return self._audience[key]

    def _audience_of(self, line: ServiceLine, language: str) -> _Audience:
        audience = _Audience(line, language, [], [], [])
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
                audience.costs.append(int(cost.amount * _UNITS))
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
