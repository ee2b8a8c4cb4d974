"""``kpo route batch`` end to end: files in the import formats, JSON, costs, bad input."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kpo.entrypoints.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "csv"
AT = "2026-10-23T13:00:00Z"  # Friday: 15:00 in Kraków, 21:00 in Manila
REFERENCE = (
    "--service-lines",
    str(EXAMPLES / "service-lines.csv"),
    "--vendors",
    str(EXAMPLES / "vendors.csv"),
)
ITEMS = """id,service_line,created_at,subject,language,priority
T1,acme-disputes,2026-10-23T10:00:00Z,Goods not received,en,0
T2,acme-disputes,2026-10-23T11:00:00Z,Wrong amount,es,3
T3,acme-disputes,2026-10-23T09:00:00Z,Double charge,en,0
C1,globex-l1,2026-10-23T12:00:00Z,Password reset,en,9
P1,acme-payments,2026-10-23T12:30:00Z,Refund missing,en,0
"""


@pytest.fixture
def kpo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KPO_DATABASE_URL", f"sqlite:///{tmp_path / 'kpo.sqlite3'}")
    return CliRunner()


def invoke(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def items_file(tmp_path: Path, text: str = ITEMS) -> str:
    path = tmp_path / "items.csv"
    path.write_text(text)
    return str(path)


def test_json_lists_assignments_costs_total_and_reasons(kpo: CliRunner, tmp_path: Path) -> None:
    costs = tmp_path / "costs.csv"
    code, out, err = invoke(
        kpo,
        "route",
        "batch",
        items_file(tmp_path),
        str(EXAMPLES / "specialists.csv"),
        *REFERENCE,
        "--at",
        AT,
        "--json",
        "--costs-out",
        str(costs),
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["at"] == AT
    pairs = {a["item"]: a["specialist"] for a in result["assignments"]}
    # Anna (krakow-001) has one ticket slot: the priority-3 dispute gets it.
    assert pairs == {"T2": "krakow-001", "C1": "manila-001", "P1": "manila-001"}
    reasons = {u["item"]: u["reason"] for u in result["unassigned"]}
    assert reasons == {
        "T1": "capacity taken by higher-priority items: the only eligible specialist on shift "
        "is full",
        "T3": "capacity taken by higher-priority items: the only eligible specialist on shift "
        "is full",
    }
    total = sum(Decimal(a["cost"]["amount"]) for a in result["assignments"])
    assert result["total_cost"] == {"amount": str(total), "currency": "USD"}

    with costs.open() as handle:
        rows = list(csv.DictReader(handle))
    cost_of = {(r["item"], r["specialist"]): Decimal(r["cost"]) for r in rows}
    assert {r["currency"] for r in rows} == {"USD"}
    assert ("C1", "manila-002") in cost_of  # eligible but dearer than Maria
    assert cost_of[("C1", "manila-002")] > cost_of[("C1", "manila-001")]
    for a in result["assignments"]:
        assert Decimal(a["cost"]["amount"]) == cost_of[(a["item"], a["specialist"])]


def test_the_table_shows_assignments_total_and_reasons(kpo: CliRunner, tmp_path: Path) -> None:
    code, out, err = invoke(
        kpo,
        "route",
        "batch",
        items_file(tmp_path),
        str(EXAMPLES / "specialists.csv"),
        *REFERENCE,
        "--at",
        "2026-10-23T22:00:00Z",
    )
    assert code == 0, err
    assert "0 of 5 item(s) assigned" in out
    assert "Total cost: 0.0000 USD" in out
    assert "no eligible specialist on shift" in out


def test_service_lines_and_vendors_come_from_the_database(kpo: CliRunner, tmp_path: Path) -> None:
    assert invoke(kpo, "init")[0] == 0
    for kind in ("clients", "vendors", "service-lines"):
        code, _, err = invoke(kpo, "import", kind, str(EXAMPLES / f"{kind}.csv"))
        assert code == 0, err
    code, out, err = invoke(
        kpo,
        "route",
        "batch",
        items_file(tmp_path),
        str(EXAMPLES / "specialists.csv"),
        "--at",
        AT,
        "--json",
    )
    assert code == 0, err
    assert len(json.loads(out)["assignments"]) == 3


def test_without_files_or_database_it_says_what_is_missing(kpo: CliRunner, tmp_path: Path) -> None:
    code, _, err = invoke(
        kpo, "route", "batch", items_file(tmp_path), str(EXAMPLES / "specialists.csv")
    )
    assert code == 2
    assert "missing service lines (give --service-lines FILE.csv) and vendors" in err
    assert "does not exist" in err
    assert not (tmp_path / "kpo.sqlite3").exists()  # nothing created


def test_a_bad_file_names_rows_and_columns_and_solves_nothing(
    kpo: CliRunner, tmp_path: Path
) -> None:
    bad = ITEMS + "X1,acme-disputes,2026-10-23T12:00:00Z,,en,12\nX2,nope,yesterday,,en,0\n"
    costs = tmp_path / "costs.csv"
    code, out, err = invoke(
        kpo,
        "route",
        "batch",
        items_file(tmp_path, bad),
        str(EXAMPLES / "specialists.csv"),
        *REFERENCE,
        "--costs-out",
        str(costs),
    )
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    assert "batch not solved" in err
    assert "row 7, column 'priority': priority 12 is outside 0-9" in err
    assert "row 8, column 'service_line': unknown service line 'nope'" in err
    assert "row 8, column 'created_at'" in err
    assert not costs.exists()


def test_specialists_paid_in_two_currencies_are_refused(kpo: CliRunner, tmp_path: Path) -> None:
    rows = (EXAMPLES / "specialists.csv").read_text().splitlines()
    rows[1] = rows[1].replace(",USD,", ",EUR,")
    specialists = tmp_path / "specialists.csv"
    specialists.write_text("\n".join(rows) + "\n")
    code, _, err = invoke(
        kpo, "route", "batch", items_file(tmp_path), str(specialists), *REFERENCE, "--at", AT
    )
    assert code == 2
    assert "several currencies: EUR (e.g. krakow-001), USD (e.g. krakow-002)" in err


def test_a_bad_instant_is_refused(kpo: CliRunner, tmp_path: Path) -> None:
    code, _, err = invoke(
        kpo,
        "route",
        "batch",
        items_file(tmp_path),
        str(EXAMPLES / "specialists.csv"),
        *REFERENCE,
        "--at",
        "2026-10-23T13:00:00",
    )
    assert code == 2
    assert "--at" in err
    assert "no time zone" in err
