"""Online routing: routing a new item and matching a freed specialist, at two scales.

Run with ``.venv/bin/python -m bench routing`` (both scales, each in its own process so that
the memory figures of one do not carry into the other), ``.venv/bin/python -m bench.routing
--small`` (10,000 specialists only), ``--large`` (100,000 only) or ``--database`` (100,000
specialists and 1,000,000 queued items stored in SQLite, then
``kpo.services.routing.build_router``); figures go to
docs/benchmarks.md. The network is synthetic and seeded: 50 skills, 20 languages, 25 time
zones, 100 service lines (call, chat, ticket; one or two required skills; half of them with a
two-step policy), five vendors. Half of the lines are overloaded: their queues hold the
queued items and every specialist eligible for them is busy; the other half have free
specialists. Time is simulated (1 ms per operation); items are accepted and started at once.

Measured per call with ``time.perf_counter_ns``: ``Router.submit`` of a new item (explanation
with the top 5 candidates included) and ``Router.resolve`` of an item whose specialist then
takes the best queued item from their pools. The naive baselines scan every specialist (or
every queued item) in the same run with the shared model's ``statically_eligible``.

The router logs events and freed-specialist decisions as tuples and builds them when they are
drained; that cost is measured apart ("drain"), per operation. A calibration line (a plain
Python loop, CPU and wall time per iteration) says how fast and how shared the machine was.
"""

from __future__ import annotations

import gc
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from kpo.domain.calendars import parse_hours
from kpo.domain.channels import Channel
from kpo.domain.clients import Coverage, ServiceLine, SkillRequirement
from kpo.domain.money import Money
from kpo.domain.sla import SlaPolicy
from kpo.domain.specialists import Specialist
from kpo.domain.work_items import WorkItem, WorkItemState
from kpo.routing.engine import LineSetup, Router, RouterSettings
from kpo.routing.index import CHANNEL_INDEX, Agent
from kpo.routing.model import statically_eligible
from kpo.routing.policies import PolicyStep, Ranking, RoutingPolicy

T0 = datetime(2026, 3, 24, 0, 0, tzinfo=UTC)
SKILLS = [f"skill_{i:02d}" for i in range(50)]
LANGUAGES = "en es pt fr de it pl nl sv tr ar hi zh ja ko ru uk ro tl id".split()
ZONES = [
    "Europe/Warsaw", "Europe/London", "Europe/Madrid", "Europe/Bucharest", "Europe/Istanbul",
    "Asia/Manila", "Asia/Kolkata", "Asia/Tokyo", "Asia/Seoul", "Asia/Shanghai", "Asia/Jakarta",
    "Asia/Dubai", "Africa/Cairo", "Africa/Lagos", "Africa/Nairobi", "America/Bogota",
    "America/Mexico_City", "America/Sao_Paulo", "America/New_York", "America/Chicago",
    "America/Los_Angeles", "America/Lima", "Australia/Sydney", "Pacific/Auckland",
    "Europe/Kyiv",
]  # fmt: skip
VENDORS = ["krakow", "manila", "bogota", "cairo", "pune"]
CHANNELS = [Channel.CALL, Channel.CHAT, Channel.TICKET]
RANKINGS = list(Ranking)
HOURS = parse_hours("daily 00:00-24:00")


def network(
    n_specialists: int, seed: int = 2026
) -> tuple[list[LineSetup], list[Specialist], list[ServiceLine]]:
    rng = random.Random(seed)
    lines: list[LineSetup] = []
    for i in range(100):
        required = rng.sample(SKILLS, 1 if rng.random() < 0.7 else 2)
        languages = {"en"} if rng.random() < 0.6 else {rng.choice(LANGUAGES)}
        if rng.random() < 0.3:
            languages.add(rng.choice(LANGUAGES))
        line = ServiceLine(
            id=f"line-{i:03d}",
            client_id="bench",
            name=f"Line {i}",
            channel=CHANNELS[i % 3],
            required_skills=tuple(SkillRequirement(s, rng.choice((2, 3))) for s in required),
            languages=frozenset(languages),
            sla=SlaPolicy(first_response=timedelta(hours=4)),
            coverage=Coverage("UTC", "daily 00:00-24:00"),
            handle_time=timedelta(minutes=rng.choice((5, 8, 12, 20))),
        )
        first = PolicyStep(RANKINGS[i % 4], timeout=timedelta(minutes=2) if i % 2 else None)
        steps = (first, PolicyStep(Ranking.COST_SLA, relax_levels=1)) if i % 2 else (first,)
        lines.append(LineSetup(line, RoutingPolicy(steps)))
    people = []
    for i in range(n_specialists):
        languages = {rng.choice(LANGUAGES) for _ in range(rng.randint(1, 2))}
        if rng.random() < 0.7:
            languages.add("en")
        people.append(
            Specialist(
                id=f"s{i:06d}",
                vendor_id=VENDORS[i % 5],
                name=f"Specialist {i}",
                skills={s: rng.randint(1, 5) for s in rng.sample(SKILLS, 4)},
                languages=frozenset(languages),
                time_zone=ZONES[i % 25],
                working_hours=HOURS,
                capacity={Channel.CALL: 1, Channel.CHAT: 3, Channel.TICKET: 1},
                hourly_cost=Money(Decimal(rng.randint(800, 6000)) / 100, "USD"),
                employment_start=date(2024, 1, 1),
            )
        )
    return lines, people, [s.line for s in lines]


