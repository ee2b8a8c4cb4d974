import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from kpo.adapters.db.engine import create_db_engine, migrate
from kpo.adapters.db.unit_of_work import SqlUnitOfWork
from kpo.bootstrap import calendar_for, holidays_for
from kpo.domain.money import Money
from kpo.entrypoints.cli.main import app
from kpo.services.routing import build_router, route_queued
from tests import factories

NOW = datetime(2026, 10, 22, 9, 0, tzinfo=UTC)
runner = CliRunner()


@pytest.fixture
def routed(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = create_db_engine(database_url)
    migrate(engine)
    uow = SqlUnitOfWork(engine)
    with uow:
        uow.skills.add("card_disputes")
        uow.skills.add("payments")
        uow.clients.add(factories.client())
        uow.vendors.add(factories.vendor())
        uow.service_lines.add(factories.service_line())
        uow.specialists.add(factories.specialist(id="anna"))
        uow.specialists.add(
            factories.specialist(id="piotr", hourly_cost=Money(Decimal("40"), "USD"))
        )
        uow.work_items.add(factories.work_item(id="W1", created_at=NOW))
        uow.commit()
    route_queued(uow, build_router(uow, NOW, holidays_for, calendar_for=calendar_for), NOW)
    engine.dispose()
    monkeypatch.setenv("KPO_DATABASE_URL", database_url)


@pytest.mark.usefixtures("routed")
def test_explain_prints_step_ranking_and_candidates() -> None:
    result = runner.invoke(app, ["explain", "W1"])
    assert result.exit_code == 0, result.output
    for text in ("W1", "offered", "cost_sla", "2 eligible", "anna", "piotr"):
        assert text in result.stdout


@pytest.mark.usefixtures("routed")
def test_explain_json_and_the_route_sub_command_agree() -> None:
    top = runner.invoke(app, ["explain", "W1", "--json"])
    sub = runner.invoke(app, ["route", "explain", "W1", "--json"])
    assert top.exit_code == sub.exit_code == 0
    assert json.loads(top.stdout) == json.loads(sub.stdout)
    data = json.loads(top.stdout)
    assert data["state"] == "offered"
    assert data["specialist"] == "anna"
    (decision,) = data["decisions"]
    assert decision["winner"] == "anna"
    assert decision["eligible_count"] == 2
    assert [c["specialist"] for c in decision["candidates"]] == ["anna", "piotr"]


@pytest.mark.usefixtures("routed")
def test_explain_an_unknown_item_is_a_clear_error() -> None:
    result = runner.invoke(app, ["explain", "NOPE"])
    assert result.exit_code == 2
    assert "work item 'NOPE' does not exist" in result.stderr
