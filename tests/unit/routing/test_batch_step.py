"""min_cost_batch steps: the live engine's periodic least-total-cost batch."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest

from kpo.domain.calendars import parse_hours
from kpo.domain.channels import Channel
from kpo.domain.errors import ValidationError
from kpo.domain.work_items import WorkItemState
from kpo.routing.batch import solve_batch
from kpo.routing.explain import Trigger
from kpo.routing.policies import PolicyStep, Ranking, RoutingPolicy
from kpo.routing.policy_documents import format_policy, parse_policy
from tests.factories import service_line
from tests.unit.routing.helpers import T0, person, router, work_item

S = WorkItemState
MIN = timedelta(minutes=1)
BATCH = PolicyStep(Ranking.MIN_COST_BATCH, batch_interval=5 * MIN)


def test_items_wait_for_the_batch_which_places_more_than_greedy_offers_would() -> None:
    # cheap speaks en+es, dear en only; the en item comes first. One at a time the cheap
    # person takes it and the es item waits; the batch gives each item its only fit.
    cheap = person("cheap", "10", languages=frozenset({"en", "es"}))
    dear = person("dear", "30", languages=frozenset({"en"}))
    greedy = router(cheap, dear)
    greedy.submit(work_item(id="EN", language="en"), now=T0)
    greedy.submit(work_item(id="ES", language="es"), now=T0)
    assert greedy.held("cheap") == {"EN": S.OFFERED}
    assert greedy.item("ES").state is S.QUEUED

    batched = router(cheap, dear, policy=RoutingPolicy((BATCH,)))
    first = batched.submit(work_item(id="EN", language="en"), now=T0)
    batched.submit(work_item(id="ES", language="es"), now=T0 + MIN)
    assert first.winner is None
    assert "batch" in first.reason
    assert batched.held("cheap") == {}
    batched.advance(T0 + 5 * MIN - timedelta(seconds=1))
    assert batched.queued() == 2
    batched.advance(T0 + 5 * MIN)
    assert batched.held("cheap") == {"ES": S.OFFERED}
    assert batched.held("dear") == {"EN": S.OFFERED}
    decisions = [d for d in batched.drain_decisions() if d.trigger is Trigger.BATCH]
    assert {(d.item_id, d.winner) for d in decisions} == {("EN", "dear"), ("ES", "cheap")}
    assert all(d.ranking is Ranking.MIN_COST_BATCH for d in decisions)
    assert all(d.at == T0 + 5 * MIN for d in decisions)
    assert "2 of 2 waiting" in decisions[0].reason


def test_a_freed_specialist_does_not_take_batch_items_one_at_a_time() -> None:
    r = router(person("a"), policy=RoutingPolicy((BATCH,)))
    r.submit(work_item(id="W1"), now=T0)
    r.run_batches(now=T0 + MIN)
    r.accept("W1", specialist_id="a", now=T0 + MIN)
    r.start("W1", specialist_id="a", now=T0 + MIN)
    r.submit(work_item(id="W2"), now=T0 + MIN)
    r.resolve("W1", specialist_id="a", now=T0 + 2 * MIN)
    assert r.held("a") == {}  # W2 waits for the batch
    r.advance(T0 + 5 * MIN)
    assert r.held("a") == {"W2": S.OFFERED}


def test_higher_priority_first_then_least_cost() -> None:
    r = router(person("only", "10"), policy=RoutingPolicy((BATCH,)))
    r.submit(work_item(id="OLD", priority=1, created_at=T0 - 30 * MIN), now=T0)
    r.submit(work_item(id="URGENT", priority=5), now=T0)
    assert r.run_batches(now=T0) == 1
    assert r.held("only") == {"URGENT": S.OFFERED}


def test_a_refused_item_goes_to_someone_else_in_the_next_batch() -> None:
    r = router(person("a", "10"), person("b", "20"), policy=RoutingPolicy((BATCH,)))
    r.submit(work_item(id="W1"), now=T0)
    r.run_batches(now=T0)
    assert r.held("a") == {"W1": S.OFFERED}
    r.reject("W1", specialist_id="a", now=T0 + MIN)
    assert r.held("b") == {}  # back to waiting for the batch
    r.advance(T0 + 5 * MIN)
    assert r.held("b") == {"W1": S.OFFERED}
    assert r.held("a") == {}


def test_after_the_batch_step_times_out_the_item_is_routed_online() -> None:
    policy = RoutingPolicy(
        (
            PolicyStep(Ranking.MIN_COST_BATCH, timeout=2 * MIN, batch_interval=10 * MIN),
            PolicyStep(Ranking.LEAST_COST),
        )
    )
    r = router(person("a"), policy=policy)
    r.submit(work_item(id="W1"), now=T0)
    assert r.held("a") == {}
    r.advance(T0 + 2 * MIN)
    assert r.held("a") == {"W1": S.OFFERED}


@pytest.mark.parametrize("seed", range(12))
def test_the_live_batch_equals_the_file_batch_on_the_same_network(seed: int) -> None:
    """Same eligibility and cost model as ``kpo route batch`` (solve_batch): the same number
    of items placed per priority and the same least total cost."""
    rng = random.Random(seed)
    everywhere = parse_hours("daily 00:00-24:00")
    people = [
        person(
            f"s{i}",
            str(rng.choice([8, 12, 15, 22, 30])),
            skills={"card_disputes": rng.choice([2, 3, 4, 5])},
            languages=frozenset(rng.sample(["en", "es", "pl"], rng.choice([1, 2]))),
            capacity={Channel.TICKET: rng.choice([1, 2])},
            time_zone="UTC",
            working_hours=everywhere,
        )
        for i in range(rng.randint(3, 9))
    ]
    items = [
        work_item(
            id=f"W{j}",
            language=rng.choice(["en", "es"]),
            priority=rng.choice([0, 0, 3]),
            created_at=T0 - j * MIN,
        )
        for j in range(rng.randint(2, 14))
    ]
    expected = solve_batch(items, people, lines={"acme-disputes": service_line()}, at=T0)

    r = router(*people, policy=RoutingPolicy((BATCH,)))
    for item in sorted(items, key=lambda i: i.created_at):
        r.submit(item, now=T0)  # after solve_batch, which only reads the items
    placed = r.run_batches(now=T0)
    offered = {
        i.id: r.item(i.id).specialist_id or "" for i in items if r.item(i.id).state is S.OFFERED
    }
    assert placed == len(offered) == len(expected.assignments)
    by_priority = sorted(i.priority for i in items if i.id in offered)
    assert by_priority == sorted(a.item.priority for a in expected.assignments)
    eligible = {(i.id, s.id): c.amount for i, s, c in expected.eligible_pairs()}
    ours = sum((eligible[(item_id, who)] for item_id, who in offered.items()), Decimal(0))
    assert ours == sum((a.cost.amount for a in expected.assignments), Decimal(0))


def test_policy_documents_read_and_write_batch_steps() -> None:
    policy = parse_policy(
        '[{"ranking": "min_cost_batch", "timeout_seconds": 600}, {"ranking": "cost_sla"}]'
    )
    assert policy.steps[0].batch_interval == timedelta(seconds=60)  # the default
    assert parse_policy(format_policy(policy)) == policy
    assert '"batch_seconds": 60' in format_policy(policy)
    assert "batch_seconds" not in format_policy(parse_policy('[{"ranking": "cost_sla"}]'))
    for document, path in (
        ('[{"ranking": "cost_sla", "batch_seconds": 60}]', "steps[0].batch_seconds"),
        ('[{"ranking": "min_cost_batch", "batch_seconds": 0}]', "steps[0].batch_seconds"),
        ('[{"ranking": "min_cost_batch", "batch_seconds": "5"}]', "steps[0].batch_seconds"),
    ):
        with pytest.raises(ValidationError) as raised:
            parse_policy(document)
        assert raised.value.field == path
