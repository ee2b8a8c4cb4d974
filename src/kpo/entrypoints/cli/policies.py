"""``kpo policy``: routing policies of service lines (ordered steps with target filters)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from kpo.domain.errors import ValidationError
from kpo.entrypoints.cli.errors import fail
from kpo.entrypoints.cli.files import read_text
from kpo.entrypoints.cli.output import console, print_json
from kpo.routing.policies import DEFAULT_POLICY, RoutingPolicy
from kpo.routing.policy_documents import parse_policy, policy_to_data

__all__ = ["app"]

app = typer.Typer(
    help="Routing policies: which specialists may take a line's items, in which order, and "
    "when to widen the search. Format and filter language: docs/routing-policies.md.",
    no_args_is_help=True,
)

LineArgument = Annotated[str, typer.Argument(metavar="LINE_ID", help="Id of a service line.")]
FileArgument = Annotated[
    Path,
    typer.Argument(
        metavar="FILE.json", help="Policy document: a JSON list of steps; '-' reads stdin."
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


@app.command("check")
def check(file: FileArgument, json_output: JsonFlag = False) -> None:
    """Check a policy document without storing it, and print the steps it defines.

    Skill names in filters are checked against the catalogue only by `kpo policy set`.
    """
    with _about(file):
        policy = parse_policy(read_text(file))
    if json_output:
        print_json(_document(policy, valid=True))
        return
    _render(policy, title=f"{file}: valid, {_count(policy)}")


@app.command("set")
def set_policy(line_id: LineArgument, file: FileArgument, json_output: JsonFlag = False) -> None:
    """Check a policy document and store it for a service line (nothing is stored if invalid)."""
    from kpo.bootstrap import connect
    from kpo.services.routing_policies import set_routing_policy

    text = read_text(file)
    with connect() as kpo:
        kpo.require_schema()
        with _about(file):
            policy = set_routing_policy(kpo.uow(), line_id, text)
    if json_output:
        print_json(_document(policy, service_line=line_id, default=False))
        return
    _render(policy, title=f"Routing policy of {line_id} set: {_count(policy)}")


@app.command("show")
def show(line_id: LineArgument, json_output: JsonFlag = False) -> None:
    """Print the routing policy of a service line (the default policy when none is set).

    With --json the "steps" value is a policy document that `kpo policy set` accepts.
    """
    from kpo.bootstrap import connect
    from kpo.services.routing_policies import get_routing_policy

    with connect() as kpo:
        kpo.require_schema()
        policy = get_routing_policy(kpo.uow(), line_id)
    shown = DEFAULT_POLICY if policy is None else policy
    if json_output:
        print_json(_document(shown, service_line=line_id, default=policy is None))
        return
    suffix = " (none set: the default policy applies)" if policy is None else ""
    _render(shown, title=f"Routing policy of {line_id}{suffix}")


@app.command("clear")
def clear(line_id: LineArgument, json_output: JsonFlag = False) -> None:
    """Remove a service line's routing policy; the default policy applies again."""
    from kpo.bootstrap import connect
    from kpo.services.routing_policies import clear_routing_policy

    with connect() as kpo:
        kpo.require_schema()
        clear_routing_policy(kpo.uow(), line_id)
    if json_output:
        print_json({"service_line": line_id, "default": True})
        return
    console.print(f"Routing policy of {line_id} cleared; the default policy applies.")


@contextmanager
def _about(file: Path) -> Iterator[None]:
    """Name the file in front of the JSON path of a fault in it."""
    try:
        yield
    except ValidationError as error:
        if error.field is None or not error.field.startswith("steps"):
            raise
        fail(f"{file}: {error.message}")


def _count(policy: RoutingPolicy) -> str:
    return f"{len(policy.steps)} step" + ("" if len(policy.steps) == 1 else "s")


def _document(policy: RoutingPolicy, **fields: Any) -> dict[str, Any]:
    """``steps`` is the canonical document itself; when each step starts is kept beside it."""
    return {
        **fields,
        "steps": policy_to_data(policy),
        "applies_after_seconds": [_seconds(start) for start in _starts(policy)],
    }


def _starts(policy: RoutingPolicy) -> list[timedelta]:
    starts, elapsed = [], timedelta(0)
    for step in policy.steps:
        starts.append(elapsed)
        elapsed += step.timeout or timedelta(0)
    return starts


def _seconds(value: timedelta) -> int | float:
    seconds = value.total_seconds()
    return int(seconds) if seconds.is_integer() else seconds


def _render(policy: RoutingPolicy, *, title: str) -> None:
    console.print(Text(title), soft_wrap=True)
    table = Table()
    batches = any(step.batch_interval is not None for step in policy.steps)
    columns = ["step", "from age", "filter", "ranking", "relax", "then after"]
    for column in (*columns, "batch every") if batches else columns:
        table.add_column(column)
    for number, (step, start) in enumerate(zip(policy.steps, _starts(policy), strict=True)):
        cells: list[str | Text] = [
            str(number),
            _duration(start),
            Text("(everyone)" if step.filter is None else step.filter.source),
            step.ranking.value,
            f"-{step.relax_levels}" if step.relax_levels else "",
            "" if step.timeout is None else _duration(step.timeout),
        ]
        if batches:
            interval = step.batch_interval
            cells.append("" if interval is None else _duration(interval))
        table.add_row(*cells)
    console.print(table)


def _duration(value: timedelta) -> str:
    seconds = value.total_seconds()
    if seconds % 60:
        return f"{seconds:g}s"
    minutes = int(seconds) // 60
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"
