import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kpo.bootstrap import connect
from kpo.entrypoints.cli.main import app
from kpo.services.api_keys import authenticate
from kpo.services.setup import initialize
from tests import factories


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'kpo.sqlite3'}"
    monkeypatch.setenv("KPO_DATABASE_URL", url)
    with connect(url) as kpo:
        initialize(kpo.engine, kpo.uow())
        with kpo.uow() as uow:
            uow.clients.add(factories.client())
            uow.commit()
    return url


def test_create_list_revoke(database: str) -> None:
    runner = CliRunner()
    created = runner.invoke(
        app, ["keys", "create", "--role", "client", "--org", "Acme Bank", "--json"]
    )
    assert created.exit_code == 0, created.output
    shown = json.loads(created.output)
    assert (shown["role"], shown["org"]) == ("client", "acme")
    with connect(database) as kpo:
        assert authenticate(kpo.uow(), shown["key"]).org_id == "acme"
    listed = json.loads(runner.invoke(app, ["keys", "list", "--json"]).output)
    key_id = shown["key"].split("_")[1]
    assert [(k["id"], k["revoked_at"]) for k in listed] == [(key_id, None)]
    assert shown["key"] not in runner.invoke(app, ["keys", "list"]).output
    assert runner.invoke(app, ["keys", "revoke", key_id]).exit_code == 0
    assert json.loads(runner.invoke(app, ["keys", "list", "--json"]).output)[0]["revoked_at"]


def test_bad_role_or_org_is_a_clear_error(database: str) -> None:
    runner = CliRunner()
    bad = runner.invoke(app, ["keys", "create", "--role", "admin", "--org", "acme"])
    assert bad.exit_code == 2
    assert "unknown role 'admin'" in bad.output
    missing = runner.invoke(app, ["keys", "create", "--role", "vendor", "--org", "nobody"])
    assert missing.exit_code == 2
    assert "vendor 'nobody' does not exist" in missing.output
