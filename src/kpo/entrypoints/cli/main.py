"""The ``kpo`` command: registers one Typer sub-app per area."""

from __future__ import annotations

import typer

from kpo.entrypoints.cli import sla
from kpo.entrypoints.cli.errors import guarded

__all__ = ["app", "run"]

app = typer.Typer(
    name="kpo",
    help="OpenKPO: route knowledge work across outsourcing vendors, keep SLAs, plan staff.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(sla.app, name="sla")


@app.callback()
def main() -> None:
    """OpenKPO command line. Settings come from KPO_* environment variables."""


def run() -> None:
    """Console-script entry point."""
    guarded(app)


@app.command()
def version() -> None:
    """Print the OpenKPO version."""
    from kpo import __version__

    typer.echo(__version__)
