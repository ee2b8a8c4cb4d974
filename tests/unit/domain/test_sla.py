from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpo.domain.calendars import BusinessCalendar, parse_hours
from kpo.domain.errors import ValidationError
from kpo.domain.sla import ItemSla, Pause, SlaClock, SlaPolicy

WARSAW = ZoneInfo("Europe/Warsaw")
H = timedelta(hours=1)
MIN = timedelta(minutes=1)
OFFICE = BusinessCalendar("Europe/Warsaw", parse_hours("mon-fri 09:00-17:00"))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A Warsaw wall-clock time in June 2026 (1 June is a Monday), as a UTC instant."""
    return datetime(2026, 6, day, hour, minute, tzinfo=WARSAW).astimezone(UTC)


def clock(target: timedelta = 4 * H, started_at: datetime | None = None) -> SlaClock:
    return SlaClock(OFFICE, started_at or at(1, 10), target)


# --------------------------------------------------------------------------- policy


def test_policy_accepts_valid_targets() -> None:
    policy = SlaPolicy(
        first_response=H,
        resolution=8 * H,
        answer_within=timedelta(seconds=20),
        answer_target=Decimal("0.8"),
    )
    assert policy.resolution == 8 * H
    assert SlaPolicy().first_response is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"first_response": timedelta(0)}, "first_response"),
        ({"resolution": -H}, "resolution"),
        ({"answer_within": timedelta(0), "answer_target": Decimal("0.8")}, "answer_within"),
        ({"answer_within": timedelta(seconds=20)}, "answer_target"),
        ({"answer_target": Decimal("0.8")}, "answer_within"),
        ({"answer_within": timedelta(seconds=20), "answer_target": Decimal(0)}, "answer_target"),
        (
            {"answer_within": timedelta(seconds=20), "answer_target": Decimal("1.01")},
            "answer_target",
        ),
        (
            {"answer_within": timedelta(seconds=20), "answer_target": Decimal("NaN")},
            "answer_target",
        ),
        ({"answer_within": timedelta(seconds=20), "answer_target": 0.8}, "answer_target"),
    ],
)
def test_policy_rejects_bad_targets(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        SlaPolicy(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_full_share_is_a_valid_answer_target() -> None:
    assert SlaPolicy(answer_within=timedelta(seconds=10), answer_target=Decimal(1)).answer_target


# --------------------------------------------------------------------------- running clock


def test_running_clock_counts_business_time_only() -> None:
    sla = clock(target=8 * H)  # Monday 10:00
    assert sla.elapsed(at(1, 12)) == 2 * H
    assert sla.elapsed(at(1, 20)) == 7 * H  # closed after 17:00
    assert sla.remaining(at(1, 20)) == H
    assert sla.due(at(1, 12)) == at(2, 10)
    assert sla.elapsed(at(1, 9)) == timedelta(0)  # before the start


def test_breach_is_judged_by_the_due_instant() -> None:
    sla = clock(target=7 * H)  # due Monday 17:00, the closing time
    assert sla.due(at(1, 12)) == at(1, 17)
    assert not sla.is_breached(at(1, 17))
    # Business time stands still after closing: nothing remains, and it is overdue.
    assert sla.remaining(at(1, 20)) == timedelta(0)
    assert sla.is_breached(at(1, 17, 1))
    assert sla.breached_at(at(1, 20)) == at(1, 17)
    assert sla.breached_at(at(1, 16)) is None


def test_remaining_turns_negative_after_due() -> None:
    sla = clock(target=H)
    assert sla.remaining(at(1, 13)) == -2 * H
    assert sla.is_breached(at(1, 13))


def test_rejects_naive_and_nonpositive_inputs() -> None:
    with pytest.raises(ValidationError, match="positive"):
        clock(target=timedelta(0))
    naive = datetime(2026, 6, 1, 10)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="naive"):
        SlaClock(OFFICE, naive, H)
    with pytest.raises(ValueError, match="naive"):
        clock().elapsed(naive)


# --------------------------------------------------------------------------- pauses


def test_pause_and_resume_extend_due_by_the_paused_business_time() -> None:
    sla = clock(target=4 * H)  # due Monday 14:00 without pauses
    paused = sla.pause(at(1, 11))
    resumed = paused.resume(at(1, 12, 30))
    assert resumed.due(at(1, 13)) == at(1, 15, 30)
    assert resumed.elapsed(at(1, 13)) == H + 30 * MIN
    assert sla.pauses == ()  # the original clock is unchanged


def test_pausing_outside_business_hours_costs_nothing() -> None:
    sla = clock(target=16 * H)  # Monday 10:00, due Wednesday 10:00
    weekend = sla.pause(at(1, 18)).resume(at(2, 8))
    assert weekend.due(at(2, 9)) == sla.due(at(2, 9)) == at(3, 10)


def test_pause_across_days_removes_only_business_time() -> None:
    sla = clock(target=8 * H)  # due Tuesday 10:00 without pauses
    resumed = sla.pause(at(1, 16)).resume(at(2, 10))  # 1 h Monday + 1 h Tuesday paused
    assert resumed.due(at(2, 10)) == at(2, 12)


def test_no_due_while_paused() -> None:
    paused = clock().pause(at(1, 11))
    assert paused.paused
    assert paused.due(at(1, 11)) is None
    assert paused.due(at(1, 12)) is None
    assert paused.elapsed(at(3, 12)) == H
    assert paused.remaining(at(3, 12)) == 3 * H
    assert not paused.is_breached(at(30, 12))
    # Seen from before the pause, the clock was still running.
    assert paused.due(at(1, 10, 30)) == at(1, 14)


def test_clock_paused_after_breach_stays_breached() -> None:
    paused = clock(target=H).pause(at(1, 12))
    assert paused.due(at(1, 13)) is None
    assert paused.breached_at(at(1, 13)) == at(1, 11)


def test_pause_and_resume_refuse_the_wrong_state() -> None:
    paused = clock().pause(at(1, 11))
    with pytest.raises(ValidationError, match="already paused"):
        paused.pause(at(1, 12))
    with pytest.raises(ValidationError, match="running, not paused"):
        clock().resume(at(1, 12))
    with pytest.raises(ValidationError, match="paused later"):
        paused.resume(at(1, 10, 30))
    with pytest.raises(ValidationError, match="last event"):
        clock().pause(at(1, 9))


def test_refuses_inconsistent_pauses() -> None:
    with pytest.raises(ValidationError, match="only the last"):
        SlaClock(OFFICE, at(1, 10), H, (Pause(at(1, 11)), Pause(at(1, 12), at(1, 13))))
    with pytest.raises(ValidationError, match="before the clock started"):
        SlaClock(OFFICE, at(1, 10), H, (Pause(at(1, 9), at(1, 11)),))
    with pytest.raises(ValidationError, match="ends before it starts"):
        SlaClock(OFFICE, at(1, 10), H, (Pause(at(1, 12), at(1, 11)),))


offsets = st.integers(min_value=0, max_value=5 * 24 * 60).map(lambda minutes: minutes * MIN)


@settings(deadline=None)
@given(
    target=st.integers(min_value=1, max_value=40 * 60).map(lambda minutes: minutes * MIN),
    gaps=st.lists(offsets, max_size=6),
)
def test_elapsed_at_due_is_the_target_and_pauses_only_delay(
    target: timedelta, gaps: list[timedelta]
) -> None:
    sla = clock(target=target)
    cursor = sla.started_at
    for index, gap in enumerate(gaps):
        cursor += gap
        sla = sla.resume(cursor) if index % 2 else sla.pause(cursor)
    now = cursor + timedelta(days=60)
    due = sla.due(now)
    unpaused = clock(target=target).due(now)
    assert unpaused is not None
    if sla.paused:
        assert due is None
        return
    assert due is not None
    assert due >= unpaused
    assert sla.elapsed(due) == target
    assert sla.remaining(due) == timedelta(0)
    assert sla.is_breached(now) == (due < now)


# --------------------------------------------------------------------------- item SLA


def test_item_sla_starts_the_clocks_its_policy_asks_for() -> None:
    received = at(1, 16)
    item = ItemSla.start(
        SlaPolicy(first_response=2 * H, resolution=16 * H), OFFICE, received_at=received
    )
    assert item.first_response is not None
    assert item.resolution is not None
    assert item.first_response.due(received) == at(2, 10)
    assert item.resolution.due(received) == at(3, 16)
    assert ItemSla.start(SlaPolicy(), OFFICE, received_at=received) == ItemSla(None, None)
