"""``kpo init``, ``kpo import …``, ``kpo export …`` and ``kpo skills …``.

No ``from __future__ import annotations`` here: Typer reads the annotations of the command
functions built in closures below, which must be real objects, not strings.
"""

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from kpo.bootstrap import connect
from kpo.domain.reference import parse_skill_name
from kpo.entrypoints.cli.output import console, print_json
from kpo.services.imports import KINDS, export_records, import_file
from kpo.services.setup import initialize
from kpo.services.tabular import write_csv

__all__ = ["export_app", "import_app", "init", "skills_app"]

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]

import_app = typer.Typer(
    help="Import records from CSV. A file with any bad row imports nothing; every bad row is "
    "listed with its row number, column and reason. Column reference: docs/csv-formats.md.",
    no_args_is_help=True,
)
export_app = typer.Typer(
    help="Export records as CSV in the same format the import reads.", no_args_is_help=True
)
skills_app = typer.Typer(help="The network's skill catalogue.", no_args_is_help=True)


def init(json_output: JsonFlag = False) -> None:
    """Create or upgrade the database named by KPO_DATABASE_URL (default: ./kpo.sqlite3)."""
    with connect() as app:
        result = initialize(app.engine, app.uow())
        if json_output:
            print_json(
                {
                    "database": app.settings.database_url,
                    "revision_before": result.revision_before,
                    "revision": result.revision,
                    "skills_added": result.skills_added,
                }
            )
            return
        verb = "created" if result.revision_before is None else "is up to date"
        if result.revision_before not in (None, result.revision):
            verb = f"upgraded from {result.revision_before}"
        console.print(
            f"Database {app.settings.database_url} {verb} (schema {result.revision}); "
            f"{result.skills_added} skill(s) added to the catalogue."
        )


def _importer(kind: str) -> None:
    fmt = KINDS[kind].format

    def command(
        file: Annotated[Path, typer.Argument(help=f"CSV file of {fmt.name}.")],
        json_output: JsonFlag = False,
    ) -> None:
        with connect() as app:
            app.require_schema()
            count = import_file(app.uow(), kind, file)
            if json_output:
                print_json({"kind": kind, "file": str(file), "imported": count})
            else:
                console.print(f"Imported {count} {fmt.name} from {file}.")

    command.__doc__ = (
        f"Import {fmt.name} from a CSV file with columns: {', '.join(fmt.columns)}. "
        f"Required: {', '.join(c for c in fmt.columns if c in fmt.required)}."
    )
    import_app.command(kind)(command)


def _exporter(kind: str) -> None:
    fmt = KINDS[kind].format

    def command(
        output: Annotated[
            Path | None,
            typer.Option("--output", "-o", help="Write to this file instead of standard output."),
        ] = None,
    ) -> None:
        with connect() as app:
            app.require_schema()
            records = export_records(app.uow(), kind)
            if output is None:
                write_csv(sys.stdout, fmt, records)
                return
            partial = output.with_name(output.name + ".partial")
            with partial.open("w", encoding="utf-8", newline="") as handle:
                write_csv(handle, fmt, records)
            partial.replace(output)
            console.print(f"Exported {len(records)} {fmt.name} to {output}.", highlight=False)

    command.__doc__ = f"Export all {fmt.name} as CSV ({', '.join(fmt.columns)})."
    export_app.command(kind)(command)


for _kind in KINDS:
    _importer(_kind)
    _exporter(_kind)


@skills_app.command("list")
def list_skills(json_output: JsonFlag = False) -> None:
    """List the skills specialists and service lines may use."""
    with connect() as app:
        app.require_schema()
        with app.uow() as uow:
            skills = uow.skills.all()
        if json_output:
            print_json([{"name": name, "description": text} for name, text in skills])
            return
        table = Table("skill", "description")
        for name, text in skills:
            table.add_row(name, text)
        console.print(table)


@skills_app.command("add")
def add_skill(
    name: Annotated[str, typer.Argument(help="Lower-case words joined by '_', e.g. tax_returns.")],
    description: Annotated[str, typer.Option(help="What the skill covers.")] = "",
) -> None:
    """Add a skill to the catalogue."""
    skill = parse_skill_name(name, field="name")
    with connect() as app:
        app.require_schema()
        with app.uow() as uow:
            if skill in uow.skills.names():
                console.print(f"Skill {skill} is already in the catalogue.")
                return
            uow.skills.add(skill, description)
            uow.commit()
        console.print(f"Added skill {skill}.")
