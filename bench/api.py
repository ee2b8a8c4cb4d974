"""POST /v1/work-items (validated, stored, routed) against a bare FastAPI insert, side by side.

Run with ``.venv/bin/python -m bench api``; PostgreSQL too when ``KPO_TEST_POSTGRES_URL`` is
set (e.g. ``scripts/with-postgres .venv/bin/python -m bench api``). Figures go to
docs/benchmarks.md.

Two servers with the same settings (uvicorn, one process, 127.0.0.1, no access log) on the
same database:

- **kpo**: ``kpo serve``'s app. Each POST authenticates an API key, validates the body,
  checks the service line, routes the item through the in-memory engine (offer to the best
  of 50 specialists, explanation kept) and stores the item, its transitions, its events and
  the routing decision in one transaction. The background worker runs as in production.
- **bare**: one FastAPI ``def`` endpoint that inserts one row into a table of the same file
  (same engine settings: WAL, ``synchronous=NORMAL``) and returns it.

Both servers are up at once and measured alternately, so a change of machine load hits both.
Throughput: 16 concurrent clients, three alternating windows of 10 s per server (after 2 s
of warm-up each), median window. Latency: open loops at 50 and 200 requests/s for 10 s each,
alternating too, over 64 keep-alive connections; each latency is measured from the request's
*scheduled* start, so a slow server cannot hide its queueing (no coordinated omission; the
wrk2 model). The load generator (httpx,
asyncio) runs on the same machine.
"""

from __future__ import annotations

import asyncio
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path
from statistics import median
from tempfile import mkdtemp

import httpx
from pydantic import BaseModel

SERVE_FLAG = "--serve"
CONCURRENCY = 16
ROUNDS = 3  # alternating throughput windows per server
OPEN_LOOP_CONNECTIONS = 64
ERRORS: list[str] = []  # transport errors of the closed loops (reported)
DURATION = 10.0
WARMUP = 2.0
RATES = (50.0, 200.0)  # requests per second of the open-loop latency runs
BODY = {"service_line_id": "bench-line", "language": "en", "subject": "Card charged twice"}


# ---------------------------------------------------------------------------------- servers


class Row(BaseModel):
    """The bare endpoint's body: the same three fields, validated by pydantic only."""

    service_line_id: str
    language: str
    subject: str = ""


def _bare_app(url: str) -> object:
    from fastapi import FastAPI
    from sqlalchemy import Column, Integer, MetaData, String, Table, insert

    from kpo.adapters.db.engine import create_db_engine

    engine = create_db_engine(url)
    metadata = MetaData()
    rows = Table(
        "bench_rows",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("service_line_id", String(64), nullable=False),
        Column("language", String(8), nullable=False),
        Column("subject", String(500), nullable=False),
    )
    metadata.create_all(engine)

    api = FastAPI()

    @api.post("/rows", status_code=201)
    def add_row(row: Row) -> dict[str, object]:
        with engine.begin() as connection:
            new_id = connection.execute(insert(rows).values(row.model_dump())).inserted_primary_key
        return {"id": new_id[0] if new_id else None, **row.model_dump()}

    return api


def _kpo_app(url: str) -> object:
    from kpo.bootstrap import connect
    from kpo.entrypoints.api import create_app
    from kpo.entrypoints.api.logs import configure_logging

    configure_logging("warning")
    app = connect(url, server=True)  # as `kpo serve` does
    app.require_schema()
    return create_app(app)


def _serve(kind: str, url: str, port: int) -> None:
    import uvicorn

    from kpo.entrypoints.api import freeze_startup_heap

    api = _bare_app(url) if kind == "bare" else _kpo_app(url)
    freeze_startup_heap()  # as `kpo serve` does; for both servers, so settings stay the same
    uvicorn.run(api, host="127.0.0.1", port=port, log_level="warning", access_log=False)  # type: ignore[arg-type]


