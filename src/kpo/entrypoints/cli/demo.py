"""``kpo demo``: the main job on the embedded database."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kpo.bootstrap import App, calendar_for, connect, holidays_for
from kpo.entrypoints.cli.demo_html import write_html
from kpo.entrypoints.cli.demo_report import render_simulation
from kpo.entrypoints.cli.output import console, err_console, print_json
from kpo.scenario.arrivals import monday_of
from kpo.services.demo import SIMULATING, DemoResult, run_demo
from kpo.services.setup import initialize

__all__ = ["demo"]

DEMO_FILE = Path("kpo-demo.sqlite3")


def _week_start(text: str | None) -> datetime:
    if text is None:
        return monday_of(datetime.now(UTC))
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date like 2026-11-30", param_hint="--week-start"
        ) from None
    return monday_of(datetime(day.year, day.month, day.day, tzinfo=UTC))


def demo(
    seed: Annotated[
        int, typer.Option(help="Random seed; the same seed gives the same network.")
    ] = 7,
    days: Annotated[int, typer.Option(min=1, max=28, help="Days of arrivals to generate.")] = 7,
    db: Annotated[
        str | None,
        typer.Option(
            help="SQLAlchemy URL of an empty database. Default: a fresh ./kpo-demo.sqlite3 "
            "(replaced on every run)."
        ),
    ] = None,
    week_start: Annotated[
        str | None,
        typer.Option(
            help="A date in the week to simulate (its Monday is used). Default: this week."
        ),
    ] = None,
    scale: Annotated[
        float, typer.Option(min=0.001, max=10.0, help="Multiply every arrival volume.")
    ] = 1.0,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            help="Also write the report with charts to this self-contained HTML file.",
            dir_okay=False,
            writable=True,
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Generate a realistic outsourcing network and a week of work, run the week through the
    routing engine on a simulated clock, store it, and report SLA, occupancy and cost.

    Two clients (a fintech and a software company), four vendors in Manila, Bengaluru, Kraków
    and Bogotá with their own holidays and rates, about 140 specialists on local shifts, and a
    week of arrivals following each client's day in its own time zone. Specialists answer
    offers after a few seconds (tickets: about a minute), reject some, work at the pace of
    their skill level; callers hang up when kept waiting. The same seed gives the same figures.
    """
    start = _week_start(week_start)
    if db is None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DEMO_FILE}{suffix}").unlink(missing_ok=True)
        db = f"sqlite:///{DEMO_FILE}"
    began = time.perf_counter()
    with connect(db) as app:
        initialize(app.engine, app.uow())
        result = _generate(app, json_output, seed=seed, start=start, days=days, scale=scale)
    elapsed = time.perf_counter() - began
    data = _as_json(result, db, elapsed)
    if html is not None:
        write_html(html, data)
    if json_output:
        print_json(data)
    else:
        _render(result, db, elapsed)
        render_simulation(console, data)
        if html is not None:
            console.print(f"Report with charts written to {html}.")


def _generate(
    app: App, quiet: bool, *, seed: int, start: datetime, days: int, scale: float
) -> DemoResult:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[count]}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=quiet or not err_console.is_terminal,
    ) as progress:
        task = progress.add_task("generating", total=None, count="")

        def report(stage: str, done: int, total: int) -> None:
            if stage == SIMULATING:  # counted in simulated hours, shown in days
                count = f"day {min(done // 24 + 1, total // 24)} of {total // 24}"
            else:
                count = f"{done:,}/{total:,}"
            progress.update(task, description=stage, completed=done, total=total, count=count)

        return run_demo(
            app.uow(),
            seed=seed,
            week_start=start,
            days=days,
            scale=scale,
            holidays_for=holidays_for,
            calendar_for=calendar_for,
            progress=report,
        )


