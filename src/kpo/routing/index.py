"""The in-memory routing index: who may take what, kept current by events, never scanned.

* A **pool** is one (service line, language, policy step): the specialists statically
  eligible for it (skills with the step's relaxation, language, capacity on the channel, the
  step's specialist-only filter) — computed once when a specialist is added — and the items
  currently waiting at that step.
* ``pool.live`` maps each specialist who can take an item of the pool *now* (on shift, status
  available, employed, free capacity on the channel, and enough shift left for the line's
  expected handle time) to their current entry in ``pool.ranked``. It changes only on events
  (offer, release, shift start/end, status, a per-specialist "shift nearly over" timer), so a
  decision never does time-zone arithmetic.
* ``pool.ranked`` is a list of entries sorted by the step's ranking key (fixed between
  events), **best last**, with lazy deletion: an entry is valid while it *is* the
  specialist's entry in ``pool.live`` (an identity check, no version numbers). A sorted list
  rather than a heap because every decision reads the best few (the explanation); best last
  because then reading them, dropping the stale entries met on the way and inserting the
  cheap specialists who churn most all happen at the end of the list, where a list is O(1)
  to change. :meth:`Index.compact` drops the rest (off the hot path).
* Waiting items are entries ``(key, ticket)`` where the key is task order (priority, age,
  arrival) as one int (:func:`task_key`), with the same lazy deletion: an entry is valid
  while the ticket's ``seq`` *is* its key. Most items arrive in task order (same priority,
  each newer than the last), so an item whose key is above the last one of the pool's fifo
  is appended there — two lists side by side, keys and tickets, read from ``pool.head`` on,
  where taking the first is O(1) —
  and only the others (escalated, given back with their old age, restored out of order) go
  to the heap ``pool.queue``. The first item of a pool is the smaller of the two heads.
"""

from __future__ import annotations

from bisect import insort
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from datetime import UTC, datetime, timedelta
from heapq import heapify, heappop, heappush
from operator import itemgetter
from typing import Any

from kpo.domain.channels import Channel
from kpo.domain.clients import ServiceLine
from kpo.domain.specialists import Specialist, SpecialistStatus
from kpo.domain.work_items import WorkItem
from kpo.routing.attributes import item_attributes, specialist_attributes
from kpo.routing.explain import Candidate
from kpo.routing.model import relax_needed
from kpo.routing.policies import CompiledFilter, Ranking, RoutingPolicy
from kpo.routing.ranking import Fit, FitCache
from kpo.routing.timeline import BusinessTimeline

__all__ = ["CHANNELS", "Agent", "Index", "LineState", "Pool", "Refusals", "Ticket"]

CHANNELS: tuple[Channel, ...] = tuple(Channel)
CHANNEL_INDEX: dict[Channel, int] = {c: i for i, c in enumerate(CHANNELS)}
_NO_ITEM: Mapping[str, Any] = {}
# Enum members read through the class are slow (a descriptor call); the hot path reads these.
_LEAST_COST, _BEST_SKILL, _COST_SLA = Ranking.LEAST_COST, Ranking.BEST_SKILL, Ranking.COST_SLA
_LONGEST_IDLE = Ranking.LONGEST_IDLE
NO_LINES: frozenset[int] = frozenset()
_AVAILABLE = SpecialistStatus.AVAILABLE

# (*ranking key negated, −agent index, what explanations read, agent): sorted ascending, so
# the best is last; the agent index breaks ties (lower first) and makes every entry of a pool
# compare unequal except the stale and current entries of one specialist, where the rest is
# equal. Where the score does not depend on the item or the clock (least_cost, best_skill)
# the entry carries the specialist's explanation Candidate, made once while they stay
# available; otherwise their id and vendor.
AgentEntry = tuple[Any, ...]
ItemEntry = tuple[int, "Ticket"]  # (task_key(...), ticket)

