"""``kpo plan schedule`` end to end, through the console entry point."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

EXAMPLE = Path(__file__).parents[2] / "examples" / "schedule" / "week.json"


def _kpo(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from kpo.entrypoints.cli.main import run; run()", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _small_input(tmp_path: Path, **changes: Any) -> Path:
    data: dict[str, Any] = {
        "week_start": "2025-01-06T00:00:00Z",
        "currency": "USD",
        "requirement": [2 if 18 <= i % 48 < 34 else 0 for i in range(336)],
        "vendors": [
            {
                "name": "site",
                "time_zone": "Europe/Warsaw",
                "cost_per_hour": "10.00",
                "headcount_limit": 2,
                "max_days_per_week": 7,
                "templates": [{"name": "day", "start": "10:00", "length": "8:00"}],
            }
        ],
    }
    data.update(changes)
    path = tmp_path / "input.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_json_output_is_one_object(tmp_path: Path) -> None:
    result = _kpo("plan", "schedule", _small_input(tmp_path), "--json", "--time-limit", "10")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "optimal"
    assert data["total_cost"] == {"amount": "1120.00", "currency": "USD"}  # 14 shifts x 80
    assert data["shortfall_total"] == 0
    assert len(data["coverage"]) == 336
    assert data["shifts"][0]["local_start"] == "2025-01-06T10:00:00+01:00"
    assert data["shifts"][0]["utc_start"] == "2025-01-06T09:00:00+00:00"


def test_table_shortfall_and_csv_out(tmp_path: Path) -> None:
    path = _small_input(tmp_path, requirement=[3 if 18 <= i % 48 < 20 else 0 for i in range(336)])
    out = tmp_path / "shifts.csv"
    result = _kpo("plan", "schedule", path, "--csv-out", out)
    assert result.returncode == 0, result.stderr
    assert "Mon 2025-01-06 09:00–10:00 UTC: short 1 (required 3, covered 2)" in result.stdout
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 7
    assert rows[0]["people"] == "2"


def test_requirement_from_csv(tmp_path: Path) -> None:
    start = datetime(2025, 1, 6, tzinfo=UTC)
    lines = ["interval_start,required"] + [
        f"{(start + timedelta(minutes=30 * i)).isoformat()},{1 if 18 <= i % 48 < 34 else 0}"
        for i in range(336)
    ]
    (tmp_path / "req.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = json.loads(_small_input(tmp_path).read_text(encoding="utf-8"))
    del data["requirement"], data["week_start"]
    data["requirement_csv"] = "req.csv"
    (tmp_path / "input.json").write_text(json.dumps(data), encoding="utf-8")
    result = _kpo("plan", "schedule", tmp_path / "input.json", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total_cost"]["amount"] == "560.00"


def test_invalid_input_lists_paths_and_exits_2(tmp_path: Path) -> None:
    path = _small_input(tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["vendors"][0]["templates"][0]["start"] = "25:00"
    data["vendors"][0]["time_zone"] = "Nowhere/City"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = _kpo("plan", "schedule", path)
    assert result.returncode == 2
    assert "vendors[0].templates[0].start: '25:00' is not a time" in result.stderr
    assert "vendors[0].time_zone: 'Nowhere/City' is not an IANA time zone" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreadable_and_malformed_files_exit_2(tmp_path: Path) -> None:
    missing = _kpo("plan", "schedule", tmp_path / "nope.json")
    assert missing.returncode == 2
    assert "cannot read" in missing.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    malformed = _kpo("plan", "schedule", bad)
    assert malformed.returncode == 2
    assert "is not valid JSON" in malformed.stderr


def test_example_week_solves() -> None:
    result = _kpo("plan", "schedule", EXAMPLE, "--json", "--time-limit", "20")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] in {"optimal", "feasible"}
    assert {v["name"] for v in data["vendors"]} == {
        "Manila Contact Center",
        "Warsaw Service Hub",
        "Bogota Nearshore",
    }
