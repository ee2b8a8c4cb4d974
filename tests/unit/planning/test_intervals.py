"""Interval plans: all-or-nothing parsing with row, column and reason; staffing per row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from kpo.domain.errors import ValidationError
from kpo.planning.intervals import (
    IntervalFileInvalid,
    StaffingTargets,
    parse_interval_rows,
    plan_intervals,
    staff,
)

HEADER = "service_line,interval_start,arrivals,aht_seconds"


def test_parses_good_rows_in_order() -> None:
    demands = parse_interval_rows(
        [HEADER, "cards,2026-03-02T09:00:00+01:00,100,180", "it,2026-03-02T08:00:00Z,3.5,420"]
    )
    assert [d.service_line for d in demands] == ["cards", "it"]
    assert demands[0].interval_start == datetime(2026, 3, 2, 9, tzinfo=timezone(timedelta(hours=1)))
    assert demands[1].interval_start == datetime(2026, 3, 2, 8, tzinfo=UTC)
    assert demands[1].arrivals == 3.5


def test_every_bad_row_is_reported() -> None:
    lines = [
        HEADER,
        "cards,2026-03-02T09:00:00,100,180",
        ",yesterday,-1,x",
        "cards,2026-03-02T09:00:00+00:00,10,180",
        "cards,2026-03-02T09:00:00+00:00,10,180",
        "cards,2026-03-02T10:00:00+00:00,10",
    ]
    with pytest.raises(IntervalFileInvalid) as caught:
        parse_interval_rows(lines)
    problems = {(p.row, p.column) for p in caught.value.problems}
    assert problems == {
        (2, "interval_start"),
        (3, "service_line"),
        (3, "interval_start"),
        (3, "arrivals"),
        (3, "aht_seconds"),
        (5, "interval_start"),
        (6, "*"),
    }
    assert "row 3, column aht_seconds: 'x' is not a number" in caught.value.message


def test_missing_columns_are_named() -> None:
    with pytest.raises(IntervalFileInvalid, match="row 1, column aht_seconds"):
        parse_interval_rows(["service_line,interval_start,arrivals", "a,2026-01-01T00:00Z,1"])


def test_plan_applies_shrinkage_per_row() -> None:
    demands = parse_interval_rows([HEADER, "cards,2026-03-02T09:00:00+00:00,100,180"])
    targets = StaffingTargets(target_sl=0.8, answer_within=20, shrinkage=0.3)
    (plan,) = plan_intervals(demands, interval_seconds=1800, targets=targets)
    assert (plan.staffing.raw_agents, plan.staffing.agents) == (14, 20)


def test_unreachable_row_is_reported_and_nothing_planned() -> None:
    demands = parse_interval_rows(
        [HEADER, "a,2026-03-02T09:00:00+00:00,100,180", "b,2026-03-02T09:00:00+00:00,1e12,180"]
    )
    targets = StaffingTargets(target_sl=0.8, answer_within=20)
    with pytest.raises(IntervalFileInvalid, match="row 3, column arrivals: no staffing"):
        plan_intervals(demands, interval_seconds=1800, targets=targets)


def test_staff_picks_the_model_and_evaluates_given_agents() -> None:
    c = staff(
        arrivals=100,
        interval_seconds=1800,
        aht_seconds=180,
        targets=StaffingTargets(target_sl=0.8, answer_within=20),
        agents=13,
    )
    assert (c.model, c.raw_agents, c.agents) == ("erlang_c", 13, 13)
    a = staff(
        arrivals=100,
        interval_seconds=1800,
        aht_seconds=180,
        targets=StaffingTargets(target_sl=0.8, answer_within=20, patience_seconds=120),
    )
    assert a.model == "erlang_a"
    assert a.metrics.abandonment is not None


def test_abandonment_limit_needs_patience() -> None:
    with pytest.raises(ValidationError, match="patience"):
        StaffingTargets(target_sl=0.8, answer_within=20, max_abandonment=0.05)