def _seed(url: str) -> str:
    """A migrated database with one client line and 50 specialists on shift around the
    clock; returns a client API key."""
    from datetime import UTC, date, datetime, timedelta
    from decimal import Decimal

    from kpo.adapters.clock import SystemClock
    from kpo.bootstrap import connect
    from kpo.domain.access import Role
    from kpo.domain.calendars import parse_hours
    from kpo.domain.channels import Channel
    from kpo.domain.clients import Client, Coverage, ServiceLine, SkillRequirement
    from kpo.domain.money import Money
    from kpo.domain.sla import SlaPolicy
    from kpo.domain.specialists import Specialist
    from kpo.domain.vendors import RateCard, Vendor
    from kpo.services.api_keys import create_api_key
    from kpo.services.setup import initialize

    with connect(url) as app:
        initialize(app.engine, app.uow())
        with app.uow() as uow:
            uow.clients.add(Client("bench", "Bench Bank", "UTC", "USD"))
            uow.vendors.add(
                Vendor("v1", "Vendor One", "PL", "UTC", RateCard(Money.of("20", "USD")))
            )
            uow.service_lines.add(
                ServiceLine(
                    id="bench-line",
                    client_id="bench",
                    name="Disputes",
                    channel=Channel.CHAT,
                    required_skills=(SkillRequirement("card_disputes", 2),),
                    languages=frozenset({"en"}),
                    sla=SlaPolicy(first_response=timedelta(hours=1)),
                    coverage=Coverage("UTC", "daily 00:00-24:00"),
                )
            )
            uow.specialists.add_many(
                [
                    Specialist(
                        id=f"s{n:03d}",
                        vendor_id="v1",
                        name=f"Specialist {n}",
                        skills={"card_disputes": 2 + n % 4},
                        languages=frozenset({"en"}),
                        time_zone="UTC",
                        working_hours=parse_hours("daily 00:00-24:00"),
                        capacity={Channel.CHAT: 3},
                        hourly_cost=Money(Decimal(15 + n % 10), "USD"),
                        employment_start=date(2024, 1, 1),
                    )
                    for n in range(50)
                ]
            )
            uow.commit()
        created = create_api_key(app.uow(), role=Role.CLIENT, org="bench", clock=SystemClock())
        assert datetime.now(UTC)  # the clock is the system's
        return created.key


def _reset_postgres(url: str) -> None:
    from sqlalchemy import text

    from kpo.adapters.db.engine import create_db_engine

    engine = create_db_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(kind: str, url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.api", SERVE_FLAG, kind, url, str(port)],
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/openapi.json", timeout=1)
            return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the {kind} server did not start")


# ---------------------------------------------------------------------------------- load


async def _closed_loop(base: str, path: str, headers: dict[str, str]) -> float:
    """Requests per second with CONCURRENCY clients for DURATION (after WARMUP)."""
    done = 0
    counting = False

    async def client(http: httpx.AsyncClient, stop: float) -> None:
        nonlocal done
        while time.monotonic() < stop:
            try:
                answer = await http.post(path, json=BODY, headers=headers)
            except httpx.TransportError as error:  # counted, not fatal: see ERRORS
                ERRORS.append(f"{path}: {type(error).__name__}")
                continue
            assert answer.status_code == 201, answer.text
            if counting:
                done += 1

    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
        await asyncio.gather(*(client(http, time.monotonic() + WARMUP) for _ in range(CONCURRENCY)))
        counting = True
        start = time.monotonic()
        await asyncio.gather(*(client(http, start + DURATION) for _ in range(CONCURRENCY)))
        return done / (time.monotonic() - start)


async def _open_loop(
    base: str, path: str, headers: dict[str, str], rate: float
) -> tuple[list[float], int]:
    """Latencies (s) at ``rate`` requests per second, from each request's scheduled start,
    and how many requests failed (no answer, or not 201)."""
    latencies: list[float] = []
    failed = 0

    async def one(http: httpx.AsyncClient, scheduled: float) -> None:
        nonlocal failed
        try:
            answer = await http.post(path, json=BODY, headers=headers)
        except httpx.HTTPError:
            failed += 1
            return
        if answer.status_code != 201:
            failed += 1
            return
        latencies.append(time.monotonic() - scheduled)

    # A fixed pool of keep-alive connections at a constant rate, latency from the intended
    # start (the wrk2 model): a request waiting for a free connection is counted as waiting.
    limits = httpx.Limits(max_connections=OPEN_LOOP_CONNECTIONS)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as http:
        tasks = []
        start = time.monotonic()
        for n in range(int(rate * DURATION)):
            scheduled = start + n / rate
            delay = scheduled - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(http, scheduled)))
        await asyncio.gather(*tasks)
    return latencies, failed


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _interleaved(url: str, auth: dict[str, str]) -> dict[str, dict[str, float]]:
    """Both servers up at once; throughput windows alternate (bare, kpo, bare, kpo, …) so a
    change of machine load hits both alike; the median window counts. Then the latency runs,
    alternating too."""
    targets = {"bare": ("/rows", {}), "kpo": ("/v1/work-items", auth)}
    servers = {kind: _start(kind, url) for kind in targets}
    windows: dict[str, list[float]] = {kind: [] for kind in targets}
    figures: dict[str, dict[str, float]] = {kind: {} for kind in targets}
    try:
        for _ in range(ROUNDS):
            for kind, (path, headers) in targets.items():
                rate = asyncio.run(_closed_loop(servers[kind][1], path, headers))
                windows[kind].append(rate)
                print(f"   {kind}: {rate:.0f} requests/s", flush=True)
        for rate in RATES:
            for kind, (path, headers) in targets.items():
                latencies, failed = asyncio.run(_open_loop(servers[kind][1], path, headers, rate))
                got = figures[kind]
                got[f"p50@{rate:g}"] = median(latencies) * 1000 if latencies else float("nan")
                got[f"p99@{rate:g}"] = (
                    _percentile(latencies, 0.99) * 1000 if latencies else float("nan")
                )
                got[f"failed@{rate:g}"] = failed
    finally:
        for kind, (process, _) in servers.items():
            if process.poll() is not None:
                print(f"   the {kind} server exited with {process.returncode}")
            process.terminate()
            process.wait(timeout=30)
    for kind in targets:
        figures[kind]["throughput"] = median(windows[kind])
    return figures


