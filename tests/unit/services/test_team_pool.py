"""The team-assembly pool: stored specialists or a specialists CSV, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpo.services.tabular import ImportFailed
from kpo.services.team_pool import specialists_from_csv, specialists_in_store
from tests.factories import specialist
from tests.fakes import FakeUnitOfWork

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "csv" / "specialists.csv"


def test_pool_from_the_store_in_id_order() -> None:
    uow = FakeUnitOfWork()
    with uow:
        uow.specialists.add(specialist(id="b"))
        uow.specialists.add(specialist(id="a"))
        uow.commit()
    assert [s.id for s in specialists_in_store(uow)] == ["a", "b"]


def test_pool_from_csv_without_a_store() -> None:
    pool = specialists_from_csv(EXAMPLE)
    assert len(pool) == 4
    assert all(s.hourly_cost.currency == "USD" for s in pool)


def test_bad_csv_rows_are_all_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    text = EXAMPLE.read_text(encoding="utf-8").replace("24.50", "x").replace("Europe/Warsaw", "X")
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ImportFailed) as caught:
        specialists_from_csv(bad)
    assert {e.column for e in caught.value.errors} >= {"hourly_cost", "time_zone"}
