from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from kpo.domain.calendars import BusinessCalendar, FixedHolidays, parse_hours
from kpo.domain.due_memo import DueMemo

START = datetime(2026, 3, 27, tzinfo=UTC)  # Warsaw and New York change clocks around here
CALENDARS = [
    BusinessCalendar("UTC", parse_hours("daily 00:00-24:00")),
    BusinessCalendar(
        "Europe/Warsaw",
        parse_hours("mon-fri 09:00-17:00"),
        holidays=FixedHolidays(frozenset({date(2026, 3, 30)})),
    ),
    BusinessCalendar("America/New_York", parse_hours("mon-sat 22:00-06:00")),
]
TARGETS = [timedelta(minutes=5), timedelta(hours=4), timedelta(hours=30)]


@settings(max_examples=60, deadline=None)
@given(
    calendar=st.sampled_from(CALENDARS),
    target=st.sampled_from(TARGETS),
    steps=st.lists(st.integers(min_value=-3_600, max_value=7_200), min_size=1, max_size=60),
)
def test_the_memo_gives_the_calendars_own_due_instant(
    calendar: BusinessCalendar, target: timedelta, steps: list[int]
) -> None:
    memo = DueMemo(calendar, target)
    start = START
    for seconds in steps:  # mostly forward, sometimes back
        start += timedelta(seconds=seconds, microseconds=seconds % 7)
        assert memo.due(start) == calendar.add_business_time(start, target)


def test_items_arriving_in_order_are_mostly_answered_from_the_memo() -> None:
    calendar, target = CALENDARS[1], timedelta(hours=4)
    memo = DueMemo(calendar, target)
    for minute in range(0, 7 * 24 * 60, 7):
        start = START + timedelta(minutes=minute)
        assert memo.due(start) == calendar.add_business_time(start, target)
    assert memo.computed < 100  # of 1,440 starts over a week