def stats(samples_ns: list[int]) -> tuple[float, float]:
    ordered = sorted(samples_ns)
    return ordered[len(ordered) // 2] / 1000, ordered[int(len(ordered) * 0.99)] / 1000


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def current_rss_mb() -> float:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:  # not Linux
        return float("nan")


def calibration() -> str:
    """CPU and wall nanoseconds per iteration of ``x += k`` (about 15-25 ns of CPU on an idle
    modern core); wall above CPU means other processes shared the cores."""
    best_cpu = best_wall = float("inf")
    for _ in range(5):
        cpu, wall = time.thread_time_ns(), time.perf_counter_ns()
        x = 0
        for k in range(200_000):
            x += k
        best_cpu = min(best_cpu, (time.thread_time_ns() - cpu) / 200_000)
        best_wall = min(best_wall, (time.perf_counter_ns() - wall) / 200_000)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"calibration: {best_cpu:.0f} ns CPU / {best_wall:.0f} ns wall per loop iteration; "
        f"load average {load:.1f} on {os.cpu_count()} CPUs"
    )


class Scenario:
    def __init__(self, n_specialists: int, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.clock = T0
        self.n = 0
        started = time.perf_counter()
        setups, self.people, self.lines = network(n_specialists)
        self.generate_s = time.perf_counter() - started
        self.hot = self.lines[::2]  # overloaded lines
        self.cold = self.lines[1::2]
        started = time.perf_counter()
        self.router = Router(setups, now=T0, settings=RouterSettings())
        ends = T0 + timedelta(days=30)
        for person in self.people:
            self.router.add_specialist(person, now=T0)
        for person in self.people:
            self.router.shift_started(person.id, now=T0, ends=ends)
        self.build_s = time.perf_counter() - started
        self.working: deque[tuple[str, str]] = deque()
        self.drain_ns = 0  # building logged events and decisions, in drain_*()
        self.drained = 0  # events and decisions built

    def tick(self) -> datetime:
        self.clock += timedelta(milliseconds=1)
        return self.clock

    def item(self, line: ServiceLine) -> WorkItem:
        self.n += 1
        language = self.rng.choice(sorted(line.languages))
        return WorkItem(f"W{self.n:08d}", line.id, self.clock, language=language)

    def take_offers(self) -> None:
        """Accept and start every open offer (untimed)."""
        router = self.router
        start = time.perf_counter_ns()
        events = router.drain_events()
        decisions = router.drain_decisions()
        self.drain_ns += time.perf_counter_ns() - start
        self.drained += len(events) + len(decisions)
        for event in events:
            if event.name == "ItemOffered":
                specialist = event.specialist_id  # type: ignore[attr-defined]
                item = router.find(event.item_id)
                # still offered to this specialist (a later event may have moved it on)
                if (
                    item is not None
                    and item.state is WorkItemState.OFFERED
                    and item.specialist_id == specialist
                ):
                    now = self.clock  # answered at once: a long batch must not time out
                    router.accept(event.item_id, specialist_id=specialist, now=now)
                    router.start(event.item_id, specialist_id=specialist, now=now)
                    self.working.append((event.item_id, specialist))

    def route_new(self, count: int, lines: list[ServiceLine], keep_busy: int) -> list[int]:
        samples = []
        router = self.router
        for _ in range(count):
            item = self.item(self.rng.choice(lines))
            now = self.tick()
            due = now + timedelta(hours=4)
            start = time.perf_counter_ns()
            router.submit(item, now=now, due=due)
            samples.append(time.perf_counter_ns() - start)
            self.take_offers()
            while len(self.working) > keep_busy:
                item_id, who = self.working.popleft()
                router.resolve(item_id, specialist_id=who, now=self.tick())
                self.take_offers()
        return samples

    def load_queue(self, queued: int) -> tuple[float, float]:
        """Restore ``queued`` items on the overloaded lines, let free specialists take what
        they can, and top up until ``queued`` items wait."""
        started = time.perf_counter()
        now = self.tick()
        # A generator, as a service streams stored items: no list of a million pairs.
        batch = (
            (self.item(self.rng.choice(self.hot)), now + timedelta(hours=4)) for _ in range(queued)
        )
        self.router.restore(batch, now=now)
        restore_s = time.perf_counter() - started
        started = time.perf_counter()
        self.router.rebalance(now=now)
        self.take_offers()
        while self.router.queued() < queued:
            self.router.submit(self.item(self.rng.choice(self.hot)), now=self.tick())
            self.take_offers()
        return restore_s, time.perf_counter() - started

    def match_freed(self, count: int) -> list[int]:
        samples: list[int] = []
        router = self.router
        hot = {line.id for line in self.hot}
        queued = router.queued()
        while len(samples) < count:
            item_id, who = self.working.popleft()
            if router.item(item_id).service_line_id not in hot:
                self.working.append((item_id, who))
                continue
            now = self.tick()
            before = router.queued()
            start = time.perf_counter_ns()
            router.resolve(item_id, specialist_id=who, now=now)
            elapsed = time.perf_counter_ns() - start
            if router.queued() < before:
                samples.append(elapsed)
            self.take_offers()
            while router.queued() < queued:
                router.submit(self.item(self.rng.choice(self.hot)), now=self.tick())
                self.take_offers()
        return samples

    # -- naive baselines -------------------------------------------------------------

    def naive_route(self, count: int) -> list[int]:
        """Scan every specialist with the shared model; pick the cheapest (least_cost)."""
        agents: list[Agent] = self.router._index.agents
        samples = []
        for _ in range(count):
            line = self.rng.choice(self.cold)
            language = self.rng.choice(sorted(line.languages))
            channel = CHANNEL_INDEX[line.channel]
            start = time.perf_counter_ns()
            best: tuple[float, str] | None = None
            for agent in agents:
                if not (agent.online and agent.in_use[channel] < agent.cap[channel]):
                    continue
                specialist = agent.specialist
                if not statically_eligible(line, specialist, language):
                    continue
                key = (float(specialist.hourly_cost.amount), agent.id)
                if best is None or key < best:
                    best = key
            samples.append(time.perf_counter_ns() - start)
        return samples

    def naive_match(self, count: int) -> list[int]:
        """Scan every queued item with the shared model for one specialist."""
        router = self.router
        waiting = [t for t in router._tickets.values() if t.seq >= 0]
        lines = {line.id: line for line in self.lines}
        samples = []
        for _ in range(count):
            agent = self.rng.choice(router._index.agents)
            start = time.perf_counter_ns()
            best: tuple[int, datetime] | None = None
            for ticket in waiting:
                item = ticket.item
                line = lines[item.service_line_id]
                relax = ticket.pool.relax
                if not statically_eligible(line, agent.specialist, item.language, relax=relax):
                    continue
                key = (-item.priority, item.created_at)
                if best is None or key < best:
                    best = key
            samples.append(time.perf_counter_ns() - start)
        return samples


def report(name: str, samples: list[int], naive: list[int] | None = None) -> None:
    median, p99 = stats(samples)
    line = f"  {name}: n={len(samples)} median {median:.2f} µs, p99 {p99:.1f} µs"
    if naive:
        naive_median, _ = stats(naive)
        line += f"; naive scan median {naive_median:.0f} µs, ratio {naive_median / median:.0f}x"
    print(line)


def run(n_specialists: int, queued: int, ops: int) -> None:
    print(f"{n_specialists:,} specialists, {queued:,} queued items")
    print(f"  {calibration()}")
    before = current_rss_mb()
    scenario = Scenario(n_specialists)
    gc.freeze()  # after a bulk load: the collector no longer walks the index
    print(
        f"  network generated in {scenario.generate_s:.1f} s; index built in "
        f"{scenario.build_s:.2f} s (from domain objects, no database); resident memory "
        f"{before:.0f} MB before, {current_rss_mb():.0f} MB after"
    )
    capacity = n_specialists // 2
    fresh = scenario.route_new(ops, scenario.lines, keep_busy=capacity)
    report("route a new item (queues empty, about half the capacity busy)", fresh,
           scenario.naive_route(50))  # fmt: skip
    restore_s, rebalance_s = scenario.load_queue(queued)
    dropped = scenario.router.maintain()  # as kpo serve's tick does every 5 minutes
    gc.freeze()
    print(
        f"  restored {queued:,} queued items in {restore_s:.2f} s; free specialists took "
        f"what they could in {rebalance_s:.2f} s; maintain() then dropped {dropped:,} stale "
        "index entries (untimed, as the server's periodic compaction)"
    )
    matched = scenario.match_freed(ops)
    report(f"match a freed specialist to the best of {queued:,} queued", matched,
           scenario.naive_match(20))  # fmt: skip
    loaded = scenario.route_new(ops, scenario.lines, keep_busy=len(scenario.working))
    report("route a new item (under load; any line)", loaded)
    if scenario.drained:
        print(
            f"  drain_events + drain_decisions (building what the calls logged): "
            f"{scenario.drain_ns / scenario.drained / 1000:.2f} µs per event or decision "
            f"({scenario.drained:,} built; a routed new item logs 3, a freed specialist's "
            "take 5)"
        )
    print(f"  {calibration()}")
    print(
        f"  resident memory {current_rss_mb():.0f} MB now, peak {rss_mb():.0f} MB "
        "(ru_maxrss, whole process)"
    )


def stored_items(lines: list[ServiceLine], count: int, seed: int = 11) -> Iterator[WorkItem]:
    """``count`` queued items on the overloaded lines, oldest first, one every 10 ms up to
    ``T0`` (so about 2.8 hours of arrivals for a million; none at risk yet at ``T0``)."""
    rng = random.Random(seed)
    hot = lines[::2]
    first = T0 - timedelta(milliseconds=10 * count)
    for n in range(count):
        line = rng.choice(hot)
        language = rng.choice(sorted(line.languages))
        created = first + timedelta(milliseconds=10 * n)
        yield WorkItem(f"Q{n:08d}", line.id, created, language=language)


def from_database(n_specialists: int, queued: int) -> None:
    """Store the network and ``queued`` waiting items in a fresh SQLite database, then time
    ``build_router`` (what a service does at start: load lines, vendors and specialists,
    index them, start the shifts running now, load the open items with their SLA due
    instants and queue them)."""
    from kpo.adapters.db.engine import create_db_engine, migrate
    from kpo.adapters.db.unit_of_work import SqlUnitOfWork
    from kpo.bootstrap import calendar_for, holidays_for
    from kpo.domain.clients import Client
    from kpo.domain.vendors import RateCard, Vendor
    from kpo.services.routing import build_router

    vendors = [
        ("krakow", "PL", "Europe/Warsaw"), ("manila", "PH", "Asia/Manila"),
        ("bogota", "CO", "America/Bogota"), ("cairo", "EG", "Africa/Cairo"),
        ("pune", "IN", "Asia/Kolkata"),
    ]  # fmt: skip
    _, people, lines = network(n_specialists)
    with tempfile.TemporaryDirectory() as folder:
        engine = create_db_engine(f"sqlite:///{folder}/bench.sqlite3")
        migrate(engine)
        uow = SqlUnitOfWork(engine)
        started = time.perf_counter()
        with uow:
            uow.clients.add(Client(id="bench", name="Bench", time_zone="UTC", currency="USD"))
            for vendor_id, country, zone in vendors:
                rate = RateCard(Money(Decimal("30"), "USD"))
                uow.vendors.add(Vendor(vendor_id, vendor_id, country, zone, rate))
            for skill in SKILLS:
                uow.skills.add(skill)
            for line in lines:
                uow.service_lines.add(line)
            for person in people:
                uow.specialists.add(person)
            batch: list[WorkItem] = []
            for item in stored_items(lines, queued):
                batch.append(item)
                if len(batch) == 10_000:
                    uow.work_items.add_many(batch)
                    batch.clear()
            uow.work_items.add_many(batch)
            uow.commit()
        stored_s = time.perf_counter() - started
        del people, lines, batch
        gc.collect()
        before = current_rss_mb()
        print(f"  {calibration()}")
        started, cpu = time.perf_counter(), time.process_time()
        router = build_router(uow, T0, holidays_for, calendar_for=calendar_for)
        build_s, build_cpu_s = time.perf_counter() - started, time.process_time() - cpu
        engine.dispose()
    print(
        f"{n_specialists:,} specialists and {queued:,} queued items from the database "
        f"(SQLite): stored in {stored_s:.1f} s; build_router (load, index, shifts, due "
        f"instants, queues) in {build_s:.1f} s ({build_cpu_s:.1f} s of CPU); "
        f"{router.queued():,} queued"
    )
    print(f"  {calibration()}")
    print(
        f"  resident memory {before:.0f} MB before the build, {current_rss_mb():.0f} MB after, "
        f"peak {rss_mb():.0f} MB (ru_maxrss, whole process)"
    )


def main() -> None:
    if "--large" in sys.argv:
        run(100_000, 1_000_000, 20_000)
        return
    if "--database" in sys.argv:
        from_database(100_000, 1_000_000)
        return
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.processor()}")
    run(10_000, 50_000, 20_000)
    if "--small" not in sys.argv:
        sys.stdout.flush()  # a fresh process: resident memory is the large scale's own
        subprocess.run([sys.executable, "-m", "bench.routing", "--large"], check=True)
        subprocess.run([sys.executable, "-m", "bench.routing", "--database"], check=True)


_: Callable[[], None] = main

if __name__ == "__main__":
    main()
