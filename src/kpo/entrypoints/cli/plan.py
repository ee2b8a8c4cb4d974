"""``kpo plan``: staffing for one interval and for an interval plan (Erlang C / Erlang A)."""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kpo.entrypoints.cli.files import read_lines
from kpo.entrypoints.cli.forecast import forecast
from kpo.entrypoints.cli.schedule import schedule
from kpo.entrypoints.cli.team import team
from kpo.planning.intervals import (
    IntervalStaffing,
    Staffing,
    StaffingTargets,
    parse_interval_rows,
    plan_intervals,
    staff,
)
from kpo.simulation.staffing_check import StaffingCheck, check_staffing

__all__ = ["app"]

app = typer.Typer(
    help="Plan staff: agents per interval for a service-level target (Erlang C/A) and "
    "shifts across vendors (CP-SAT).",
    no_args_is_help=True,
)
app.command("schedule")(schedule)
app.command("forecast")(forecast)
app.command("team")(team)


class OutputFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


IntervalOption = Annotated[
    float,
    typer.Option("--interval-seconds", help="Length of one interval in seconds."),
]
TargetOption = Annotated[
    float,
    typer.Option(
        "--target-sl",
        help="Service-level target: share of calls answered within --answer-within (0–1).",
    ),
]
WithinOption = Annotated[
    float,
    typer.Option(
        "--answer-within",
        help="Seconds within which calls count as answered in time; 0 means without waiting.",
    ),
]
OccupancyOption = Annotated[
    float | None,
    typer.Option(
        "--max-occupancy", help="Highest share of agents' time spent on calls (0–1), e.g. 0.85."
    ),
]
ShrinkageOption = Annotated[
    float,
    typer.Option(
        "--shrinkage",
        help="Share of paid time not on the phones (breaks, training, absence), 0 ≤ s < 1.",
    ),
]
PatienceOption = Annotated[
    float | None,
    typer.Option(
        "--patience-seconds",
        help="Mean caller patience in seconds; switches to Erlang A (callers hang up).",
    ),
]
AbandonmentOption = Annotated[
    float | None,
    typer.Option(
        "--max-abandonment",
        help="Highest share of callers who hang up (0–1); needs --patience-seconds.",
    ),
]


def _targets(
    *,
    target_sl: float,
    answer_within: float,
    max_occupancy: float | None,
    shrinkage: float,
    patience_seconds: float | None,
    max_abandonment: float | None,
) -> StaffingTargets:
    return StaffingTargets(
        target_sl=target_sl,
        answer_within=answer_within,
        max_occupancy=max_occupancy,
        shrinkage=shrinkage,
        patience_seconds=patience_seconds,
        max_abandonment=max_abandonment,
    )


def _console() -> Console:
    """Rich console; piped output gets 120 columns rather than Rich's default 80."""
    return Console() if sys.stdout.isatty() else Console(width=120)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _staffing_record(staffing: Staffing) -> dict[str, object]:
    metrics = staffing.metrics
    record: dict[str, object] = {
        "model": staffing.model,
        "agents": staffing.agents,
        "raw_agents": staffing.raw_agents,
        "offered_load": metrics.offered_load,
        "service_level": metrics.service_level,
        "asa_seconds": _finite(metrics.asa_seconds),
        "wait_probability": metrics.wait_probability,
        "occupancy": metrics.occupancy,
    }
    if metrics.abandonment is not None:
        record["abandonment"] = metrics.abandonment
    return record


def _percent(value: object) -> str:
    return f"{value:.1%}" if isinstance(value, float) else "—"


def _seconds(value: object) -> str:
    return f"{value:.1f}" if isinstance(value, float) else "∞"


