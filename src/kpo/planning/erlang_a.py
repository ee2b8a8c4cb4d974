"""Erlang A (M/M/N+M): Erlang C with callers who hang up when their patience runs out.

Patience is exponential with mean ``patience_seconds`` (Palm's model; Garnett, Mandelbaum &
Reiman 2002, "Designing a call center with impatient customers", MSOM 4(3); Mandelbaum &
Zeltyn 2007, "Service engineering in action: the Palm/Erlang-A queue"). Time is measured in
handling times (μ = 1), so the arrival rate is the offered load ``A`` and the abandonment rate
is ``θ = AHT / patience``. The number in system is a birth–death chain; an arriving call sees
its stationary law (PASTA)::

    π(k) ∝ A^k / k!                                   k ≤ N
    π(N + j) = π(N) · Π_{i=1..j} A / (N + iθ)         j ≥ 0 calls already queued

A call that finds ``j`` queued moves up at rate ``N + iθ`` while ``i`` are ahead and hangs up at
rate θ. Its offered wait ``V`` is a sum of exponentials, and exponential tilting gives exact
per-state answers (derivation in docs/planning.md)::

    P(answered | j)            = N / (N + (j+1)θ)
    E[wait; answered | j]      = N / (N + (j+1)θ) · Σ_{i=1..j+1} 1 / (N + iθ)
    P(answered within T | j)   = N / (N + (j+1)θ) · P(Bin(j+1, e^{−θT}) ≤ Poisson(N·T))

The chain is truncated where the queue-length probabilities fall below 1e-16 of their peak.
Definitions: ``service_level`` is the share of **all** arriving calls answered within T
(a call that hangs up counts as not answered in time); ``asa_seconds`` is the mean wait of
answered calls; ``abandonment`` is the share of all calls that hang up; ``occupancy`` is the
answered load per agent, ``A · (1 − abandonment) / N``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from scipy.special import pdtrc

from kpo.domain.errors import ValidationError
from kpo.planning.erlang import (
    MAX_AGENTS,
    QueueMetrics,
    check_targets,
    erlang_b,
    offered_load,
)
from kpo.planning.erlang import (
    required_agents as erlang_c_required_agents,
)

__all__ = ["evaluate", "required_agents"]

_LOG_CUTOFF = 37.0  # drop queue lengths less likely than e^-37 ≈ 1e-16 of the peak
_MAX_QUEUE = 5_000_000


def _check_patience(patience_seconds: float) -> None:
    if not math.isfinite(patience_seconds) or patience_seconds <= 0:
        raise ValidationError(
            f"patience must be a positive number of seconds, got {patience_seconds:g}; "
            "omit it for Erlang C (callers who never hang up)",
            field="patience_seconds",
        )


def _queue_ratios(agents: int, load: float, theta: float) -> tuple[NDArray[np.float64], float]:
    """``(r, top)`` with ``π(N + j) / π(N) = r[j] · e^top`` for j = 0, 1, … while not negligible.

    With few agents and a high load the ratios reach e^1000 and more; keeping the peak's
    logarithm apart keeps every stored value in (0, 1].
    """
    peak = max(0, math.ceil((load - agents) / theta))
    extra = 64
    while True:
        length = peak + extra
        if length > _MAX_QUEUE:
            raise ValidationError(
                "patience is too long for this load to model callers who hang up; "
                "add agents or use Erlang C (omit the patience)",
                field="patience_seconds",
            )
        j = np.arange(1, length + 1, dtype=np.float64)
        logs = np.concatenate(([0.0], np.cumsum(math.log(load) - np.log(agents + j * theta))))
        top = float(logs.max())
        if logs[-1] < top - _LOG_CUTOFF:
            keep = logs >= top - _LOG_CUTOFF
            last = int(np.flatnonzero(keep)[-1])
            return np.asarray(np.exp(logs[: last + 1] - top), dtype=np.float64), top
        extra *= 4


_BLOCK = 16


def _answered_within(size: int, *, agents: int, theta: float, within: float) -> NDArray[np.float64]:
    """``P(Bin(m, e^{−θT}) ≤ Poisson(N·T))`` for m = 1 … size (T in handling times).

    With ``K_m ~ Bin(m, p)`` and ``G_c(m) = P(K_m ≤ S − c)``, one more trial gives
    ``G_c(m+1) = (1 − p)·G_c(m) + p·G_{c+1}(m)`` from ``G_c(0) = P(S ≥ c)``. Steps are taken
    ``_BLOCK`` at a time: ``r`` steps mix ``G_c … G_{c+r}`` with binomial(r, p) weights, so every
    term stays in [0, 1] and nothing cancels.
    """
    mean = agents * within
    top = math.ceil(mean + 10 * math.sqrt(mean) + 40)
    c = np.arange(0, top + 2, dtype=np.float64)
    # P(S ≥ c) = P(S > c − 1); beyond ``top`` it is below 1e-20, and so are the zeros after it
    g = np.concatenate((pdtrc(np.maximum(c - 1, 0), mean), np.zeros(size + _BLOCK)))
    g[0] = 1.0
    stay = math.exp(-theta * within)
    leave = -math.expm1(-theta * within)
    weights = np.zeros((_BLOCK, _BLOCK + 1), dtype=np.float64)
    weights[0, :2] = (leave, stay)
    for r in range(1, _BLOCK):
        weights[r, : r + 2] = leave * np.append(weights[r - 1, : r + 1], 0.0)
        weights[r, 1 : r + 2] += stay * weights[r - 1, : r + 1]
    out = np.empty(size, dtype=np.float64)
    m = 0
    while m < size:
        steps = min(_BLOCK, size - m)
        out[m : m + steps] = weights[:steps] @ g[: _BLOCK + 1]
        g = np.correlate(g, weights[steps - 1, : steps + 1], mode="valid")
        m += steps
    return out


def _measures(
    agents: int, load: float, theta: float, within: float, *, full: bool
) -> tuple[float, float, float, float]:
    """(service level, abandonment, wait probability, ASA in handling times)."""
    b = erlang_b(agents, load)
    ratios, top = _queue_ratios(agents, load, theta)
    tail = float(ratios.sum())
    # π(k < N) / π(N) = 1/B − 1; this turns the scaled ratios into arrival probabilities
    scale = b / ((1.0 - b) * math.exp(-top) + tail * b)
    seen = ratios * scale
    wait_probability = tail * scale
    no_wait = 1.0 - wait_probability
    ahead_and_self = np.arange(1, ratios.size + 1, dtype=np.float64)
    answered = agents / (agents + ahead_and_self * theta)
    abandonment = float(np.sum(seen * (ahead_and_self * theta) / (agents + ahead_and_self * theta)))
    if within == 0:
        service_level = no_wait
    else:
        service_level = no_wait + float(
            np.sum(
                seen
                * answered
                * _answered_within(ratios.size, agents=agents, theta=theta, within=within)
            )
        )
    asa = 0.0
    if full and wait_probability > 0:
        waits = answered * np.cumsum(1.0 / (agents + ahead_and_self * theta))
        asa = float(np.sum(seen * waits)) / max(1.0 - abandonment, 1e-300)
    return min(1.0, max(0.0, service_level)), abandonment, wait_probability, asa


def _metrics(
    agents: int, load: float, *, aht_seconds: float, patience_seconds: float, answer_within: float
) -> QueueMetrics:
    if load == 0:
        return QueueMetrics(agents, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0)
    theta = aht_seconds / patience_seconds
    sl, abandonment, wait, asa = _measures(
        agents, load, theta, answer_within / aht_seconds, full=True
    )
    return QueueMetrics(
        agents=agents,
        offered_load=load,
        service_level=sl,
        asa_seconds=asa * aht_seconds,
        wait_probability=wait,
        occupancy=min(1.0, load * (1.0 - abandonment) / agents),
        abandonment=abandonment,
    )


def evaluate(
    agents: int,
    *,
    arrivals: float,
    interval_seconds: float,
    aht_seconds: float,
    patience_seconds: float,
    answer_within: float,
) -> QueueMetrics:
    """Erlang A measures for a given number of agents on the phones."""
    load = offered_load(
        arrivals=arrivals, interval_seconds=interval_seconds, aht_seconds=aht_seconds
    )
    _check_patience(patience_seconds)
    check_targets(target_sl=0.0, answer_within=answer_within)
    if agents < 0 or (agents == 0 and load > 0):
        raise ValidationError(
            f"agents must be at least 1 when calls arrive, got {agents}", field="agents"
        )
    return _metrics(
        agents,
        load,
        aht_seconds=aht_seconds,
        patience_seconds=patience_seconds,
        answer_within=answer_within,
    )


def required_agents(
    *,
    arrivals: float,
    interval_seconds: float,
    aht_seconds: float,
    patience_seconds: float,
    target_sl: float,
    answer_within: float,
    max_occupancy: float | None = None,
    max_abandonment: float | None = None,
    max_agents: int = MAX_AGENTS,
) -> QueueMetrics:
    """Fewest agents (before shrinkage) meeting the service level and every optional limit.

    Service level and abandonment improve with every added agent, so the answer is found by
    galloping from the Erlang C answer (callers who hang up make the queue shorter, so Erlang A
    rarely needs more) and bisecting.
    """
    check_targets(target_sl=target_sl, answer_within=answer_within, max_occupancy=max_occupancy)
    _check_patience(patience_seconds)
    if max_abandonment is not None and not 0 < max_abandonment <= 1:
        raise ValidationError(
            f"maximum abandonment must be above 0 and at most 1, got {max_abandonment:g}",
            field="max_abandonment",
        )
    load = offered_load(
        arrivals=arrivals, interval_seconds=interval_seconds, aht_seconds=aht_seconds
    )
    metrics = {
        "aht_seconds": aht_seconds,
        "patience_seconds": patience_seconds,
        "answer_within": answer_within,
    }
    if load == 0:
        return _metrics(0, 0.0, **metrics)
    theta = aht_seconds / patience_seconds
    within = answer_within / aht_seconds

    def margin(n: int) -> float:
        """How far ``n`` agents are inside every limit; negative when one is missed."""
        sl, abandonment, _, _ = _measures(n, load, theta, within, full=False)
        slack = sl - target_sl
        if max_occupancy is not None:
            slack = min(slack, max_occupancy - load * (1.0 - abandonment) / n)
        if max_abandonment is not None:
            slack = min(slack, max_abandonment - abandonment)
        return slack

    try:
        guess = erlang_c_required_agents(
            arrivals=arrivals,
            interval_seconds=interval_seconds,
            aht_seconds=aht_seconds,
            target_sl=target_sl,
            answer_within=answer_within,
            max_agents=max_agents,
        ).agents
    except ValidationError:
        guess = min(max_agents, max(1, math.ceil(load)))
    good = _smallest_meeting(margin, guess, max_agents)
    if good is None:
        raise ValidationError(
            f"no staffing up to {max_agents} agents meets the targets at an offered load of "
            f"{load:.6g} Erlangs; relax the targets or split the work",
            field="target_sl",
        )
    return _metrics(good, load, **metrics)


def _next_step(distance: float, slope: float, step: int) -> int:
    """Step that should just cross zero by following the secant, within 1 … 4 × ``step``."""
    if slope <= 0 or not math.isfinite(slope):
        return step * 2
    return max(1, min(4 * step, math.ceil(distance / slope) + 1))


def _smallest_meeting(margin: Callable[[int], float], guess: int, max_agents: int) -> int | None:
    """Smallest ``n ≥ 1`` with ``margin(n) ≥ 0`` for a margin that grows with ``n``.

    Gallops from ``guess`` to a bracket ``margin(bad) < 0 ≤ margin(good)``, then narrows it
    by interpolating the margin (each evaluation costs a queue solution), falling back to
    bisection whenever interpolation keeps landing on the same side.
    """
    step = max(1, math.isqrt(guess) // 2)
    value = margin(guess)
    if value >= 0:
        good, at_good = guess, value
        bad, at_bad = 0, -math.inf
        while good > 1:
            probe = max(1, good - step)
            value = margin(probe)
            if value < 0:
                bad, at_bad = probe, value
                break
            step = _next_step(value, (at_good - value) / (good - probe), step)
            good, at_good = probe, value
    else:
        bad, at_bad = guess, value
        while True:
            if bad >= max_agents:
                return None
            probe = min(max_agents, bad + step)
            value = margin(probe)
            if value >= 0:
                good, at_good = probe, value
                break
            step = _next_step(-value, (value - at_bad) / (probe - bad), step)
            bad, at_bad = probe, value
    last_side, repeats = True, 0
    while good - bad > 1:
        if math.isfinite(at_bad) and repeats < 2:
            estimate = bad + (good - bad) * (-at_bad) / (at_good - at_bad)
            probe = min(good - 1, max(bad + 1, math.ceil(estimate)))
        else:
            probe, repeats = (good + bad) // 2, 0
        value = margin(probe)
        side = value >= 0
        repeats = repeats + 1 if side == last_side else 1
        last_side = side
        if side:
            good, at_good = probe, value
        else:
            bad, at_bad = probe, value
    return good
