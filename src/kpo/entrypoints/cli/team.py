"""``kpo plan team PROJECT.json``: the optimal project team and why (docs/planning.md)."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from kpo.domain.specialists import Specialist
from kpo.entrypoints.cli.files import read_json
from kpo.planning.team_input import parse_project
from kpo.planning.teams import (
    BudgetPeriod,
    Member,
    Objective,
    RoleChoice,
    Team,
    assemble_team,
)
from kpo.services.team_pool import specialists_from_csv, specialists_in_store

__all__ = ["team"]


def team(
    project_path: Annotated[
        Path, typer.Argument(metavar="PROJECT.json", help="The project: roles, budget, hours.")
    ],
    specialists: Annotated[
        Path | None,
        typer.Option(
            "--specialists",
            metavar="FILE.csv",
            help="Choose from this specialists CSV (import format) instead of the database "
            "(KPO_DATABASE_URL).",
            dir_okay=False,
        ),
    ] = None,
    objective: Annotated[
        Objective,
        typer.Option(
            "--objective",
            help="cost: cheapest team; skill: highest total skill level within the budget.",
        ),
    ] = Objective.COST,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Assemble the team that meets every role at least cost (or most skill within budget)."""
    project = parse_project(read_json(project_path, field="PROJECT"))
    pool = _pool(specialists)
    result = assemble_team(project, pool, objective=objective)
    if as_json:
        typer.echo(json.dumps(_to_json(result, pool_size=len(pool)), indent=2))
    else:
        console = Console(highlight=False) if sys.stdout.isatty() else Console(width=120)
        _render(result, console, pool_size=len(pool))


def _pool(path: Path | None) -> list[Specialist]:
    if path is not None:
        return specialists_from_csv(path)
    from kpo.bootstrap import connect

    with connect() as app:
        app.require_schema()
        return specialists_in_store(app.uow())


def _member(member: Member) -> dict[str, Any]:
    return {
        "specialist": member.specialist_id,
        "name": member.name,
        "vendor": member.vendor_id,
        "level": member.level,
        "weekly_cost": member.weekly_cost.rounded().to_json(),
        "overlap_hours": str(member.overlap_hours.quantize(Decimal("0.01"))),
        "free_hours": str(member.free_hours.quantize(Decimal("0.01"))),
    }


def _role(choice: RoleChoice) -> dict[str, Any]:
    role, alternative = choice.role, choice.alternative
    return {
        "role": role.name,
        "skill": role.skill,
        "min_level": role.min_level,
        "count": role.count,
        "hours_per_week": str(role.hours_per_week),
        "eligible": choice.eligible,
        "excluded": dict(choice.excluded),
        "members": [_member(m) for m in choice.members],
        "alternative": None
        if alternative is None
        else {
            "candidate": _member(alternative.candidate),
            "replaces": alternative.replaces.specialist_id,
            "cost_difference_per_week": alternative.cost_difference.to_json(),
            "level_difference": alternative.level_difference,
            "within_budget": alternative.within_budget,
        },
    }


def _to_json(result: Team, *, pool_size: int) -> dict[str, Any]:
    project = result.project
    return {
        "project": project.name,
        "objective": str(result.objective),
        "weekly_cost": result.weekly_cost.to_json(),
        "total_cost": None if result.total_cost is None else result.total_cost.to_json(),
        "weeks": project.weeks,
        "budget": {**project.budget.amount.rounded().to_json(), "per": str(project.budget.per)},
        "cheapest_weekly_cost": result.cheapest_weekly_cost.to_json(),
        "total_skill": result.total_skill,
        "pool_size": pool_size,
        "candidates_considered": result.candidates_considered,
        "wall_time_seconds": round(result.wall_time_seconds, 3),
        "roles": [_role(choice) for choice in result.roles],
    }


def _hours(value: Decimal) -> str:
    return f"{value:.1f}"


def _render(result: Team, console: Console, *, pool_size: int) -> None:
    project = result.project
    budget = project.budget
    goal = (
        "lowest cost"
        if result.objective is Objective.COST
        else "highest total skill within the budget"
    )
    console.print(f"[bold]{project.name}[/] — team for {goal}", markup=True)
    total = "" if result.total_cost is None else f", {result.total_cost} over {project.weeks} weeks"
    per = "per week" if budget.per is BudgetPeriod.WEEK else "in total"
    console.print(
        f"cost {result.weekly_cost} per week{total}; budget {budget.amount.rounded()} {per}; "
        f"total skill level {result.total_skill}; {pool_size} specialists in the pool",
        markup=False,
    )
    for choice in result.roles:
        role = choice.role
        table = Table(
            title=f"{role.name}: {role.count} × {role.skill} ≥ {role.min_level}, "
            f"{role.hours_per_week:g} h/week",
            box=box.SIMPLE_HEAD,
            title_justify="left",
        )
        for heading in ("specialist", "name", "vendor"):
            table.add_column(heading)
        for heading in ("level", f"{budget.amount.currency}/week", "overlap h", "free h"):
            table.add_column(heading, justify="right")
        for m in choice.members:
            cost = m.weekly_cost.rounded().amount
            table.add_row(
                m.specialist_id, m.name, m.vendor_id, str(m.level), str(cost),
                _hours(m.overlap_hours), _hours(m.free_hours),
            )  # fmt: skip
        console.print(table)
        excluded = ", ".join(f"{n} {reason}" for reason, n in choice.excluded) or "none"
        console.print(f"  why: {choice.eligible} qualify (excluded: {excluded})", markup=False)
        alternative = choice.alternative
        if alternative is None:
            console.print("  alternative: none — every qualifying specialist is in the team")
            continue
        c, r = alternative.candidate, alternative.replaces
        difference = alternative.cost_difference
        sign = "+" if difference.amount >= 0 else "−"
        budget_note = "" if alternative.within_budget else ", over budget"
        console.print(
            f"  best alternative: {c.specialist_id} {c.name} ({c.vendor_id}, level {c.level}, "
            f"{c.weekly_cost.rounded()}/week) instead of {r.specialist_id}: "
            f"{sign}{abs(difference.amount)} {difference.currency}/week, "
            f"level {alternative.level_difference:+d}{budget_note}",
            markup=False,
        )