_EPOCH = datetime(1, 1, 1, tzinfo=UTC)
_make = tuple.__new__  # a NamedTuple without its constructor's overhead
_first = itemgetter(0)
_MICROSECOND = timedelta(microseconds=1)
_SEQ_BITS = 40  # arrival numbers below 2**40
_PRIORITY_SHIFT = 100  # microseconds since year 1 (< 2**59) << 40 stay below 2**100
_FIFO_COMPACT = 1024  # drop taken entries from the front of a fifo past this many


def task_key(priority: int, created_at: datetime, seq: int) -> int:
    """Task order as one int: higher ``priority`` first, then the oldest ``created_at``, then
    the lower ``seq`` — the order of ``(-priority, created_at, seq)``, compared at once."""
    micros = (created_at - _EPOCH) // _MICROSECOND
    return ((9 - priority) << _PRIORITY_SHIFT) + (micros << _SEQ_BITS) + seq


def with_priority(key: int, priority: int) -> int:
    """``key`` with its priority replaced (age and arrival kept)."""
    return ((9 - priority) << _PRIORITY_SHIFT) + (key & ((1 << _PRIORITY_SHIFT) - 1))


def priority_of(key: int) -> int:
    return 9 - (key >> _PRIORITY_SHIFT)


class Pool:
    __slots__ = (
        "batch",
        "channel",
        "fifo_keys",
        "fifo_tickets",
        "filter",
        "head",
        "item_filter",
        "language",
        "line",
        "live",
        "queue",
        "queued",
        "ranked",
        "ranking",
        "reason_best",
        "reason_queued",
        "reasons",
        "relax",
        "step",
    )

    def __init__(self, line: LineState, language: str, step: int, *, policy: RoutingPolicy) -> None:
        spec = policy.steps[step]
        self.line = line
        self.language = language
        self.step = step
        self.ranking: Ranking = spec.ranking
        self.relax = spec.relax_levels
        self.channel = CHANNEL_INDEX[line.line.channel]
        self.filter: CompiledFilter | None = spec.filter
        self.item_filter: CompiledFilter | None = (
            spec.filter if spec.filter is not None and not spec.filter.specialist_only else None
        )
        # Sorted by ranking key, best last. A longest_idle step keys by the idle instant, and
        # whoever frees up is keyed anew as the *worst* (idle since now): a deque takes them
        # at the front in O(1) where a list would shift every entry.
        self.ranked: list[AgentEntry] | deque[AgentEntry] = (
            deque() if self.ranking is _LONGEST_IDLE else []
        )
        # Specialist -> their valid entry in ranked. Keyed by the object: its hash is its
        # address, so a lookup reads nothing of it (an index would read the Agent and an int).
        self.live: dict[Agent, AgentEntry] = {}
        # Waiting items: those that arrived in task order are appended to the fifo (keys and
        # tickets side by side, no tuple each; read from ``head`` on), the others go to the
        # heap ``queue``; the first in task order is the smaller of the two heads.
        self.fifo_keys: list[int] = []
        self.fifo_tickets: list[Ticket] = []
        self.head = 0
        self.queue: list[ItemEntry] = []
        self.queued = 0  # valid entries in fifo and queue
        # Decision reasons, formatted once (``%`` with one number is cheaper than an f-string
        # reading the enum and the step on every decision).
        self.reason_best = f"best {self.ranking} score of %d eligible at step {step}"
        self.reasons: dict[int, str] = {}  # reason_best % count, kept (see best_reason)
        self.reason_queued = (
            f"no eligible specialist free at step {step}; queued with %d other item(s) "
            "waiting at this step"
        )
        # A min_cost_batch step: its items wait for the engine's periodic batch, nobody
        # takes them one at a time (kpo.routing.batch_step).
        self.batch = spec.batched
        if self.batch:
            assert spec.batch_interval is not None
            self.reason_queued = (
                f"step {step} is assigned in batches: waits for the next least-total-cost "
                f"batch (every {spec.batch_interval.total_seconds():g} s) with %d other "
                "item(s)"
            )

    def best_reason(self, eligible: int) -> str:
        """``reason_best % eligible``, kept for the next decision with as many eligible (a
        lookup instead of formatting; decisions share the string)."""
        reasons = self.reasons
        if len(reasons) >= 256:
            reasons.clear()
        reason = reasons[eligible] = self.reason_best % eligible
        return reason

    def waiting_in_fifo(self) -> list[ItemEntry]:
        """The fifo's entries from its head on, as ``(key, ticket)`` (stale ones included)."""
        head = self.head
        return list(zip(self.fifo_keys[head:], self.fifo_tickets[head:], strict=True))


