from datetime import UTC, datetime, timedelta

from kpo.domain.calendars import BusinessCalendar, parse_hours
from kpo.domain.item_sla import sla_status
from kpo.domain.sla import SlaPolicy
from tests.factories import work_item

# Mon-Fri 09:00-17:00 UTC; 2026-10-26 is a Monday.
CALENDAR = BusinessCalendar("UTC", parse_hours("mon-fri 09:00-17:00"))
POLICY = SlaPolicy(first_response=timedelta(hours=1), resolution=timedelta(hours=4))
MON = datetime(2026, 10, 26, 9, 0, tzinfo=UTC)


def test_first_response_stops_when_work_starts() -> None:
    item = work_item(created_at=MON)
    item.offer(specialist_id="s", at=MON + timedelta(minutes=10))
    item.accept(at=MON + timedelta(minutes=11))
    item.start(at=MON + timedelta(minutes=30))
    first, resolution = sla_status(item, POLICY, CALENDAR, now=MON + timedelta(hours=3))
    assert first.stopped_at == MON + timedelta(minutes=30)
    assert first.remaining == timedelta(minutes=30)
    assert not first.breached
    assert resolution.stopped_at is None
    assert resolution.remaining == timedelta(hours=1)
    assert resolution.due == MON + timedelta(hours=4)


def test_waiting_on_client_pauses_resolution_only() -> None:
    item = work_item(created_at=MON)
    item.offer(specialist_id="s", at=MON)
    item.accept(at=MON)
    item.start(at=MON + timedelta(minutes=5))
    item.wait_on_client(at=MON + timedelta(hours=1))
    paused = sla_status(item, POLICY, CALENDAR, now=MON + timedelta(hours=6))[1]
    assert paused.paused
    assert paused.due is None
    assert paused.remaining == timedelta(hours=3)
    item.resume(at=MON + timedelta(hours=7))  # 16:00, six paused business hours
    resolution = sla_status(item, POLICY, CALENDAR, now=MON + timedelta(hours=7))[1]
    assert not resolution.paused
    # 3 business hours left from Monday 16:00: 1 h on Monday, 2 h on Tuesday
    assert resolution.due == MON + timedelta(days=1, hours=2)


def test_breach_is_reported_and_resolution_freezes_the_clock() -> None:
    item = work_item(created_at=MON)
    first, _resolution = sla_status(item, POLICY, CALENDAR, now=MON + timedelta(hours=2))
    assert first.breached
    assert first.remaining == -timedelta(hours=1)
    item.offer(specialist_id="s", at=MON + timedelta(hours=2))
    item.accept(at=MON + timedelta(hours=2))
    item.start(at=MON + timedelta(hours=2))
    item.resolve(at=MON + timedelta(hours=3))
    later = sla_status(item, POLICY, CALENDAR, now=MON + timedelta(days=3))[1]
    assert later.stopped_at == MON + timedelta(hours=3)
    assert later.remaining == timedelta(hours=1)
    assert not later.breached
