"""The online router: items in, offers out, every step an event and every choice explained.

Time is passed in (``now``) and only moves forward; :meth:`Router.advance` fires what fell due
up to ``now`` (offer timeouts, policy steps, SLA warnings, shift ends) at the instant it fell
due, and every other call does that first. Work items move only through their own state
machine (:class:`~kpo.domain.work_items.WorkItem`), so every transition stays legal.

Offers: an item is offered to the best specialist; the offer holds a slot of their capacity
until they accept, reject, or it times out (``offer_timeout``, default 120 s). A rejected or
timed-out item goes back to the queue with its original age and is offered to the next best
specialist; whoever rejected it or let it time out is never offered it again. After
``max_attempts`` (default 3) unanswered or rejected offers the item escalates
(:class:`ItemEscalated`, priority + 1 up to 9) and the count starts again.

Turnover: a specialist who leaves (end of employment) or goes offline gives back every item
they hold; one who goes on a break or whose shift ends gives back open offers only (assigned
work is finished). Given-back items are routed again at once — none lost, none duplicated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from heapq import heappop, heappush
from typing import Any

from kpo.domain.calendars import BusinessCalendar
from kpo.domain.channels import Channel
from kpo.domain.clients import ServiceLine
from kpo.domain.errors import Conflict, NaiveDateTime, NotFound, OfferNotPending, ValidationError
from kpo.domain.events import (
    DomainEvent,
    ItemAssigned,
    ItemCancelled,
    ItemEscalated,
    ItemQueued,
    ItemStateChanged,
    OfferAccepted,
    OfferRejected,
    OfferTimedOut,
    OfferWithdrawn,
    SlaAtRisk,
    SlaBreached,
)
from kpo.domain.instants import require_utc
from kpo.domain.specialists import Specialist, SpecialistStatus
from kpo.domain.work_items import WorkItem, WorkItemState
from kpo.routing.explain import Candidate, Decision, Trigger
from kpo.routing.fairness import FairnessReport, SpecialistLoad, VendorTargets
from kpo.routing.index import (
    CHANNELS,
    NO_LINES,
    Agent,
    Index,
    LineState,
    Pool,
    Refusals,
    Ticket,
)
from kpo.routing.lanes import Lane, StampedLane
from kpo.routing.policies import DEFAULT_POLICY, Ranking, RoutingPolicy
from kpo.routing.queues import waiting_in_order
from kpo.routing.ranking import score, urgency
from kpo.routing.records import LAZY as _LAZY
from kpo.routing.records import accepted as _accepted
from kpo.routing.records import build_events as _build_events
from kpo.routing.records import offered as _offered
from kpo.routing.records import resolved as _resolved
from kpo.routing.timeline import BusinessTimeline

__all__ = ["ItemView", "LineSetup", "Router", "RouterSettings"]

_S = WorkItemState
# Enum members read through the class are slow (a descriptor call); the hot path reads these.
_QUEUED, _OFFERED, _ASSIGNED = _S.QUEUED, _S.OFFERED, _S.ASSIGNED
_IN_PROGRESS, _RESOLVED, _CANCELLED = _S.IN_PROGRESS, _S.RESOLVED, _S.CANCELLED
_WAITING = _S.WAITING_ON_CLIENT
_NOT_STARTED = frozenset({_QUEUED, _OFFERED, _ASSIGNED})
_FINAL = frozenset({_RESOLVED, _CANCELLED})
_VALUE = {s: s.value for s in WorkItemState}
_LEAST_COST, _BEST_SKILL, _COST_SLA = Ranking.LEAST_COST, Ranking.BEST_SKILL, Ranking.COST_SLA
_LONGEST_IDLE = Ranking.LONGEST_IDLE
_NEW_ITEM, _FREED = Trigger.NEW_ITEM, Trigger.SPECIALIST_FREED
_STEP, _OFFER, _AT_RISK, _BREACH, _CUTOFF, _SHIFT_END, _RISK_LANE, _OFFER_LANE, _BATCH = range(9)
_STEP_LANE = 9
_make = tuple.__new__  # a NamedTuple without its constructor's overhead
_TINY = 1e-12


@dataclass(frozen=True)
class RouterSettings:
    """``at_risk_share``: :class:`SlaAtRisk` fires when this share of the time between arrival
    and the due instant has passed and nobody has started the item."""

    offer_timeout: timedelta = timedelta(seconds=120)
    max_attempts: int = 3
    explain_top: int = 5
    at_risk_share: float = 0.8
    vendor_targets: VendorTargets | None = None


@dataclass(frozen=True)
class LineSetup:
    """A service line to route, its policy, and optionally its business calendar (used for
    the remaining business time in ``cost_sla``; without it wall-clock time is used)."""

    line: ServiceLine
    policy: RoutingPolicy = DEFAULT_POLICY
    calendar: BusinessCalendar | None = None


@dataclass(frozen=True, slots=True)
class ItemView:
    """Where an open item stands; what replaying the event log must reproduce."""

    state: WorkItemState
    specialist_id: str | None
    escalations: int


class Router:
    """The routing engine of one routing domain (a set of service lines)."""

    def __init__(
        self,
        lines: Iterable[LineSetup],
        *,
        now: datetime,
        settings: RouterSettings | None = None,
    ) -> None:
        self.settings = settings or RouterSettings()
        self._want = max(1, self.settings.explain_top)
        self._offer_timeout = self.settings.offer_timeout
        self._now = self._check(now)
        self._now_ts = now.timestamp()  # self._now as POSIX seconds
        states = [
            LineState(
                i,
                s.line,
                s.policy,
                None if s.calendar is None else BusinessTimeline(s.calendar, now),
            )
            for i, s in enumerate(lines)
        ]
        self._lines = {s.line.id: s for s in states}
        self._index = Index(states, clock=lambda: self._now)
        self._tickets: dict[str, Ticket] = {}
        self._escalations: Counter[str] = Counter()
        self._timers: list[tuple[datetime, int, int, Any, int]] = []
        self._timer_seq = 0
        # Events and decisions are logged as plain tuples on the hot path and built when
        # drained (the same objects, in the same order; see _build_event, _build_decision).
        self._events: list[Any] = []
        self._decisions: list[Any] = []
        self._at_risk: dict[timedelta, timedelta] = {}  # (due - created) -> its at-risk part
        self._spans: dict[timedelta, timedelta] = {}  # due - created, one object per value
        # At-risk timers per service line, in the order they fall due (see kpo.routing.lanes).
        self._risk_lanes = [Lane() for _ in states]
        # Policy-step timeouts per line and step, as (lane, step, the step's end as an age):
        # an item reaches the end of a step ``created_at + end``, in arrival order.
        self._step_lanes = [
            [(Lane(), step, end) for step, end in enumerate(state.step_ends)] for state in states
        ]
        self._offer_lane = StampedLane()  # offer timeouts: now + offer_timeout, in order
        self._volume: Counter[str] = Counter()  # accepted items per vendor
        self._pending: Counter[str] = Counter()  # open offers per vendor
        for state in states:  # min_cost_batch steps: a batch every batch_interval
            for step, spec in enumerate(state.policy.steps):
                if spec.batch_interval is not None:
                    self._timer(now + spec.batch_interval, _BATCH, (state, step), 0)

    # ================================================================ time

    def _check(self, now: datetime) -> datetime:
        if now.tzinfo is None or now.utcoffset() is None:
            raise NaiveDateTime("now", now.isoformat())
        return now

    def _tick(self, now: datetime) -> None:
        if now.tzinfo is None:
            raise NaiveDateTime("now", now.isoformat())
        if now < self._now:
            raise ValidationError(
                f"time went backwards: {now.isoformat()} is before {self._now.isoformat()}",
                field="now",
            )
        timers = self._timers
        while timers and timers[0][0] <= now:
            at, _, kind, target, token = heappop(timers)
            self._now, self._now_ts = at, at.timestamp()
            self._fire(kind, target, token, at)
        self._now, self._now_ts = now, now.timestamp()

    def advance(self, now: datetime) -> None:
        """Fire everything that fell due up to ``now``, each at its own instant."""
        self._tick(now)

    def next_timer(self) -> datetime | None:
        """When :meth:`advance` next has something to do (for a simulated clock)."""
        return self._timers[0][0] if self._timers else None

    def _timer(self, at: datetime, kind: int, target: Any, token: int) -> None:
        self._timer_seq += 1
        heappush(self._timers, (at, self._timer_seq, kind, target, token))

    def _fire(self, kind: int, target: Any, token: int, at: datetime) -> None:
        if kind == _OFFER_LANE:
            stamped: StampedLane = target
            target, token, following_timer = stamped.pop()
            if following_timer is not None:
                start, next_seq = following_timer
                heappush(self._timers, (start, next_seq, _OFFER_LANE, stamped, 0))
            kind = _OFFER
        if kind == _OFFER:
            ticket: Ticket = target
            if ticket.offer_no == token and ticket.item.state is _OFFERED:
                agent = ticket.holder
                assert agent is not None
                self._emit(OfferTimedOut(ticket.item.id, at, agent.id))
                self._give_back(ticket, at, exclude=True)
        elif kind == _STEP:
            self._next_step(target, token, at)
        elif kind == _STEP_LANE:
            lane, step, end = target
            ticket, following_seq = lane.pop()
            if following_seq is not None:
                start = lane.first().item.created_at + end
                heappush(self._timers, (start, following_seq, _STEP_LANE, target, 0))
            self._next_step(ticket, step, at)
        elif kind == _RISK_LANE:
            lane = target
            ticket, following_seq = lane.pop()
            if following_seq is not None:
                following: Ticket = lane.first()
                assert following.due is not None
                start = self._at_risk_instant(following.item.created_at, following.due)
                heappush(self._timers, (start, following_seq, _RISK_LANE, lane, 0))
            self._fire(_AT_RISK, ticket, 0, at)
        elif kind in (_AT_RISK, _BREACH):
            ticket = target
            if ticket.item.id in self._tickets and ticket.item.state in _NOT_STARTED:
                assert ticket.due is not None
                if kind == _AT_RISK:
                    self._emit(SlaAtRisk(ticket.item.id, at, ticket.due))
                    self._timer(ticket.due, _BREACH, ticket, 0)
                else:
                    self._emit(SlaBreached(ticket.item.id, at, ticket.due))
        elif kind == _CUTOFF:
            self._cutoff(target, token, at)
        elif kind == _BATCH:
            state, step = target
            self._run_batch(state, step, at)
            interval = state.policy.steps[step].batch_interval
            self._timer(at + interval, _BATCH, target, 0)
        elif kind == _SHIFT_END:
            agent = target
            if agent.cutoff_no == token and agent.on_shift:
                self._end_shift(agent, at)

    # ================================================================ specialists

    def add_specialist(self, specialist: Specialist, *, now: datetime, country: str = "") -> None:
        """Index a specialist (``country``: their vendor's, for filters); they take work once
        their shift starts."""
        self._tick(now)
        if specialist.id in self._index.by_id:
            raise Conflict("specialist", specialist.id)
        self._index.add(specialist, country=country)

    def _agent(self, specialist_id: str) -> Agent:
        agent = self._index.by_id.get(specialist_id)
        if agent is None:
            raise NotFound("specialist", specialist_id)
        return agent

    def shift_started(self, specialist_id: str, *, now: datetime, ends: datetime) -> None:
        """The specialist's shift runs from ``now`` to ``ends`` (computed by the caller from
        their working hours in their own zone and their country's holidays, see
        :mod:`kpo.routing.shifts`). Employment must be active on that day."""
        self._tick(now)
        agent = self._agent(specialist_id)
        agent.mark(self._now_ts)
        agent.on_shift = True
        agent.refresh()
        agent.shift_ends = ends
        agent.idle_since = max(agent.idle_since, self._now_ts)
        if agent.closed and agent.avail:  # see Index.sync_all
            agent.reopened = True
        agent.closed = NO_LINES
        agent.cutoff_no += 1
        agent.cutoff_pos = 0
        self._cutoff(agent, agent.cutoff_no, now)
        self._timer(ends, _SHIFT_END, agent, agent.cutoff_no)
        self._become_available(agent, now)

    def _cutoff(self, agent: Agent, token: int, at: datetime) -> None:
        if token != agent.cutoff_no:
            return
        cutoffs, pos, ends = agent.cutoffs, agent.cutoff_pos, agent.shift_ends
        assert ends is not None
        while pos < len(cutoffs) and ends - cutoffs[pos][0] <= at:
            self._index.close_line(agent, cutoffs[pos][1])
            pos += 1
        agent.cutoff_pos = pos
        if pos < len(cutoffs):
            self._timer(ends - cutoffs[pos][0], _CUTOFF, agent, token)

    def shift_ended(self, specialist_id: str, *, now: datetime) -> None:
        """Off shift: no new offers; open offers go back to the queue, assigned work stays."""
        self._tick(now)
        agent = self._agent(specialist_id)
        if agent.on_shift:
            self._end_shift(agent, now)

    def _end_shift(self, agent: Agent, at: datetime) -> None:
        agent.mark(self._now_ts)
        agent.on_shift = False
        agent.refresh()
        agent.cutoff_no += 1
        self._index.sync_all(agent)
        self._withdraw(agent, at, "shift ended", offers_only=True)

    def set_status(self, specialist_id: str, status: SpecialistStatus, *, now: datetime) -> None:
        """Break: open offers go back; offline: everything they hold goes back."""
        self._tick(now)
        agent = self._agent(specialist_id)
        agent.mark(self._now_ts)
        agent.status = status
        agent.refresh()
        if status is SpecialistStatus.AVAILABLE:
            self._become_available(agent, now)
            return
        self._index.sync_all(agent)
        self._withdraw(agent, now, f"specialist {status.value}", offers_only=status is not _OFFLINE)

    def specialist_left(self, specialist_id: str, *, now: datetime) -> None:
        """End of employment: everything they hold is routed again; they get nothing new."""
        self._tick(now)
        agent = self._agent(specialist_id)
        agent.mark(self._now_ts)
        agent.employed = False
        agent.refresh()
        self._index.sync_all(agent)
        self._withdraw(agent, now, "specialist left", offers_only=False)

    def _become_available(self, agent: Agent, at: datetime) -> None:
        for channel in range(len(CHANNELS)):
            if agent.pools[channel]:
                self._fill(agent, channel, at)
        self._index.sync_all(agent)

    def _withdraw(self, agent: Agent, at: datetime, reason: str, *, offers_only: bool) -> None:
        for ticket in sorted(agent.held.values(), key=lambda t: t.item.id):
            if offers_only and ticket.item.state is not _OFFERED:
                continue
            self._emit(OfferWithdrawn(ticket.item.id, at, agent.id, reason))
            self._give_back(ticket, at, exclude=False)

    # ================================================================ items

    def submit(self, item: WorkItem, *, now: datetime, due: datetime | None = None) -> Decision:
        """Route a new queued item; ``due`` is when it must be started (its SLA due instant,
        from the caller's SLA clock). Returns the decision (winner ``None``: queued)."""
        timers = self._timers  # _tick(now), its common case inlined: nothing falls due
        if now.tzinfo is None or now < self._now or (timers and timers[0][0] <= now):
            self._tick(now)
        else:
            self._now, self._now_ts = now, now.timestamp()
        if item.id in self._tickets:
            raise Conflict("work item", item.id)
        if item.state is not _QUEUED:
            raise ValidationError(
                f"only queued items can be submitted, {item.id!r} is {item.state.value}",
                field="state",
            )
        ticket = self._admit(item, due, now)
        events = self._events
        if item.events:
            events.extend(item.take_events())
        events.append((ItemQueued, item.id, item.created_at, item.service_line_id))
        return self._route(ticket, now, _NEW_ITEM)

    def _admit(self, item: WorkItem, due: datetime | None, now: datetime) -> Ticket:
        state = self._lines.get(item.service_line_id)
        if state is None:
            raise NotFound("service line", item.service_line_id)
        pools = state.pools.get(item.language)
        if pools is None:
            raise ValidationError(
                f"service line {state.line.id!r} is not served in language {item.language!r}",
                field="language",
            )
        until: timedelta | datetime | None = None
        if due is not None:
            created = item.created_at
            span = due - created
            if due.tzinfo is UTC and created.tzinfo is UTC and not due.fold:
                until = self._spans.get(span)  # one object per SLA span, not a due each
                if until is None:
                    if len(self._spans) >= 1024:
                        self._spans.clear()
                    until = self._spans[span] = span
            else:
                until = due
        ticket = Ticket(item, until, pools[0])
        self._tickets[item.id] = ticket
        first = state.step_ends[0]
        if first is not None:
            age = now - item.created_at
            if age >= first:
                ticket.pool = pools[state.policy.step_at(age)]
            self._schedule_step(ticket)
        if due is not None:
            part = self._at_risk.get(span)  # _at_risk_instant, inlined
            if part is None:
                at_risk = self._at_risk_instant(created, due)
            else:
                at_risk = created + part
                if created > at_risk:
                    at_risk = created
            self._timer_seq += 1
            lane = self._risk_lanes[state.idx]
            last = lane.last
            if last is None or at_risk >= last:  # Lane.takes and Lane.append, inlined
                lane.targets.append(ticket)
                lane.seqs.append(self._timer_seq)
                lane.last = at_risk
                if len(lane.targets) - lane.head == 1:  # the lane's first: into the heap
                    heappush(self._timers, (at_risk, self._timer_seq, _RISK_LANE, lane, 0))
            else:  # out of its line's order: a timer of its own
                heappush(self._timers, (at_risk, self._timer_seq, _AT_RISK, ticket, 0))
        return ticket

    def _at_risk_instant(self, created: datetime, due: datetime) -> datetime:
        """When :class:`SlaAtRisk` fires for an item created at ``created``, due ``due``."""
        span = due - created
        part = self._at_risk.get(span)  # one SLA policy: one span, one multiplication
        if part is None:
            if len(self._at_risk) >= 1024:
                self._at_risk.clear()
            part = self._at_risk[span] = span * self.settings.at_risk_share
        at_risk = created + part
        return created if created > at_risk else at_risk

    def _schedule_step(self, ticket: Ticket) -> None:
        pool = ticket.pool
        step = pool.step
        target = self._step_lanes[pool.line.idx][step]
        end = target[2]
        if end is None:
            return
        at = ticket.item.created_at + end
        self._timer_seq += 1
        lane = target[0]
        last = lane.last
        if last is None or at >= last:  # Lane.takes and Lane.append, inlined
            lane.targets.append(ticket)
            lane.seqs.append(self._timer_seq)
            lane.last = at
            if len(lane.targets) - lane.head == 1:  # the lane's first: into the heap
                heappush(self._timers, (at, self._timer_seq, _STEP_LANE, target, 0))
        else:  # out of its lane's order: a timer of its own
            heappush(self._timers, (at, self._timer_seq, _STEP, ticket, step))

    def _next_step(self, ticket: Ticket, step: int, at: datetime) -> None:
        if ticket.pool.step != step or ticket.item.id not in self._tickets:
            return
        pool = ticket.pool.line.pools[ticket.item.language][step + 1]
        waiting = ticket.seq >= 0
        if waiting:
            self._index.dequeue(ticket)  # from the pool of the step that ended
        ticket.pool = pool
        self._schedule_step(ticket)
        if waiting:  # move to the wider step and try again
            self._route(ticket, at, Trigger.STEP_TIMEOUT)

    def _ticket(self, item_id: str) -> Ticket:
        ticket = self._tickets.get(item_id)
        if ticket is None:
            raise NotFound("open work item", item_id)
        return ticket

    def _held_by(self, item_id: str, specialist_id: str, state: WorkItemState) -> Ticket:
        ticket = self._ticket(item_id)
        holder = ticket.holder
        if holder is None or holder.id != specialist_id or ticket.item.state is not state:
            raise OfferNotPending(item_id, specialist_id, ticket.item.state.value)
        return ticket

    def accept(self, item_id: str, *, specialist_id: str, now: datetime) -> None:
        self._tick(now)
        ticket = self._held_by(item_id, specialist_id, _OFFERED)
        assert ticket.holder is not None
        vendor = ticket.holder.vendor
        self._pending[vendor] -= 1
        self._volume[vendor] += 1
        item = ticket.item
        assert item.specialist_id is not None
        events = self._events
        if item.events:  # what the item recorded itself goes between acceptance and move
            events.append((OfferAccepted, item_id, now, specialist_id))
            at = self._move(item, _ASSIGNED, now)
            events.append((ItemAssigned, item.id, at, item.specialist_id))
            return
        left = item.move(_ASSIGNED, now if now.tzinfo is UTC else require_utc(now))
        # OfferAccepted, ItemStateChanged and ItemAssigned as one record (records.accepted)
        events.append((_accepted, item_id, now, left, specialist_id, item.specialist_id))

    def reject(self, item_id: str, *, specialist_id: str, now: datetime) -> None:
        self._tick(now)
        ticket = self._held_by(item_id, specialist_id, _OFFERED)
        self._events.append((OfferRejected, item_id, now, specialist_id))
        self._give_back(ticket, now, exclude=True)

    def start(self, item_id: str, *, specialist_id: str, now: datetime) -> None:
        self._tick(now)
        ticket = self._held_by(item_id, specialist_id, _ASSIGNED)
        self._move(ticket.item, _IN_PROGRESS, now)

    def resolve(self, item_id: str, *, specialist_id: str, now: datetime) -> None:
        """The item is done; the specialist's slot is free and they take the next item."""
        timers = self._timers  # _tick(now), its common case inlined: nothing falls due
        if now.tzinfo is None or now < self._now or (timers and timers[0][0] <= now):
            self._tick(now)
        else:
            self._now, self._now_ts = now, now.timestamp()
        ticket = self._tickets.get(item_id)
        if ticket is None:
            raise NotFound("open work item", item_id)
        if ticket.holder is None or ticket.holder.id != specialist_id:
            raise OfferNotPending(item_id, specialist_id, ticket.item.state.value)
        item = ticket.item
        at = now if now.tzinfo is UTC else require_utc(now)
        left = item.move(_RESOLVED, at)
        events = self._events
        if item.events:
            events.extend(item.take_events())
        # ItemStateChanged and ItemResolved as one record (records.resolved)
        events.append((_resolved, item.id, at, left, item.specialist_id))
        self._close(ticket, now)

    def cancel(self, item_id: str, *, now: datetime, reason: str = "") -> None:
        self._tick(now)
        ticket = self._ticket(item_id)
        if ticket.item.state is _OFFERED and ticket.holder is not None:
            self._pending[ticket.holder.vendor] -= 1
        at = self._move(ticket.item, _CANCELLED, now)
        self._events.append((ItemCancelled, item_id, at, reason))
        self._close(ticket, now)

    def _close(self, ticket: Ticket, at: datetime) -> None:
        item_id = ticket.item.id
        del self._tickets[item_id]
        if self._escalations:
            self._escalations.pop(item_id, None)
        if self._index.item_attrs:
            self._index.item_attrs.pop(ticket, None)
        if ticket.seq >= 0:  # Index.dequeue
            ticket.seq = -1
            ticket.pool.queued -= 1
        agent = ticket.holder
        if agent is None:
            return
        now_ts = self._now_ts  # _release(ended=True) and agent.mark(), inlined: the hot path
        last = agent.last_mark
        if last is not None and now_ts > last and agent.on_shift:
            agent.shift_seconds += now_ts - last
            agent.busy_seconds += now_ts - last  # it holds this item
        agent.last_mark = now_ts
        del agent.held[item_id]
        channel = ticket.pool.channel
        agent.in_use[channel] -= 1
        ticket.holder = None
        agent.idle_since = now_ts
        self._fill(agent, channel, at)
        if agent.idle_pools:
            self._index.sync_all(agent, rekey=True)
        else:
            self._index.sync(agent, channel)

    def _release(self, ticket: Ticket, at: datetime, *, ended: bool) -> Agent | None:
        agent = ticket.holder
        if agent is None:
            return None
        now_ts = self._now_ts
        agent.mark(now_ts)
        del agent.held[ticket.item.id]
        agent.in_use[ticket.pool.channel] -= 1
        ticket.holder = None
        if ended:
            agent.idle_since = now_ts
        return agent

    def _refill(self, agent: Agent, channel: int, at: datetime, *, rekey: bool) -> None:
        self._fill(agent, channel, at)
        if rekey:
            self._index.sync_all(agent, rekey=True)
        else:
            self._index.sync(agent, channel)

    def _give_back(self, ticket: Ticket, at: datetime, *, exclude: bool) -> None:
        """Back to the queue (rejected, timed out, withdrawn) and routed again at once."""
        item = ticket.item
        agent = ticket.holder
        assert agent is not None
        if item.state is _OFFERED:
            self._pending[agent.vendor] -= 1
        self._release(ticket, at, ended=False)
        if item.state is _WAITING:
            self._move(item, _IN_PROGRESS, at)  # the state machine requeues only from there
        self._move(item, _QUEUED, at)
        item.specialist_id = None
        if exclude:
            refused = ticket.excluded
            if refused is None:
                refused = ticket.excluded = Refusals()
            refused.add(agent.idx)
            refused.attempts += 1
            if refused.attempts >= self.settings.max_attempts:
                refused.attempts = 0
                item.priority = min(9, item.priority + 1)
                self._index.item_attrs.pop(ticket, None)  # filters read the new priority
                self._escalations[item.id] += 1
                self._emit(ItemEscalated(item.id, at, item.priority, self.settings.max_attempts))
        self._route(ticket, at, Trigger.REQUEUED)
        if agent.online:
            self._refill(agent, ticket.pool.channel, at, rekey=False)
        else:
            self._index.sync_all(agent)

    # ================================================================ deciding

    def _emit(self, event: DomainEvent) -> None:
        self._events.append(event)

    def _take(self, item: WorkItem) -> None:
        """Move the item's own events (state changes) into the engine's log, in order."""
        if item.events:
            self._events.extend(item.take_events())

    def _move(self, item: WorkItem, target: WorkItemState, at: datetime) -> datetime:
        """Move ``item`` through its own state machine (which checks the move) and log the
        :class:`ItemStateChanged` it stands for, after anything the item recorded itself
        (the same events, in the same order, as ``item.offer()`` & co. followed by
        :meth:`_take`). Returns ``at`` in UTC."""
        if at.tzinfo is not UTC:
            at = require_utc(at)
        left = item.move(target, at)
        events = self._events
        if item.events:
            events.extend(item.take_events())
        events.append((ItemStateChanged, item.id, at, _VALUE[left], _VALUE[target]))
        return at

    def _urgency(self, ticket: Ticket, at: datetime) -> float:
        return self._urgency_of(ticket.due, ticket.pool.line.timeline, at)

    @staticmethod
    def _urgency_of(due: datetime | None, timeline: BusinessTimeline | None, at: datetime) -> float:
        if due is None:
            return urgency(None)
        if timeline is None:
            return urgency((due - at).total_seconds() / 3600)
        return urgency(timeline.seconds_between(at, due) / 3600)

    def _route(self, ticket: Ticket, at: datetime, trigger: Trigger) -> Decision:
        """Offer ``ticket`` to the best specialist of its current step, or queue it."""
        pool = ticket.pool
        if pool.batch:  # a min_cost_batch step: wait for the batch
            return self._queue(ticket, at, trigger)
        index = self._index
        targets = self.settings.vendor_targets
        want = self._want
        chosen = 0
        if pool.item_filter is None and not ticket.excluded:
            eligible = len(pool.live)  # Index.eligible_count, inlined for the common case
        else:
            eligible = index.eligible_count(pool, ticket)
        if targets is None:
            top = index.candidates(pool, ticket, want, eligible)
        else:
            chosen, top = self._with_targets(pool, ticket, targets, want, eligible)
        ranking = pool.ranking
        if not top:
            index.enqueue(ticket)
            decision: Decision = _make(
                Decision,
                (ticket.item.id, at, trigger, pool.step, ranking, eligible, (), None,
                 pool.reason_queued % (pool.queued - 1)),
            )  # fmt: skip
            self._decisions.append(decision)
            return decision
        # Scores from the entries' negated first keys (see kpo.routing.ranking.score); fixed
        # scores come with the entry (Index.entry).
        if ranking is _LEAST_COST or ranking is _BEST_SKILL:
            candidates = tuple([e[-2] for e in top])
        elif ranking is _COST_SLA:
            item_urgency = self._urgency_of(ticket.due, pool.line.timeline, at)
            candidates = tuple(
                [
                    _make(Candidate, (sid, vendor, item_urgency / max(-k, _TINY)))
                    for k, _, sid, vendor, _ in top
                ]
            )
        else:
            now_ts = self._now_ts
            candidates = tuple(
                [
                    _make(Candidate, (sid, vendor, max(0.0, now_ts + k)))
                    for k, _, sid, vendor, _ in top
                ]
            )
        winner = candidates[chosen]
        if chosen == 0:
            reason = pool.reasons.get(eligible) or pool.best_reason(eligible)
        else:
            reason = (
                f"vendor {winner.vendor_id} was furthest behind its volume target; its best "
                f"{ranking} candidate of {eligible} eligible at step {pool.step}"
            )
        decision = _make(
            Decision,
            (ticket.item.id, at, trigger, pool.step, ranking, eligible, candidates[:want],
             winner.specialist_id, reason),
        )  # fmt: skip
        self._decisions.append(decision)
        self._offer(ticket, top[chosen][-1], at)
        return decision

    def _with_targets(
        self, pool: Pool, ticket: Ticket, targets: VendorTargets, want: int, eligible: int
    ) -> tuple[int, list[tuple[Any, ...]]]:
        walked: list[tuple[Any, ...]] = []
        best_of: dict[str, int] = {}
        for entry in self._index.candidates(pool, ticket, targets.depth, eligible):
            walked.append(entry)
            best_of.setdefault(entry[-1].vendor, len(walked) - 1)
            if len(walked) >= targets.depth or (
                len(walked) >= want and set(targets.shares) <= set(best_of)
            ):
                break
        if not walked:
            return 0, []
        order = sorted(best_of.values())
        volume = self._volume + self._pending
        pick = order[targets.choose([walked[i][-1].vendor for i in order], volume)]
        top = walked[:want]
        if pick >= want:
            top.append(walked[pick])
            return len(top) - 1, top
        return pick, top

    def _offer(self, ticket: Ticket, agent: Agent, at: datetime) -> None:
        item = ticket.item
        if ticket.seq >= 0:  # Index.dequeue
            ticket.seq = -1
            ticket.pool.queued -= 1
        now_ts = self._now_ts  # agent.mark(now_ts), inlined: this is the hot path
        last = agent.last_mark
        if last is not None and now_ts > last and agent.on_shift:
            agent.shift_seconds += now_ts - last
            if agent.held:
                agent.busy_seconds += now_ts - last
        agent.last_mark = now_ts
        left = item.move(_OFFERED, at if at.tzinfo is UTC else require_utc(at))  # _move, inlined
        events = self._events
        if item.events:
            events.extend(item.take_events())
        item.specialist_id = agent.id
        ticket.holder = agent
        ticket.offer_no += 1
        agent.held[item.id] = ticket
        channel = ticket.pool.channel
        agent.in_use[channel] += 1
        if agent.in_use[channel] >= agent.cap[channel] and agent.avail >> channel & 1:
            self._index.sync(agent, channel)  # full now: out of the pools that hold them
        self._pending[agent.vendor] += 1
        # ItemStateChanged and ItemOffered as one record (records.offered)
        events.append((_offered, item.id, at, left, agent.id, ticket.pool.step, ticket.offer_no))
        self._timer_seq += 1
        expires = at + self._offer_timeout
        lane = self._offer_lane
        # StampedLane.takes and .append, inlined
        size = len(lane.targets)
        if size == lane.head:  # an empty lane: this timer heads it, in the heap
            if size:
                lane.clear()
            lane.instants.append(expires)
            lane.targets.append(ticket)
            lane.seqs.append(self._timer_seq)
            lane.tokens.append(ticket.offer_no)
            heappush(self._timers, (expires, self._timer_seq, _OFFER_LANE, lane, 0))
        elif expires >= lane.instants[-1]:
            lane.instants.append(expires)
            lane.targets.append(ticket)
            lane.seqs.append(self._timer_seq)
            lane.tokens.append(ticket.offer_no)
        else:
            heappush(self._timers, (expires, self._timer_seq, _OFFER, ticket, ticket.offer_no))

    def _fill(self, agent: Agent, channel: int, at: datetime) -> None:
        """A specialist with free capacity takes queued items, first in task order."""
        index = self._index
        while agent.online and agent.in_use[channel] < agent.cap[channel]:
            found = index.best_item(agent, channel)
            if found is None:
                return
            ticket, pool, waiting = found
            if pool.item_filter is None and not ticket.excluded:
                eligible = len(pool.live)  # Index.eligible_count, inlined
            else:
                eligible = index.eligible_count(pool, ticket)
            others = eligible - (agent in pool.live)
            # The decision is logged as a tuple and built when drained (_build_decision).
            self._decisions.append(
                (pool, ticket.item.id, at, others + 1, agent, agent.idle_since, self._now_ts,
                 ticket, waiting)
            )  # fmt: skip
            self._offer(ticket, agent, at)

    def _build_decision(self, entry: Any) -> Decision:
        """A decision from its log entry: a :class:`Decision`, or a freed specialist's
        decision logged by :meth:`_fill` as a tuple of what it is made of (the score is
        computed as it would have been then: the fit is fixed, the idle instant and the
        clock are kept)."""
        if type(entry) is not _LAZY:
            built: Decision = entry
            return built
        pool, item_id, at, eligible, agent, idle_since, now_ts, ticket, waiting = entry
        ranking = pool.ranking
        fit = agent.fits[pool.line.idx]
        if ranking is _LEAST_COST:
            key = fit.cost
        elif ranking is _BEST_SKILL:
            key = -fit.level
        elif ranking is _COST_SLA:
            key = fit.handle_seconds / 3600 * fit.cost
        else:
            key = idle_since
        item_urgency = (  # only cost_sla scores read it
            self._urgency_of(ticket.due, pool.line.timeline, at) if ranking is _COST_SLA else 0.0
        )
        candidate = _make(
            Candidate,
            (agent.id, agent.vendor, score(ranking, key, now_ts=now_ts, item_urgency=item_urgency)),
        )
        decision: Decision = _make(
            Decision,
            (item_id, at, _FREED, pool.step, ranking, eligible, (candidate,), agent.id,
             f"specialist {agent.id} became free and this was the first of {waiting} "
             "waiting item(s) they may take (priority, then oldest)"),
        )  # fmt: skip
        return decision

    # ================================================================ rebuild

    def restore(
        self,
        items: Iterable[tuple[WorkItem, datetime | None]],
        *,
        now: datetime,
        refused: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        """Load stored open items without events: queued ones wait in their step's queue,
        held ones take their specialist's capacity (open offers time out ``offer_timeout``
        after they were made). ``refused`` maps item ids to the specialists who rejected
        them or let their offer time out (from the event log): they are not offered those
        items again. Call :meth:`rebalance` afterwards."""
        self._tick(now)
        queued: list[Ticket] = []
        given_back: list[Ticket] = []
        by_id = self._index.by_id
        for item, due in items:
            if item.state in _FINAL:
                continue
            if item.id in self._tickets:
                raise Conflict("work item", item.id)
            ticket = self._admit(item, due, now)
            if refused and item.id in refused:
                ticket.excluded = (
                    Refusals(
                        agent.idx
                        for sid in refused[item.id]
                        if (agent := by_id.get(sid)) is not None
                    )
                    or None
                )
            if item.state is _QUEUED:
                queued.append(ticket)
                continue
            agent = by_id.get(item.specialist_id or "")
            if agent is None or not agent.employed:
                given_back.append(ticket)
                continue
            ticket.holder = agent
            agent.held[item.id] = ticket
            agent.in_use[ticket.pool.channel] += 1
            if item.state is _OFFERED:
                ticket.offer_no = 1
                self._pending[agent.vendor] += 1
                offered_at = item.transitions[-1].at if item.transitions else now
                self._timer(offered_at + self.settings.offer_timeout, _OFFER, ticket, 1)
        for ticket in given_back:  # their specialist is gone: back to the queue
            if ticket.item.state is _WAITING:
                ticket.item.resume(at=now)
            ticket.item.requeue(at=now)
            self._take(ticket.item)
            queued.append(ticket)
        self._index.enqueue_bulk(queued)
        for agent in self._index.agents:
            self._index.sync_all(agent)

    def _queue(self, ticket: Ticket, at: datetime, trigger: Trigger) -> Decision:
        pool = ticket.pool
        self._index.enqueue(ticket)
        decision: Decision = _make(
            Decision,
            (ticket.item.id, at, trigger, pool.step, pool.ranking, len(pool.live), (), None,
             pool.reason_queued % (pool.queued - 1)),
        )  # fmt: skip
        self._decisions.append(decision)
        return decision

    def run_batches(self, *, now: datetime) -> int:
        """Run every ``min_cost_batch`` step's batch now (besides their timers); returns how
        many items were offered."""
        self._tick(now)
        offered = 0
        for state in self._lines.values():
            for step, spec in enumerate(state.policy.steps):
                if spec.batched:
                    offered += self._run_batch(state, step, now)
        return offered

    def _run_batch(self, state: LineState, step: int, at: datetime) -> int:
        """One least-total-cost assignment of the step's waiting items (every language) to
        the free slots of the specialists live in its pools; offers what it assigns."""
        from kpo.routing.batch_step import BatchGroup, solve_step  # OR-Tools: only if used

        index = self._index
        groups: list[BatchGroup[Ticket, tuple[Agent, int]]] = []
        pools_of: list[Pool] = []
        capacity: dict[tuple[Agent, int], int] = {}
        waiting = 0
        for pools in state.pools.values():
            pool = pools[step]
            if not pool.queued or not pool.live:  # nothing waits, or nobody is free
                continue
            tickets = index.waiting(pool)
            waiting += len(tickets)
            agents = [entry[-1] for entry in pool.live.values()]
            channel = pool.channel
            for agent in agents:
                capacity[agent, channel] = agent.cap[channel] - agent.in_use[channel]
            options = [((a, channel), a.fits[state.idx].cost) for a in agents]
            plain: dict[int, list[Ticket]] = {}
            for ticket in tickets:
                if ticket.excluded is None and pool.item_filter is None:
                    plain.setdefault(ticket.item.priority, []).append(ticket)
                    continue
                mine = [o for o in options if index.takes(pool, o[0][0], ticket)]
                groups.append(BatchGroup([ticket], ticket.item.priority, mine))
                pools_of.append(pool)
            for priority, members in plain.items():
                groups.append(BatchGroup(members, priority, options))
                pools_of.append(pool)
        if not groups:
            return 0
        picks = solve_step(groups, capacity)
        slots = sum(capacity.values())
        for pick in picks:
            ticket, (agent, _channel) = pick.item, pick.slot
            pool = pools_of[pick.group]
            others = sorted(
                (o for o in groups[pick.group].options if o[0][0] is not agent),
                key=lambda o: (o[1], o[0][0].idx),
            )[: self._want - 1]
            candidates = tuple(
                _make(Candidate, (a.id, a.vendor, cost))
                for (a, _), cost in ((pick.slot, pick.cost), *others)
            )
            decision: Decision = _make(
                Decision,
                (ticket.item.id, at, Trigger.BATCH, step, pool.ranking,
                 len(groups[pick.group].options), candidates, agent.id,
                 f"least-total-cost batch at step {step}: {len(picks)} of {waiting} waiting "
                 f"item(s) placed on {slots} free slot(s), higher priority first; this "
                 f"pair costs {pick.cost:.4f}"),
            )  # fmt: skip
            self._decisions.append(decision)
            self._offer(ticket, agent, at)
        return len(picks)

    def rebalance(self, *, now: datetime) -> int:
        """Offer queued items to free specialists (after :meth:`restore`); returns how many
        were offered. Items whose pool has nobody free are not looked at."""
        self._tick(now)
        # Task order, as sorted(key=(-priority, created_at, seq)) over the waiting tickets of
        # pools with somebody free, without listing them (see waiting_in_order).
        waiting = waiting_in_order(
            pool for line in self._lines.values() for pools in line.pools.values() for pool in pools
        )
        offered = 0
        for _, ticket in waiting:
            if ticket.seq >= 0 and ticket.pool.live:
                self._index.dequeue(ticket)
                offered += self._route(ticket, now, Trigger.RESTORED).winner is not None
        return offered

    # ================================================================ reading

    def drain_events(self) -> list[DomainEvent]:
        events, self._events = self._events, []
        return _build_events(events)

    def discard_decisions(self) -> None:
        """Forget the decisions logged so far without building them."""
        self._decisions = []

    def drain_decisions(self) -> list[Decision]:
        decisions, self._decisions = self._decisions, []
        build = self._build_decision
        return [build(d) for d in decisions]

    def item(self, item_id: str) -> WorkItem:
        """An open item (raises :class:`NotFound` once resolved or cancelled)."""
        return self._ticket(item_id).item

    def line(self, line_id: str) -> ServiceLine | None:
        """The service line the engine routes under this id, as it was when it was built."""
        state = self._lines.get(line_id)
        return None if state is None else state.line

    def find(self, item_id: str) -> WorkItem | None:
        ticket = self._tickets.get(item_id)
        return None if ticket is None else ticket.item

    def open_items(self) -> list[WorkItem]:
        return [t.item for t in self._tickets.values()]

    def snapshot(self) -> dict[str, ItemView]:
        return {
            item_id: ItemView(
                t.item.state,
                None if t.holder is None else t.holder.id,
                self._escalations.get(item_id, 0),
            )
            for item_id, t in self._tickets.items()
        }

    def held(self, specialist_id: str) -> dict[str, WorkItemState]:
        """Items the specialist holds a slot for, with their states."""
        return {i: t.item.state for i, t in self._agent(specialist_id).held.items()}

    def in_use(self, specialist_id: str) -> dict[Channel, int]:
        agent = self._agent(specialist_id)
        return {c: agent.in_use[i] for i, c in enumerate(CHANNELS) if agent.in_use[i]}

    def queued(self, service_line_id: str | None = None) -> int:
        return sum(
            pool.queued
            for state in self._lines.values()
            if service_line_id in (None, state.line.id)
            for pools in state.pools.values()
            for pool in pools
        )

    def fairness(self, *, now: datetime) -> FairnessReport:
        now_ts = now.timestamp()
        loads = []
        for agent in self._index.agents:
            agent.mark(now_ts)
            loads.append(
                SpecialistLoad(agent.id, agent.vendor, agent.shift_seconds, agent.busy_seconds)
            )
        return FairnessReport.build(loads, self._volume, self.settings.vendor_targets)

    def maintain(self) -> int:
        """Compact the pools (drop stale entries); call it off the hot path."""
        return self._index.compact()


_OFFLINE = SpecialistStatus.OFFLINE