class LineState:
    """A service line with its policy, pools per language and step, and business timeline."""

    __slots__ = ("boundaries", "idx", "line", "policy", "pools", "step_ends", "timeline")

    def __init__(
        self,
        idx: int,
        line: ServiceLine,
        policy: RoutingPolicy,
        timeline: BusinessTimeline | None,
    ) -> None:
        self.idx = idx
        self.line = line
        self.policy = policy
        self.timeline = timeline
        self.pools: dict[str, list[Pool]] = {
            language: [Pool(self, language, k, policy=policy) for k in range(len(policy.steps))]
            for language in sorted(line.languages)
        }
        # Age at which each step ends (None: the last step never ends).
        self.boundaries: list[float | None] = []
        elapsed = 0.0
        for step in policy.steps:
            if step.timeout is None:
                self.boundaries.append(None)
                break
            elapsed += step.timeout.total_seconds()
            self.boundaries.append(elapsed)
        while len(self.boundaries) < len(policy.steps):
            self.boundaries.append(None)
        self.boundaries[-1] = None
        # The same as timedeltas, to add to an item's creation instant.
        self.step_ends: list[timedelta | None] = [
            None if b is None else timedelta(seconds=b) for b in self.boundaries
        ]


class Agent:
    """A specialist as the engine sees them; ``held`` are the items they hold a slot for."""

    __slots__ = (
        "attrs",
        "avail",
        "busy_seconds",
        "cap",
        "closed",
        "country",
        "cutoff_no",
        "cutoff_pos",
        "cutoffs",
        "employed",
        "fits",
        "held",
        "id",
        "idle_pools",
        "idle_since",
        "idx",
        "in_use",
        "last_mark",
        "on_shift",
        "online",
        "pools",
        "rank",
        "reopened",
        "shift_ends",
        "shift_seconds",
        "specialist",
        "status",
        "vendor",
    )

    def __init__(self, idx: int, specialist: Specialist) -> None:
        self.idx = idx
        self.id = specialist.id
        self.vendor = specialist.vendor_id
        self.country = ""
        self.specialist = specialist
        self.status = specialist.status
        self.employed = True
        self.on_shift = False
        self.online = False  # on shift, employed and available: kept by refresh()
        self.shift_ends: datetime | None = None
        # Capacity per channel: one tuple shared by everyone with the same (Index.add).
        self.cap = tuple([specialist.capacity.get(c, 0) for c in CHANNELS])
        self.in_use = [0] * len(CHANNELS)
        self.avail = 0  # bit c set: the pools of channel c hold the specialist (see sync)
        self.rank = -idx  # the tie-break in pool entries, one int shared by all of them
        self.pools: tuple[tuple[Pool, ...], ...] = ()  # per channel, set by Index.add
        self.fits: dict[int, Fit] = {}
        self.closed: AbstractSet[int] = NO_LINES  # lines closed for the rest of the shift
        # When each line closes before the shift ends, earliest first: (handle time, line),
        # one tuple shared by every specialist with the same fits; cutoff_pos is the next.
        self.cutoffs: tuple[tuple[timedelta, int], ...] = ()
        self.cutoff_pos = 0
        self.cutoff_no = 0
        self.held: dict[str, Ticket] = {}
        self.idle_since = 0.0
        # Per channel, the longest_idle pools among ``pools`` (``()``: none on any channel):
        # the ones to re-key when the idle instant moves.
        self.idle_pools: tuple[tuple[Pool, ...], ...] = ()
        # Lines reopened (a new shift) while pools held them: one of those pools may lack
        # them until they are synced in full (see Index.sync_all).
        self.reopened = False
        self.attrs: Mapping[str, Any] | None = None
        self.busy_seconds = 0.0
        self.shift_seconds = 0.0
        self.last_mark: float | None = None

    def refresh(self) -> None:
        """Recompute ``online`` after ``on_shift``, ``employed`` or ``status`` changed (a
        plain attribute: the hot path reads it on every offer and release)."""
        self.online = self.on_shift and self.employed and self.status is _AVAILABLE

    def mark(self, now_ts: float) -> None:
        """Account on-shift and busy time up to ``now_ts`` (occupancy in fairness reports)."""
        last = self.last_mark
        if last is not None and now_ts > last and self.on_shift:
            self.shift_seconds += now_ts - last
            if self.held:
                self.busy_seconds += now_ts - last
        self.last_mark = now_ts


