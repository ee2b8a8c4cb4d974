"""``kpo plan team`` end to end: from a specialists CSV and from the demo database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from kpo.entrypoints.cli.main import app
from kpo.services.formats import SPECIALISTS
from kpo.services.tabular import write_csv
from tests.e2e.test_cli_plan import kpo
from tests.factories import specialist

EXAMPLE = Path(__file__).parents[2] / "examples" / "project.json"
PROJECT = {
    "name": "Disputes pilot",
    "client_time_zone": "Europe/London",
    "business_hours": "mon-fri 09:00-17:00",
    "min_overlap_hours": 20,
    "languages": ["en"],
    "start": "2026-04-06",
    "budget": {"amount": "1000", "currency": "USD", "per": "week"},
    "roles": [{"name": "analyst", "skill": "card_disputes", "min_level": 3, "hours_per_week": 20}],
}


def write_pool(path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        write_csv(
            handle,
            SPECIALISTS,
            [specialist(id="a"), specialist(id="b", hourly_cost=specialist().hourly_cost * 2)],
        )


def test_team_from_csv_json(tmp_path: Path) -> None:
    pool, project = tmp_path / "pool.csv", tmp_path / "project.json"
    write_pool(pool)
    project.write_text(json.dumps(PROJECT), encoding="utf-8")
    result = kpo("plan", "team", str(project), "--specialists", str(pool), "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    (role,) = record["roles"]
    assert [m["specialist"] for m in role["members"]] == ["a"]
    assert record["weekly_cost"] == {"amount": "490.00", "currency": "USD"}
    assert role["alternative"]["candidate"]["specialist"] == "b"
    assert role["alternative"]["cost_difference_per_week"]["amount"] == "490.00"
    table = kpo("plan", "team", str(project), "--specialists", str(pool))
    assert table.returncode == 0, table.stderr
    assert "best alternative: b" in table.stdout


def test_team_errors_exit_2_with_paths(tmp_path: Path) -> None:
    pool, project = tmp_path / "pool.csv", tmp_path / "project.json"
    write_pool(pool)
    tight = PROJECT | {"budget": {"amount": "400", "currency": "USD"}}
    project.write_text(json.dumps(tight), encoding="utf-8")
    result = kpo("plan", "team", str(project), "--specialists", str(pool))
    assert result.returncode == 2
    assert "490.00 USD per week, 90.00 USD more than the budget" in result.stderr
    project.write_text(json.dumps(PROJECT | {"roles": [{"skill": "x"}]}), encoding="utf-8")
    result = kpo("plan", "team", str(project), "--specialists", str(pool))
    assert result.returncode == 2
    assert "roles[0].name: is required" in result.stderr
    assert "roles[0].hours_per_week: is required" in result.stderr
    project.write_text(json.dumps(PROJECT), encoding="utf-8")
    bad_pool = tmp_path / "bad.csv"
    bad_pool.write_text(pool.read_text(encoding="utf-8").replace("24.50", "cheap"), "utf-8")
    result = kpo("plan", "team", str(project), "--specialists", str(bad_pool))
    assert result.returncode == 2
    assert "row 2, column 'hourly_cost'" in result.stderr
    assert "Traceback" not in result.stderr


def test_example_project_against_the_demo_network(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/demo.sqlite3"
    demo = CliRunner().invoke(
        app, ["demo", "--db", url, "--days", "1", "--scale", "0.01", "--week-start", "2026-08-31"]
    )
    assert demo.exit_code == 0, demo.stderr
    result = subprocess.run(
        [sys.executable, "-m", "kpo", "plan", "team", str(EXAMPLE), "--json"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "KPO_DATABASE_URL": url},
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["pool_size"] > 100
    assert sum(len(role["members"]) for role in record["roles"]) == 9
    assert float(record["total_cost"]["amount"]) <= 60000