def _as_json(result: DemoResult, db: str, elapsed: float) -> dict[str, Any]:
    """The network summary and the simulated week's figures in one object; service lines
    and vendors carry both."""
    simulated = result.report.to_json()
    lines = {line["id"]: line for line in simulated["service_lines"]}
    vendors = {vendor["id"]: vendor for vendor in simulated["vendors"]}
    return {
        "database": db,
        "seed": result.seed,
        "week_start": result.week_start.isoformat(),
        "days": result.days,
        "clients": [c.id for c in result.network.clients],
        "items": simulated["items"],
        "service_lines": [
            {
                "id": line.id,
                "client": line.client_id,
                "name": line.name,
                "channel": line.channel.value,
                "items": result.items_per_line.get(line.id, 0),
            }
            | lines[line.id]
            for line in result.network.service_lines
        ],
        "vendors": [
            {
                "id": v.id,
                "name": v.name,
                "time_zone": v.city_zone,
                "country": v.country,
                "headcount": v.headcount,
                "skills": v.skills,
                "languages": v.languages,
                "average_hourly_cost": v.average_hourly_cost.to_json(),
                "scheduled_hours": str(v.scheduled_hours.quantize(1)),
                "weekly_cost": v.weekly_cost.to_json(),
                "hourly_rate": v.rate.to_json(),
            }
            | vendors.get(v.id, {})
            for v in result.vendors
        ],
        "cost_per_resolved_item": simulated["cost_per_resolved_item"],
        "handled_by_utc_hour": simulated["handled_by_utc_hour"],
        "router_events": simulated["router_events"],
        "sample_day": result.sample_day.date().isoformat(),
        "on_shift_by_utc_hour": result.on_shift_by_hour,
        "simulated_seconds": simulated["simulated_seconds"],
        "simulation_wall_seconds": round(result.simulation_wall_seconds, 3),
        "wall_seconds": round(elapsed, 3),
    }


def _render(result: DemoResult, db: str, elapsed: float) -> None:
    network = result.network
    console.rule("[bold]OpenKPO demo network")
    console.print(
        f"{len(network.clients)} clients, {len(network.service_lines)} service lines, "
        f"{len(network.vendors)} vendors, {len(network.specialists)} specialists, "
        f"{result.items:,} work items arriving from {result.week_start:%a %Y-%m-%d} "
        f"({result.days} days). Simulated in {result.simulation_wall_seconds:.1f} s; "
        f"stored in {db}; {elapsed:.1f} s in all."
    )
    lines = Table(title="Service lines and the week's arrivals")
    for column in ("client", "service line", "channel", "skills", "languages", "items"):
        lines.add_column(column, justify="right" if column == "items" else "left")
    for line in network.service_lines:
        lines.add_row(
            line.client_id,
            line.name,
            line.channel.value,
            ", ".join(f"{r.skill}≥{r.min_level}" for r in line.required_skills),
            ", ".join(sorted(line.languages)),
            f"{result.items_per_line.get(line.id, 0):,}",
        )
    console.print(lines)

    ids = [v.id for v in result.vendors]
    peak = max(max(sum(result.on_shift_by_hour[v][h] for v in ids) for h in range(24)), 1)
    coverage = Table(
        title=f"Specialists on shift per UTC hour, {result.sample_day:%A %Y-%m-%d} (follow-the-sun)"
    )
    coverage.add_column("UTC", justify="right")
    for vendor in result.vendors:
        coverage.add_column(vendor.id, justify="right")
    coverage.add_column("total", justify="right")
    coverage.add_column("", min_width=20)
    colours = ("cyan", "magenta", "yellow", "green", "blue", "red")
    for hour in range(24):
        counts = [result.on_shift_by_hour[v][hour] for v in ids]
        bar = "".join(
            f"[{colours[i % len(colours)]}]" + "█" * round(20 * n / peak) + "[/]"
            for i, n in enumerate(counts)
        )
        coverage.add_row(f"{hour:02d}:00", *map(str, counts), str(sum(counts)), bar)
    console.print(coverage)

    vendors = Table(title="Vendors (costs in the rate-card currency)")
    for column in ("vendor", "zone", "staff", "cost/h", "rate/h", "paid h", "week cost"):
        vendors.add_column(column, justify="left" if column in ("vendor", "zone") else "right")
    for v in result.vendors:
        vendors.add_row(
            v.id,
            v.city_zone,
            str(v.headcount),
            f"{v.average_hourly_cost.amount}",
            f"{v.rate.amount}",
            f"{v.scheduled_hours:,.0f}",
            f"{v.weekly_cost.amount:,} {v.weekly_cost.currency}",
        )
    console.print(vendors)
    people = Table(title="Skills and languages per vendor (number of specialists)")
    people.add_column("vendor")
    people.add_column("skills")
    people.add_column("languages")
    for v in result.vendors:
        people.add_row(
            v.id,
            ", ".join(f"{skill} {n}" for skill, n in v.skills.items()),
            ", ".join(f"{lang} {n}" for lang, n in v.languages.items()),
        )
    console.print(people)