@app.command()
def staffing(
    arrivals: Annotated[float, typer.Option(help="Calls expected in the interval.")],
    aht_seconds: Annotated[float, typer.Option(help="Average handling time in seconds.")],
    interval_seconds: IntervalOption = 1800.0,
    target_sl: TargetOption = 0.8,
    answer_within: WithinOption = 20.0,
    max_occupancy: OccupancyOption = None,
    shrinkage: ShrinkageOption = 0.0,
    patience_seconds: PatienceOption = None,
    max_abandonment: AbandonmentOption = None,
    agents: Annotated[
        int | None,
        typer.Option(help="Evaluate this many agents on the phones instead of solving."),
    ] = None,
    simulate: Annotated[
        bool,
        typer.Option(
            "--simulate",
            help="Also run the agents on the phones through the routing engine on a simulated "
            "clock (Poisson arrivals, exponential handle times and patience) and show the "
            "simulated service level beside the formula's.",
        ),
    ] = False,
    replications: Annotated[
        int, typer.Option(min=2, max=1000, help="Independent simulated intervals (--simulate).")
    ] = 30,
    seed: Annotated[int, typer.Option(min=0, help="Random seed of --simulate.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Agents needed for one interval, or what a given number of agents achieves.

    Example: kpo plan staffing --arrivals 100 --interval-seconds 1800 --aht-seconds 180
    --target-sl 0.8 --answer-within 20 --shrinkage 0.3 [--simulate]
    """
    targets = _targets(
        target_sl=target_sl,
        answer_within=answer_within,
        max_occupancy=max_occupancy,
        shrinkage=shrinkage,
        patience_seconds=patience_seconds,
        max_abandonment=max_abandonment,
    )
    result = staff(
        arrivals=arrivals,
        interval_seconds=interval_seconds,
        aht_seconds=aht_seconds,
        targets=targets,
        agents=agents,
    )
    record = _staffing_record(result)
    check: StaffingCheck | None = None
    if simulate:
        check = check_staffing(
            agents=result.raw_agents,
            arrivals=arrivals,
            interval_seconds=interval_seconds,
            aht_seconds=aht_seconds,
            answer_within=answer_within,
            patience_seconds=patience_seconds,
            replications=replications,
            seed=seed,
        )
        record["simulation"] = check.to_json()
    if as_json:
        typer.echo(json.dumps(record))
        return
    title = "Erlang A" if result.model == "erlang_a" else "Erlang C"
    table = Table(title=f"Staffing ({title})", show_header=False)
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("offered load (Erlangs)", f"{result.metrics.offered_load:.2f}")
    table.add_row("agents on the phones", str(result.raw_agents))
    table.add_row(f"agents with {shrinkage:.0%} shrinkage", str(result.agents))
    within = "without waiting" if answer_within == 0 else f"within {answer_within:g} s"
    table.add_row(f"service level ({within})", _percent(record["service_level"]))
    table.add_row("average speed of answer (s)", _seconds(record["asa_seconds"]))
    table.add_row("probability of waiting", _percent(record["wait_probability"]))
    table.add_row("occupancy", _percent(record["occupancy"]))
    if "abandonment" in record:
        table.add_row("abandonment", _percent(record["abandonment"]))
    if check is not None:
        _add_simulated_rows(table, check)
    _console().print(table)


def _add_simulated_rows(table: Table, check: StaffingCheck) -> None:
    """The simulated measures beside the formula's (routing engine, simulated clock)."""
    table.add_section()
    table.add_row(
        f"simulated service level ({check.replications} runs, 95 % CI)",
        f"{check.service_level:.1%} ± {check.service_level_ci95:.1%}",
    )
    table.add_row("simulated average speed of answer (s)", f"{check.asa_seconds:.1f}")
    if check.abandonment is not None:
        table.add_row("simulated abandonment", f"{check.abandonment:.1%}")
    table.add_row("simulated calls per interval", f"{check.calls:.1f}")


_INTERVAL_FIELDS = (
    "service_line",
    "interval_start",
    "arrivals",
    "aht_seconds",
    "offered_load",
    "raw_agents",
    "agents",
    "service_level",
    "asa_seconds",
    "wait_probability",
    "occupancy",
)


def _interval_record(plan: IntervalStaffing) -> dict[str, object]:
    demand = plan.demand
    record: dict[str, object] = {
        "service_line": demand.service_line,
        "interval_start": demand.interval_start.isoformat(),
        "arrivals": demand.arrivals,
        "aht_seconds": demand.aht_seconds,
    }
    record.update(_staffing_record(plan.staffing))
    del record["model"]
    return record


@app.command()
def intervals(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV with columns service_line, interval_start (ISO 8601 with UTC offset), "
            "arrivals, aht_seconds.",
            dir_okay=False,
        ),
    ],
    interval_seconds: IntervalOption = 1800.0,
    target_sl: TargetOption = 0.8,
    answer_within: WithinOption = 20.0,
    max_occupancy: OccupancyOption = None,
    shrinkage: ShrinkageOption = 0.0,
    patience_seconds: PatienceOption = None,
    max_abandonment: AbandonmentOption = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="Output as a table, CSV or JSON.")
    ] = OutputFormat.TABLE,
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    simulate: Annotated[
        bool,
        typer.Option(
            "--simulate",
            help="Also run each interval's agents through the routing engine on a simulated "
            "clock and show the simulated service level (and abandonment) beside the "
            "formula's, with the intervals whose simulation misses the target.",
        ),
    ] = False,
    replications: Annotated[
        int, typer.Option(min=2, max=1000, help="Simulated runs per interval (--simulate).")
    ] = 10,
    seed: Annotated[int, typer.Option(min=0, help="Random seed of --simulate.")] = 0,
) -> None:
    """Required staff per interval and service line from an interval plan (CSV).

    Every bad row is reported with its row number (header = row 1), column and reason;
    nothing is printed unless every row is good. With --simulate a progress bar on stderr
    counts the simulated intervals.
    """
    targets = _targets(
        target_sl=target_sl,
        answer_within=answer_within,
        max_occupancy=max_occupancy,
        shrinkage=shrinkage,
        patience_seconds=patience_seconds,
        max_abandonment=max_abandonment,
    )
    demands = parse_interval_rows(read_lines(file))
    plans = plan_intervals(demands, interval_seconds=interval_seconds, targets=targets)
    records = [_interval_record(plan) for plan in plans]
    fields = list(_INTERVAL_FIELDS) + (["abandonment"] if targets.patience_seconds else [])
    if simulate:
        _simulate_intervals(
            plans,
            records,
            interval_seconds=interval_seconds,
            targets=targets,
            replications=replications,
            seed=seed,
        )
        fields += _SIMULATED_FIELDS
    if as_json or output is OutputFormat.JSON:
        document: dict[str, object] = {
            "model": targets.model,
            "interval_seconds": interval_seconds,
            "intervals": records,
        }
        if simulate:
            document["simulated_below_target"] = _below_target(records, targets)
        typer.echo(json.dumps(document))
    elif output is OutputFormat.CSV:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        typer.echo(buffer.getvalue(), nl=False)
    else:
        _print_interval_table(records, targets=targets, simulated=simulate)


