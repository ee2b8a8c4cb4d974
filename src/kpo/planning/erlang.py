"""Erlang C (M/M/N): service level, speed of answer, occupancy and required agents.

Model: calls arrive as a Poisson stream, handling times are exponential with mean AHT, and
N identical agents serve one queue in order of arrival; nobody hangs up (for callers who
abandon see :mod:`kpo.planning.erlang_a`). The offered load is ``A = arrivals × AHT / interval``
Erlangs. Formulas (Gans, Koole & Mandelbaum 2003, "Telephone call centers: tutorial, review
and research prospects", §4.1; Koole, "Call Center Optimization", 2013, ch. 5)::

    B(0) = 1,  B(n) = A·B(n−1) / (n + A·B(n−1))        Erlang B by its stable recurrence
    C(N) = N·B(N) / (N − A·(1 − B(N)))                  probability of waiting, N > A
    SL(T) = 1 − C(N)·exp(−(N − A)·T / AHT)              share answered within T seconds
    ASA = C(N)·AHT / (N − A)                            mean wait over all calls
    occupancy = A / N

The recurrence keeps every intermediate value in (0, 1], so nothing overflows or turns into NaN
however many agents there are. With N ≤ A the queue grows without bound: every call waits,
the service level is 0 and the ASA is infinite.

Counts that must be whole numbers (agents after shrinkage, agents for a maximum occupancy) are
rounded up with exact rational arithmetic on the decimal values the caller wrote, so 21 agents
at 30 % shrinkage are 30, although ``21 / 0.7`` is ``30.000000000000004`` in floating point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaincc, gammaln

from kpo.domain.errors import ValidationError

__all__ = [
    "MAX_AGENTS",
    "QueueMetrics",
    "agents_after_shrinkage",
    "agents_for_occupancy",
    "check_targets",
    "erlang_b",
    "erlang_c",
    "evaluate",
    "exact",
    "offered_load",
    "required_agents",
    "required_agents_grid",
    "validate_workload",
]

MAX_AGENTS = 1_000_000
"""Largest agent count the solvers consider; a target that needs more is reported as unmet."""

Number = float | int | Decimal | Fraction

# A quotient of decimals with at most six places is either a whole number or at least 1e-6
# away from one; float noise is far below 1e-9 for the counts we handle.
_INTEGER_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class QueueMetrics:
    """What callers experience with ``agents`` agents on the phones (before shrinkage).

    ``service_level`` is the share of all calls answered within the answer-within time,
    ``asa_seconds`` the average speed of answer (``math.inf`` when the queue is unstable),
    ``wait_probability`` the share of calls that wait at all, ``occupancy`` the share of
    agents' time spent handling calls and ``abandonment`` the share of callers who hang up
    (``None`` for Erlang C, which assumes nobody does).
    """

    agents: int
    offered_load: float
    service_level: float
    asa_seconds: float
    wait_probability: float
    occupancy: float
    abandonment: float | None = None


def exact(value: Number) -> Fraction:
    """The rational number the caller meant: ``0.7`` is 7/10, not the nearest binary float."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(f"{value} is not a finite number")
        return Fraction(repr(float(value)))
    return Fraction(value)


def validate_workload(*, arrivals: float, interval_seconds: float, aht_seconds: float) -> None:
    """Raise :class:`ValidationError` unless the workload describes a real queue."""
    checks = (
        ("arrivals", arrivals, 0.0, "zero or more"),
        ("interval_seconds", interval_seconds, None, "greater than zero"),
        ("aht_seconds", aht_seconds, None, "greater than zero"),
    )
    for field, value, minimum, wording in checks:
        if not math.isfinite(value):
            raise ValidationError(f"{field} must be a finite number, got {value}", field=field)
        if (minimum is None and value <= 0) or (minimum is not None and value < minimum):
            raise ValidationError(f"{field} must be {wording}, got {value:g}", field=field)


