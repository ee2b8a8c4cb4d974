"""``kpo --help`` lists every command without importing it; each loads when it runs."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from kpo.entrypoints.cli.lazy import COMMANDS
from kpo.entrypoints.cli.main import app


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_listed_summary_is_the_commands_own_help(name: str) -> None:
    command = COMMANDS[name].load(name)
    assert command.name == name
    assert " ".join((command.help or "").split()).startswith(COMMANDS[name].summary)


def test_help_lists_every_command_without_importing_heavy_modules() -> None:
    code = (
        "import sys\n"
        "from kpo.entrypoints.cli.main import run\n"
        "sys.argv = ['kpo', '--help']\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        "heavy = ('ortools', 'scipy', 'pandas', 'sqlalchemy', 'numpy', 'statsmodels')\n"
        "print('LOADED', [m for m in heavy if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "LOADED []" in out.stdout
    for name in COMMANDS:
        assert f" {name} " in out.stdout


def test_a_sub_command_runs_and_shows_its_own_help() -> None:
    result = CliRunner().invoke(app, ["plan", "--help"])
    assert result.exit_code == 0
    assert "staffing" in result.stdout
    assert "intervals" in result.stdout
    unknown = CliRunner().invoke(app, ["no-such-command"])
    assert unknown.exit_code == 2
