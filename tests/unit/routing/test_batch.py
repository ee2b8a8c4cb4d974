"""Batch optimisation on domain objects: optimality, the shared model, capacity, reasons."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from kpo.domain.calendars import FixedHolidays, parse_hours
from kpo.domain.channels import Channel
from kpo.domain.clients import ServiceLine, SkillRequirement
from kpo.domain.errors import ValidationError
from kpo.domain.money import Money
from kpo.domain.specialists import Specialist, SpecialistStatus
from kpo.domain.work_items import WorkItem
from kpo.routing.batch import BatchResult, UnassignedReason, solve_batch
from kpo.routing.model import (
    assignment_cost,
    available_on,
    expected_handle_time,
    shift_calendar,
    shift_left,
    statically_eligible,
)
from tests import factories

# Friday 2026-10-23 14:30 UTC = 16:30 in Warsaw, 15:30 in London.
AT = factories.T0
ALL_DAY = parse_hours("daily 00:00-24:00")


def person(sid: str, cost: str, **overrides: object) -> Specialist:
    fields: dict[str, object] = {
        "id": sid,
        "hourly_cost": Money(Decimal(cost), "USD"),
        "working_hours": ALL_DAY,
        "languages": frozenset({"en", "es"}),
        "capacity": {Channel.TICKET: 1},
    }
    return factories.specialist(**(fields | overrides))


def ticket(iid: str, **overrides: object) -> WorkItem:
    return factories.work_item(id=iid, **overrides)


LINE = factories.service_line()
LINES = {LINE.id: LINE}


def solve(items: list[WorkItem], people: list[Specialist], **kwargs: object) -> BatchResult:
    lines = kwargs.pop("lines", LINES)
    return solve_batch(items, people, lines=lines, at=AT, **kwargs)  # type: ignore[arg-type]


def rounded_cost(line: ServiceLine, specialist: Specialist) -> Decimal:
    return assignment_cost(line, specialist).amount.quantize(Decimal("0.0001"), ROUND_HALF_EVEN)


def pairs(result: BatchResult) -> dict[str, str]:
    return {a.item.id: a.specialist.id for a in result.assignments}


def reasons(result: BatchResult) -> dict[str, str]:
    return {u.item.id: u.reason for u in result.unassigned}


# --------------------------------------------------------------------------- optimality


def random_instance(seed: int) -> tuple[list[WorkItem], list[Specialist], dict[str, ServiceLine]]:
    rnd = random.Random(seed)
    lines = {
        f"L{k}": factories.service_line(
            id=f"L{k}",
            channel=rnd.choice([Channel.TICKET, Channel.BACK_OFFICE]),
            required_skills=(SkillRequirement(rnd.choice(["a", "b"]), rnd.randint(1, 3)),),
            handle_time=timedelta(seconds=rnd.randint(60, 3600)),
        )
        for k in range(rnd.randint(1, 3))
    }
    people = [
        person(
            f"S{j}",
            f"{rnd.randint(800, 4000) / 100:.2f}",
            skills={s: rnd.randint(1, 5) for s in rnd.sample(["a", "b"], rnd.randint(1, 2))},
            languages=frozenset(rnd.sample(["en", "es"], rnd.randint(1, 2))),
            capacity={Channel.TICKET: rnd.randint(0, 2), Channel.BACK_OFFICE: rnd.randint(0, 1)},
            working_hours=rnd.choice([ALL_DAY, ALL_DAY, parse_hours("mon-fri 15:00-17:00")]),
        )
        for j in range(rnd.randint(1, 5))
    ]
    items = [
        ticket(
            f"W{i}",
            service_line_id=rnd.choice(sorted(lines)),
            language=rnd.choice(["en", "es"]),
            priority=rnd.choice([0, 0, 1, 4]),
            created_at=AT - timedelta(minutes=rnd.randint(0, 600)),
        )
        for i in range(rnd.randint(1, 7))
    ]
    return items, people, lines


def best_by_brute_force(
    result: BatchResult, lines: dict[str, ServiceLine]
) -> tuple[tuple[int, ...], Decimal]:
    """Best (assigned per priority from the highest, −cost) over every feasible assignment,
    enumerated from the eligible pairs the result reports."""
    options: dict[str, list[tuple[Specialist, Money] | None]] = {}
    items: dict[str, WorkItem] = {u.item.id: u.item for u in result.unassigned}
    items |= {a.item.id: a.item for a in result.assignments}
    for item_id in items:
        options[item_id] = [None]
    for item, specialist, cost in result.eligible_pairs():
        options[item.id].append((specialist, cost))
    levels = sorted({item.priority for item in items.values()}, reverse=True)
    order = sorted(options)
    best: tuple[tuple[int, ...], Decimal] | None = None
    for choice in itertools.product(*(options[i] for i in order)):
        chosen = [(items[i], c) for i, c in zip(order, choice, strict=True) if c is not None]
        use = Counter((c[0].id, lines[i.service_line_id].channel) for i, c in chosen)
        people = {c[0].id: c[0] for _, c in chosen}
        if any(n > people[s].capacity.get(ch, 0) for (s, ch), n in use.items()):
            continue
        placed = tuple(sum(1 for i, _ in chosen if i.priority == p) for p in levels)
        key = (placed, -sum((c[1].amount for _, c in chosen), Decimal(0)))
        if best is None or key > best:
            best = key
    assert best is not None
    return best


@pytest.mark.parametrize("seed", range(40))
def test_random_small_batches_are_optimal_against_brute_force(seed: int) -> None:
    items, people, lines = random_instance(seed)
    result = solve(items, people, lines=lines)
    placed, negative_cost = best_by_brute_force(result, lines)
    levels = sorted({item.priority for item in items}, reverse=True)
    ours = tuple(sum(1 for a in result.assignments if a.item.priority == p) for p in levels)
    assert ours == placed
    assert result.total_cost is not None
    assert result.total_cost.amount == -negative_cost
    assert len(result.assignments) + len(result.unassigned) == len(items)


def test_equal_priorities_give_the_total_of_linear_sum_assignment() -> None:
    rnd = random.Random(7)
    lines = {
        f"L{k}": factories.service_line(
            id=f"L{k}",
            required_skills=(SkillRequirement("card_disputes", 1),),
            handle_time=timedelta(seconds=rnd.randint(300, 3600)),
        )
        for k in range(6)
    }
    people = [
        person(
            f"S{j}",
            f"{rnd.randint(900, 4000) / 100:.2f}",
            skills={"card_disputes": rnd.randint(1, 5)},
        )
        for j in range(12)
    ]
    items = [ticket(f"W{i:02}", service_line_id=f"L{i % 6}") for i in range(20)]
    result = solve(items, people, lines=lines)
    units = np.array(
        [[int(rounded_cost(lines[i.service_line_id], s) * 10_000) for s in people] for i in items]
    )
    rows, cols = linear_sum_assignment(units)
    assert len(result.assignments) == 12
    assert result.stats.optimal_cost_units == int(units[rows, cols].sum())
    assert result.total_cost == Money(Decimal(int(units[rows, cols].sum())) / 10_000, "USD")


# --------------------------------------------------------------------------- shared model


def test_eligible_pairs_and_costs_are_those_of_the_shared_model() -> None:
    items, people, lines = random_instance(3)
    people.append(person("gone", "10.00", employment_end=date(2026, 1, 31)))
    people.append(person("away", "10.00", status=SpecialistStatus.OFFLINE))
    result = solve(items, people, lines=lines)
    expected = set()
    for item in items:
        line = lines[item.service_line_id]
        for s in people:
            left = shift_left(shift_calendar(s, FixedHolidays(frozenset())), AT)
            if (
                statically_eligible(line, s, item.language)
                and available_on(s, AT)
                and left > timedelta(0)
                and left >= expected_handle_time(line, s)
            ):
                expected.add((item.id, s.id, Money(rounded_cost(line, s), "USD")))
    assert {(i.id, s.id, c) for i, s, c in result.eligible_pairs()} == expected
    for a in result.assignments:
        assert a.cost.amount == rounded_cost(lines[a.item.service_line_id], a.specialist)


# --------------------------------------------------------------------------- capacity, priority


def test_no_specialist_takes_more_than_their_free_slots() -> None:
    people = [person("A", "10.00", capacity={Channel.TICKET: 3}), person("B", "30.00")]
    items = [ticket(f"W{i}") for i in range(6)]
    result = solve(items, people)
    assert Counter(pairs(result).values()) == {"A": 3, "B": 1}
    busy = solve(items, people, occupied={"A": {Channel.TICKET: 2}})
    assert Counter(pairs(busy).values()) == {"A": 1, "B": 1}


def test_a_higher_priority_item_wins_the_last_slot_even_when_it_costs_more() -> None:
    slow = factories.service_line(id="slow", handle_time=timedelta(hours=2))
    lines = {LINE.id: LINE, slow.id: slow}
    items = [ticket("cheap"), ticket("urgent", service_line_id="slow", priority=5)]
    result = solve(items, [person("A", "20.00")], lines=lines)
    assert pairs(result) == {"urgent": "A"}
    assert reasons(result)["cheap"] == (
        "capacity taken by higher-priority items: the only eligible specialist on shift is full"
    )


def test_equal_priorities_take_the_cheaper_pairs() -> None:
    slow = factories.service_line(id="slow", handle_time=timedelta(hours=2))
    lines = {LINE.id: LINE, slow.id: slow}
    items = [ticket("long", service_line_id="slow"), ticket("short")]
    result = solve(items, [person("A", "20.00")], lines=lines)
    assert pairs(result) == {"short": "A"}
    assert reasons(result)["long"].startswith(
        "capacity taken by higher-priority or cheaper assignments"
    )


def test_priority_never_costs_an_assignment() -> None:
    # The urgent item could take A or B; the plain one only A. Both get a specialist.
    items = [ticket("urgent", priority=9, language="en"), ticket("plain", language="es")]
    people = [person("A", "10.00"), person("B", "50.00", languages=frozenset({"en"}))]
    result = solve(items, people)
    assert pairs(result) == {"urgent": "B", "plain": "A"}


def test_among_interchangeable_items_the_oldest_are_assigned() -> None:
    items = [ticket(f"W{i}", created_at=AT - timedelta(minutes=i)) for i in range(4)]
    result = solve(items, [person("A", "10.00", capacity={Channel.TICKET: 2})])
    assert set(pairs(result)) == {"W3", "W2"}


# --------------------------------------------------------------------------- reasons


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (ticket("fr", language="fr"), "no eligible specialist: no one speaks 'fr'"),
        (
            ticket("chat", service_line_id="chat-line"),
            "no eligible specialist: no one works the chat channel",
        ),
        (
            ticket("expert", service_line_id="expert-line"),
            "no eligible specialist: no one has card_disputes at level 5 or above",
        ),
    ],
)
def test_items_nobody_is_qualified_for_say_what_is_missing(item: WorkItem, expected: str) -> None:
    lines = {
        LINE.id: LINE,
        "chat-line": factories.service_line(id="chat-line", channel=Channel.CHAT),
        "expert-line": factories.service_line(
            id="expert-line", required_skills=(SkillRequirement("card_disputes", 5),)
        ),
    }
    result = solve([item], [person("A", "10.00")], lines=lines)
    (unassigned,) = result.unassigned
    assert unassigned.code is UnassignedReason.NO_ELIGIBLE_SPECIALIST
    assert unassigned.reason == expected


def test_qualified_people_who_cannot_work_now_are_counted_by_cause() -> None:
    people = [
        person("night", "10.00", working_hours=parse_hours("daily 22:00-06:00")),
        person("ending", "10.00", working_hours=parse_hours("daily 08:00-16:40")),  # 10 min left
        person("holiday", "10.00", time_zone="Europe/London"),
        person("offline", "10.00", status=SpecialistStatus.OFFLINE),
        person("busy", "10.00"),
    ]
    holidays = FixedHolidays(frozenset({date(2026, 10, 23)}))
    result = solve(
        [ticket("W1")],
        people,
        holidays_for=lambda s: holidays if s.id == "holiday" else FixedHolidays(frozenset()),
        occupied={"busy": {Channel.TICKET: 1}},
    )
    (unassigned,) = result.unassigned
    assert unassigned.code is UnassignedReason.NONE_AVAILABLE
    assert unassigned.reason.startswith("no eligible specialist on shift: 5 qualified, ")
    for part in (
        "1 off shift",
        "1 on a public holiday",
        "1 with less shift left than the expected handle time",
        "1 not available (status or employment)",
        "1 without a free ticket slot",
    ):
        assert part in unassigned.reason


# --------------------------------------------------------------------------- bad input


def test_several_currencies_are_refused_naming_them() -> None:
    people = [person("A", "10.00"), factories.specialist(id="B", hourly_cost=Money.of("9", "EUR"))]
    with pytest.raises(ValidationError, match=r"EUR \(e\.g\. B\), USD \(e\.g\. A\)"):
        solve([ticket("W1")], people)


def test_an_item_of_an_unknown_service_line_is_refused() -> None:
    with pytest.raises(ValidationError, match="service line 'nope'"):
        solve([ticket("W1", service_line_id="nope")], [person("A", "10.00")])


def test_only_queued_items_are_batched() -> None:
    item = ticket("W1")
    item.offer(specialist_id="A", at=AT)
    with pytest.raises(ValidationError, match="queued items only"):
        solve([item], [person("A", "10.00")])


def test_no_specialists_leaves_everything_unassigned_without_a_currency() -> None:
    result = solve([ticket("W1")], [])
    assert result.total_cost is None
    assert result.unassigned[0].reason == "no eligible specialist: no one speaks 'en'"