def offered_load(*, arrivals: float, interval_seconds: float, aht_seconds: float) -> float:
    """Offered load in Erlangs: the number of agents that would be busy all the time."""
    validate_workload(arrivals=arrivals, interval_seconds=interval_seconds, aht_seconds=aht_seconds)
    return arrivals * aht_seconds / interval_seconds


def erlang_b(agents: int, load: float) -> float:
    """Erlang B: the share of calls blocked with ``agents`` lines and ``load`` Erlangs."""
    if agents < 0:
        raise ValidationError(f"agents must be zero or more, got {agents}", field="agents")
    b = 1.0
    for n in range(1, agents + 1):
        ab = load * b
        b = ab / (n + ab)
    return b


def _erlang_c_from_b(agents: int, load: float, b: float) -> float:
    if agents <= load:
        return 1.0
    return agents * b / (agents - load * (1.0 - b))


def erlang_c(agents: int, load: float) -> float:
    """Erlang C: the probability that a call has to wait (1 when ``agents ≤ load``)."""
    return _erlang_c_from_b(agents, load, erlang_b(agents, load))


def _service_level(agents: int, load: float, c: float, within_over_aht: float) -> float:
    if agents <= load:
        return 0.0
    return max(0.0, 1.0 - c * math.exp(-(agents - load) * within_over_aht))


def _metrics(
    agents: int, load: float, b: float, *, aht_seconds: float, answer_within: float
) -> QueueMetrics:
    if load == 0:
        return QueueMetrics(agents, 0.0, 1.0, 0.0, 0.0, 0.0)
    c = _erlang_c_from_b(agents, load, b)
    stable = agents > load
    return QueueMetrics(
        agents=agents,
        offered_load=load,
        service_level=_service_level(agents, load, c, answer_within / aht_seconds),
        asa_seconds=c * aht_seconds / (agents - load) if stable else math.inf,
        wait_probability=c,
        occupancy=min(1.0, load / agents) if agents else 1.0,
    )


def evaluate(
    agents: int,
    *,
    arrivals: float,
    interval_seconds: float,
    aht_seconds: float,
    answer_within: float,
) -> QueueMetrics:
    """Erlang C measures for a given number of agents on the phones."""
    load = offered_load(
        arrivals=arrivals, interval_seconds=interval_seconds, aht_seconds=aht_seconds
    )
    _check_agents(agents, load)
    _check_answer_within(answer_within)
    return _metrics(
        agents,
        load,
        erlang_b(agents, load),
        aht_seconds=aht_seconds,
        answer_within=answer_within,
    )


def _check_agents(agents: int, load: float) -> None:
    if agents < 0 or (agents == 0 and load > 0):
        raise ValidationError(
            f"agents must be at least 1 when calls arrive, got {agents}", field="agents"
        )


def _check_answer_within(answer_within: float) -> None:
    if not math.isfinite(answer_within) or answer_within < 0:
        raise ValidationError(
            f"answer-within must be zero or more seconds, got {answer_within:g}",
            field="answer_within",
        )


def check_targets(
    *, target_sl: float, answer_within: float, max_occupancy: float | None = None
) -> None:
    """Raise :class:`ValidationError` for targets no queue with random arrivals can meet."""
    _check_answer_within(answer_within)
    if not 0 <= target_sl < 1:
        if target_sl == 1:
            what = "without waiting" if answer_within == 0 else f"within {answer_within:g} s"
            raise ValidationError(
                f"a service level of 100 % answered {what} is never reached with randomly "
                "arriving calls; use a target below 1, such as 0.8",
                field="target_sl",
            )
        raise ValidationError(
            f"target service level must be at least 0 and below 1, got {target_sl:g}",
            field="target_sl",
        )
    if max_occupancy is not None and not 0 < max_occupancy <= 1:
        raise ValidationError(
            f"maximum occupancy must be above 0 and at most 1, got {max_occupancy:g}",
            field="max_occupancy",
        )


