"""The routing index's one-int task keys order like the tuples they stand for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from kpo.routing.index import priority_of, task_key, with_priority

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
