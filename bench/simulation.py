"""The simulated week: the demo week and a million items through the real routing engine.

Run with ``.venv/bin/python -m bench simulation`` (both runs, each in its own process so
that peak memory is its own) or ``.venv/bin/python -m bench.simulation --scale 21`` for one
run. Figures go to docs/benchmarks.md ("The simulated week").

One run: the demo network (:func:`kpo.scenario.network.build_network`, headcount × scale)
and its week of arrivals (:func:`kpo.scenario.arrivals.generate_arrivals`, volume × scale),
then :class:`kpo.simulation.Simulator` with the default behaviour and :func:`summarise`.
Timed (wall clock): generating the arrivals, building the simulator (router index and shift
changes), the simulation itself (also its process CPU time: the machine may be shared), and
the report. Peak resident memory of the process from
``resource.getrusage`` (Linux reports kilobytes). Items are handed to the simulator from a
queue it empties, so that resolved items can be freed during the run.
"""

from __future__ import annotations

import argparse
import gc
import platform
import resource
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from kpo.bootstrap import calendar_for, holidays_for
from kpo.domain.work_items import WorkItem
from kpo.routing.engine import LineSetup
from kpo.scenario.arrivals import generate_arrivals
from kpo.scenario.network import build_network
from kpo.simulation import Simulator, summarise

__all__ = ["main", "run"]

WEEK = datetime(2026, 3, 23, tzinfo=UTC)
SEED = 7


def _drain(queue: deque[WorkItem]) -> Iterator[WorkItem]:
    while queue:
        yield queue.popleft()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(scale: float) -> None:
    began = time.perf_counter()
    network = build_network(SEED, week_start=WEEK.date(), staff_scale=scale)
    items = generate_arrivals(
        network.service_lines, network.clients, seed=SEED, start=WEEK, scale=scale
    )
    arrived = len(items)
    generated = time.perf_counter() - began
    countries = {v.id: v.country for v in network.vendors}
    began = time.perf_counter()
    simulator = Simulator(
        [LineSetup(line, calendar=calendar_for(line.coverage)) for line in network.service_lines],
        network.specialists,
        start=WEEK,
        end=WEEK + timedelta(days=7),
        holidays_for=lambda s: holidays_for(countries[s.vendor_id]),
        countries=countries,
        seed=SEED,
    )
    built = time.perf_counter() - began
    queue = deque(items)
    del items
    gc.freeze()  # the network and the queued items are long-lived: keep them out of GC scans
    began, cpu = time.perf_counter(), time.process_time()
    outcomes = simulator.run(_drain(queue))
    simulated, cpu = time.perf_counter() - began, time.process_time() - cpu
    began = time.perf_counter()
    report = summarise(outcomes)
    reported = time.perf_counter() - began
    counts = report.items
    print(
        f"scale {scale:g}: {arrived:,} items, {len(network.specialists):,} specialists, "
        f"4 service lines, 7 simulated days"
    )
    print(
        f"  generate {generated:.1f} s, build {built:.1f} s, simulate {simulated:.1f} s "
        f"(CPU {cpu:.1f} s, {simulated / arrived * 1e6:.0f} µs per item), "
        f"report {reported:.2f} s; "
        f"peak RSS {_peak_mb():,.0f} MB"
    )
    print(
        f"  resolved {counts.resolved:,}, abandoned {counts.abandoned:,}, cancelled "
        f"{counts.cancelled:,}, open {counts.open:,}; "
        + ", ".join(
            f"{line.line_id} SLA {line.sla_attainment:.2f}"
            for line in report.lines
            if line.sla_attainment is not None
        )
        + "; occupancy "
        + ", ".join(f"{v.vendor_id} {v.occupancy:.2f}" for v in report.vendors)
    )


def main() -> None:
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.processor()}")
    for scale in ("1", "21"):
        subprocess.run([sys.executable, "-m", "bench.simulation", "--scale", scale], check=True)


_: Callable[[], None] = main

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, help="one run at this scale")
    args = parser.parse_args()
    if args.scale is None:
        main()
    else:
        run(args.scale)
