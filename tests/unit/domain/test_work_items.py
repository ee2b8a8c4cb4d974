from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpo.domain.errors import IllegalTransition, ValidationError
from kpo.domain.events import ItemAssigned, ItemCancelled, ItemResolved, ItemStateChanged
from kpo.domain.work_items import TRANSITIONS, WorkItemState
from tests.factories import T0, work_item

S = WorkItemState


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_happy_path_records_history_and_events() -> None:
    item = work_item()
    item.offer(specialist_id="s1", at=_at(1))
    item.accept(at=_at(2))
    item.start(at=_at(3))
    item.wait_on_client(at=_at(10))
    item.resume(at=_at(40))
    item.resolve(at=_at(50))
    assert item.state is S.RESOLVED
    assert [t.to_state for t in item.transitions] == [
        S.OFFERED,
        S.ASSIGNED,
        S.IN_PROGRESS,
        S.WAITING_ON_CLIENT,
        S.IN_PROGRESS,
        S.RESOLVED,
    ]
    assert item.first_response_at() == _at(3)
    assert item.waiting_spans() == [(_at(10), _at(40))]
    names = [type(e) for e in item.events]
    assert ItemAssigned in names
    assert ItemResolved in names
    assert sum(isinstance(e, ItemStateChanged) for e in item.events) == 6


def test_illegal_transition_names_both_states() -> None:
    item = work_item()
    with pytest.raises(IllegalTransition, match="'queued' to 'resolved'"):
        item.resolve(at=_at(1))
    assert item.state is S.QUEUED
    assert not item.transitions


def test_rejected_offer_returns_to_queue_keeping_age() -> None:
    item = work_item()
    item.offer(specialist_id="s1", at=_at(1))
    item.requeue(at=_at(3))
    assert item.state is S.QUEUED
    assert item.specialist_id is None
    assert item.created_at == T0
    assert item.age(_at(5)) == timedelta(minutes=5)


def test_final_states_are_final() -> None:
    item = work_item()
    item.cancel(at=_at(1), reason="duplicate")
    assert isinstance(item.events[-1], ItemCancelled)
    for target in S:
        assert target not in TRANSITIONS[S.CANCELLED]
    with pytest.raises(IllegalTransition, match="'cancelled' to 'offered'"):
        item.offer(specialist_id="s1", at=_at(2))


def test_refuses_naive_times_and_bad_priority() -> None:
    with pytest.raises(ValidationError, match="no time zone"):
        work_item(created_at=datetime(2026, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValidationError, match="priority 10"):
        work_item(priority=10)
    item = work_item()
    with pytest.raises(ValidationError):
        item.offer(specialist_id="s", at=datetime(2026, 1, 1))  # noqa: DTZ001


def test_open_wait_span_has_no_end() -> None:
    item = work_item()
    item.offer(specialist_id="s1", at=_at(1))
    item.accept(at=_at(2))
    item.start(at=_at(3))
    item.wait_on_client(at=_at(4))
    assert item.waiting_spans() == [(_at(4), None)]


@given(st.lists(st.sampled_from(list(S)), max_size=30))
def test_any_sequence_of_moves_follows_the_table(targets: list[WorkItemState]) -> None:
    item = work_item()
    moves = {
        S.OFFERED: lambda at: item.offer(specialist_id="s", at=at),
        S.ASSIGNED: lambda at: item.accept(at=at),
        S.IN_PROGRESS: lambda at: item.start(at=at),
        S.WAITING_ON_CLIENT: lambda at: item.wait_on_client(at=at),
        S.RESOLVED: lambda at: item.resolve(at=at),
        S.CANCELLED: lambda at: item.cancel(at=at),
        S.QUEUED: lambda at: item.requeue(at=at),
    }
    for step, target in enumerate(targets):
        before = item.state
        allowed = target in TRANSITIONS[before]
        try:
            moves[target](datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=step))
        except IllegalTransition:
            assert not allowed
            assert item.state is before
        else:
            assert allowed
            assert item.state is target
    assert len(item.transitions) == sum(1 for _ in item.transitions)


def test_an_item_that_never_moved_holds_no_lists_and_compares_by_value() -> None:
    fresh, loaded = work_item(), work_item(transitions=[], events=[])
    assert (fresh.transitions, fresh.events) == ((), ())  # the shared empty tuple
    assert fresh == loaded  # the empty history is the same history
    fresh.offer(specialist_id="s1", at=_at(1))
    assert len(fresh.transitions) == 1
    assert [e.name for e in fresh.take_events()] == ["ItemStateChanged"]
    assert fresh.events == ()
    assert fresh != loaded
    loaded.offer(specialist_id="s1", at=_at(1))
    assert fresh == loaded
