"""Erlang C on a 96 × 50 grid against pyworkforce, and Erlang A at 500 Erlangs.

Run with ``make bench`` or ``.venv/bin/python -m bench erlang``; figures go to
docs/benchmarks.md. pyworkforce is a benchmark-only dependency (``.[bench]``).
"""

from __future__ import annotations

import math
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from kpo.planning import erlang_a
from kpo.planning.erlang import QueueMetrics, required_agents_grid

INTERVALS, LINES = 96, 50
INTERVAL_SECONDS = 1800.0
TARGET_SL, ANSWER_WITHIN, SHRINKAGE = 0.8, 20.0, 0.3


def _median_ms(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def grid() -> tuple[np.ndarray[Any, np.dtype[np.float64]], np.ndarray[Any, np.dtype[np.float64]]]:
    """Arrivals per half hour with a daily shape, AHT per service line; fixed seed."""
    rng = np.random.default_rng(2026)
    shape = 0.2 + np.sin(np.linspace(0, math.pi, INTERVALS)) ** 2
    volume = rng.uniform(20, 1500, LINES)
    arrivals = np.maximum(1.0, np.round(shape[:, None] * volume[None, :] * rng.uniform(0.9, 1.1)))
    aht = rng.uniform(120, 900, LINES)[None, :].repeat(INTERVALS, axis=0)
    return arrivals, aht


def bench_grid() -> None:
    arrivals, aht = grid()

    def ours() -> tuple[Any, Any]:
        return required_agents_grid(
            arrivals,
            aht,
            interval_seconds=INTERVAL_SECONDS,
            target_sl=TARGET_SL,
            answer_within=ANSWER_WITHIN,
            shrinkage=SHRINKAGE,
        )

    raw, scheduled = ours()
    ours_ms = _median_ms(ours, 50)
    print(f"grid {INTERVALS}x{LINES}, SL {TARGET_SL} in {ANSWER_WITHIN:g} s, shrinkage {SHRINKAGE}")
    print(f"  kpo.planning.erlang.required_agents_grid: median {ours_ms:.2f} ms (target <= 20 ms)")
    try:
        from pyworkforce.queuing import ErlangC
    except ImportError:
        print("  pyworkforce not installed: pip install -c constraints.txt -e '.[bench]'")
        return

    def theirs() -> tuple[list[int], list[int]]:
        found_raw, found_scheduled = [], []
        for i in range(INTERVALS):
            for j in range(LINES):
                result = ErlangC(
                    transactions=float(arrivals[i, j]),
                    aht=float(aht[i, j]) / 60,
                    asa=ANSWER_WITHIN / 60,
                    interval=INTERVAL_SECONDS / 60,
                    shrinkage=SHRINKAGE,
                ).required_positions(service_level=TARGET_SL)
                found_raw.append(result["raw_positions"])
                found_scheduled.append(result["positions"])
        return found_raw, found_scheduled

    their_raw, their_scheduled = theirs()
    theirs_ms = _median_ms(theirs, 3)
    their_raw_grid = np.array(their_raw).reshape(raw.shape)
    mismatches = int(np.sum(their_raw_grid != raw))
    assert mismatches == 0, f"{mismatches} cells differ from pyworkforce"
    # pyworkforce rounds ceil(raw / (1 - shrinkage)) in floating point; count where that differs
    differ = np.array(their_scheduled).reshape(raw.shape) != scheduled
    exact = np.array([math.ceil(r * 10 / 7) for r in raw.ravel()]).reshape(raw.shape)
    assert np.array_equal(exact, scheduled)
    their_scheduled_grid = np.array(their_scheduled).reshape(raw.shape)
    assert np.all(their_scheduled_grid[differ] == scheduled[differ] + 1)
    assert np.all(raw[differ] % 7 == 0), "differences only where raw / 0.7 is a whole number"
    print(f"  pyworkforce {_version()} ErlangC.required_positions: median {theirs_ms:.0f} ms")
    print(f"  agents identical in all {raw.size} cells; ours is {theirs_ms / ours_ms:.0f}x faster")
    print(
        f"  after shrinkage: {int(differ.sum())} cells where pyworkforce's float rounding "
        "adds an agent (e.g. 21 / 0.7 -> 31); ours is exact"
    )


def _version() -> str:
    from importlib.metadata import version

    return version("pyworkforce")


def bench_erlang_a() -> None:
    def ours() -> QueueMetrics:
        return erlang_a.required_agents(
            arrivals=5000.0,
            interval_seconds=INTERVAL_SECONDS,
            aht_seconds=180.0,
            patience_seconds=120.0,
            target_sl=TARGET_SL,
            answer_within=ANSWER_WITHIN,
        )

    result = ours()
    ms = _median_ms(ours, 30)
    print("Erlang A, 500 Erlangs (5000 calls / 30 min, AHT 180 s, patience 120 s, 80 % in 20 s)")
    print(
        f"  kpo.planning.erlang_a.required_agents: {result.agents} agents, "
        f"SL {result.service_level:.4f}, abandonment {result.abandonment:.4f}; "
        f"median {ms:.2f} ms (target <= 10 ms)"
    )
    print("  pyworkforce Erlang A (0.5.4) needs Python >= 3.12: not measurable on this Python")


def main() -> None:
    print(f"python {platform.python_version()}, {platform.machine()}")
    bench_grid()
    bench_erlang_a()
