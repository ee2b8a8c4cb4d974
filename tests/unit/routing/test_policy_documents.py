"""Policy documents: every fault named by its JSON path; the canonical form reads back equal."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpo.domain.errors import ValidationError
from kpo.routing.expressions import ExpressionError, compile_filter
from kpo.routing.policies import PolicyStep, Ranking, RoutingPolicy
from kpo.routing.policy_documents import (
    MAX_STEPS,
    format_policy,
    parse_policy,
    policy_from_data,
    policy_to_data,
)

EXAMPLE = """[
  {"filter": "specialist.vendor == 'krakow'", "ranking": "least_cost", "timeout_seconds": 120},
  {"ranking": "cost_sla", "timeout_seconds": 600},
  {"ranking": "best_skill", "relax_levels": 1}
]"""


def test_the_documented_example_reads_as_three_widening_steps() -> None:
    policy = parse_policy(EXAMPLE)
    assert policy == RoutingPolicy(
        (
            PolicyStep(
                Ranking.LEAST_COST,
                compile_filter("specialist.vendor == 'krakow'"),
                timedelta(seconds=120),
            ),
            PolicyStep(Ranking.COST_SLA, None, timedelta(seconds=600)),
            PolicyStep(Ranking.BEST_SKILL, None, None, relax_levels=1),
        )
    )
    assert policy.step_at(timedelta(seconds=119)) == 0
    assert policy.step_at(timedelta(seconds=120)) == 1
    assert policy.step_at(timedelta(hours=1)) == 2
    first = policy.steps[0].filter
    assert first is not None
    assert first.specialist_only
    assert first.matches({}, {"vendor": "krakow"})


def test_the_canonical_form_names_every_key_in_order_and_reads_back() -> None:
    text = format_policy(parse_policy(EXAMPLE))
    data = json.loads(text)
    assert [list(step) for step in data] == [
        ["filter", "ranking", "timeout_seconds", "relax_levels"]
    ] * 3
    assert data[1] == {
        "filter": None,
        "ranking": "cost_sla",
        "timeout_seconds": 600,
        "relax_levels": 0,
    }
    assert format_policy(parse_policy(text)) == text
    assert policy_to_data(policy_from_data(data)) == data


def test_fractional_timeouts_survive_the_round_trip() -> None:
    policy = parse_policy(doc(step(timeout_seconds=1.5), step()))
    assert policy.steps[0].timeout == timedelta(seconds=1.5)
    assert json.loads(format_policy(policy))[0]["timeout_seconds"] == 1.5


def rejected(text: str, **kwargs: object) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        parse_policy(text, **kwargs)  # type: ignore[arg-type]
    return caught.value


def step(**fields: object) -> dict[str, object]:
    return {"ranking": "cost_sla", **fields}


def doc(*steps: object) -> str:
    return json.dumps(list(steps))


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("[", "steps", "not valid JSON: Expecting value at line 1 column 2"),
        ("", "steps", "not valid JSON"),
        ('{"steps": []}', "steps", "a routing policy is a JSON list of steps, got an object"),
        ("[]", "steps", "needs at least one step"),
        (doc(*[step(timeout_seconds=1)] * MAX_STEPS, step()), "steps", "the limit is 20"),
        (doc("cost_sla"), "steps[0]", 'a step is an object such as {"ranking": "cost_sla"}'),
        (doc({}), "steps[0].ranking", "required; one of least_cost, best_skill"),
        (doc(step(ranking="cheapest")), "steps[0].ranking", 'unknown ranking "cheapest"'),
        (doc(step(ranking=None)), "steps[0].ranking", "unknown ranking null"),
        (doc(step(rankng="x")), "steps[0].rankng", "unknown key (did you mean ranking?)"),
        (doc(step(priority=1)), "steps[0].priority", "unknown key; a step has filter, ranking"),
        ('[{"ranking": "cost_sla", "ranking": "least_cost"}]', "steps", "duplicate key 'ranking'"),
        (doc(step(), step()), "steps[0].timeout_seconds", "required: seconds after which"),
        (doc(step(timeout_seconds=60)), "steps[0].timeout_seconds", "the last step applies"),
        (
            doc(step(timeout_seconds=0), step()),
            "steps[0].timeout_seconds",
            "must be above 0 and at most 604,800, got 0",
        ),
        (
            doc(step(timeout_seconds=-5), step()),
            "steps[0].timeout_seconds",
            "must be above 0",
        ),
        (doc(step(timeout_seconds="60"), step()), "steps[0].timeout_seconds", "got the string"),
        (doc(step(timeout_seconds=True), step()), "steps[0].timeout_seconds", "got true"),
        (
            '[{"ranking": "cost_sla", "timeout_seconds": Infinity}, {"ranking": "cost_sla"}]',
            "steps",
            "Infinity is not a number",
        ),
        (
            '[{"ranking": "cost_sla", "timeout_seconds": 1e999}, {"ranking": "cost_sla"}]',
            "steps[0].timeout_seconds",
            "must be above 0",
        ),
        (doc(step(relax_levels=5)), "steps[0].relax_levels", "must be 0-4"),
        (doc(step(relax_levels=-1)), "steps[0].relax_levels", "must be 0-4"),
        (doc(step(relax_levels=1.0)), "steps[0].relax_levels", "a whole number 0-4"),
        (doc(step(filter=3)), "steps[0].filter", "a filter is a string or null, got the number"),
        (doc(step(filter="  ")), "steps[0].filter", "empty filter; use null"),
        ("[" * 100_000, "steps", "not valid JSON"),
    ],
)
def test_every_fault_names_its_json_path(text: str, field: str, message: str) -> None:
    error = rejected(text)
    assert error.field == field
    assert message in error.message
    if field != "steps" or message.startswith(("a routing", "needs", "the limit")):
        assert error.message.startswith(f"{field}: ")


def test_a_bad_filter_names_the_step_and_the_column() -> None:
    text = doc(step(timeout_seconds=60), step(filter="item.priority > 5 AN true"))
    error = rejected(text)
    assert isinstance(error, ExpressionError)
    assert error.field == "steps[1].filter"
    assert error.position == 19
    assert error.message.startswith("steps[1].filter: unexpected 'AN' at column 19")
    assert error.message.endswith("  item.priority > 5 AN true\n                    ^")


def test_skills_are_checked_against_a_catalogue_when_given() -> None:
    text = doc(step(filter="specialist.level.kyc >= 2"))
    parse_policy(text, skills={"kyc"})
    error = rejected(text, skills={"payments"})
    assert error.field == "steps[0].filter"
    assert "unknown skill 'kyc'" in error.message


FILTERS = st.sampled_from(
    [
        None,
        "specialist.vendor == 'krakow'",
        "item.priority >= 5 AND specialist.languages HAS item.language",
        "NOT specialist.country IN ('PH', \"IN\")",
        "specialist.level.kyc >= 3",
    ]
)


@st.composite
def policies(draw: st.DrawFn) -> RoutingPolicy:
    count = draw(st.integers(1, 5))
    steps = []
    for index in range(count):
        source = draw(FILTERS)
        last = index == count - 1
        seconds = draw(st.integers(1, 86_400) | st.sampled_from([0.5, 2.25, 90.125]))
        ranking = draw(st.sampled_from(Ranking))
        batch = draw(st.integers(1, 86_400)) if ranking is Ranking.MIN_COST_BATCH else None
        steps.append(
            PolicyStep(
                ranking=ranking,
                filter=None if source is None else compile_filter(source),
                timeout=None if last else timedelta(seconds=seconds),
                relax_levels=draw(st.integers(0, 4)),
                batch_interval=None if batch is None else timedelta(seconds=batch),
            )
        )
    return RoutingPolicy(tuple(steps))


@given(policies())
def test_format_then_parse_is_the_identity(policy: RoutingPolicy) -> None:
    text = format_policy(policy)
    assert parse_policy(text) == policy
    assert format_policy(parse_policy(text)) == text


@given(st.text(max_size=60) | st.from_regex(r"\[\{.{0,40}\}\]", fullmatch=True))
def test_any_text_is_a_policy_or_a_validation_error(text: str) -> None:
    field = "steps"
    try:
        parse_policy(text)
    except ValidationError as error:
        field = error.field or ""
    assert field.startswith("steps")
