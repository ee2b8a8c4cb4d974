"""``kpo route batch``: the optimal assignment of one batch of queued items, from CSV files."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from kpo.domain.errors import ValidationError
from kpo.entrypoints.cli.output import console, print_json
from kpo.routing.batch import BatchResult

__all__ = ["batch"]


def batch(
    items: Annotated[
        Path,
        typer.Argument(
            metavar="ITEMS.csv", help="Queued work items (the `kpo import work-items` format)."
        ),
    ],
    specialists: Annotated[
        Path,
        typer.Argument(
            metavar="SPECIALISTS.csv", help="Specialists (the `kpo import specialists` format)."
        ),
    ],
    service_lines: Annotated[
        Path | None,
        typer.Option(
            "--service-lines",
            metavar="FILE.csv",
            help="Service lines of the items; default: those in the database (KPO_DATABASE_URL).",
        ),
    ] = None,
    vendors: Annotated[
        Path | None,
        typer.Option(
            "--vendors",
            metavar="FILE.csv",
            help="Vendors of the specialists (their countries give public holidays); "
            "default: those in the database.",
        ),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            metavar="INSTANT",
            help="Solve as of this instant, ISO 8601 with Z or an offset, e.g. "
            "2026-10-23T15:00:00Z (default: now). Decides who is on shift.",
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    costs_out: Annotated[
        Path | None,
        typer.Option(
            "--costs-out",
            metavar="FILE.csv",
            help="Also write the cost of every eligible (item, specialist) pair "
            "(columns item,specialist,cost,currency) to check the optimum independently.",
        ),
    ] = None,
) -> None:
    """Assign queued items to specialists at least cost, exactly (min-cost flow).

    Higher priority first; as many items as possible; then the least total cost. Eligibility
    and cost are those of online routing: skills, language, channel capacity, on shift in the
    specialist's own time zone (not on a public holiday of their vendor's country) with the
    expected handle time left; cost = hourly cost × expected handle time. Nothing is stored.

    Example: kpo route batch work-items.csv specialists.csv --service-lines service-lines.csv
    --vendors vendors.csv --at 2026-10-23T13:00:00Z
    """
    from kpo.adapters.clock import FixedClock, SystemClock
    from kpo.adapters.holidays import CountryHolidays
    from kpo.bootstrap import connect_existing
    from kpo.services.batch_routing import BatchFiles, route_batch_from_files

    clock = SystemClock() if at is None else FixedClock(_instant(at))
    files = BatchFiles(items, specialists, service_lines, vendors)
    stored, why_not = None, ""
    if service_lines is None or vendors is None:
        stored, why_not = connect_existing()
    try:
        result = route_batch_from_files(
            files,
            clock=clock,
            stored=None if stored is None else stored.uow(),
            holidays_for_country=CountryHolidays,
            no_database=why_not,
        )
    finally:
        if stored is not None:
            stored.close()
    if costs_out is not None:
        _write_costs(costs_out, result)
    if json_output:
        print_json(_as_json(result))
    else:
        _print(result, costs_out)


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValidationError(
            f"--at: {text!r} is not an ISO 8601 instant such as 2026-10-23T15:00:00Z"
        ) from None
    if value.tzinfo is None:
        raise ValidationError(f"--at: {text!r} has no time zone; add Z or an offset like +02:00")
    return value.astimezone(UTC)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _as_json(result: BatchResult) -> dict[str, Any]:
    s = result.stats
    return {
        "at": _iso(result.at),
        "assignments": [
            {"item": a.item.id, "specialist": a.specialist.id, "cost": a.cost.to_json()}
            for a in result.assignments
        ],
        "total_cost": None if result.total_cost is None else result.total_cost.to_json(),
        "unassigned": [
            {"item": u.item.id, "reason": u.reason, "reason_code": u.code.value}
            for u in result.unassigned
        ],
        "solver": {
            "items": s.items,
            "specialists": s.specialists,
            "eligible_pairs": s.eligible_pairs,
            "groups": s.groups,
            "nodes": s.nodes,
            "arcs": s.arcs,
            "max_flow_runs": s.max_flow_runs,
            "exact": s.exact,
            "seconds": round(s.prepare_seconds + s.solve_seconds, 6),
        },
    }


def _write_costs(path: Path, result: BatchResult) -> None:
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["item", "specialist", "cost", "currency"])
            for item, specialist, cost in result.eligible_pairs():
                writer.writerow([item.id, specialist.id, str(cost.amount), cost.currency])
        partial.replace(path)
    except OSError as error:
        raise ValidationError(
            f"--costs-out: cannot write {str(path)!r}: {error.strerror}"
        ) from None


def _print(result: BatchResult, costs_out: Path | None) -> None:
    s = result.stats
    console.print(
        f"Batch at {_iso(result.at)}: {len(result.assignments)} of {s.items} item(s) assigned, "
        f"{s.eligible_pairs} eligible pair(s), solved exactly in "
        f"{s.prepare_seconds + s.solve_seconds:.3f} s."
    )
    if result.assignments:
        table = Table(title="Assignments")
        for column in ("item", "priority", "service line", "specialist", "vendor"):
            table.add_column(column)
        table.add_column("cost", justify="right")
        for a in result.assignments:
            table.add_row(
                a.item.id,
                str(a.item.priority),
                a.item.service_line_id,
                a.specialist.id,
                a.specialist.vendor_id,
                str(a.cost),
            )
        console.print(table)
    if result.total_cost is not None:
        console.print(f"Total cost: {result.total_cost}")
    if result.unassigned:
        table = Table(title="Unassigned")
        for column in ("item", "priority", "service line", "reason"):
            table.add_column(column)
        for u in result.unassigned:
            table.add_row(u.item.id, str(u.item.priority), u.item.service_line_id, u.reason)
        console.print(table)
    if costs_out is not None:
        console.print(f"Costs of every eligible pair written to {costs_out}.")
