"""Erlang C against published worked examples, exact rounding and numerical stability."""

from __future__ import annotations

import math
from typing import TypedDict

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kpo.domain.errors import ValidationError
from kpo.planning.erlang import (
    agents_after_shrinkage,
    agents_for_occupancy,
    erlang_b,
    erlang_c,
    evaluate,
    required_agents,
    required_agents_grid,
)

# Call Centre Helper, "Erlang C formula — made simple with an easy worked example"
# (https://www.callcentrehelper.com/erlang-c-formula-example-121281.htm): 100 calls in 30
# minutes, AHT 180 s, 80 % answered within 20 s. The article's table: 13 agents give 79.6 %
# (just short), 14 agents give 88.8 % with ASA 8 s and occupancy 71.4 %, and 30 % shrinkage
# turns 14 into 20 scheduled agents.


class Workload(TypedDict):
    arrivals: float
    interval_seconds: float
    aht_seconds: float


HELPER: Workload = {"arrivals": 100, "interval_seconds": 1800, "aht_seconds": 180}


def test_call_centre_helper_worked_example() -> None:
    thirteen = evaluate(13, answer_within=20, **HELPER)
    assert thirteen.offered_load == 10
    assert thirteen.service_level == pytest.approx(0.7956, abs=5e-5)
    result = required_agents(target_sl=0.8, answer_within=20, **HELPER)
    assert result.agents == 14
    assert result.service_level == pytest.approx(0.8884, abs=5e-5)
    assert result.wait_probability == pytest.approx(0.1741, abs=5e-5)
    assert result.asa_seconds == pytest.approx(7.84, abs=5e-3)
    assert result.occupancy == pytest.approx(10 / 14)
    assert agents_after_shrinkage(result.agents, 0.3) == 20


def test_textbook_erlang_values() -> None:
    # Erlang B table value B(10, 5) = 0.018385 (e.g. Kleinrock, Queueing Systems Vol. 1, and
    # any Erlang B table); C follows from C = N·B / (N − A(1 − B)).
    assert erlang_b(10, 5.0) == pytest.approx(0.0183846, rel=1e-5)
    b = erlang_b(10, 5.0)
    assert erlang_c(10, 5.0) == pytest.approx(10 * b / (10 - 5 * (1 - b)))
    # M/M/1: C = ρ, so SL(T) = 1 − ρ·exp(−(1 − ρ)T/AHT) and ASA = ρ·AHT/(1 − ρ).
    single = evaluate(1, arrivals=30, interval_seconds=3600, aht_seconds=60, answer_within=30)
    assert single.wait_probability == pytest.approx(0.5)
    assert single.service_level == pytest.approx(1 - 0.5 * math.exp(-0.25))
    assert single.asa_seconds == pytest.approx(60.0)


def test_shrinkage_rounding_is_exact() -> None:
    assert 21 / 0.7 > 30  # the float trap this guards against
    assert agents_after_shrinkage(21, 0.3) == 30
    assert agents_after_shrinkage(22, 0.3) == 32
    assert agents_after_shrinkage(7, 0) == 7
    assert agents_for_occupancy(8.5, 0.85) == 10


@pytest.mark.parametrize("shrinkage", [-0.1, 1.0, 1.5])
def test_shrinkage_out_of_range(shrinkage: float) -> None:
    with pytest.raises(ValidationError, match="shrinkage"):
        agents_after_shrinkage(10, shrinkage)


def test_stable_at_twenty_thousand_agents() -> None:
    for load in (19_000.0, 19_990.0, 19_999.9):
        metrics = evaluate(
            20_000, arrivals=load * 10, interval_seconds=1800, aht_seconds=180, answer_within=20
        )
        for value in (metrics.service_level, metrics.wait_probability, metrics.occupancy):
            assert math.isfinite(value)
            assert 0 <= value <= 1
        assert math.isfinite(metrics.asa_seconds)
    big = required_agents(
        arrivals=200_000, interval_seconds=1800, aht_seconds=180, target_sl=0.9, answer_within=20
    )
    assert 20_000 < big.agents < 20_100


