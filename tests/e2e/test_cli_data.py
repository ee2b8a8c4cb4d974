"""The data commands end to end, on SQLite and PostgreSQL: init, import, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kpo.entrypoints.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "csv"
ORDER = ("clients", "vendors", "service-lines", "specialists", "work-items")


@pytest.fixture
def kpo(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("KPO_DATABASE_URL", database_url)
    return CliRunner()


def invoke(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_init_then_import_everything_and_export_it_back(kpo: CliRunner, tmp_path: Path) -> None:
    code, out, _ = invoke(kpo, "init", "--json")
    assert code == 0
    assert json.loads(out)["skills_added"] > 10
    for kind in ORDER:
        code, out, err = invoke(kpo, "import", kind, str(EXAMPLES / f"{kind}.csv"), "--json")
        assert code == 0, err
        assert (
            json.loads(out)["imported"]
            == len((EXAMPLES / f"{kind}.csv").read_text().splitlines()) - 1
        )
    for kind in ("clients", "vendors", "service-lines", "specialists"):
        code, out, _ = invoke(kpo, "export", kind)
        assert code == 0
        assert out.splitlines() == (EXAMPLES / f"{kind}.csv").read_text().splitlines()
    code, out, _ = invoke(kpo, "export", "work-items")
    lines = out.splitlines()
    assert lines[0].endswith(",state,specialist")
    assert len(lines) == 5
    # oldest first; the +01:00 offset of W000002 is kept as the same instant in UTC
    assert lines[1].startswith("W000002,acme-disputes,2026-10-23T13:35:10Z,")
    assert all(line.endswith(",queued,") for line in lines[1:])


def test_export_to_file_imports_into_another_database(
    kpo: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoke(kpo, "init")
    for kind in ORDER:
        invoke(kpo, "import", kind, str(EXAMPLES / f"{kind}.csv"))
    for kind in ORDER:
        code, _, _ = invoke(kpo, "export", kind, "--output", str(tmp_path / f"{kind}.csv"))
        assert code == 0
    monkeypatch.setenv("KPO_DATABASE_URL", f"sqlite:///{tmp_path / 'copy.sqlite3'}")
    invoke(kpo, "init")
    for kind in ORDER:
        code, _, err = invoke(kpo, "import", kind, str(tmp_path / f"{kind}.csv"))
        assert code == 0, err
    code, out, _ = invoke(kpo, "export", "specialists")
    assert out.splitlines() == (EXAMPLES / "specialists.csv").read_text().splitlines()


def test_a_bad_file_imports_nothing_and_names_every_problem(kpo: CliRunner, tmp_path: Path) -> None:
    invoke(kpo, "init")
    for kind in ("clients", "vendors"):
        invoke(kpo, "import", kind, str(EXAMPLES / f"{kind}.csv"))
    bad = tmp_path / "specialists.csv"
    good_rows = (EXAMPLES / "specialists.csv").read_text().splitlines()
    bad.write_text(
        "\n".join(
            [
                good_rows[0],
                good_rows[1],
                "x-1,manila,Ann,Mars/Olympus,mon-fri 09:00-17:00,payments:3,en,,10,USD,"
                "2024-01-01,,",
                "x-2,manila,Bob,Asia/Manila,mon-fri 09:00-17:00,basket_weaving:3,xx,,10,ZZZ,"
                "2024-01-01,,",
                "x-3,nowhere,Cy,Asia/Manila,fry 09:00-17:00,payments:9,en,,-1,USD,2024-13-01,,",
                good_rows[1],
            ]
        )
        + "\n"
    )
    code, out, err = invoke(kpo, "import", "specialists", str(bad))
    assert code == 2
    assert "Traceback" not in err
    assert "nothing imported" in err
    expected = [
        ("row 3", "time_zone", "Mars/Olympus"),
        ("row 4", "languages", "'xx'"),
        ("row 4", "currency", "'ZZZ'"),
        ("row 4", "skills", "basket_weaving"),
        ("row 5", "working_hours", "fry"),
        ("row 5", "skills", "9"),
        ("row 5", "employment_start", "2024-13-01"),
        ("row 5", "vendor", None),
        ("row 6", "id", "row 2"),
    ]
    flat = " ".join(err.split())
    for row, column, detail in expected:
        assert f"{row}, column '{column}'" in flat, (row, column)
        if detail:
            assert detail in flat
    code, out, _ = invoke(kpo, "export", "specialists")
    assert out.splitlines() == [good_rows[0]]


def test_bad_header_and_unknown_references(kpo: CliRunner, tmp_path: Path) -> None:
    invoke(kpo, "init")
    bad = tmp_path / "items.csv"
    bad.write_text("id,service_line,created,language\nW1,nope,2026-01-01T00:00:00Z,en\n")
    code, _, err = invoke(kpo, "import", "work-items", str(bad))
    assert code == 2
    flat = " ".join(err.split())
    assert "row 1, column 'created_at': required column is missing" in flat
    assert "row 1, column 'created': unknown column" in flat
    bad.write_text("id,service_line,created_at,language\nW1,nope,2026-01-01T00:00:00,en\n")
    code, _, err = invoke(kpo, "import", "work-items", str(bad))
    flat = " ".join(err.split())
    assert "row 2, column 'created_at'" in flat
    assert "no UTC offset" in flat
    assert "row 2, column 'service_line': unknown service line 'nope'" in flat


def test_commands_before_init_say_what_to_do(kpo: CliRunner) -> None:
    code, _, err = invoke(kpo, "export", "clients")
    assert code == 2
    assert "kpo init" in err


def test_missing_file_is_a_clear_error(kpo: CliRunner, tmp_path: Path) -> None:
    invoke(kpo, "init")
    code, _, err = invoke(kpo, "import", "clients", str(tmp_path / "nope.csv"))
    assert code == 2
    assert "cannot read" in err


def test_skills_catalogue(kpo: CliRunner) -> None:
    invoke(kpo, "init")
    code, _, _ = invoke(kpo, "skills", "add", "tax_returns", "--description", "Personal tax")
    assert code == 0
    code, out, _ = invoke(kpo, "skills", "list", "--json")
    assert {"name": "tax_returns", "description": "Personal tax"} in json.loads(out)
    code, _, err = invoke(kpo, "skills", "add", "Tax Returns!")
    assert code == 2
    assert "unknown skill" in err


def test_sla_status_of_an_imported_item(kpo: CliRunner) -> None:
    invoke(kpo, "init")
    for kind in ORDER:
        invoke(kpo, "import", kind, str(EXAMPLES / f"{kind}.csv"))
    # W000001 arrived Friday 2026-10-23 14:30Z = 15:30 London, disputes open mon-fri 08-20
    code, out, err = invoke(
        kpo, "sla", "status", "W000001", "--at", "2026-10-26T09:00:00Z", "--json"
    )
    assert code == 0, err
    status = json.loads(out)
    first, resolution = status["targets"]
    assert first["target"] == "first_response"
    # 4 business hours from 15:30 BST end at 19:30 BST (18:30Z) on Friday; by Monday: breached
    assert first["due"] == "2026-10-23T18:30:00Z"
    assert first["breached"] is True
    assert resolution["due"] is not None
    code, _, err = invoke(kpo, "sla", "status", "nope")
    assert code == 2
    assert "'nope' does not exist" in err
