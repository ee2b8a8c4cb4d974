"""``kpo policy`` end to end: check, set, show, clear against a real database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kpo.entrypoints.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "csv"
ORDER = ("clients", "vendors", "service-lines", "specialists", "work-items")
POLICY = [
    {
        "filter": "specialist.vendor == 'krakow' AND specialist.level.card_disputes >= 3",
        "ranking": "least_cost",
        "timeout_seconds": 120,
    },
    {
        "filter": "specialist.languages HAS item.language",
        "ranking": "cost_sla",
        "timeout_seconds": 480,
    },
    {"ranking": "best_skill", "relax_levels": 1},
]


@pytest.fixture
def kpo(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("KPO_DATABASE_URL", database_url)
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0
    for kind in ORDER:
        result = runner.invoke(app, ["import", kind, str(EXAMPLES / f"{kind}.csv")])
        assert result.exit_code == 0, result.stderr
    return runner


def invoke(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def write(path: Path, value: object) -> str:
    path.write_text(json.dumps(value), encoding="utf-8")
    return str(path)


def test_set_show_and_clear_a_policy(kpo: CliRunner, tmp_path: Path) -> None:
    policy = write(tmp_path / "policy.json", POLICY)
    code, out, err = invoke(kpo, "policy", "set", "acme-disputes", policy)
    assert code == 0, err
    assert "Routing policy of acme-disputes set: 3 steps" in out

    code, out, _ = invoke(kpo, "policy", "show", "acme-disputes", "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["service_line"] == "acme-disputes"
    assert shown["default"] is False
    assert shown["applies_after_seconds"] == [0, 120, 600]
    assert shown["steps"][2] == {
        "filter": None,
        "ranking": "best_skill",
        "timeout_seconds": None,
        "relax_levels": 1,
    }
    # what show prints is a document that set accepts for another line
    copy = write(tmp_path / "copy.json", shown["steps"])
    code, _, err = invoke(kpo, "policy", "set", "acme-payments", copy)
    assert code == 0, err

    code, out, _ = invoke(kpo, "policy", "show", "acme-disputes")
    assert code == 0
    assert "least_cost" in out
    assert "(everyone)" in out
    assert "┃ batch" not in out  # no batch step, no batch column

    code, out, _ = invoke(kpo, "policy", "clear", "acme-disputes")
    assert code == 0
    code, out, _ = invoke(kpo, "policy", "show", "acme-disputes", "--json")
    assert json.loads(out)["default"] is True
    assert json.loads(out)["steps"][0]["ranking"] == "cost_sla"


def test_an_invalid_policy_is_rejected_with_path_and_column_and_changes_nothing(
    kpo: CliRunner, tmp_path: Path
) -> None:
    invoke(kpo, "policy", "set", "acme-disputes", write(tmp_path / "good.json", POLICY))
    bad = [dict(POLICY[0]), *POLICY[1:]]
    bad[1] = {**POLICY[1], "filter": "specialist.languages HAS item.language AN true"}
    code, out, err = invoke(
        kpo, "policy", "set", "acme-disputes", write(tmp_path / "bad.json", bad)
    )
    assert code == 2
    assert out == ""
    assert "error: " in err
    assert "bad.json: steps[1].filter: unexpected 'AN' at column 40" in err
    assert "Traceback" not in err
    code, out, _ = invoke(kpo, "policy", "show", "acme-disputes", "--json")
    assert json.loads(out)["steps"][1]["filter"] == "specialist.languages HAS item.language"


def test_unknown_skill_line_and_file(kpo: CliRunner, tmp_path: Path) -> None:
    typo = write(
        tmp_path / "typo.json",
        [{"filter": "specialist.level.card_dispute >= 3", "ranking": "cost_sla"}],
    )
    code, _, err = invoke(kpo, "policy", "set", "acme-disputes", typo)
    assert code == 2
    assert "unknown skill 'card_dispute' at column 18" in err
    assert "did you mean card_disputes?" in err
    code, _, err = invoke(kpo, "policy", "show", "no-such-line")
    assert code == 2
    assert "service line 'no-such-line' does not exist" in err
    code, _, err = invoke(kpo, "policy", "set", "acme-disputes", str(tmp_path / "missing.json"))
    assert code == 2
    assert "cannot read" in err


def test_check_validates_without_a_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KPO_DATABASE_URL", f"sqlite:///{tmp_path / 'absent' / 'kpo.sqlite3'}")
    runner = CliRunner()
    code, out, err = invoke(runner, "policy", "check", write(tmp_path / "p.json", POLICY), "--json")
    assert code == 0, err
    checked = json.loads(out)
    assert checked["valid"] is True
    assert [s["ranking"] for s in checked["steps"]] == ["least_cost", "cost_sla", "best_skill"]
    code, out, _ = invoke(runner, "policy", "check", str(tmp_path / "p.json"))
    assert code == 0
    assert "valid, 3 steps" in out
    code, _, err = invoke(runner, "policy", "check", write(tmp_path / "e.json", []))
    assert code == 2
    assert "e.json: steps: a routing policy needs at least one step" in err


def test_a_batch_step_is_set_shown_and_refused_on_a_call_line(
    kpo: CliRunner, tmp_path: Path
) -> None:
    batch = write(
        tmp_path / "batch.json",
        [
            {"ranking": "min_cost_batch", "batch_seconds": 90, "timeout_seconds": 300},
            {"ranking": "cost_sla"},
        ],
    )
    code, _, err = invoke(kpo, "policy", "set", "acme-disputes", batch)
    assert code == 0, err
    code, out, _ = invoke(kpo, "policy", "show", "acme-disputes")
    assert "┃ batch" in out  # the "batch every" column, only for policies with a batch step
    assert "90s" in out
    code, out, _ = invoke(kpo, "policy", "show", "acme-disputes", "--json")
    assert json.loads(out)["steps"][0]["batch_seconds"] == 90
    code, _, err = invoke(kpo, "policy", "set", "acme-payments", batch)
    assert code == 2
    assert "steps[0].ranking: min_cost_batch is for ticket, back-office and project lines" in err
