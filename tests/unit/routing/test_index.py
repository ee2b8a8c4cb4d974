"""The routing index's one-int task keys order like the tuples they stand for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from kpo.domain.events import ItemOffered
from kpo.routing.index import priority_of, task_key, with_priority
from tests.unit.routing.helpers import T0, person, router, work_item

instants = st.datetimes(
    min_value=datetime(1970, 1, 1),  # noqa: DTZ001 - Hypothesis bounds are naive
    max_value=datetime(2200, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
keys = st.tuples(st.integers(0, 9), instants, st.integers(0, 2**40 - 1))


@given(keys, keys)
def test_task_keys_order_as_priority_then_age_then_arrival(
    a: tuple[int, datetime, int], b: tuple[int, datetime, int]
) -> None:
    as_tuple = ((-a[0], a[1], a[2]), (-b[0], b[1], b[2]))
    assert (task_key(*a) < task_key(*b)) == (as_tuple[0] < as_tuple[1])
    assert (task_key(*a) == task_key(*b)) == (as_tuple[0] == as_tuple[1])


@given(keys, st.integers(0, 9))
def test_priority_can_be_read_and_replaced(a: tuple[int, datetime, int], priority: int) -> None:
    key = task_key(*a)
    assert priority_of(key) == a[0]
    assert with_priority(key, priority) == task_key(priority, a[1], a[2])


def test_a_microsecond_older_item_goes_first() -> None:
    t = datetime(2026, 3, 24, tzinfo=UTC)
    assert task_key(0, t, 2**40 - 1) < task_key(0, t + timedelta(microseconds=1), 0)


def test_waiting_items_are_taken_in_task_order_whatever_order_they_arrived_in() -> None:
    r = router()
    arrivals = [  # (id, minutes before T0, priority): in order, older, higher priority
        ("a", 10, 0), ("b", 9, 0), ("c", 30, 0), ("d", 8, 0), ("e", 20, 5), ("f", 7, 0),
        ("g", 40, 0), ("h", 6, 5),
    ]  # fmt: skip
    for item_id, minutes, priority in arrivals:
        created = T0 - timedelta(minutes=minutes)
        r.submit(work_item(id=item_id, created_at=created, priority=priority), now=T0)
    r.add_specialist(person("s"), now=T0)
    r.shift_started("s", now=T0, ends=T0 + timedelta(hours=8))
    taken: list[str] = []
    while len(taken) < len(arrivals):
        offers = [e.item_id for e in r.drain_events() if isinstance(e, ItemOffered)]
        assert offers
        taken += offers
        for item_id in offers:
            r.accept(item_id, specialist_id="s", now=T0)
            r.start(item_id, specialist_id="s", now=T0)
            r.resolve(item_id, specialist_id="s", now=T0)
    assert taken == ["e", "h", "g", "c", "a", "b", "d", "f"]
