"""``kpo route`` (and top-level ``kpo explain``): the routing engine from the command line."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from kpo.entrypoints.cli.output import console, print_json
from kpo.entrypoints.cli.route_batch import batch

__all__ = ["app", "explain"]

app = typer.Typer(
    help="Routing: assign queued work across the vendor network, and explain decisions.",
    no_args_is_help=True,
)
app.command("batch")(batch)


@app.command()
def explain(
    item_id: Annotated[str, typer.Argument(metavar="ITEM_ID", help="Id of a stored work item.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Why a work item went where it went: every routing decision about it, with the policy
    step and ranking that applied, how many specialists were eligible, and the best
    candidates with their scores. Uses KPO_DATABASE_URL.

    Example: kpo explain W000123 --json
    """
    from kpo.bootstrap import connect
    from kpo.services.routing import explain_item

    with connect() as kpo:
        kpo.require_schema()
        item, decisions = explain_item(kpo.uow(), item_id)
    if json_output:
        print_json(
            {
                "item": item.id,
                "state": item.state.value,
                "specialist": item.specialist_id,
                "decisions": [d.to_json() for d in decisions],
            }
        )
        return
    who = f", held by {item.specialist_id}" if item.specialist_id else ""
    console.print(f"[bold]{item.id}[/] ({item.state.value}{who})")
    if not decisions:
        console.print("No routing decision has been recorded for this item yet.")
        return
    for number, d in enumerate(decisions, 1):
        at = d.at.isoformat().replace("+00:00", "Z")
        console.print(
            f"\n[bold]{number}.[/] {at}  {d.trigger.value}: step {d.step}, ranking "
            f"{d.ranking.value}, {d.eligible_count} eligible → "
            f"[bold]{d.winner or 'queued'}[/]"
        )
        console.print(f"   {d.reason}", markup=False)
        if d.candidates:
            table = Table(box=None, padding=(0, 2))
            for column in ("", "specialist", "vendor", "score"):
                table.add_column(column)
            for rank, c in enumerate(d.candidates, 1):
                mark = "→" if c.specialist_id == d.winner else str(rank)
                table.add_row(mark, c.specialist_id, c.vendor_id, f"{c.score:.6g}")
            console.print(table)