def agents_for_occupancy(load: Number, max_occupancy: Number) -> int:
    """Fewest agents whose occupancy ``load / agents`` stays at or below ``max_occupancy``."""
    needed = exact(load) / exact(max_occupancy)
    return max(0, math.ceil(needed))


def agents_after_shrinkage(raw_agents: int, shrinkage: Number) -> int:
    """Agents to schedule so that ``raw_agents`` remain after shrinkage (breaks, training…).

    ``ceil(raw / (1 − shrinkage))`` in exact arithmetic: 21 agents at 0.3 shrinkage are 30.
    """
    share = exact(shrinkage)
    if not 0 <= share < 1:
        raise ValidationError(
            f"shrinkage must be at least 0 and below 1, got {float(share):g}", field="shrinkage"
        )
    return math.ceil(Fraction(raw_agents) / (1 - share))


def _unmet(target_sl: float, answer_within: float, load: float, max_agents: int) -> ValidationError:
    return ValidationError(
        f"no staffing up to {max_agents} agents reaches a service level of {target_sl:g} "
        f"within {answer_within:g} s at an offered load of {load:.6g} Erlangs; "
        "lower the target or split the work",
        field="target_sl",
    )


def required_agents(
    *,
    arrivals: float,
    interval_seconds: float,
    aht_seconds: float,
    target_sl: float,
    answer_within: float,
    max_occupancy: float | None = None,
    max_agents: int = MAX_AGENTS,
) -> QueueMetrics:
    """Fewest agents on the phones (before shrinkage) that meet the service-level target.

    The service level grows with the number of agents, so the search walks up from the
    smallest stable count ``floor(A) + 1``, carrying Erlang B along the way. Raises
    :class:`ValidationError` when no count up to ``max_agents`` meets the target.
    """
    check_targets(target_sl=target_sl, answer_within=answer_within, max_occupancy=max_occupancy)
    load = offered_load(
        arrivals=arrivals, interval_seconds=interval_seconds, aht_seconds=aht_seconds
    )
    exact_load = exact(arrivals) * exact(aht_seconds) / exact(interval_seconds)
    if load == 0:  # also a load too small for a float, which the grid solver sees as 0
        return _metrics(0, 0.0, 1.0, aht_seconds=aht_seconds, answer_within=answer_within)
    floor_agents = math.floor(exact_load) + 1
    if max_occupancy is not None:
        floor_agents = max(floor_agents, agents_for_occupancy(exact_load, max_occupancy))
    if floor_agents > max_agents:
        raise _unmet(target_sl, answer_within, load, max_agents)
    within_over_aht = answer_within / aht_seconds
    n = floor_agents
    b = erlang_b(n, load)
    while True:
        c = _erlang_c_from_b(n, load, b)
        if _service_level(n, load, c, within_over_aht) >= target_sl:
            return _metrics(n, load, b, aht_seconds=aht_seconds, answer_within=answer_within)
        if n >= max_agents:
            raise _unmet(target_sl, answer_within, load, max_agents)
        n += 1
        ab = load * b
        b = ab / (n + ab)


def _ceil_counts(values: NDArray[np.float64]) -> NDArray[np.int64]:
    """``ceil`` that treats float noise around a whole number as that whole number."""
    nearest = np.rint(values)
    close = np.abs(values - nearest) <= _INTEGER_TOLERANCE
    return np.where(close, nearest, np.ceil(values)).astype(np.int64)


