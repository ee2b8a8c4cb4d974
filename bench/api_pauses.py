"""Request pauses of POST /v1/work-items without HTTP: the service path under an open loop,
with and without :func:`kpo.entrypoints.api.freeze_startup_heap`.

Run with ``.venv/bin/python -m bench api_pauses``. Each round seeds a fresh SQLite file as
``bench.api`` does, builds the API app (so the heap is what a server holds), and submits
work items through :func:`kpo.services.work_items.submit_work_item` with the live routing
engine at 200 per second for 30 s, while a thread ticks the engine every 0.25 s as the
server's background worker does. Latency is measured from each submit's *scheduled* start
(no coordinated omission); garbage collections are timed through ``gc.callbacks``. The two
settings alternate, three rounds each, each in its own process.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import tempfile
import threading
import time

RATE = 200.0
DURATION = 30.0
ROUNDS = 3
CHILD_FLAG = "--round"


def _round(freeze: bool) -> None:
    from bench.api import BODY, _kpo_app, _seed
    from kpo.domain.access import Actor, Role
    from kpo.entrypoints.api import freeze_startup_heap
    from kpo.entrypoints.api.schemas.work_items import WorkItemCreate
    from kpo.services import work_items

    url = f"sqlite:///{tempfile.mkdtemp()}/pauses.sqlite3"
    _seed(url)
    api = _kpo_app(url)
    runtime = api.state.runtime  # type: ignore[attr-defined]
    actor = Actor(Role.CLIENT, "bench")
    command = WorkItemCreate.model_validate(BODY).to_command()

    def submit() -> None:
        work_items.submit_work_item(
            runtime.uow(),
            actor,
            command,
            clock=runtime.clock,
            routing=runtime.routing,
            fresh_id=work_items.new_item_id(),
        )

    submit()  # builds the routing engine, as a server's first request does
    if freeze:
        freeze_startup_heap()
    pauses: list[tuple[int, float]] = []
    began: list[float] = [0.0]

    def timed(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        else:
            pauses.append((info["generation"], (time.perf_counter() - began[0]) * 1000))

    gc.callbacks.append(timed)
    stop = threading.Event()

    def tick() -> None:
        while not stop.is_set():
            runtime.routing.tick()
            runtime.app.checkpoint_wal()  # as the server's background worker does
            stop.wait(0.25)

    worker = threading.Thread(target=tick, daemon=True)
    worker.start()
    latencies: list[float] = []
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < DURATION:
        scheduled = start + len(latencies) / RATE
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        submit()
        latencies.append((time.perf_counter() - scheduled) * 1000)
    stop.set()
    worker.join()
    gc.callbacks.remove(timed)
    latencies.sort()
    full = [ms for generation, ms in pauses if generation == 2]
    p50 = latencies[len(latencies) // 2]
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    print(
        f"   {'frozen' if freeze else 'plain '}: {len(latencies)} submits in {elapsed:.0f} s, "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {latencies[-1]:.1f} ms; "
        f"full collections {len(full)}, longest {max(full, default=0.0):.0f} ms"
    )


def main() -> None:
    for _ in range(ROUNDS):
        for freeze in (False, True):
            flag = ["--freeze"] if freeze else []
            command = [sys.executable, "-m", "bench.api_pauses", CHILD_FLAG, *flag]
            subprocess.run(command, check=True)


if __name__ == "__main__":
    if CHILD_FLAG in sys.argv:
        _round("--freeze" in sys.argv)
    else:
        main()
