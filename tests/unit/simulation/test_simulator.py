"""The simulation drives the real router: hand-checkable runs, counts, determinism."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest

from kpo.domain.calendars import BusinessCalendar, HolidayCalendar, NoHolidays, parse_hours
from kpo.domain.channels import Channel
from kpo.domain.errors import ValidationError
from kpo.domain.money import Money
from kpo.domain.specialists import Specialist
from kpo.domain.work_items import WorkItem, WorkItemState
from kpo.routing.engine import LineSetup
from kpo.scenario.arrivals import generate_arrivals
from kpo.scenario.network import build_network
from kpo.simulation import Behaviour, Lognormal, Outcomes, Simulator, summarise
from kpo.simulation.outcomes import ABANDONED, CANCELLED, OPEN, RESOLVED
from tests.factories import service_line, specialist, work_item

MONDAY = datetime(2026, 10, 19, tzinfo=UTC)
ALWAYS = parse_hours("daily 00:00-24:00")
# Answers at once, never rejects, works exactly the expected handle time, no client waits.
EXACT = Behaviour(
    accept_delay=tuple((c, Lognormal(0.0, 0.0)) for c in Channel),
    reject_share=0.0,
    ignore_share=0.0,
    handle_sigma=0.0,
    client_wait_share=0.0,
    withdraw_share=0.0,
)


def no_holidays(_specialist: Specialist) -> HolidayCalendar:
    return NoHolidays()


def simulate(
    people: list[Specialist],
    items: list[WorkItem],
    *,
    days: float = 1,
    behaviour: Behaviour = EXACT,
    calendar: BusinessCalendar | None = None,
) -> Outcomes:
    simulator = Simulator(
        [LineSetup(service_line(), calendar=calendar)],
        people,
        start=MONDAY,
        end=MONDAY + timedelta(days=days),
        holidays_for=no_holidays,
        behaviour=behaviour,
        seed=1,
    )
    return simulator.run(items)


def test_one_specialist_two_tickets_by_hand() -> None:
    # card_disputes level 4: pace 0.85, so a 15-minute ticket takes 765 s
    anna = specialist(working_hours=ALWAYS)
    first = work_item(id="W1", created_at=MONDAY)
    second = work_item(id="W2", created_at=MONDAY + timedelta(seconds=60))
    outcomes = simulate([anna], [first, second])
    assert outcomes.answered.tolist() == [0.0, 765.0]  # the second waits for the first
    assert outcomes.outcome.tolist() == [RESOLVED, RESOLVED]
    assert outcomes.worker.tolist() == [0, 0]
    assert first.state is second.state is WorkItemState.RESOLVED
    assert second.transitions[-1].at == MONDAY + timedelta(seconds=1530)
    [anna_week] = outcomes.staff
    assert anna_week.staffed_seconds == 86400
    assert anna_week.busy_seconds == anna_week.resolved_work_seconds == 1530
    report = summarise(outcomes)
    assert report.items.resolved == 2
    [vendor] = report.vendors
    assert vendor.cost == Money(Decimal("10.41"), "USD")  # 24.50 USD/h × 1,530 s
    assert report.cost_per_resolved_item == Money(Decimal("5.21"), "USD")  # 10.4125 / 2
    [line] = report.lines
    assert line.sla_attainment == 1.0  # both started within the 4 h first-response target
    assert line.asa_seconds == pytest.approx((0 + 705) / 2)
    assert report.handled_by_hour["krakow"][0] == 2  # both started at 00:xx UTC


def test_a_ticket_waits_for_the_shift_in_the_specialists_zone() -> None:
    anna = specialist(working_hours=parse_hours("mon-fri 08:00-16:00"))  # Warsaw, CEST
    sunday = MONDAY - timedelta(hours=6)
    early = work_item(id="W1", created_at=MONDAY + timedelta(hours=1))
    outcomes = Simulator(
        [LineSetup(service_line())],
        [anna],
        start=sunday,
        end=MONDAY + timedelta(days=1),
        holidays_for=no_holidays,
        behaviour=EXACT,
    ).run([early])
    # 08:00 in Warsaw in October (UTC+2) is 06:00 UTC
    opens = (MONDAY + timedelta(hours=6) - sunday).total_seconds()
    assert outcomes.answered.tolist() == [opens]
    assert outcomes.staff[0].staffed_seconds == 8 * 3600


def test_unanswered_offers_time_out_and_go_to_the_next_specialist() -> None:
    silent = Behaviour(ignore_share=1.0, reject_share=0.0, withdraw_share=0.0)
    people = [
        specialist(id="a", working_hours=ALWAYS),
        specialist(id="b", working_hours=ALWAYS),
    ]
    item = work_item(id="W1", created_at=MONDAY)
    outcomes = simulate(people, [item], behaviour=silent)
    assert outcomes.router_events["OfferTimedOut"] == 2  # a at 120 s, then b at 240 s
    assert outcomes.outcome.tolist() == [OPEN]
    assert item.state is WorkItemState.QUEUED  # nobody left who has not let it time out


def test_callers_hang_up_when_nobody_answers() -> None:
    calls = service_line(id="calls", channel=Channel.CALL)
    nobody_on_shift = specialist(working_hours=parse_hours("sat 08:00-09:00"))
    items = [
        work_item(id=f"C{n}", service_line_id="calls", created_at=MONDAY + timedelta(minutes=n))
        for n in range(20)
    ]
    outcomes = Simulator(
        [LineSetup(calls)],
        [nobody_on_shift],
        start=MONDAY,
        end=MONDAY + timedelta(hours=2),
        holidays_for=no_holidays,
    ).run(items)
    assert outcomes.outcome.tolist() == [ABANDONED] * 20
    assert all(item.state is WorkItemState.CANCELLED for item in items)
    report = summarise(outcomes)
    assert report.lines[0].abandonment_rate == 1.0
    assert report.lines[0].sla_attainment == 0.0


def test_arrivals_must_come_in_time_order() -> None:
    late, early = (
        work_item(id=f"W{n}", created_at=MONDAY + timedelta(hours=h)) for n, h in ((1, 2), (2, 1))
    )
    with pytest.raises(ValidationError, match="time order"):
        simulate([specialist(working_hours=ALWAYS)], [late, early])


def demo_day(seed: int) -> Outcomes:
    start = datetime(2026, 3, 23, tzinfo=UTC)
    network = build_network(seed, week_start=start.date())
    items = generate_arrivals(
        network.service_lines, network.clients, seed=seed, start=start, days=1, scale=0.1
    )
    return Simulator(
        [LineSetup(line) for line in network.service_lines],
        network.specialists,
        start=start,
        end=start + timedelta(days=1),
        holidays_for=no_holidays,
        seed=seed,
    ).run(items)


def test_counts_add_up_and_only_calls_and_chats_are_abandoned() -> None:
    outcomes = demo_day(5)
    report = summarise(outcomes)
    counts = report.items
    assert counts.arrived == len(outcomes.outcome) > 0
    assert counts.arrived == counts.resolved + counts.abandoned + counts.cancelled + counts.open
    assert counts.resolved > 0
    assert counts.abandoned > 0
    for index, setup in enumerate(outcomes.lines):
        outcome = outcomes.outcome[outcomes.line == index]
        if setup.line.channel.is_realtime:
            assert not (outcome == CANCELLED).any()  # calls and chats are never withdrawn
        else:
            assert not (outcome == ABANDONED).any()
    assert sum(v.items for v in report.vendors) == counts.resolved
    assert sum(sum(hours) for hours in report.handled_by_hour.values()) == counts.resolved
    for vendor in report.vendors:
        assert 0 < vendor.occupancy <= 1


def test_the_same_seed_gives_the_same_run() -> None:
    first, second, other = demo_day(5), demo_day(5), demo_day(6)
    for name in ("line", "arrival", "answered", "due", "outcome", "worker"):
        assert np.array_equal(getattr(first, name), getattr(second, name), equal_nan=True)
    assert first.staff == second.staff
    assert summarise(first) == summarise(second)
    assert not np.array_equal(first.answered, other.answered, equal_nan=True)
