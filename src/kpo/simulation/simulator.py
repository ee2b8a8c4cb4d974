"""The discrete-event simulation that drives the real routing engine.

A SimPy environment keeps a clock in seconds from ``start`` (mapped to UTC datetimes for the
router). Everything that happens is an event on that clock:

- an item **arrives** and is submitted to the :class:`~kpo.routing.engine.Router`, with its
  SLA due instant (first response in business time of the line's calendar, via
  :class:`~kpo.domain.sla.SlaClock`);
- shifts **start and end** in each specialist's own zone (:func:`kpo.routing.shifts.shift_changes`);
- every offer the router makes (read from its event log) gets the specialist's **answer**
  after a delay: accept, reject, or none at all; an answer later than the router's offer
  timeout finds the offer gone;
- an accepted item is **started** at once and **resolved** after a handle time drawn around
  the specialist's expected handle time; some tickets **wait on the client** half way;
- a caller or chatter who is still waiting when their **patience** runs out hangs up
  (``cancel`` with reason ``"abandoned"``); some tickets are **withdrawn** by the client;
- the router's own **timers** (offer timeouts, policy steps, SLA warnings, shift ends) fire
  at their instant: after every call the simulation asks :meth:`Router.next_timer` and
  schedules a wake-up for it.

Only the router's public API is used. Outcomes are kept per item in flat arrays
(:class:`Outcomes`) so that a million items cost tens of megabytes, and the simulation drops
its reference to an item once it is resolved or cancelled.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import simpy

from kpo.domain.calendars import HolidayCalendar
from kpo.domain.channels import Channel
from kpo.domain.errors import ValidationError
from kpo.domain.events import DomainEvent, ItemOffered
from kpo.domain.sla import SlaClock
from kpo.domain.specialists import Specialist
from kpo.domain.work_items import WorkItem, WorkItemState
from kpo.routing.engine import LineSetup, Router, RouterSettings
from kpo.routing.explain import Decision
from kpo.routing.model import pace
from kpo.routing.shifts import shift_changes
from kpo.simulation.behaviour import Behaviour, HandleTimes, Lognormal
from kpo.simulation.draws import Draws
from kpo.simulation.outcomes import ABANDONED, CANCELLED, OPEN, RESOLVED, Outcomes, Staffed

__all__ = ["Journal", "Progress", "Simulator"]

Progress = Callable[[float, float], None]
"""Called with (simulated seconds done, simulated seconds in all) as the run goes."""

Journal = Callable[[list[DomainEvent], list[Decision]], None]
"""Called with the router's events and routing decisions as they happen (to store them)."""

_OFFERED = WorkItemState.OFFERED
_WORKING = frozenset({WorkItemState.IN_PROGRESS, WorkItemState.WAITING_ON_CLIENT})
_TICKET_LIKE = frozenset({Channel.TICKET, Channel.BACK_OFFICE, Channel.PROJECT})
_PROGRESS_STEP = 3600.0


class _Line:
    __slots__ = (
        "accept",
        "answer_within",
        "calendar",
        "channel",
        "first_response",
        "index",
        "line",
        "patience",
        "ticket_like",
    )

    def __init__(self, index: int, setup: LineSetup, behaviour: Behaviour) -> None:
        line = setup.line
        self.index = index
        self.line = line
        self.channel = line.channel
        self.calendar = setup.calendar
        self.ticket_like = line.channel in _TICKET_LIKE
        accept = dict(behaviour.accept_delay)
        self.accept: Lognormal = accept.get(line.channel, Lognormal(0.0, 0.0))
        self.patience: float | None = dict(behaviour.patience).get(line.channel)
        within = line.sla.answer_within
        self.answer_within = None if within is None else within.total_seconds()
        self.first_response = line.sla.first_response


class _Worker:
    """A specialist's tallies. ``load`` is the share of their capacity in work now (a call
    of capacity 1 is 1, one chat of capacity 3 is 1/3); busy time integrates ``min(1, load)``,
    because the router gives each channel its own capacity and a person may hold a call and
    a ticket at once."""

    __slots__ = (
        "busy",
        "capacity",
        "expected",
        "hourly_cost",
        "id",
        "index",
        "load",
        "resolved",
        "resolved_work",
        "since",
        "staffed",
        "vendor",
    )

    def __init__(self, index: int, specialist: Specialist, lines: Sequence[_Line]) -> None:
        self.index = index
        self.id = specialist.id
        self.vendor = specialist.vendor_id
        self.hourly_cost = specialist.hourly_cost
        self.capacity = {c: n for c, n in specialist.capacity.items() if n > 0}
        self.expected = {
            line.index: line.line.handle_time.total_seconds() * float(pace(line.line, specialist))
            for line in lines
        }
        self.staffed = 0.0
        self.busy = 0.0
        self.load = 0.0
        self.since = 0.0
        self.resolved_work = 0.0
        self.resolved = 0

    def change_load(self, delta: float, now: float) -> None:
        self.busy += min(1.0, self.load) * (now - self.since)
        self.since = now
        self.load = max(0.0, self.load + delta)