class Refusals(set[int]):
    """The specialists (indexes) who rejected an item or let its offer time out: they are not
    offered it again. ``attempts`` counts those offers since the item last escalated."""

    __slots__ = ("attempts",)

    def __init__(self, specialists: Iterable[int] = ()) -> None:
        super().__init__(specialists)
        self.attempts = 0


class Ticket:
    """A work item as the engine sees it. Its step is ``pool.step`` and its line
    ``pool.line`` (one slot each fewer: a million queued items keep a million tickets); its
    due instant is kept as ``until``, the time from creation to it (one object shared by all
    items of an SLA target; a due instant in another zone than UTC is kept as it is). What
    only a few tickets need lives elsewhere: refusals and their count in ``excluded``, the
    attributes an item filter reads in :meth:`Index.item_attributes`."""

    __slots__ = ("excluded", "holder", "item", "offer_no", "pool", "seq", "until")

    def __init__(self, item: WorkItem, until: timedelta | datetime | None, pool: Pool) -> None:
        self.item = item
        self.until = until
        self.pool = pool
        self.seq = -1  # task key while queued (see task_key); -1 while not queued
        self.excluded: Refusals | None = None
        self.holder: Agent | None = None
        self.offer_no = 0

    @property
    def due(self) -> datetime | None:
        until = self.until
        if until is None or isinstance(until, datetime):
            return until
        return self.item.created_at + until

    @property
    def line(self) -> LineState:
        return self.pool.line

    @property
    def step(self) -> int:
        return self.pool.step


def agent_attributes(agent: Agent) -> Mapping[str, Any]:
    if agent.attrs is None:
        agent.attrs = specialist_attributes(agent.specialist, country=agent.country)
    return agent.attrs


def _drop_stale_tail(
    ranked: list[AgentEntry] | deque[AgentEntry], start: int, live: Mapping[Agent, AgentEntry]
) -> None:
    """Keep only the valid entries of ``ranked[start:]`` (the tail a walk went through)."""
    if type(ranked) is list:
        ranked[start:] = [e for e in ranked[start:] if live.get(e[-1]) is e]
        return
    kept = [e for e in (ranked.pop() for _ in range(len(ranked) - start)) if live.get(e[-1]) is e]
    kept.reverse()
    ranked.extend(kept)


