"""The ``kpo`` command: one Typer sub-app per area, each imported only when it runs
(:mod:`kpo.entrypoints.cli.lazy`)."""

from __future__ import annotations

import typer

from kpo.entrypoints.cli.errors import guard
from kpo.entrypoints.cli.lazy import LazyGroup

__all__ = ["app", "run"]

app = typer.Typer(
    name="kpo",
    cls=LazyGroup,
    help="OpenKPO: route knowledge work across outsourcing vendors, keep SLAs, plan staff. "
    "The database is KPO_DATABASE_URL (default: sqlite:///kpo.sqlite3).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """OpenKPO command line. Settings come from KPO_* environment variables."""


@app.command()
def version() -> None:
    """Print the OpenKPO version."""
    from kpo import __version__

    typer.echo(__version__)


def run() -> None:
    """Console-script entry point."""
    with guard():
        app()