_SIMULATED_FIELDS = [
    "simulated_service_level",
    "simulated_service_level_ci95",
    "simulated_asa_seconds",
    "simulated_abandonment",
]


def _simulate_intervals(
    plans: list[IntervalStaffing],
    records: list[dict[str, object]],
    *,
    interval_seconds: float,
    targets: StaffingTargets,
    replications: int,
    seed: int,
) -> None:
    """Add the simulated measures of each interval's agents on the phones to its record
    (intervals without calls are not simulated: their fields stay empty)."""
    with Progress(
        TextColumn("simulating intervals"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("simulate", total=len(plans))
        for number, (plan, record) in enumerate(zip(plans, records, strict=True)):
            demand = plan.demand
            record.update(dict.fromkeys(_SIMULATED_FIELDS))
            if demand.arrivals > 0 and plan.staffing.raw_agents > 0:
                check = check_staffing(
                    agents=plan.staffing.raw_agents,
                    arrivals=demand.arrivals,
                    interval_seconds=interval_seconds,
                    aht_seconds=demand.aht_seconds,
                    answer_within=targets.answer_within,
                    patience_seconds=targets.patience_seconds,
                    replications=replications,
                    seed=seed + number,
                )
                record["simulated_service_level"] = round(check.service_level, 4)
                record["simulated_service_level_ci95"] = round(check.service_level_ci95, 4)
                record["simulated_asa_seconds"] = round(check.asa_seconds, 2)
                if check.abandonment is not None:
                    record["simulated_abandonment"] = round(check.abandonment, 4)
            progress.advance(task)


def _below_target(records: list[dict[str, object]], targets: StaffingTargets) -> list[int]:
    """Positions of the intervals whose simulated service level, even at the top of its
    95 % confidence interval, is below the target."""
    below = []
    for position, record in enumerate(records):
        level = record.get("simulated_service_level")
        spread = record.get("simulated_service_level_ci95")
        if (
            isinstance(level, float)
            and isinstance(spread, float)
            and level + spread < targets.target_sl
        ):
            below.append(position)
    return below


def _print_interval_table(
    records: list[dict[str, object]], *, targets: StaffingTargets, simulated: bool = False
) -> None:
    title = "Erlang A" if targets.model == "erlang_a" else "Erlang C"
    table = Table(
        title=f"Required staff per interval ({title})",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        caption=f"agents: on the phones; scheduled: with {targets.shrinkage:.0%} shrinkage; "
        f"SL: answered within {targets.answer_within:g} s",
    )
    table.add_column("service line", overflow="fold")
    table.add_column("interval start", no_wrap=True)
    headings = ["calls", "agents", "scheduled", "SL", "ASA s", "occupancy"]
    abandonment = targets.patience_seconds is not None
    if abandonment:
        headings.append("abandonment")
    if simulated:
        headings += ["sim. SL (95 % CI)", *(["sim. abandonment"] if abandonment else [])]
    for heading in headings:
        table.add_column(heading, justify="right")
    for record in records:
        start = datetime.fromisoformat(str(record["interval_start"]))
        cells = [
            str(record["service_line"]),
            start.strftime("%Y-%m-%d %H:%M%z"),
            f"{record['arrivals']:g}",
            str(record["raw_agents"]),
            str(record["agents"]),
            _percent(record["service_level"]),
            _seconds(record["asa_seconds"]),
            _percent(record["occupancy"]),
        ]
        if abandonment:
            cells.append(_percent(record.get("abandonment")))
        if simulated:
            level = record.get("simulated_service_level")
            cells.append(
                "—"
                if level is None
                else f"{_percent(level)} ± {_percent(record['simulated_service_level_ci95'])}"
            )
            if abandonment:
                cells.append(_percent(record.get("simulated_abandonment")))
        table.add_row(*cells)
    _console().print(table)
    if simulated:
        below = _below_target(records, targets)
        _console().print(
            f"simulated: {len(below)} of {len(records)} intervals below the "
            f"{targets.target_sl:.0%} target even at the top of their 95 % interval"
        )
