import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from kpo.entrypoints.cli.main import app

runner = CliRunner()

WARSAW_OFFICE = [
    "sla",
    "due",
    "--timezone",
    "Europe/Warsaw",
    "--hours",
    "mon-fri 09:00-17:00",
]


def test_due_across_a_weekend_and_the_autumn_clock_change() -> None:
    # Friday 16:30 CEST: 30 min left that day, then Monday (CET) 09:00 + 210 min.
    result = runner.invoke(
        app,
        [*WARSAW_OFFICE, "--start", "2026-10-23T14:30:00Z", "--business-minutes", "240", "--json"],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        '{"due": "2026-10-26T11:30:00Z", "due_local": "2026-10-26T12:30:00+01:00"}'
    )


def test_human_output_shows_both_times() -> None:
    result = runner.invoke(
        app, [*WARSAW_OFFICE, "--start", "2026-10-23T14:30:00Z", "--business-minutes", "240"]
    )
    assert result.exit_code == 0, result.output
    assert "2026-10-26T11:30:00Z" in result.stdout
    assert "2026-10-26T12:30:00+01:00" in result.stdout


def test_skips_holidays_closed_dates_and_uses_extra_windows() -> None:
    result = runner.invoke(
        app,
        [
            *WARSAW_OFFICE,
            "--hours",
            "sat 10:00-14:00",
            "--country",
            "PL",
            "--closed",
            "2026-11-12",
            "--start",
            "2026-11-10T15:00:00Z",  # Tuesday 16:00 CET
            "--business-minutes",
            "180",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    # 1 h on Tuesday; Wednesday 11 Nov is a public holiday and Thursday is closed, so the
    # other 2 h run on Friday from 09:00.
    assert json.loads(result.stdout) == {
        "due": "2026-11-13T10:00:00Z",
        "due_local": "2026-11-13T11:00:00+01:00",
    }


def test_start_with_an_offset_is_accepted() -> None:
    result = runner.invoke(
        app,
        [
            *WARSAW_OFFICE,
            "--start",
            "2026-10-23T16:30:00+02:00",
            "--business-minutes",
            "30",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["due"] == "2026-10-23T15:00:00Z"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"--hours": "fry 09:00-17:00"}, "--hours: unknown day 'fry'"),
        ({"--timezone": "Mars/Olympus"}, "--timezone: unknown time zone 'Mars/Olympus'"),
        ({"--country": "XX"}, "--country: unknown country 'XX'"),
        ({"--closed": "2026-02-30"}, "--closed: '2026-02-30' is not a date"),
        ({"--start": "2026-10-23T14:30:00"}, "--start: '2026-10-23T14:30:00' has no time zone"),
        ({"--start": "friday"}, "--start: cannot read 'friday'"),
        ({"--business-minutes": "-5"}, "--business-minutes: must not be negative"),
    ],
)
def test_bad_input_names_the_option_and_exits_2(change: dict[str, str], message: str) -> None:
    options = {
        "--timezone": "Europe/Warsaw",
        "--hours": "mon-fri 09:00-17:00",
        "--start": "2026-10-23T14:30:00Z",
        "--business-minutes": "240",
        **change,
    }
    args = ["sla", "due", *(part for pair in options.items() for part in pair)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"error: {message}" in " ".join(result.stderr.split())


def test_help_explains_the_options_with_examples() -> None:
    result = runner.invoke(app, ["sla", "due", "--help"])
    assert result.exit_code == 0
    for text in ("--hours", "mon-fri 09:00-17:00", "--closed", "Europe/Warsaw", "--json"):
        assert text in result.stdout


def test_runs_as_a_module_in_a_subprocess() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kpo",
            *WARSAW_OFFICE,
            "--start",
            "2026-10-23T14:30:00Z",
            "--business-minutes",
            "240",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "due": "2026-10-26T11:30:00Z",
        "due_local": "2026-10-26T12:30:00+01:00",
    }


def test_subprocess_error_is_one_line_without_traceback() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kpo",
            *WARSAW_OFFICE,
            "--start",
            "2026-10-23T14:30:00",
            "--business-minutes",
            "240",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: --start:")
    assert "Traceback" not in done.stderr
