"""``kpo demo`` end to end on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kpo.bootstrap import connect
from kpo.domain.work_items import WorkItemState
from kpo.entrypoints.cli.main import app

WALL_CLOCK = ("wall_seconds", "simulation_wall_seconds", "database")


def run_demo(url: str, *extra: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        app,
        ["demo", "--db", url, "--seed", "3", "--week-start", "2026-03-25", "--json", *extra],
    )
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_demo_stores_the_network_and_its_week(database_url: str) -> None:
    summary = run_demo(database_url, "--days", "2", "--scale", "0.05")
    assert summary["week_start"] == "2026-03-23T00:00:00+00:00"  # the Monday of that week
    vendors = {v["id"]: v for v in summary["vendors"]}
    assert set(vendors) == {"manila", "bengaluru", "krakow", "bogota"}
    assert 140 <= sum(v["headcount"] for v in vendors.values()) <= 160
    assert vendors["krakow"]["time_zone"] == "Europe/Warsaw"
    assert {line["client"] for line in summary["service_lines"]} == {"novapay", "cloudlane"}
    # follow-the-sun: some vendor is on shift in every UTC hour of the sample day
    hours = summary["on_shift_by_utc_hour"]
    assert all(sum(hours[v][h] for v in hours) > 0 for h in range(24))
    # Kraków works European days: nobody there at 02:00 UTC, people at 10:00 UTC
    assert hours["krakow"][2] == 0
    assert hours["krakow"][10] > 0
    items = summary["items"]
    with connect(database_url) as kpo, kpo.uow() as uow:
        assert uow.specialists.count() == sum(v["headcount"] for v in vendors.values())
        assert uow.work_items.count() == items["arrived"]
        assert len(uow.service_lines.all()) == 4
        # the items are stored in the states the simulated week left them in
        resolved = uow.work_items.all(state=WorkItemState.RESOLVED)
        assert len(resolved) == items["resolved"]
        assert all(item.transitions[-1].to_state is WorkItemState.RESOLVED for item in resolved)
        cancelled = uow.work_items.all(state=WorkItemState.CANCELLED)
        assert len(cancelled) == items["abandoned"] + items["cancelled"]
        # the router's event log and decisions are stored: `kpo explain` answers
        for item in resolved[:20]:
            names = [name for name, _, _ in uow.events.for_item(item.id)]
            assert names[0] == "ItemQueued"
            assert {"ItemOffered", "OfferAccepted", "ItemAssigned", "ItemResolved"} <= set(names)
            moves = [n for n in names if n == "ItemStateChanged"]
            assert len(moves) == len(item.transitions)
            decisions = uow.decisions.for_item(item.id)
            assert decisions
            assert decisions[-1].winner == item.specialist_id
    explained = CliRunner().invoke(
        app, ["explain", resolved[0].id, "--json"], env={"KPO_DATABASE_URL": database_url}
    )
    assert explained.exit_code == 0, explained.stderr
    assert json.loads(explained.stdout)["decisions"]


def test_the_report_has_the_documented_shape(tmp_path: Path) -> None:
    summary = run_demo(f"sqlite:///{tmp_path}/a.sqlite3", "--days", "2", "--scale", "0.05")
    items = summary["items"]
    assert set(items) == {"arrived", "resolved", "abandoned", "cancelled", "open"}
    assert items["arrived"] == sum(v for k, v in items.items() if k != "arrived") > 0
    assert items["resolved"] > 0
    for line in summary["service_lines"]:
        assert {"client", "name", "channel", "items", "sla_attainment", "asa_seconds"} <= set(line)
        assert line["sla_attainment"] is None or 0 <= line["sla_attainment"] <= 1
        assert 0 <= line["abandonment_rate"] <= 1
        if line["channel"] == "ticket":
            assert line["abandonment_rate"] == 0
            assert line["outcomes"]["abandoned"] == 0
    assert sum(line["items"] for line in summary["service_lines"]) == items["arrived"]
    for vendor in summary["vendors"]:
        assert {"name", "items", "occupancy", "cost"} <= set(vendor)
        assert 0 <= vendor["occupancy"] <= 1
        assert set(vendor["cost"]) == {"amount", "currency"}
        assert isinstance(vendor["cost"]["amount"], str)
    assert sum(v["items"] for v in summary["vendors"]) == items["resolved"]
    handled = summary["handled_by_utc_hour"]
    assert sum(sum(hours) for hours in handled.values()) == items["resolved"]
    assert set(summary["cost_per_resolved_item"]) == {"amount", "currency"}
    assert summary["simulated_seconds"] == 2 * 86400
    assert summary["wall_seconds"] >= summary["simulation_wall_seconds"] > 0


def test_html_report_has_the_charts(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    result = CliRunner().invoke(
        app,
        ["demo", "--db", f"sqlite:///{tmp_path}/a.sqlite3", "--seed", "3", "--days", "1",
         "--scale", "0.02", "--week-start", "2026-03-25", "--html", str(page)],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "SLA per service line" in result.stdout
    assert "follow-the-sun" in result.stdout
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert text.count("<svg") == 4
    assert 'class="bar"' in text
    assert "Payment support EN/ES" in text
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_same_seed_same_figures(tmp_path: pytest.TempPathFactory) -> None:
    first = run_demo(f"sqlite:///{tmp_path}/a.sqlite3", "--days", "1", "--scale", "0.02")
    second = run_demo(f"sqlite:///{tmp_path}/b.sqlite3", "--days", "1", "--scale", "0.02")
    for summary in (first, second):
        for key in WALL_CLOCK:
            del summary[key]
    assert first == second
    assert first["items"]["arrived"] > 0


def test_demo_refuses_a_database_with_data(tmp_path: pytest.TempPathFactory) -> None:
    url = f"sqlite:///{tmp_path}/a.sqlite3"
    run_demo(url, "--days", "1", "--scale", "0.01")
    result = CliRunner().invoke(app, ["demo", "--db", url, "--days", "1"])
    assert result.exit_code == 2
    assert "empty database" in result.stderr