class Index:
    """Pools, specialists and their memberships; the engine drives it through events."""

    def __init__(self, lines: list[LineState], *, clock: Callable[[], datetime]) -> None:
        self.clock = clock  # the engine's current time, for filters that read an item's age
        self.lines = lines
        self.agents: list[Agent] = []
        self.by_id: dict[str, Agent] = {}
        self._lines_by_skill: dict[str, list[LineState]] = {}
        for state in lines:
            for requirement in state.line.required_skills:
                self._lines_by_skill.setdefault(requirement.skill, []).append(state)
        self._fits = FitCache()
        # What item filters read of an open ticket, computed once (see item_attributes);
        # the engine drops a ticket's entry when it closes.
        self.item_attrs: dict[Ticket, Mapping[str, Any]] = {}
        self._seq = 0
        # Equal tuples shared by many specialists (capacities, shift cutoff plans): one each.
        self._interned: dict[Any, Any] = {}

    # -- membership --------------------------------------------------------------------

    def add(self, specialist: Specialist, *, country: str = "") -> Agent:
        """Index a specialist (off shift); their pools are found through their skills."""
        agent = Agent(len(self.agents), specialist)
        agent.country = country
        agent.cap = self._interned.setdefault(agent.cap, agent.cap)
        self.agents.append(agent)
        self.by_id[agent.id] = agent
        seen: set[int] = set()
        pools: list[list[Pool]] = [[] for _ in CHANNELS]
        for skill in specialist.skills:
            for state in self._lines_by_skill.get(skill, ()):
                if state.idx not in seen:
                    seen.add(state.idx)
                    self._join(agent, state, pools)
        intern = self._interned.setdefault
        by_channel = tuple([intern(t, t) for t in map(tuple, pools)])
        agent.pools = intern(by_channel, by_channel)
        idle = tuple(
            [
                intern(t, t)
                for t in (tuple([p for p in c if p.ranking is _LONGEST_IDLE]) for c in by_channel)
            ]
        )
        agent.idle_pools = intern(idle, idle) if any(idle) else ()
        cutoffs = (
            (timedelta(seconds=fit.handle_seconds), line_idx)
            for line_idx, fit in agent.fits.items()
        )
        plan = tuple(sorted((intern(c, c) for c in cutoffs), key=lambda c: (-c[0], c[1])))
        agent.cutoffs = intern(plan, plan)
        return agent

    def _join(self, agent: Agent, state: LineState, pools: list[list[Pool]]) -> None:
        line, specialist = state.line, agent.specialist
        if specialist.capacity.get(line.channel, 0) <= 0:
            return
        need = relax_needed(line, specialist)
        if need is None:
            return
        languages = [lang for lang in state.pools if lang in specialist.languages]
        joined = False
        for language in languages:
            for pool in state.pools[language]:
                if pool.relax < need:
                    continue
                flt = pool.filter
                if (
                    flt is not None
                    and flt.specialist_only
                    and not flt.matches(_NO_ITEM, agent_attributes(agent))
                ):
                    continue
                pools[pool.channel].append(pool)
                joined = True
        if joined:
            agent.fits[state.idx] = self._fits.fit(line, specialist)

    # -- availability ------------------------------------------------------------------

    def entry(self, pool: Pool, agent: Agent) -> AgentEntry:
        """A new entry of ``agent`` in ``pool``: the ranking key negated (so that the best is
        largest, at the end of ``pool.ranked``), −index, and the agent."""
        fit = agent.fits[pool.line.idx]
        ranking = pool.ranking
        if ranking is _LEAST_COST:  # score: the cost (what -neg_cost gives, exactly)
            return (
                fit.neg_cost,
                agent.rank,
                _make(Candidate, (agent.id, agent.vendor, fit.cost)),
                agent,
            )
        if ranking is _BEST_SKILL:
            candidate = _make(Candidate, (agent.id, agent.vendor, fit.level))
            return (fit.level, fit.neg_cost, agent.rank, candidate, agent)
        # Scores that depend on the item or the clock: the entry carries what the explanation
        # needs besides (an Agent spans four cache lines; a walk should not read them).
        if ranking is _COST_SLA:
            return (fit.neg_cost_sla, agent.rank, agent.id, agent.vendor, agent)
        return (-agent.idle_since, agent.rank, agent.id, agent.vendor, agent)

    def sync(self, agent: Agent, channel: int, *, rekey: bool = False) -> None:
        """Make the pools of ``channel`` agree with whether ``agent`` can take work there."""
        want = agent.online and agent.in_use[channel] < agent.cap[channel]
        was = agent.avail >> channel & 1
        if want == was and not (want and rekey):
            return
        if want != was:
            agent.avail ^= 1 << channel
        if want:  # a new entry each time: the one made before is stale from now on
            closed = agent.closed
            entry = self.entry
            for pool in agent.pools[channel]:
                if was and pool.ranking is not _LONGEST_IDLE and agent in pool.live:
                    continue  # re-keying: a fixed key stays valid, only idle instants move
                if closed and pool.line.idx in closed:
                    continue
                new = entry(pool, agent)
                pool.live[agent] = new
                ranked = pool.ranked
                if type(ranked) is deque and (not ranked or new < ranked[0]):
                    ranked.appendleft(new)  # idle since now: the worst of the pool
                else:
                    insort(ranked, new)
        else:
            for pool in agent.pools[channel]:
                gone = pool.live.pop(agent, None)
                # The best (just offered work) is usually last: drop it now, not on a walk.
                if gone is not None and pool.ranked[-1] is gone:
                    pool.ranked.pop()
            if not agent.avail:  # no pool holds them: they join every pool anew
                agent.reopened = False

    def sync_all(self, agent: Agent, *, rekey: bool = False) -> None:
        """:meth:`sync` every channel; ``rekey``: the idle instant moved, so the longest_idle
        pools that hold the specialist take a new entry."""
        online, in_use, cap, avail = agent.online, agent.in_use, agent.cap, agent.avail
        for channel, pools in enumerate(agent.pools):
            if not pools:
                continue
            want = online and in_use[channel] < cap[channel]
            if want != (avail >> channel & 1):
                self.sync(agent, channel, rekey=rekey)
            elif rekey and want:
                if agent.reopened:  # a pool may lack them: sync() adds them where missing
                    self.sync(agent, channel, rekey=True)
                elif agent.idle_pools:
                    self._rekey(agent, agent.idle_pools[channel])

    def _rekey(self, agent: Agent, pools: tuple[Pool, ...]) -> None:
        """:meth:`sync` re-keying a specialist whom every pool of the channel holds (but
        closed lines'): only the longest_idle pools change."""
        closed = agent.closed
        for pool in pools:
            if closed and pool.line.idx in closed:
                continue
            new = self.entry(pool, agent)
            pool.live[agent] = new
            ranked = pool.ranked
            if type(ranked) is deque and (not ranked or new < ranked[0]):
                ranked.appendleft(new)  # idle since now: the worst of the pool
            else:
                insort(ranked, new)

    def close_line(self, agent: Agent, line_idx: int) -> None:
        """Not enough shift left for this line's items: leave its pools until the next shift."""
        closed = agent.closed if isinstance(agent.closed, set) else set(agent.closed)
        closed.add(line_idx)
        agent.closed = closed
        for pools in agent.pools:
            for pool in pools:
                if pool.line.idx == line_idx:
                    pool.live.pop(agent, None)

    def item_attributes(self, ticket: Ticket, now: datetime) -> Mapping[str, Any]:
        """What an item filter reads; ``age_seconds`` is computed at ``now``, the rest is
        cached from the first read until the engine drops it (an escalation changes the
        priority; closing the item)."""
        attrs = self.item_attrs.get(ticket)
        if attrs is None:
            item = ticket.item
            attrs = item_attributes(item, ticket.pool.line.line, now=item.created_at)
            self.item_attrs[ticket] = attrs
        return {**attrs, "age_seconds": int((now - ticket.item.created_at).total_seconds())}

    # -- walking pools -----------------------------------------------------------------

    def candidates(self, pool: Pool, ticket: Ticket, limit: int, eligible: int) -> list[AgentEntry]:
        """The best ``limit`` live specialists of ``pool`` who may take ``ticket``, in
        ranking order.

        The walk goes backwards from the end of ``pool.ranked`` (the best) and stops as soon
        as it has ``limit`` of them or all there are (the live count is known). The walked
        tail is then rewritten without the stale entries it met — a slice at the end of the
        list, so dropping them costs what reading them did (amortized O(1) per entry, never
        a shift of the whole list).
        """
        flt = pool.item_filter
        if flt is None:  # then ``eligible`` (from :meth:`eligible_count`) is exact
            limit = min(limit, eligible)
        found: list[AgentEntry] = []
        if limit <= 0:
            return found
        ranked, live = pool.ranked, pool.live
        excluded = ticket.excluded
        stale = 0
        i = len(ranked)
        if flt is None and excluded is None:  # the common case: every live entry is found
            get, append = live.get, found.append
            while i:
                i -= 1
                entry = ranked[i]
                if get(entry[-1]) is entry:
                    append(entry)
                    limit -= 1
                    if not limit:
                        break
                else:
                    stale += 1
            if stale:
                _drop_stale_tail(ranked, i, live)
            return found
        attrs = None if flt is None else self.item_attributes(ticket, self.clock())
        while i:
            i -= 1
            entry = ranked[i]
            agent = entry[-1]
            if live.get(agent) is not entry:
                stale += 1
                continue
            if (excluded is None or agent.idx not in excluded) and (
                flt is None or flt.matches(attrs or {}, agent_attributes(agent))
            ):
                found.append(entry)
                if len(found) >= limit:
                    break
        if stale:  # drop the stale entries met: the walked tail keeps its valid ones
            _drop_stale_tail(ranked, i, live)
        return found

    def eligible_count(self, pool: Pool, ticket: Ticket) -> int:
        live = pool.live
        excluded = ticket.excluded
        if pool.item_filter is not None:
            flt, attrs = pool.item_filter, self.item_attributes(ticket, self.clock())
            return sum(
                1
                for agent in live
                if (excluded is None or agent.idx not in excluded)
                and flt.matches(attrs, agent_attributes(agent))
            )
        if not excluded:
            return len(live)
        agents = self.agents
        return len(live) - sum(1 for idx in excluded if agents[idx] in live)

    # -- queues ------------------------------------------------------------------------

    def enqueue(self, ticket: Ticket) -> None:
        self._seq += 1
        item = ticket.item
        key = ticket.seq = task_key(item.priority, item.created_at, self._seq)
        pool = ticket.pool
        keys = pool.fifo_keys
        if not keys or key > keys[-1]:
            keys.append(key)
            pool.fifo_tickets.append(ticket)
        else:
            heappush(pool.queue, (key, ticket))
        pool.queued += 1

    def enqueue_bulk(self, tickets: list[Ticket]) -> None:
        """Queue many tickets at once (rebuild): at most one heapify per pool."""
        touched: set[int] = set()
        pools: list[Pool] = []
        for ticket in tickets:
            self._seq += 1
            item = ticket.item
            key = ticket.seq = task_key(item.priority, item.created_at, self._seq)
            pool = ticket.pool
            keys = pool.fifo_keys
            if not keys or key > keys[-1]:
                keys.append(key)
                pool.fifo_tickets.append(ticket)
            else:
                pool.queue.append((key, ticket))
                if id(pool) not in touched:
                    touched.add(id(pool))
                    pools.append(pool)
            pool.queued += 1
        for pool in pools:
            heapify(pool.queue)

    def dequeue(self, ticket: Ticket) -> None:
        if ticket.seq >= 0:
            ticket.seq = -1
            ticket.pool.queued -= 1

    @staticmethod
    def head(pool: Pool) -> ItemEntry | None:
        """The first valid entry of ``pool`` in task order (stale ones before it dropped)."""
        keys, tickets, at = pool.fifo_keys, pool.fifo_tickets, pool.head
        size = len(keys)
        while at < size and tickets[at].seq is not keys[at]:
            at += 1
        if at == size:
            if size:
                keys.clear()
                tickets.clear()
                at = 0
        elif at >= _FIFO_COMPACT and 2 * at >= size:
            del keys[:at], tickets[:at]
            at = 0
        pool.head = at
        queue = pool.queue
        while queue and queue[0][1].seq is not queue[0][0]:
            heappop(queue)
        if keys:
            key = keys[at]
            if queue and queue[0][0] < key:
                return queue[0]
            return (key, tickets[at])
        return queue[0] if queue else None

    def _first_item(self, pool: Pool, agent: Agent) -> ItemEntry | None:
        top = self.head(pool)
        if top is None:
            return None
        ticket = top[1]
        if (ticket.excluded is None and pool.item_filter is None) or self._may_take(
            pool, agent, ticket
        ):
            return top
        # Walk both in task order: the fifo in list order, the heap through a frontier.
        keys, tickets, at = pool.fifo_keys, pool.fifo_tickets, pool.head
        queue = pool.queue
        size = len(queue)
        frontier: list[tuple[ItemEntry, int]] = [(queue[0], 0)] if queue else []
        while at < len(keys) or frontier:
            if frontier and (at >= len(keys) or frontier[0][0][0] < keys[at]):
                entry, i = heappop(frontier)
                child = 2 * i + 1
                if child < size:
                    heappush(frontier, (queue[child], child))
                    if child + 1 < size:
                        heappush(frontier, (queue[child + 1], child + 1))
            else:
                entry = (keys[at], tickets[at])
                at += 1
            if entry[1].seq is entry[0] and self._may_take(pool, agent, entry[1]):
                return entry
        return None

    def _may_take(self, pool: Pool, agent: Agent, ticket: Ticket) -> bool:
        if ticket.excluded is not None and agent.idx in ticket.excluded:
            return False
        flt = pool.item_filter
        return flt is None or flt.matches(
            self.item_attributes(ticket, self.clock()), agent_attributes(agent)
        )

    def best_item(self, agent: Agent, channel: int) -> tuple[Ticket, Pool, int] | None:
        """The first item in task order that ``agent`` may take on ``channel``, its pool and
        the number of items waiting in the pools the agent was compared against."""
        best: ItemEntry | None = None
        best_pool: Pool | None = None
        waiting = 0
        closed = agent.closed
        head = self.head
        for pool in agent.pools[channel]:
            if not pool.queued or pool.batch or (closed and pool.line.idx in closed):
                continue
            waiting += pool.queued
            keys, at = pool.fifo_keys, pool.head
            if not pool.queue and at < len(keys) and pool.fifo_tickets[at].seq is keys[at]:
                top: ItemEntry | None = (keys[at], pool.fifo_tickets[at])  # head(), its fast case
            else:
                top = head(pool)  # not None: pool.queued > 0
            assert top is not None
            if top[1].excluded is None and pool.item_filter is None:
                entry: ItemEntry | None = top  # _first_item's common case, inlined
            else:
                entry = self._first_item(pool, agent)
            if entry is not None and (best is None or entry[0] < best[0]):
                best, best_pool = entry, pool
        if best is None or best_pool is None:
            return None
        return best[1], best_pool, waiting

    def waiting(self, pool: Pool) -> list[Ticket]:
        """The items waiting in ``pool``, in task order (off the hot path: a batch)."""
        entries = sorted(
            (e for e in (*pool.waiting_in_fifo(), *pool.queue) if e[1].seq is e[0]), key=_first
        )
        return [ticket for _, ticket in entries]

    def takes(self, pool: Pool, agent: Agent, ticket: Ticket) -> bool:
        """Whether ``agent``, live in ``pool``, may take ``ticket`` (the step's item filter,
        and not someone who refused it)."""
        return (ticket.excluded is None and pool.item_filter is None) or self._may_take(
            pool, agent, ticket
        )

    # -- maintenance -------------------------------------------------------------------

    def compact(self) -> int:
        """Drop stale heap and queue entries; returns how many were dropped."""
        dropped = 0
        for state in self.lines:
            for pools in state.pools.values():
                for pool in pools:
                    live = pool.live
                    kept = [e for e in pool.ranked if live.get(e[-1]) is e]
                    ranked = deque(kept) if type(pool.ranked) is deque else kept
                    queue = [e for e in pool.queue if e[1].seq is e[0]]
                    fifo = [e for e in pool.waiting_in_fifo() if e[1].seq is e[0]]
                    dropped += len(pool.ranked) - len(ranked) + len(pool.queue) - len(queue)
                    dropped += len(pool.fifo_keys) - pool.head - len(fifo)
                    heapify(queue)
                    pool.ranked, pool.queue, pool.head = ranked, queue, 0
                    pool.fifo_keys = [key for key, _ in fifo]
                    pool.fifo_tickets = [ticket for _, ticket in fifo]
        return dropped

    def stale_share(self) -> float:
        """Share of heap and queue entries that are stale (a hint for when to compact)."""
        total = valid = 0
        for state in self.lines:
            for pools in state.pools.values():
                for pool in pools:
                    total += len(pool.ranked) + len(pool.queue) + len(pool.fifo_keys) - pool.head
                    valid += len(pool.live) + pool.queued
        return 0.0 if total == 0 else 1 - valid / total
