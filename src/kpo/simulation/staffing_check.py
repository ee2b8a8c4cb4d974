"""Plan check by simulation: run an Erlang staffing recommendation through the routing engine.

The formula assumes an M/M/N queue (Erlang C) or M/M/N+M (Erlang A): Poisson arrivals,
exponential handle times, N identical agents answering at once in arrival order, and with
patience, callers who hang up after an exponential time. :func:`check_staffing` builds
exactly that — one call line, N identical specialists on shift all the time — and runs it
through :class:`~kpo.simulation.simulator.Simulator` and so the real
:class:`~kpo.routing.engine.Router`, several times with independent random numbers.

Each replication starts empty, lets the queue warm up (``warmup_seconds``, default the
larger of one interval and 10 handle times), then measures the calls that arrive during one
interval, following each until it is answered or hangs up. The service level is the share of
those calls answered within ``answer_within`` (hang-ups count as not answered in time, as in
:mod:`kpo.planning.erlang_a`); the result is the mean over replications with a 95 % Student-t
confidence interval.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
from scipy import stats

from kpo.domain.calendars import NoHolidays, parse_hours
from kpo.domain.channels import Channel
from kpo.domain.clients import Coverage, ServiceLine, SkillRequirement
from kpo.domain.errors import ValidationError
from kpo.domain.money import Money
from kpo.domain.sla import SlaPolicy
from kpo.domain.specialists import Specialist
from kpo.domain.work_items import WorkItem
from kpo.routing.engine import LineSetup
from kpo.simulation.behaviour import Behaviour
from kpo.simulation.outcomes import ABANDONED
from kpo.simulation.simulator import Simulator

__all__ = ["StaffingCheck", "check_staffing"]

_START = datetime(2026, 1, 5, tzinfo=UTC)
_ALWAYS = parse_hours("daily 00:00-24:00")
_MAX_CALLS = 2_000_000


@dataclass(frozen=True, slots=True)
class StaffingCheck:
    """Simulated measures of ``agents`` agents: means over ``replications``, with the half
    width of the 95 % confidence interval of the service level (0 with one replication)."""

    agents: int
    replications: int
    calls: float  # measured calls per replication, on average
    service_level: float
    service_level_ci95: float
    asa_seconds: float
    abandonment: float | None

    def to_json(self) -> dict[str, object]:
        return {
            "agents": self.agents,
            "replications": self.replications,
            "calls_per_replication": round(self.calls, 1),
            "service_level": round(self.service_level, 4),
            "service_level_ci95": round(self.service_level_ci95, 4),
            "asa_seconds": round(self.asa_seconds, 2),
            "abandonment": None if self.abandonment is None else round(self.abandonment, 4),
        }


def _line(aht_seconds: float) -> ServiceLine:
    return ServiceLine(
        id="plan-check",
        client_id="plan",
        name="Plan check",
        channel=Channel.CALL,
        required_skills=(SkillRequirement("phones", 3),),
        languages=frozenset({"en"}),
        sla=SlaPolicy(),
        coverage=Coverage("UTC", "daily 00:00-24:00"),
        handle_time=timedelta(seconds=aht_seconds),
    )


def _agents(count: int) -> list[Specialist]:
    return [
        Specialist(
            id=f"agent-{n:05d}",
            vendor_id="plan",
            name=f"Agent {n}",
            skills={"phones": 3},  # level 3: pace 1, the handle time as given
            languages=frozenset({"en"}),
            time_zone="UTC",
            working_hours=_ALWAYS,
            capacity={Channel.CALL: 1},
            hourly_cost=Money(Decimal(1), "USD"),
            employment_start=date(2020, 1, 1),
        )
        for n in range(1, count + 1)
    ]


def _arrivals(rng: np.random.Generator, rate: float, until: float) -> list[WorkItem]:
    expected = rate * until
    if expected > _MAX_CALLS:
        raise ValidationError(
            f"the check would simulate about {expected:,.0f} calls; give fewer replications "
            "or a shorter interval",
            field="arrivals",
        )
    gaps = rng.exponential(1 / rate, size=int(expected + 10 * math.sqrt(expected) + 20))
    times = np.cumsum(gaps)
    times = times[times < until]
    return [
        WorkItem(
            id=f"C{n:07d}",
            service_line_id="plan-check",
            created_at=_START + timedelta(seconds=float(t)),
        )
        for n, t in enumerate(times, start=1)
    ]


def check_staffing(
    *,
    agents: int,
    arrivals: float,
    interval_seconds: float,
    aht_seconds: float,
    answer_within: float,
    patience_seconds: float | None = None,
    replications: int = 20,
    seed: int = 0,
    warmup_seconds: float | None = None,
) -> StaffingCheck:
    """Simulate ``agents`` agents taking ``arrivals`` calls per ``interval_seconds``."""
    if agents < 1:
        raise ValidationError(f"agents must be at least 1, got {agents}", field="agents")
    if replications < 1:
        raise ValidationError(
            f"replications must be at least 1, got {replications}", field="replications"
        )
    for name, value in (
        ("arrivals", arrivals),
        ("interval_seconds", interval_seconds),
        ("aht_seconds", aht_seconds),
    ):
        if not (math.isfinite(value) and value > 0):
            raise ValidationError(f"{name} must be a positive number, got {value:g}", field=name)
    warmup = max(interval_seconds, 10 * aht_seconds) if warmup_seconds is None else warmup_seconds
    window_end = warmup + interval_seconds
    # Long enough for every measured call to be answered or to hang up (stable queues).
    drain = max(3600.0, 50 * aht_seconds, 20 * (patience_seconds or 0.0))
    end = _START + timedelta(seconds=window_end + drain)
    rate = arrivals / interval_seconds
    behaviour = Behaviour.queueing_model(patience_seconds=patience_seconds)
    line = _line(aht_seconds)
    levels, waits, abandoned, calls = [], [], [], []
    for replication in range(replications):
        rng = np.random.default_rng([seed % 2**63, replication])
        items = _arrivals(rng, rate, window_end)
        simulator = Simulator(
            [LineSetup(line)],
            _agents(agents),
            start=_START,
            end=end,
            holidays_for=lambda _specialist: NoHolidays(),
            behaviour=behaviour,
            seed=int(rng.integers(2**62)),
        )
        outcomes = simulator.run(items)
        measured = outcomes.arrival >= warmup
        count = int(measured.sum())
        if count == 0:
            continue
        wait = outcomes.answered[measured] - outcomes.arrival[measured]
        answered = ~np.isnan(wait)
        levels.append(float((answered & (wait <= answer_within + 1e-9)).sum()) / count)
        waits.append(float(wait[answered].mean()) if answered.any() else 0.0)
        abandoned.append(float((outcomes.outcome[measured] == ABANDONED).sum()) / count)
        calls.append(count)
    if not levels:
        raise ValidationError("no call arrived in any replication; raise the arrivals")
    half = 0.0
    if len(levels) > 1:
        quantile = float(stats.t.ppf(0.975, len(levels) - 1))
        half = quantile * statistics.stdev(levels) / math.sqrt(len(levels))
    return StaffingCheck(
        agents=agents,
        replications=len(levels),
        calls=statistics.fmean(calls),
        service_level=statistics.fmean(levels),
        service_level_ci95=half,
        asa_seconds=statistics.fmean(waits),
        abandonment=None if patience_seconds is None else statistics.fmean(abandoned),
    )