def _load() -> str:
    """The 1, 5 and 15 min load averages: the machine is shared, so figures need them."""
    if not hasattr(os, "getloadavg"):
        return "load average unknown"
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def run(url: str, label: str) -> None:
    key = _seed(url)
    before = _load()
    figures = _interleaved(url, {"Authorization": f"Bearer {key}"})
    bare, kpo = figures["bare"], figures["kpo"]
    share = kpo["throughput"] / bare["throughput"]
    print(f"-- {label} ({before} before, {_load()} after)")
    columns = [f"{p} ms @{r:g}/s" for r in RATES for p in ("p50", "p99")]
    print(f"{'':22}{'req/s':>7}" + "".join(f"{c:>17}" for c in columns) + "  failed")
    for name, got in (("bare FastAPI insert", bare), ("POST /v1/work-items", kpo)):
        cells = "".join(f"{got[f'{p}@{r:g}']:>17.1f}" for r in RATES for p in ("p50", "p99"))
        failed = "/".join(f"{got[f'failed@{r:g}']:.0f}" for r in RATES)
        print(f"{name:22}{got['throughput']:>7.0f}{cells}  {failed}")
    print(f"kpo / bare throughput: {share:.0%} (target >= 40 %); kpo p99 target <= 50 ms")
    if ERRORS:
        print(f"transport errors in the throughput windows: {len(ERRORS)} ({ERRORS[0]} …)")
        ERRORS.clear()


def main() -> None:
    machine = platform.processor() or platform.machine()
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {machine}")
    folder = Path(mkdtemp(prefix="kpo-bench-api-"))
    run(f"sqlite:///{folder / 'bench.sqlite3'}", "SQLite (WAL, synchronous=NORMAL)")
    postgres = os.environ.get("KPO_TEST_POSTGRES_URL")
    if postgres:
        _reset_postgres(postgres)
        run(postgres, "PostgreSQL")
    else:
        print("-- PostgreSQL skipped: set KPO_TEST_POSTGRES_URL (scripts/with-postgres)")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == SERVE_FLAG:
        _serve(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        main()
