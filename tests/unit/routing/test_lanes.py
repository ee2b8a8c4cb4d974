from datetime import timedelta

from kpo.domain.events import OfferTimedOut, SlaAtRisk
from kpo.routing.explain import Trigger
from kpo.routing.lanes import Lane, StampedLane
from kpo.routing.policies import PolicyStep, Ranking, RoutingPolicy
from tests.unit.routing.helpers import T0, person, router, work_item

MIN = timedelta(minutes=1)


def test_a_lane_gives_its_timers_back_in_order_and_says_which_is_next() -> None:
    lane = Lane()
    assert lane.takes(T0)
    assert lane.append(T0, 1, "a")  # the first: the caller pushes it to the heap
    assert not lane.append(T0 + MIN, 2, "b")
    assert not lane.takes(T0)  # would fall due before the last one
    assert lane.pop() == ("a", 2)
    assert lane.first() == "b"
    assert lane.pop() == ("b", None)
    assert len(lane) == 0
    assert lane.takes(T0)


def test_a_long_lane_drops_fired_entries_and_keeps_its_order() -> None:
    lane = Lane()
    for n in range(10_000):
        lane.append(T0 + n * MIN, n, n)
    popped = [lane.pop()[0] for _ in range(9_000)]
    assert popped == list(range(9_000))
    assert len(lane) == 1_000
    assert lane.first() == 9_000


def test_sla_warnings_fire_in_due_order_also_when_items_arrive_out_of_order() -> None:
    r = router()
    # Arrival order differs from at-risk order (an older item submitted later, a shorter
    # SLA): some timers go to the line's lane, the others to the heap.
    r.submit(work_item(id="a", created_at=T0), now=T0, due=T0 + 10 * MIN)
    r.submit(work_item(id="b", created_at=T0), now=T0, due=T0 + 5 * MIN)
    r.submit(work_item(id="c", created_at=T0), now=T0, due=T0 + 20 * MIN)
    r.submit(work_item(id="d", created_at=T0), now=T0, due=T0 + 10 * MIN)
    r.drain_events()
    r.advance(T0 + 30 * MIN)
    at_risk = [(e.item_id, e.at) for e in r.drain_events() if isinstance(e, SlaAtRisk)]
    assert at_risk == [
        ("b", T0 + 4 * MIN),
        ("a", T0 + 8 * MIN),
        ("d", T0 + 8 * MIN),  # a tie: the order they arrived in
        ("c", T0 + 16 * MIN),
    ]


def test_a_stamped_lane_keeps_each_timers_instant_and_token() -> None:
    lane = StampedLane()
    assert lane.append(T0, 1, "a", 7)
    assert not lane.append(T0 + MIN, 2, "b", 8)
    assert not lane.takes(T0)
    assert lane.pop() == ("a", 7, (T0 + MIN, 2))
    assert lane.pop() == ("b", 8, None)
    assert len(lane) == 0
    assert lane.takes(T0)


def test_offers_time_out_in_order_and_a_stale_timeout_does_nothing() -> None:
    r = router(person("a"), person("b", cost="30"))
    r.submit(work_item(id="x"), now=T0)
    r.submit(work_item(id="y"), now=T0 + MIN)
    r.reject("x", specialist_id="a", now=T0 + MIN)  # x goes to b; its first timer is stale
    r.drain_events()
    r.advance(T0 + 10 * MIN)
    timed_out = [(e.item_id, e.at) for e in r.drain_events() if isinstance(e, OfferTimedOut)]
    assert timed_out == [("y", T0 + 3 * MIN), ("y", T0 + 5 * MIN), ("x", T0 + 5 * MIN)]


def test_policy_steps_time_out_in_age_order_also_when_items_arrive_out_of_order() -> None:
    two_steps = RoutingPolicy(
        (PolicyStep(Ranking.LEAST_COST, timeout=2 * MIN), PolicyStep(Ranking.COST_SLA))
    )
    r = router(policy=two_steps)  # nobody on shift: every item waits and widens
    # b is older than a but arrives later: a's timer goes to the line's lane, b's to the heap
    r.submit(work_item(id="a", created_at=T0), now=T0)
    r.submit(work_item(id="b", created_at=T0 - MIN), now=T0)
    r.submit(work_item(id="c", created_at=T0), now=T0)
    r.submit(work_item(id="d", created_at=T0 + MIN / 2), now=T0 + MIN / 2)
    r.drain_decisions()
    r.advance(T0 + 10 * MIN)
    widened = [(d.item_id, d.at) for d in r.drain_decisions() if d.trigger is Trigger.STEP_TIMEOUT]
    assert widened == [
        ("b", T0 + MIN),
        ("a", T0 + 2 * MIN),
        ("c", T0 + 2 * MIN),  # a tie: the order they arrived in
        ("d", T0 + MIN / 2 + 2 * MIN),
    ]
