"""``kpo plan forecast`` end to end: CSV in, backtest and forecast out, errors as exit 2."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

from tests.e2e.test_cli_plan import kpo
from tests.unit.planning.test_forecast import history_lines


def test_forecast_json_and_csv_feed_the_interval_plan(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    rows = history_lines("cloudlane-l2", start=datetime(2026, 2, 23, tzinfo=UTC), weeks=4)
    history.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "forecast.csv"
    result = kpo(
        "plan", "forecast", str(history), "--time-zone", "America/New_York",
        "--horizon-days", "2", "--folds", "1", "--out", str(out), "--aht-seconds", "1500",
        "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["model"] == "mstl_ets"
    assert record["interval_minutes"] == 30
    assert record["backtest"]["folds"] == 1
    assert record["backtest"]["model_wape"] < record["backtest"]["baseline_wape"]
    assert len(record["forecast"]) == 2 * 48
    with out.open(encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    assert list(written[0]) == ["service_line", "interval_start", "arrivals", "aht_seconds"]
    assert written[0]["interval_start"] == "2026-03-22T20:00:00-04:00"
    plan = kpo("plan", "intervals", str(out), "--json")
    assert plan.returncode == 0, plan.stderr
    assert len(json.loads(plan.stdout)["intervals"]) == 2 * 48


def test_forecast_reports_every_bad_row(tmp_path: Path) -> None:
    history = tmp_path / "bad.csv"
    history.write_text(
        "service_line,interval_start,arrivals\n"
        "a,2026-03-02T00:00:00,1\n"
        "a,2026-03-02T00:30:00Z,many\n",
        encoding="utf-8",
    )
    result = kpo("plan", "forecast", str(history))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "row 2, column interval_start" in result.stderr
    assert "row 3, column arrivals: 'many' is not a number" in result.stderr
    assert "Traceback" not in result.stderr


def test_forecast_refuses_bad_options(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    rows = history_lines("cloudlane-l2", start=datetime(2026, 3, 2, tzinfo=UTC), weeks=3)
    history.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = kpo("plan", "forecast", str(history), "--interval-minutes", "60")
    assert result.returncode == 2
    assert "30-minute intervals, not 60-minute" in result.stderr
    result = kpo("plan", "forecast", str(history), "--time-zone", "Nowhere/Land")
    assert result.returncode == 2
    assert "unknown time zone" in result.stderr