def required_agents_grid(
    arrivals: ArrayLike,
    aht_seconds: ArrayLike,
    *,
    interval_seconds: float,
    target_sl: ArrayLike,
    answer_within: ArrayLike,
    max_occupancy: float | None = None,
    shrinkage: ArrayLike = 0.0,
    max_agents: int = MAX_AGENTS,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Required agents for many cells at once (intervals × service lines).

    Array arguments broadcast against each other. Returns ``(raw, scheduled)``: agents on
    the phones and agents after shrinkage, both with the broadcast shape; the answers are
    those of :func:`required_agents` and :func:`agents_after_shrinkage` cell by cell.
    Erlang B at the first stable count comes from the regularised incomplete gamma function
    (``B(n, A) = Poisson pmf(n; A) / Poisson cdf(n; A)``, in log space); from there all
    unfinished cells step up together with the recurrence.
    """
    arr, aht, target, within, shrink = np.broadcast_arrays(
        *(
            np.asarray(x, dtype=np.float64)
            for x in (arrivals, aht_seconds, target_sl, answer_within, shrinkage)
        )
    )
    if interval_seconds <= 0 or not math.isfinite(interval_seconds):
        raise ValidationError("interval_seconds must be greater than zero", field="interval")
    if not (np.all(np.isfinite(arr)) and np.all(arr >= 0)):
        raise ValidationError("arrivals must be finite and zero or more", field="arrivals")
    if not (np.all(np.isfinite(aht)) and np.all(aht > 0)):
        raise ValidationError("aht_seconds must be greater than zero", field="aht_seconds")
    if not (np.all(target >= 0) and np.all(target < 1)):
        raise ValidationError("target service level must be in [0, 1)", field="target_sl")
    if not (np.all(np.isfinite(within)) and np.all(within >= 0)):
        raise ValidationError("answer-within must be zero or more seconds", field="answer_within")
    if not (np.all(shrink >= 0) and np.all(shrink < 1)):
        raise ValidationError("shrinkage must be in [0, 1)", field="shrinkage")
    if max_occupancy is not None:
        check_targets(target_sl=0.0, answer_within=0.0, max_occupancy=max_occupancy)

    load = arr * aht / interval_seconds
    start = np.floor(load) + 1.0
    # Near a whole number float noise decides the floor; settle those few cells in exact
    # arithmetic, as the scalar solver does, so both always agree.
    near = np.abs(load - np.rint(load)) <= _INTEGER_TOLERANCE
    if np.any(near):
        start = np.array(start, dtype=np.float64)
        arr_b, aht_b = np.broadcast_arrays(arr, aht)
        for index in zip(*np.nonzero(near), strict=True):
            cell = exact(float(arr_b[index])) * exact(float(aht_b[index]))
            start[index] = math.floor(cell / exact(interval_seconds)) + 1
    if max_occupancy is not None:
        start = np.maximum(start, _ceil_counts(load / max_occupancy).astype(np.float64))
    if np.any(start > max_agents):
        raise ValidationError(
            f"some cells need more than {max_agents} agents; check the arrivals", field="arrivals"
        )
    result = np.zeros(load.shape, dtype=np.int64)
    busy = load > 0
    ld = load[busy]
    n = start[busy]
    tgt = target[busy]
    rate = within[busy] / aht[busy]
    positions = np.flatnonzero(busy)
    log_pmf = n * np.log(ld) - ld - gammaln(n + 1)
    b = np.exp(log_pmf) / gammaincc(n + 1, ld)
    flat = result.reshape(-1)
    while positions.size:
        c = n * b / (n - ld * (1.0 - b))
        met = 1.0 - c * np.exp(-(n - ld) * rate) >= tgt
        flat[positions[met]] = n[met].astype(np.int64)
        keep = ~met
        if not np.any(keep):
            break
        positions, ld, n, b, tgt, rate = (
            positions[keep],
            ld[keep],
            n[keep] + 1.0,
            b[keep],
            tgt[keep],
            rate[keep],
        )
        if np.any(n > max_agents):
            raise ValidationError(
                f"some cells need more than {max_agents} agents to reach their target",
                field="target_sl",
            )
        ab = ld * b
        b = ab / (n + ab)
    scheduled = _ceil_counts(result / (1.0 - shrink))
    return result, scheduled
