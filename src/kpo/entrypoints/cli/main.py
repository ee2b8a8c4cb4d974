"""The ``kpo`` command: registers one Typer sub-app per area."""

from __future__ import annotations

import typer

from kpo.entrypoints.cli import data, demo, kb, plan, policies, route, serve, sla
from kpo.entrypoints.cli.errors import GuardedGroup, guard

__all__ = ["app", "run"]

app = typer.Typer(
    name="kpo",
    cls=GuardedGroup,
    help="OpenKPO: route knowledge work across outsourcing vendors, keep SLAs, plan staff. "
    "The database is KPO_DATABASE_URL (default: sqlite:///kpo.sqlite3).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("init")(data.init)
app.command("demo")(demo.demo)
app.command("explain")(route.explain)
app.add_typer(data.import_app, name="import")
app.add_typer(data.export_app, name="export")
app.add_typer(data.skills_app, name="skills")
app.add_typer(plan.app, name="plan")
app.add_typer(sla.app, name="sla")
app.add_typer(policies.app, name="policy")
app.add_typer(route.app, name="route")
app.command("serve")(serve.serve)
app.add_typer(serve.keys_app, name="keys")
app.add_typer(kb.app, name="kb")


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
