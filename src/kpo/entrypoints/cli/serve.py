"""``kpo serve`` (the HTTP API) and ``kpo keys …`` (its API keys)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from kpo.bootstrap import connect
from kpo.domain.access import parse_role
from kpo.entrypoints.cli.output import console, print_json
from kpo.services.api_keys import create_api_key, list_api_keys, revoke_api_key

__all__ = ["keys_app", "serve"]

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]

keys_app = typer.Typer(
    help="API keys of the service: shown once at creation, stored hashed, revocable.",
    no_args_is_help=True,
)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Run the HTTP API (docs at /docs) on the database named by KPO_DATABASE_URL, with
    webhook deliveries and timers in the background of this process."""
    import uvicorn

    from kpo.entrypoints.api import create_app, freeze_startup_heap
    from kpo.entrypoints.api.logs import configure_logging

    configure_logging(log_level)
    with connect(server=True) as app:
        app.require_schema()
        api = create_app(app)
        freeze_startup_heap()
        uvicorn.run(api, host=host, port=port, log_config=None, access_log=False)


@keys_app.command("create")
def create_key(
    role: Annotated[str, typer.Option(help="operator, client, vendor or specialist.")],
    org: Annotated[
        str,
        typer.Option(
            help="The organization: a client or vendor id or name, a specialist id, or any "
            "name for an operator."
        ),
    ],
    name: Annotated[str, typer.Option(help="A note on what the key is for.")] = "",
    json_output: JsonFlag = False,
) -> None:
    """Create an API key and print it once; only its digest is stored."""
    with connect() as app:
        app.require_schema()
        created = create_api_key(
            app.uow(), role=parse_role(role), org=org, clock=app.clock, name=name
        )
    record = created.record
    if json_output:
        print_json({"key": created.key, "role": record.role.value, "org": record.org_id})
        return
    console.print(f"API key for {record.role.value} {record.org_id} (id {record.id}):")
    console.print(created.key, markup=False)
    console.print("Store it now: it is not shown again.")


@keys_app.command("revoke")
def revoke_key(
    key_id: Annotated[str, typer.Argument(help="The key id (the part after 'kpo_').")],
) -> None:
    """Revoke a key at once."""
    with connect() as app:
        app.require_schema()
        record = revoke_api_key(app.uow(), key_id, clock=app.clock)
    console.print(f"Revoked key {record.id} ({record.role.value} {record.org_id}).")


@keys_app.command("list")
def list_keys(json_output: JsonFlag = False) -> None:
    """List keys (never the keys themselves)."""
    with connect() as app:
        app.require_schema()
        keys = list_api_keys(app.uow())
    rows = [
        {
            "id": k.id,
            "role": k.role.value,
            "org": k.org_id,
            "name": k.name,
            "created_at": k.created_at.isoformat().replace("+00:00", "Z"),
            "revoked_at": None
            if k.revoked_at is None
            else k.revoked_at.isoformat().replace("+00:00", "Z"),
        }
        for k in keys
    ]
    if json_output:
        print_json(rows)
        return
    table = Table("id", "role", "org", "name", "created", "revoked")
    for row in rows:
        table.add_row(*(str(row[c] or "") for c in row))
    console.print(table)
