from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from kpo.domain.channels import Channel
from kpo.domain.errors import OfferNotPending, ValidationError
from kpo.domain.events import ItemEscalated, ItemOffered, OfferWithdrawn
from kpo.domain.specialists import SpecialistStatus
from kpo.domain.work_items import WorkItemState
from kpo.routing.engine import RouterSettings
from kpo.routing.explain import Trigger
from kpo.routing.policies import PolicyStep, Ranking, RoutingPolicy
from tests.unit.routing.helpers import (
    T0,
    PriorityAtLeast,
    VendorIs,
    names,
    person,
    router,
    work_item,
)

S = WorkItemState
MIN = timedelta(minutes=1)


def test_policy_step_widens_when_the_item_reaches_the_step_timeout() -> None:
    policy = RoutingPolicy(
        (
            PolicyStep(Ranking.LEAST_COST, filter=VendorIs("manila"), timeout=2 * MIN),
            PolicyStep(Ranking.LEAST_COST),
        )
    )
    r = router(person("k1", vendor_id="krakow"), policy=policy)
    queued = r.submit(work_item(), now=T0)
    assert queued.winner is None
    assert queued.eligible_count == 0
    r.advance(T0 + 2 * MIN - timedelta(seconds=1))
    assert r.item("W000001").state is S.QUEUED
    r.advance(T0 + 3 * MIN)
    decision = r.drain_decisions()[-1]
    assert (decision.trigger, decision.step, decision.winner) == (Trigger.STEP_TIMEOUT, 1, "k1")
    assert decision.at == T0 + 2 * MIN  # at the instant the step began, not when advanced


def test_a_step_that_relaxes_the_level_takes_lower_skilled_people() -> None:
    policy = RoutingPolicy(
        (
            PolicyStep(Ranking.LEAST_COST, timeout=MIN),
            PolicyStep(Ranking.LEAST_COST, relax_levels=1),
        )
    )
    junior = person("junior", skills={"card_disputes": 2})  # line needs 3
    r = router(junior, policy=policy)
    assert r.submit(work_item(), now=T0).winner is None
    r.advance(T0 + MIN)
    assert r.held("junior") == {"W000001": S.OFFERED}


def test_reject_keeps_age_never_reoffers_to_the_rejecter_and_offers_the_next_best() -> None:
    r = router(person("a", "10"), person("b", "20"), person("c", "30"))
    item = work_item(created_at=T0 - 5 * MIN)
    r.submit(item, now=T0)
    r.reject(item.id, specialist_id="a", now=T0 + MIN)
    assert item.created_at == T0 - 5 * MIN
    assert r.held("b") == {item.id: S.OFFERED}
    r.reject(item.id, specialist_id="b", now=T0 + 2 * MIN)
    assert r.held("c") == {item.id: S.OFFERED}
    assert r.held("a") == {}
    assert r.held("b") == {}


def test_rejected_by_everyone_it_waits_and_is_not_offered_back() -> None:
    r = router(person("a"))
    r.submit(work_item(), now=T0)
    r.reject("W000001", specialist_id="a", now=T0 + MIN)
    assert r.item("W000001").state is S.QUEUED
    assert r.held("a") == {}
    r.submit(work_item(id="W2"), now=T0 + 2 * MIN)
    assert list(r.held("a")) == ["W2"]


def test_offer_times_out_after_120_seconds_by_default() -> None:
    r = router(person("a", "10"), person("b", "20"))
    r.submit(work_item(), now=T0)
    r.advance(T0 + timedelta(seconds=119))
    assert r.held("a") == {"W000001": S.OFFERED}
    r.drain_events()
    r.advance(T0 + timedelta(seconds=120))
    assert names(r)[:1] == ["OfferTimedOut"]
    assert r.held("b") == {"W000001": S.OFFERED}
    with pytest.raises(OfferNotPending):
        r.accept("W000001", specialist_id="a", now=T0 + timedelta(seconds=121))


def test_escalates_after_max_attempts_with_a_priority_bump() -> None:
    people = [person(f"p{i}", str(10 + i)) for i in range(4)]
    r = router(*people, settings=RouterSettings(max_attempts=3))
    item = work_item(priority=2)
    r.submit(item, now=T0)
    for i in range(3):
        r.reject(item.id, specialist_id=f"p{i}", now=T0 + (i + 1) * MIN)
    escalations = [e for e in r.drain_events() if isinstance(e, ItemEscalated)]
    assert len(escalations) == 1
    assert escalations[0].priority == 3
    assert item.priority == 3
    assert r.held("p3") == {item.id: S.OFFERED}


@dataclass
class SeniorOrUrgent:
    """``specialist.id IN ('p0', 'p1') OR item.priority >= 3``: an item filter."""

    source: str = "specialist.id IN (...) OR item.priority >= 3"
    specialist_only: bool = False

    def matches(self, item: Mapping[str, Any], specialist: Mapping[str, Any]) -> bool:
        return specialist["id"] in {"p0", "p1"} or bool(item["priority"] >= 3)


def test_an_escalated_item_is_filtered_by_its_new_priority() -> None:
    people = [person(f"p{i}", str(10 + i)) for i in range(3)]
    policy = RoutingPolicy((PolicyStep(Ranking.LEAST_COST, filter=SeniorOrUrgent()),))
    r = router(*people, policy=policy, settings=RouterSettings(max_attempts=2))
    item = work_item(priority=2)
    assert r.submit(item, now=T0).winner == "p0"  # p2 is not eligible at priority 2
    r.reject(item.id, specialist_id="p0", now=T0 + MIN)
    assert r.held("p1") == {item.id: S.OFFERED}
    r.reject(item.id, specialist_id="p1", now=T0 + 2 * MIN)  # second attempt: escalated to 3
    assert item.priority == 3
    assert r.held("p2") == {item.id: S.OFFERED}