def test_unstable_queue_never_meets_anything() -> None:
    metrics = evaluate(10, answer_within=20, **HELPER)
    assert metrics.service_level == 0
    assert metrics.asa_seconds == math.inf
    assert metrics.wait_probability == 1


def test_max_occupancy_adds_agents() -> None:
    result = required_agents(target_sl=0.8, answer_within=20, max_occupancy=0.7, **HELPER)
    assert result.agents == 15
    assert result.occupancy <= 0.7


def test_zero_arrivals_need_nobody() -> None:
    result = required_agents(
        arrivals=0, interval_seconds=1800, aht_seconds=180, target_sl=0.8, answer_within=20
    )
    assert result.agents == 0
    assert result.service_level == 1


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"target_sl": 1.0, "answer_within": 0}, "100 %"),
        ({"target_sl": 1.0}, "100 %"),
        ({"target_sl": -0.1}, "target service level"),
        ({"answer_within": -1}, "answer-within"),
        ({"arrivals": -5}, "arrivals"),
        ({"aht_seconds": 0}, "aht_seconds"),
        ({"max_occupancy": 0}, "occupancy"),
        ({"arrivals": 1e12}, "no staffing up to"),
    ],
)
def test_impossible_inputs(changes: dict[str, float], match: str) -> None:
    arguments = {"target_sl": 0.8, "answer_within": 20.0, **dict(HELPER.items()), **changes}
    with pytest.raises(ValidationError, match=match):
        required_agents(**arguments)  # type: ignore[arg-type]


load_st = st.floats(min_value=0.01, max_value=2_000)
target_st = st.floats(min_value=0.0, max_value=0.99)
within_st = st.floats(min_value=0, max_value=120)


@settings(max_examples=60, deadline=None)
@given(load=load_st, target=target_st, within=within_st)
def test_required_agents_is_the_smallest_that_meets_the_target(
    load: float, target: float, within: float
) -> None:
    workload: Workload = {"arrivals": load * 10, "interval_seconds": 1800.0, "aht_seconds": 180.0}
    result = required_agents(target_sl=target, answer_within=within, **workload)
    assert result.service_level >= target
    if result.agents - 1 > load:
        below = evaluate(result.agents - 1, answer_within=within, **workload)
        assert below.service_level < target


@settings(max_examples=60, deadline=None)
@given(load=load_st, within=within_st, extra=st.integers(min_value=1, max_value=50))
def test_service_level_grows_and_asa_falls_with_agents(
    load: float, within: float, extra: int
) -> None:
    workload: Workload = {"arrivals": load * 10, "interval_seconds": 1800.0, "aht_seconds": 180.0}
    n = math.floor(load) + extra
    fewer = evaluate(n, answer_within=within, **workload)
    more = evaluate(n + 1, answer_within=within, **workload)
    assert more.service_level >= fewer.service_level
    assert more.wait_probability <= fewer.wait_probability
    assert more.asa_seconds <= fewer.asa_seconds


@settings(max_examples=30, deadline=None)
@given(
    arrivals=st.lists(st.floats(min_value=0, max_value=3_000), min_size=1, max_size=20),
    target=target_st,
    within=within_st,
    shrinkage=st.sampled_from([0.0, 0.1, 0.3, 0.35]),
    occupancy=st.sampled_from([None, 0.85, 0.9]),
)
# a load a hair below 50 Erlangs: float noise must not decide floor(A) differently
@example(arrivals=[374.99999999999955], target=0.0, within=0.0, shrinkage=0.0, occupancy=None)
def test_grid_matches_the_scalar_solver(
    arrivals: list[float],
    target: float,
    within: float,
    shrinkage: float,
    occupancy: float | None,
) -> None:
    raw, scheduled = required_agents_grid(
        np.array(arrivals),
        240.0,
        interval_seconds=1800,
        target_sl=target,
        answer_within=within,
        max_occupancy=occupancy,
        shrinkage=shrinkage,
    )
    for i, count in enumerate(arrivals):
        one = required_agents(
            arrivals=count,
            interval_seconds=1800,
            aht_seconds=240,
            target_sl=target,
            answer_within=within,
            max_occupancy=occupancy,
        )
        assert raw[i] == one.agents
        assert scheduled[i] == agents_after_shrinkage(one.agents, shrinkage)
