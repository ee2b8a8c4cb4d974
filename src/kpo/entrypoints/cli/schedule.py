"""``kpo plan schedule INPUT.json``: follow-the-sun shifts across vendors (docs/scheduling.md)."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from kpo.adapters.holidays import CountryHolidays
from kpo.domain.errors import ValidationError
from kpo.entrypoints.cli.files import read_json
from kpo.planning.scheduling import (
    INTERVAL,
    IntervalCoverage,
    Schedule,
    ScheduledShift,
    SolveOptions,
    solve_schedule,
)
from kpo.planning.scheduling_input import parse_schedule_request

__all__ = ["schedule"]


def schedule(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT.json", help="Schedule input.")],
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.1, help="Solver time limit in seconds.")
    ] = 60.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    csv_out: Annotated[
        Path | None, typer.Option("--csv-out", help="Also write the chosen shifts to this CSV.")
    ] = None,
) -> None:
    """Choose shifts per vendor that cover the required staff per UTC half hour at least cost."""
    data = read_json(input_path, field="INPUT")
    rows = None
    if isinstance(data, dict) and isinstance(data.get("requirement_csv"), str):
        rows = _read_requirement_csv(input_path.parent / data["requirement_csv"])
    request = parse_schedule_request(data, requirement_rows=rows, holidays_for=_public_holidays)
    err = Console(stderr=True)
    with err.status("Solving the shift schedule with CP-SAT…"):
        result = solve_schedule(request, SolveOptions(time_limit_seconds=time_limit))
    if csv_out is not None:
        _write_shifts_csv(csv_out, result.shifts)
    if as_json:
        typer.echo(json.dumps(_to_json(result), indent=2))
    else:
        _render(result, Console(highlight=False))


def _read_requirement_csv(path: Path) -> list[tuple[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None or [h.strip() for h in header] != ["interval_start", "required"]:
                raise ValidationError(
                    f"requirement_csv: {path} must start with the header 'interval_start,required'",
                    field="requirement_csv",
                )
            rows: list[tuple[str, str]] = []
            for n, row in enumerate(reader, start=2):
                if len(row) != 2:
                    raise ValidationError(
                        f"requirement_csv:row {n}: expected 2 columns, found {len(row)}",
                        field="requirement_csv",
                    )
                rows.append((row[0].strip(), row[1].strip()))
            return rows
    except OSError as error:
        raise ValidationError(
            f"requirement_csv: cannot read {path}: {error.strerror}", field="requirement_csv"
        ) from None


def _public_holidays(country: str, years: Sequence[int]) -> frozenset[date]:
    return CountryHolidays(country).dates_in(years)


def _write_shifts_csv(path: Path, shifts: Sequence[ScheduledShift]) -> None:
    try:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                ["vendor", "template", "local_date", "local_start", "local_end", "utc_start",
                 "utc_end", "people", "cost_each", "cost", "currency"]
            )  # fmt: skip
            for s in shifts:
                writer.writerow(
                    [s.vendor, s.template, s.local_date.isoformat(), s.local_start.isoformat(),
                     s.local_end.isoformat(), s.utc_start.isoformat(), s.utc_end.isoformat(),
                     s.people, s.cost_each.amount, s.cost.amount, s.cost.currency]
                )  # fmt: skip
    except OSError as error:
        raise ValidationError(f"cannot write {path}: {error.strerror}", field="--csv-out") from None


def _shortfall_runs(coverage: Sequence[IntervalCoverage]) -> list[tuple[IntervalCoverage, int]]:
    """Consecutive intervals short by the same amount, as (first interval, count)."""
    runs: list[tuple[IntervalCoverage, int]] = []
    for item in coverage:
        if not item.shortfall:
            continue
        if runs:
            first, n = runs[-1]
            if first.shortfall == item.shortfall and first.start + n * INTERVAL == item.start:
                runs[-1] = (first, n + 1)
                continue
        runs.append((item, 1))
    return runs


def _to_json(result: Schedule) -> dict[str, Any]:
    return {
        "status": str(result.status),
        "solver_status": result.solver_status,
        "wall_time_seconds": round(result.wall_time_seconds, 3),
        "total_cost": result.total_cost.to_json(),
        "lp_lower_bound": result.lp_lower_bound.to_json(),
        "gap": None if result.gap is None else str(result.gap),
        "shortfall_total": result.shortfall_total,
        "vendors": [
            {
                "name": v.name,
                "cost": v.cost.to_json(),
                "shifts_per_day": list(v.shifts_per_day),
                "headcount": v.headcount,
                "headcount_limit": v.headcount_limit,
            }
            for v in result.vendors
        ],
        "shifts": [
            {
                "vendor": s.vendor,
                "template": s.template,
                "local_date": s.local_date.isoformat(),
                "local_start": s.local_start.isoformat(),
                "local_end": s.local_end.isoformat(),
                "utc_start": s.utc_start.isoformat(),
                "utc_end": s.utc_end.isoformat(),
                "people": s.people,
                "paid_minutes": s.paid_minutes,
                "night_minutes": s.night_minutes,
                "weekend_minutes": s.weekend_minutes,
                "cost_each": s.cost_each.to_json(),
                "cost": s.cost.to_json(),
            }
            for s in result.shifts
        ],
        "coverage": [
            {
                "interval_start": c.start.isoformat(),
                "required": c.required,
                "covered": c.covered,
                "shortfall": c.shortfall,
            }
            for c in result.coverage
        ],
        "shortfall": [
            {
                "from": first.start.isoformat(),
                "to": (first.start + n * INTERVAL).isoformat(),
                "intervals": n,
                "short_by": first.shortfall,
            }
            for first, n in _shortfall_runs(result.coverage)
        ],
    }


def _render(result: Schedule, console: Console) -> None:
    days = len(result.vendors[0].shifts_per_day) if result.vendors else 0
    first_day = result.coverage[0].start.date() if result.coverage else None
    table = Table(title="Shifts per vendor and local day (people)")
    table.add_column("vendor", ratio=1)
    for d in range(days):
        label = (first_day + timedelta(days=d)).strftime("%a\n%d") if first_day else str(d)
        table.add_column(label, justify="right", no_wrap=True)
    table.add_column("people", justify="right", no_wrap=True)
    currency = result.total_cost.currency
    table.add_column(f"cost {currency}", justify="right", no_wrap=True)
    for v in result.vendors:
        limit = "" if v.headcount_limit is None else f"/{v.headcount_limit}"
        table.add_row(
            v.name, *(str(n) for n in v.shifts_per_day), f"{v.headcount}{limit}", str(v.cost.amount)
        )
    console.print(table)
    gap = "n/a" if result.gap is None else f"{result.gap * 100:.2f} %"
    console.print(
        f"total cost [bold]{result.total_cost}[/]  LP lower bound {result.lp_lower_bound}  "
        f"gap {gap}  status {result.status} ({result.solver_status}), "
        f"{result.wall_time_seconds:.1f} s"
    )
    runs = _shortfall_runs(result.coverage)
    if not runs:
        console.print("every interval is covered")
        return
    console.print(f"[bold red]short by {result.shortfall_total} staff-intervals:[/]")
    for first, n in runs:
        end = first.start + n * INTERVAL
        console.print(
            f"  {first.start:%a %Y-%m-%d %H:%M}–{end:%H:%M} UTC: short {first.shortfall} "
            f"(required {first.required}, covered {first.covered})"
        )
