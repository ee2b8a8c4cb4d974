"""``kpo plan`` end to end through the real console entry point (errors included)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

STAFFING = [
    "plan",
    "staffing",
    "--arrivals",
    "100",
    "--interval-seconds",
    "1800",
    "--aht-seconds",
    "180",
    "--target-sl",
    "0.8",
    "--answer-within",
    "20",
]


def kpo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from kpo.entrypoints.cli.main import run; run()", *args],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "120"},
    )


def test_staffing_json_erlang_c() -> None:
    result = kpo(*STAFFING, "--shrinkage", "0.3", "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["model"] == "erlang_c"
    assert (record["raw_agents"], record["agents"]) == (14, 20)
    assert record["service_level"] == pytest.approx(0.8884, abs=1e-4)
    assert set(record) >= {"asa_seconds", "wait_probability", "occupancy"}
    assert "abandonment" not in record


def test_staffing_json_erlang_a_and_given_agents() -> None:
    result = kpo(*STAFFING, "--patience-seconds", "120", "--agents", "12", "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["model"] == "erlang_a"
    assert record["raw_agents"] == record["agents"] == 12
    assert 0 < record["abandonment"] < 1


def test_staffing_table() -> None:
    result = kpo(*STAFFING)
    assert result.returncode == 0, result.stderr
    assert "Erlang C" in result.stdout
    assert "88.8%" in result.stdout


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--target-sl", "1", "--answer-within", "0"], "never reached"),
        (["--arrivals", "-5"], "arrivals must be zero or more"),
        (["--arrivals", "1e12"], "no staffing up to"),
        (["--max-abandonment", "0.1"], "needs the callers' patience"),
        (["--shrinkage", "1"], "shrinkage"),
    ],
)
def test_staffing_errors(extra: list[str], message: str) -> None:
    result = kpo(*STAFFING, *extra)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_intervals_csv_and_json(tmp_path: Path) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "service_line,interval_start,arrivals,aht_seconds\n"
        "cards,2026-03-02T09:00:00+01:00,100,180\n"
        "cards,2026-03-02T09:30:00+01:00,140,180\n",
        encoding="utf-8",
    )
    as_csv = kpo("plan", "intervals", str(plan), "--shrinkage", "0.3", "--format", "csv")
    assert as_csv.returncode == 0, as_csv.stderr
    lines = as_csv.stdout.splitlines()
    assert lines[0].startswith("service_line,interval_start,arrivals,aht_seconds,offered_load")
    assert lines[1].startswith("cards,2026-03-02T09:00:00+01:00,100.0,180.0,10.0,14,20,")
    as_json = json.loads(kpo("plan", "intervals", str(plan), "--json").stdout)
    assert [row["raw_agents"] for row in as_json["intervals"]] == [14, 18]
    table = kpo("plan", "intervals", str(plan))
    assert "Required staff per interval" in table.stdout


def test_intervals_simulate_checks_each_interval_against_its_formula(tmp_path: Path) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "service_line,interval_start,arrivals,aht_seconds\n"
        "cards,2026-03-02T09:00:00+01:00,100,180\n"
        "cards,2026-03-02T09:30:00+01:00,0,180\n"
        "cards,2026-03-02T10:00:00+01:00,140,180\n",
        encoding="utf-8",
    )
    args = ("plan", "intervals", str(plan), "--simulate", "--replications", "20")
    result = kpo(*args, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    busy, idle, busier = data["intervals"]
    assert idle["simulated_service_level"] is None  # no calls: nothing to simulate
    for row in (busy, busier):
        assert abs(row["simulated_service_level"] - row["service_level"]) < 0.06
        assert 0 < row["simulated_service_level_ci95"] < 0.1
    assert data["simulated_below_target"] == []
    assert kpo(*args, "--json").stdout == result.stdout  # same seed, same figures
    as_csv = kpo(*args, "--format", "csv").stdout.splitlines()
    assert as_csv[0].endswith(
        "simulated_service_level_ci95,simulated_asa_seconds,simulated_abandonment"
    )
    table = kpo(*args).stdout
    assert "sim. SL" in table
    assert "0 of 3 intervals below the 80% target" in table


def test_below_target_counts_only_misses_beyond_the_confidence_interval() -> None:
    from kpo.entrypoints.cli.plan import _below_target
    from kpo.planning.intervals import StaffingTargets

    def row(level: float | None, spread: float | None) -> dict[str, object]:
        return {"simulated_service_level": level, "simulated_service_level_ci95": spread}

    records = [row(0.70, 0.05), row(0.78, 0.03), row(None, None), row(0.85, 0.01)]
    assert _below_target(records, StaffingTargets(target_sl=0.8, answer_within=20)) == [0]


def test_intervals_bad_file_prints_nothing(tmp_path: Path) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "service_line,interval_start,arrivals,aht_seconds\n"
        "cards,2026-03-02T09:00:00,100,180\n"
        "cards,2026-03-02T09:30:00+01:00,many,180\n",
        encoding="utf-8",
    )
    result = kpo("plan", "intervals", str(plan), "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "row 2, column interval_start" in result.stderr
    assert "row 3, column arrivals: 'many' is not a number" in result.stderr


def test_staffing_simulate_puts_the_simulated_service_level_beside_the_formula() -> None:
    result = kpo(*STAFFING, "--simulate", "--replications", "5", "--seed", "1", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    simulated = data["simulation"]
    assert simulated["agents"] == data["raw_agents"] == 14
    assert simulated["replications"] == 5
    assert 0 <= simulated["service_level"] <= 1
    assert abs(simulated["service_level"] - data["service_level"]) < 0.15
    assert simulated["service_level_ci95"] > 0
    table = kpo(*STAFFING, "--simulate", "--replications", "5")
    assert table.returncode == 0, table.stderr
    assert "simulated service level (5 runs, 95 % CI)" in table.stdout
