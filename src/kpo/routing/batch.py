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
from datetime import datetime
from time import perf_counter

import numpy as np

from kpo.domain.calendars import HolidayCalendar, NoHolidays
from kpo.domain.channels import Channel
from kpo.domain.clients import ServiceLine
from kpo.domain.errors import ValidationError
from kpo.domain.instants import require_utc
from kpo.domain.money import Money
from kpo.domain.specialists import Specialist
from kpo.domain.work_items import WorkItem, WorkItemState
from kpo.routing.batch_network import COST_QUANTUM, COST_UNITS, Network, UnassignedReason
from kpo.routing.flow import solve_by_priority_then_cost

__all__ = [
    "COST_QUANTUM",
    "Assignment",
    "BatchResult",
    "BatchStats",
    "Unassigned",
    "UnassignedReason",
    "solve_batch",
]


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
    network = Network(specialists, at, holidays_for, occupied or {})

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
    audience_of = dict(zip(keys, audiences, strict=True))
    eligible = tuple(
        (item, audience_of[(line.id, item.language, item.priority)].options)
        for item, line in zip(items, lines_of, strict=True)
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
        cost_units_per_currency_unit=COST_UNITS,
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
