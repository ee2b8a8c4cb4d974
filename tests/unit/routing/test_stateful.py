"""Stateful property test: random traffic against the router must keep its invariants."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from kpo.domain.channels import Channel
from kpo.domain.clients import SkillRequirement
from kpo.domain.events import DomainEvent, ItemOffered
from kpo.domain.money import Money
from kpo.domain.specialists import SpecialistStatus
from kpo.domain.work_items import WorkItemState
from kpo.routing.engine import LineSetup, Router, RouterSettings
from kpo.routing.model import expected_handle_time, statically_eligible
from kpo.routing.policies import PolicyStep, Ranking, RoutingPolicy
from kpo.routing.replay import replay
from tests.factories import T0, service_line, specialist, work_item
from tests.unit.routing.helpers import VendorIs

S = WorkItemState
TICKETS = service_line()
CHATS = service_line(
    id="acme-chat",
    channel=Channel.CHAT,
    required_skills=(SkillRequirement("payments", 3),),
    languages=frozenset({"en"}),
    handle_time=timedelta(minutes=5),
)
LINES = {TICKETS.id: TICKETS, CHATS.id: CHATS}
POLICIES = {
    TICKETS.id: RoutingPolicy((PolicyStep(Ranking.COST_SLA),)),
    CHATS.id: RoutingPolicy(
        (
            PolicyStep(
                Ranking.LONGEST_IDLE, filter=VendorIs("krakow"), timeout=timedelta(minutes=1)
            ),
            PolicyStep(Ranking.BEST_SKILL, relax_levels=1),
        )
    ),
}
PEOPLE = [
    specialist(
        id=f"s{i}",
        vendor_id=("krakow", "manila")[i % 2],
        skills={"card_disputes": 2 + i % 4, "payments": 1 + (i * 2) % 5},
        languages=frozenset({"en", "es"} if i % 3 else {"en"}),
        capacity={Channel.TICKET: 1, Channel.CHAT: 1 + i % 3},
        hourly_cost=Money(Decimal(10 + 3 * i), "USD"),
    )
    for i in range(6)
]
BY_ID = {p.id: p for p in PEOPLE}
SHIFT = timedelta(hours=24)


class RouterMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.router = Router(
            [LineSetup(line, POLICIES[line.id]) for line in LINES.values()],
            now=T0,
            settings=RouterSettings(max_attempts=2),
        )
        self.log: list[DomainEvent] = []
        self.submitted: set[str] = set()
        self.closed: set[str] = set()
        self.on_shift: dict[str, datetime] = {}
        self.status = {p.id: SpecialistStatus.AVAILABLE for p in PEOPLE}
        self.left: set[str] = set()
        self.count = 0
        for person in PEOPLE:
            self.router.add_specialist(person, now=T0)

    # -- helpers -----------------------------------------------------------------------

    def collect(self) -> None:
        for event in self.router.drain_events():
            self.log.append(event)
            if isinstance(event, ItemOffered):
                self.check_offer(event)

    def check_offer(self, event: ItemOffered) -> None:
        who = BY_ID[event.specialist_id]
        item = self.router.item(event.item_id)
        line = LINES[item.service_line_id]
        relax = POLICIES[line.id].steps[event.step].relax_levels
        assert statically_eligible(line, who, item.language, relax=relax)
        assert who.id not in self.left
        assert self.status[who.id] is SpecialistStatus.AVAILABLE
        assert who.id in self.on_shift
        assert event.at + expected_handle_time(line, who) <= self.on_shift[who.id]
        if event.step == 0 and line.id == CHATS.id:
            assert who.vendor_id == "krakow"

    def pick(self, data: st.DataObject, state: WorkItemState) -> tuple[str, str] | None:
        found = sorted(
            (item_id, view.specialist_id)
            for item_id, view in self.router.snapshot().items()
            if view.state is state and view.specialist_id is not None
        )
        return data.draw(st.sampled_from(found)) if found else None

    # -- rules -------------------------------------------------------------------------

    @rule(
        line=st.sampled_from(sorted(LINES)),
        spanish=st.booleans(),
        priority=st.integers(0, 9),
        due_minutes=st.none() | st.integers(1, 600),
    )
    def submit(self, line: str, spanish: bool, priority: int, due_minutes: int | None) -> None:
        self.count += 1
        language = "es" if spanish and line == TICKETS.id else "en"
        item = work_item(
            id=f"w{self.count}",
            service_line_id=line,
            language=language,
            priority=priority,
            created_at=self.now,
        )
        due = None if due_minutes is None else self.now + timedelta(minutes=due_minutes)
        self.router.submit(item, now=self.now, due=due)
        self.submitted.add(item.id)
        self.collect()

    @rule(seconds=st.integers(0, 400))
    def wait(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)
        self.router.advance(self.now)
        self.collect()

    @rule(data=st.data())
    def accept(self, data: st.DataObject) -> None:
        if found := self.pick(data, S.OFFERED):
            self.router.accept(found[0], specialist_id=found[1], now=self.now)
        self.collect()

    @rule(data=st.data())
    def reject(self, data: st.DataObject) -> None:
        if found := self.pick(data, S.OFFERED):
            self.router.reject(found[0], specialist_id=found[1], now=self.now)
        self.collect()

    @rule(data=st.data())
    def start(self, data: st.DataObject) -> None:
        if found := self.pick(data, S.ASSIGNED):
            self.router.start(found[0], specialist_id=found[1], now=self.now)
        self.collect()

    @rule(data=st.data())
    def resolve(self, data: st.DataObject) -> None:
        if found := self.pick(data, S.IN_PROGRESS):
            self.router.resolve(found[0], specialist_id=found[1], now=self.now)
            self.closed.add(found[0])
        self.collect()

    @precondition(lambda self: bool(self.router.snapshot()))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        item_id = data.draw(st.sampled_from(sorted(self.router.snapshot())))
        self.router.cancel(item_id, now=self.now, reason="client withdrew")
        self.closed.add(item_id)
        self.collect()

    @rule(who=st.sampled_from(sorted(BY_ID)))
    def shift_start(self, who: str) -> None:
        self.on_shift[who] = self.now + SHIFT
        self.router.shift_started(who, now=self.now, ends=self.now + SHIFT)
        self.collect()

    @rule(who=st.sampled_from(sorted(BY_ID)))
    def shift_end(self, who: str) -> None:
        self.on_shift.pop(who, None)
        self.router.shift_ended(who, now=self.now)
        self.collect()

    @rule(who=st.sampled_from(sorted(BY_ID)), status=st.sampled_from(list(SpecialistStatus)))
    def set_status(self, who: str, status: SpecialistStatus) -> None:
        self.status[who] = status
        self.router.set_status(who, status, now=self.now)
        self.collect()

    @rule(who=st.sampled_from(sorted(BY_ID)))
    def leave(self, who: str) -> None:
        self.left.add(who)
        self.router.specialist_left(who, now=self.now)
        self.collect()

    # -- invariants --------------------------------------------------------------------

    @invariant()
    def nobody_over_capacity_on_a_channel(self) -> None:
        for person in PEOPLE:
            per_channel: Counter[Channel] = Counter()
            for item_id in self.router.held(person.id):
                per_channel[LINES[self.router.item(item_id).service_line_id].channel] += 1
            for channel, used in per_channel.items():
                assert used <= person.capacity.get(channel, 0)
            assert per_channel == Counter(self.router.in_use(person.id))

    @invariant()
    def no_item_held_twice(self) -> None:
        holders: Counter[str] = Counter()
        for person in PEOPLE:
            holders.update(list(self.router.held(person.id)))
        assert all(n == 1 for n in holders.values())
        views = self.router.snapshot()
        for item_id, view in views.items():
            assert (view.specialist_id is not None) == (item_id in holders)
            assert (view.state is S.QUEUED) == (view.specialist_id is None)

    @invariant()
    def nothing_lost(self) -> None:
        open_items = set(self.router.snapshot())
        assert open_items | self.closed == self.submitted
        assert not open_items & self.closed

    @invariant()
    def replaying_the_log_rebuilds_the_state(self) -> None:
        assert replay(self.log) == self.router.snapshot()


RouterMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
TestRouterMachine = RouterMachine.TestCase