def test_accept_start_resolve_frees_the_slot_for_the_next_waiting_item() -> None:
    r = router(person("a"))
    r.submit(work_item(id="w1"), now=T0)
    r.submit(work_item(id="w2"), now=T0)
    r.accept("w1", specialist_id="a", now=T0 + MIN)
    r.start("w1", specialist_id="a", now=T0 + MIN)
    assert r.in_use("a")
    r.resolve("w1", specialist_id="a", now=T0 + 10 * MIN)
    assert r.held("a") == {"w2": S.OFFERED}
    assert r.find("w1") is None
    decision = r.drain_decisions()[-1]
    assert decision.trigger is Trigger.SPECIALIST_FREED
    assert decision.winner == "a"


@pytest.mark.parametrize("leave", ["left", "offline"])
def test_turnover_reroutes_offered_and_assigned_items_none_lost_none_duplicated(
    leave: str,
) -> None:
    two = {Channel.TICKET: 2}
    r = router(person("a", "10", capacity=two), person("b", "20", capacity=two))
    r.submit(work_item(id="w1"), now=T0)
    r.submit(work_item(id="w2"), now=T0)
    r.accept("w1", specialist_id="a", now=T0)
    assert r.held("a") == {"w1": S.ASSIGNED, "w2": S.OFFERED}
    r.drain_events()
    if leave == "left":
        r.specialist_left("a", now=T0 + MIN)
    else:
        r.set_status("a", SpecialistStatus.OFFLINE, now=T0 + MIN)
    events = r.drain_events()
    assert sorted(e.item_id for e in events if isinstance(e, OfferWithdrawn)) == ["w1", "w2"]
    assert r.held("a") == {}
    assert r.held("b") == {"w1": S.OFFERED, "w2": S.OFFERED}
    assert sum(isinstance(e, ItemOffered) for e in events) == 2
    assert set(r.snapshot()) == {"w1", "w2"}


def test_shift_end_and_break_give_back_offers_but_keep_assigned_work() -> None:
    r = router(person("a", "10"), person("b", "20"))
    r.submit(work_item(id="w1"), now=T0)
    r.accept("w1", specialist_id="a", now=T0)
    r.set_status("a", SpecialistStatus.AVAILABLE, now=T0)
    r.shift_ended("b", now=T0 + MIN)
    r.submit(work_item(id="w2"), now=T0 + MIN)  # a is busy (capacity 1), b off shift
    assert r.item("w2").state is S.QUEUED
    r.set_status("a", SpecialistStatus.BREAK, now=T0 + 2 * MIN)
    assert r.held("a") == {"w1": S.ASSIGNED}


def test_not_offered_without_enough_shift_left_for_the_handle_time() -> None:
    r = router()
    r.add_specialist(person("a"), now=T0)
    r.shift_started("a", now=T0, ends=T0 + 20 * MIN)  # handle time 765 s ≈ 12.75 min
    assert r.submit(work_item(id="w1"), now=T0).winner == "a"
    r.reject("w1", specialist_id="a", now=T0 + MIN)
    r.advance(T0 + 8 * MIN)  # 12 min left < 12.75 min
    assert r.submit(work_item(id="w2"), now=T0 + 8 * MIN).winner is None


def test_shift_ends_by_itself_at_its_end() -> None:
    r = router(person("a"))
    r.advance(T0 + timedelta(hours=9))
    assert r.submit(work_item(), now=T0 + timedelta(hours=9)).eligible_count == 0


def test_item_dependent_filter_is_applied_per_item() -> None:
    policy = RoutingPolicy((PolicyStep(Ranking.LEAST_COST, filter=PriorityAtLeast(5)),))
    r = router(person("a"), policy=policy)
    assert r.submit(work_item(id="low", priority=1), now=T0).winner is None
    assert r.submit(work_item(id="high", priority=7), now=T0).winner == "a"


def test_sla_at_risk_then_breached_while_nobody_starts_it() -> None:
    r = router()
    r.submit(work_item(), now=T0, due=T0 + 10 * MIN)
    r.drain_events()
    r.advance(T0 + 8 * MIN)
    assert names(r) == ["SlaAtRisk"]
    r.advance(T0 + 11 * MIN)
    assert names(r) == ["SlaBreached"]


def test_time_never_goes_backwards_and_must_be_aware() -> None:
    r = router()
    r.advance(T0 + MIN)
    with pytest.raises(ValidationError, match="backwards"):
        r.advance(T0)
    with pytest.raises(ValueError, match="no time zone"):
        r.advance(T0.replace(tzinfo=None) + 2 * MIN)


def test_restore_and_rebalance_rebuild_holders_and_route_waiting_items() -> None:
    first = router(person("a"))
    first.submit(work_item(id="w1"), now=T0)
    first.accept("w1", specialist_id="a", now=T0)
    waiting = work_item(id="w2")
    second = router(person("a"), person("b"))
    second.restore([(first.item("w1"), None), (waiting, None)], now=T0 + MIN)
    assert second.held("a") == {"w1": S.ASSIGNED}
    assert second.rebalance(now=T0 + MIN) == 1
    assert second.held("b") == {"w2": S.OFFERED}


def test_events_built_from_the_log_equal_their_constructors() -> None:
    from dataclasses import fields

    from kpo.domain import events as ev
    from kpo.routing.records import maker

    for name in ev.__all__:
        cls = getattr(ev, name)
        values = [f"v{i}" for i, _ in enumerate(fields(cls))]
        built = maker(cls)(*values)
        assert type(built) is cls
        assert built == cls(*values)
        assert hash(built) == hash(cls(*values))