class _Job:
    """An open item as the simulation sees it."""

    __slots__ = ("index", "item", "line", "offer_no", "started", "work", "work_since", "worker")

    def __init__(self, index: int, item: WorkItem, line: _Line) -> None:
        self.index = index
        self.item = item
        self.line = line
        self.offer_no = 0
        self.started = False
        self.worker: _Worker | None = None
        self.work = 0.0  # seconds worked so far
        self.work_since: float | None = None  # working since (not waiting on the client)


class Simulator:
    """One simulated run of a routing domain from ``start`` to ``end``.

    ``holidays_for`` gives each specialist's public holidays (their vendor country's);
    ``countries`` maps vendor ids to countries for routing filters. Lines should carry their
    business calendar (``LineSetup.calendar``) for SLA due instants in business time; without
    one, SLA targets count wall-clock time.
    """

    def __init__(
        self,
        lines: Sequence[LineSetup],
        specialists: Sequence[Specialist],
        *,
        start: datetime,
        end: datetime,
        holidays_for: Callable[[Specialist], HolidayCalendar],
        countries: Mapping[str, str] | None = None,
        behaviour: Behaviour | None = None,
        seed: int = 0,
        settings: RouterSettings | None = None,
    ) -> None:
        if end <= start:
            raise ValidationError("the simulation must end after it starts", field="end")
        self.start, self.end = start, end
        self.behaviour = behaviour = behaviour or Behaviour()
        self._setups = tuple(lines)
        self._lines = [_Line(i, s, behaviour) for i, s in enumerate(self._setups)]
        self._line_of = {line.line.id: line for line in self._lines}
        self._router = Router(self._setups, now=start, settings=settings)
        self._workers: dict[str, _Worker] = {}
        countries = countries or {}
        for specialist in specialists:
            self._router.add_specialist(
                specialist, now=start, country=countries.get(specialist.vendor_id, "")
            )
            self._workers[specialist.id] = _Worker(len(self._workers), specialist, self._lines)
        self._changes = shift_changes(specialists, holidays_for, start, end)
        self._env = simpy.Environment()
        self._horizon = (end - start).total_seconds()
        self._now_s = -1.0
        self._now_dt = start
        self._wakes: set[datetime] = set()
        self._jobs: dict[str, _Job] = {}
        self._events: Counter[type] = Counter()
        self._journal: Journal | None = None
        draws = Draws(seed % 2**63)
        self._u_answer = draws.uniform("answer")
        self._z_accept = draws.normal("accept delay")
        self._z_handle = draws.normal("handle time")
        self._e_handle = draws.exponential("handle time")
        self._e_patience = draws.exponential("patience")
        self._u_ticket = draws.uniform("ticket fate")
        self._z_client = draws.normal("client wait")
        self._e_withdraw = draws.exponential("withdrawal")
        self._a_line = array("h")
        self._a_arrival = array("d")
        self._a_answered = array("d")
        self._a_due = array("d")
        self._a_outcome = array("b")
        self._a_worker = array("i")

    # ------------------------------------------------------------------ running

    def run(
        self,
        arrivals: Iterable[WorkItem],
        *,
        progress: Progress | None = None,
        journal: Journal | None = None,
    ) -> Outcomes:
        """Simulate ``arrivals`` (queued items in order of ``created_at``; later ones than
        ``end`` are ignored). The items are the router's: their states change as they are
        worked, and each ends resolved, cancelled or still open. ``journal`` receives the
        router's events and decisions (without one, decisions are not even built)."""
        self._journal = journal
        env = self._env
        env.process(self._shift_feed())
        env.process(self._arrival_feed(iter(arrivals)))
        done = 0.0
        while done < self._horizon:
            done = min(self._horizon, done + _PROGRESS_STEP)
            env.run(until=done)
            if progress is not None:
                progress(done, self._horizon)
        return self._outcomes()

    def _at(self, delay: float, callback: Callable[[Any], None], value: Any) -> None:
        event = self._env.timeout(delay, value)
        event.callbacks.append(callback)

    def _now(self) -> datetime:
        """The clock as a datetime; never earlier than an instant the router has seen."""
        seconds = self._env.now
        if seconds != self._now_s:
            self._now_s = seconds
            at = self.start + timedelta(seconds=seconds)
            if at > self._now_dt:
                self._now_dt = at
        return self._now_dt

    def _after(self) -> None:
        """React to what the router did: answer its new offers, and wake up for its next
        timer. Called after every router call."""
        router = self._router
        events = router.drain_events()
        if self._journal is not None:
            self._journal(events, router.drain_decisions())
        else:
            router.discard_decisions()
        if events:
            self._events.update(map(type, events))  # counted in C
            for event in events:
                if type(event) is ItemOffered:
                    self._offered(event)
        at = router.next_timer()
        if at is not None and at not in self._wakes:
            self._wakes.add(at)
            delay = (at - self.start).total_seconds() - self._env.now
            self._at(max(delay, 0.0), self._wake, at)

    def _wake(self, event: Any) -> None:
        at: datetime = event.value
        self._wakes.discard(at)
        if at > self._now():
            self._now_dt = at
        self._router.advance(self._now_dt)
        self._after()

    # ------------------------------------------------------------------ shifts

    def _shift_feed(self) -> Any:
        env = self._env
        router = self._router
        end = self.end
        for change in self._changes:
            seconds = (change.at - self.start).total_seconds()
            if seconds > env.now:
                yield env.timeout(seconds - env.now)
            now = self._now()
            if change.starts:
                self._workers[change.specialist_id].staffed += (
                    min(change.ends, end) - change.at
                ).total_seconds()
                router.shift_started(change.specialist_id, now=now, ends=change.ends)
            else:
                router.shift_ended(change.specialist_id, now=now)
            self._after()

    # ------------------------------------------------------------------ items

    def _arrival_feed(self, arrivals: Iterable[WorkItem]) -> Any:
        env = self._env
        horizon = self._horizon
        previous = 0.0
        for item in arrivals:
            seconds = (item.created_at - self.start).total_seconds()
            if seconds < previous:
                raise ValidationError(
                    f"arrivals must be in time order and not before the start: {item.id} "
                    f"arrives at {item.created_at.isoformat()}",
                    field="created_at",
                )
            if seconds >= horizon:
                return
            previous = seconds
            if seconds > env.now:
                yield env.timeout(seconds - env.now)
            self._arrive(item)

    def _due(self, line: _Line, item: WorkItem) -> datetime | None:
        """When the item must be started: first response due (business time), else the
        answer-within instant of a call or chat."""
        if line.first_response is not None:
            if line.calendar is None:
                return item.created_at + line.first_response
            clock = SlaClock(line.calendar, item.created_at, line.first_response)
            return clock.due(item.created_at)
        if line.answer_within is not None:
            return item.created_at + timedelta(seconds=line.answer_within)
        return None

    def _arrive(self, item: WorkItem) -> None:
        line = self._line_of.get(item.service_line_id)
        if line is None:
            raise ValidationError(
                f"item {item.id} is for service line {item.service_line_id!r}, which is not "
                "simulated",
                field="service_line_id",
            )
        now = self._now()
        due = self._due(line, item)
        index = len(self._a_line)
        self._a_line.append(line.index)
        self._a_arrival.append(self._env.now)
        if line.answer_within is not None and not line.ticket_like:
            self._a_due.append(self._env.now + line.answer_within)
        else:
            self._a_due.append(math.nan if due is None else (due - self.start).total_seconds())
        self._a_answered.append(math.nan)
        self._a_outcome.append(OPEN)
        self._a_worker.append(-1)
        job = self._jobs[item.id] = _Job(index, item, line)
        if line.patience is not None:
            self._at(line.patience * self._e_patience.next(), self._give_up, job)
        elif line.ticket_like and self._u_ticket.next() < self.behaviour.withdraw_share:
            self._at(self.behaviour.withdraw_after * self._e_withdraw.next(), self._withdraw, job)
        self._router.submit(item, now=now, due=due)
        self._after()

    def _offered(self, event: ItemOffered) -> None:
        job = self._jobs.get(event.item_id)
        if job is None:  # pragma: no cover - the router only offers open items
            return
        job.offer_no = event.attempt
        behaviour = self.behaviour
        roll = self._u_answer.next()
        if roll < behaviour.ignore_share:
            return  # never answered: the router times the offer out
        accept = roll >= behaviour.ignore_share + behaviour.reject_share
        delay = job.line.accept.draw(self._z_accept.next())
        self._at(delay, self._answer, (job, event.specialist_id, event.attempt, accept))

    def _answer(self, event: Any) -> None:
        job: _Job
        job, specialist_id, offer_no, accept = event.value
        item = job.item
        if (
            job.offer_no != offer_no
            or item.state is not _OFFERED
            or item.specialist_id != specialist_id
            or self._jobs.get(item.id) is not job
        ):
            return  # too late: timed out, withdrawn, or the customer hung up
        router = self._router
        now = self._now()
        if not accept:
            router.reject(item.id, specialist_id=specialist_id, now=now)
            self._after()
            return
        router.accept(item.id, specialist_id=specialist_id, now=now)
        router.start(item.id, specialist_id=specialist_id, now=now)
        worker = self._workers[specialist_id]
        job.worker = worker
        if not job.started:
            job.started = True
            self._a_answered[job.index] = self._env.now
        expected = worker.expected[job.line.index]
        if self.behaviour.handle_times is HandleTimes.EXPONENTIAL:
            handle = expected * self._e_handle.next()
        else:
            sigma = self.behaviour.handle_sigma
            handle = expected * math.exp(sigma * self._z_handle.next() - sigma * sigma / 2)
        self._start_work(job)
        if job.line.ticket_like and self._u_ticket.next() < self.behaviour.client_wait_share:
            self._at(handle / 2, self._wait_on_client, (job, handle / 2))
        else:
            self._at(handle, self._finish, job)
        self._after()

    def _start_work(self, job: _Job) -> None:
        assert job.worker is not None
        now = self._env.now
        job.work_since = now
        job.worker.change_load(1 / job.worker.capacity[job.line.channel], now)

    def _stop_work(self, job: _Job) -> None:
        assert job.work_since is not None
        assert job.worker is not None
        now = self._env.now
        job.work += now - job.work_since
        job.work_since = None
        job.worker.change_load(-1 / job.worker.capacity[job.line.channel], now)

    def _wait_on_client(self, event: Any) -> None:
        job, rest = event.value
        self._stop_work(job)
        job.item.wait_on_client(at=self._now())
        wait = self.behaviour.client_wait.draw(self._z_client.next())
        self._at(wait, self._client_answered, (job, rest))

    def _client_answered(self, event: Any) -> None:
        job, rest = event.value
        job.item.resume(at=self._now())
        self._start_work(job)
        self._at(rest, self._finish, job)

    def _finish(self, event: Any) -> None:
        job: _Job = event.value
        worker = job.worker
        assert worker is not None
        self._stop_work(job)
        if job.item.state not in _WORKING:  # pragma: no cover - the router never takes it
            return
        self._router.resolve(job.item.id, specialist_id=worker.id, now=self._now())
        worker.resolved += 1
        worker.resolved_work += job.work
        self._close(job, RESOLVED)
        self._a_worker[job.index] = worker.index
        self._after()

    def _give_up(self, event: Any) -> None:
        self._cancel(event.value, ABANDONED, "abandoned")

    def _withdraw(self, event: Any) -> None:
        self._cancel(event.value, CANCELLED, "withdrawn by the client")

    def _cancel(self, job: _Job, outcome: int, reason: str) -> None:
        if job.started or self._jobs.get(job.item.id) is not job:
            return
        self._router.cancel(job.item.id, now=self._now(), reason=reason)
        self._close(job, outcome)
        self._after()

    def _close(self, job: _Job, outcome: int) -> None:
        del self._jobs[job.item.id]
        self._a_outcome[job.index] = outcome

    # ------------------------------------------------------------------ results

    def _outcomes(self) -> Outcomes:
        for job in self._jobs.values():  # work still in progress at the end counts as busy
            if job.work_since is not None:
                self._stop_work(job)
        staff = tuple(
            Staffed(w.id, w.vendor, w.hourly_cost, w.staffed, w.busy, w.resolved_work, w.resolved)
            for w in self._workers.values()
        )
        return Outcomes(
            start=self.start,
            end=self.end,
            lines=self._setups,
            line=np.array(self._a_line, dtype=np.int16),
            arrival=np.array(self._a_arrival, dtype=np.float64),
            answered=np.array(self._a_answered, dtype=np.float64),
            due=np.array(self._a_due, dtype=np.float64),
            outcome=np.array(self._a_outcome, dtype=np.int8),
            worker=np.array(self._a_worker, dtype=np.int32),
            staff=staff,
            router_events=dict(sorted((t.__name__, n) for t, n in self._events.items())),
        )
