"""``kpo demo`` end to end on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from kpo.bootstrap import connect
from kpo.entrypoints.cli.main import app


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
    with connect(database_url) as kpo, kpo.uow() as uow:
        assert uow.specialists.count() == sum(v["headcount"] for v in vendors.values())
        assert uow.work_items.count() == summary["items"]
        assert len(uow.service_lines.all()) == 4


def test_same_seed_same_figures(tmp_path: pytest.TempPathFactory) -> None:
    first = run_demo(f"sqlite:///{tmp_path}/a.sqlite3", "--days", "1", "--scale", "0.02")
    second = run_demo(f"sqlite:///{tmp_path}/b.sqlite3", "--days", "1", "--scale", "0.02")
    for summary in (first, second):
        del summary["wall_seconds"], summary["database"]
    assert first == second


def test_demo_refuses_a_database_with_data(tmp_path: pytest.TempPathFactory) -> None:
    url = f"sqlite:///{tmp_path}/a.sqlite3"
    run_demo(url, "--days", "1", "--scale", "0.01")
    result = CliRunner().invoke(app, ["demo", "--db", url, "--days", "1"])
    assert result.exit_code == 2
    assert "empty database" in result.stderr
