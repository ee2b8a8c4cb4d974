"""The plan check: the routing engine on a simulated M/M/N queue agrees with Erlang C and A."""

from __future__ import annotations

import pytest

from kpo.domain.errors import ValidationError
from kpo.planning import erlang, erlang_a
from kpo.simulation.staffing_check import check_staffing

WORKLOAD = {"arrivals": 100.0, "interval_seconds": 1800.0, "aht_seconds": 180.0}
# The same load over 12 hours: enough calls for the mean to settle (each replication's
# service level varies by several points; successive calls' waits are correlated).
LONG = WORKLOAD | {"arrivals": 2400.0, "interval_seconds": 12 * 3600.0, "warmup_seconds": 1800.0}


def test_simulated_service_level_is_close_to_erlang_c() -> None:
    # 10 Erlangs on 13 agents: Erlang C gives 79.6 % within 20 s and an ASA of 17.1 s.
    formula = erlang.evaluate(13, answer_within=20, **WORKLOAD)
    check = check_staffing(agents=13, answer_within=20, replications=10, seed=3, **LONG)
    assert check.replications == 10
    assert check.calls == pytest.approx(2400, rel=0.05)
    assert check.service_level == pytest.approx(formula.service_level, abs=0.03)
    assert check.asa_seconds == pytest.approx(formula.asa_seconds, rel=0.2)
    assert check.abandonment is None
    assert 0 < check.service_level_ci95 < 0.06


def test_simulated_abandonment_is_close_to_erlang_a() -> None:
    formula = erlang_a.evaluate(11, answer_within=20, patience_seconds=120, **WORKLOAD)
    check = check_staffing(
        agents=11, answer_within=20, patience_seconds=120, replications=6, seed=4, **LONG
    )
    assert formula.abandonment is not None
    assert check.abandonment == pytest.approx(formula.abandonment, abs=0.02)
    assert check.service_level == pytest.approx(formula.service_level, abs=0.04)


def test_answered_without_waiting_when_answer_within_is_zero() -> None:
    formula = erlang.evaluate(14, answer_within=0, **WORKLOAD)
    check = check_staffing(agents=14, answer_within=0, replications=4, seed=5, **LONG)
    assert check.service_level == pytest.approx(1 - formula.wait_probability, abs=0.04)


def test_the_same_seed_gives_the_same_check() -> None:
    first = check_staffing(agents=12, answer_within=20, replications=3, seed=9, **WORKLOAD)
    again = check_staffing(agents=12, answer_within=20, replications=3, seed=9, **WORKLOAD)
    assert first == again


@pytest.mark.parametrize(
    ("field", "value"), [("agents", 0), ("replications", 0), ("arrivals", -1.0)]
)
def test_bad_input_is_refused(field: str, value: float) -> None:
    arguments = {"agents": 10, "answer_within": 20.0, "replications": 2, **WORKLOAD}
    arguments[field] = value
    with pytest.raises(ValidationError):
        check_staffing(**arguments)  # type: ignore[arg-type]
