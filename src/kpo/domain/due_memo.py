"""Due instants of many items of one service line, exact, at a few comparisons each.

Rebuilding a router loads every open item and needs each one's SLA due instant:
``calendar.add_business_time(created_at, target)`` for items that never waited on the client,
which walks the calendar in its time zone (tens of microseconds). Items are loaded oldest
first, and the answer for one start gives the answer for the next without the calendar:

* start in a closed period: every start up to the next opening is due at the same instant
  (the clock starts at that opening);
* start open: for a later start ``s`` still in the same open interval, the due instant moves
  by ``s − start`` as long as it stays in the open interval it lies in (business time gained
  at the start equals business time lost at the end).

Anything else (a start outside the remembered range, a due instant that would leave its
interval) is computed by the calendar, so the result is always the calendar's own.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kpo.domain.calendars import BusinessCalendar

__all__ = ["DueMemo"]

_HORIZON = timedelta(days=1)  # how far ahead an interval is looked up (a longer one is cut)


class DueMemo:
    """``calendar.add_business_time(start, target)`` for starts given mostly in order."""

    __slots__ = (
        "_due",
        "_due_until",
        "_open",
        "_start",
        "_until",
        "calendar",
        "computed",
        "target",
    )

    def __init__(self, calendar: BusinessCalendar, target: timedelta) -> None:
        self.calendar = calendar
        self.target = target
        self._start: datetime | None = None
        self._until: datetime | None = None  # starts in [_start, _until) use the memo
        self._due: datetime | None = None
        self._due_until: datetime | None = None  # open from _due to here
        self._open = False  # _start..._until open (else closed: one due instant for all)
        self.computed = 0  # answers the calendar gave (the rest came from the memo)

    def due(self, start: datetime) -> datetime:
        first, until, due = self._start, self._until, self._due
        if first is not None and until is not None and due is not None and first <= start < until:
            if not self._open:
                return due
            moved = due + (start - first)
            assert self._due_until is not None
            if moved <= self._due_until:
                return moved
        return self._remember(start)

    def _remember(self, start: datetime) -> datetime:
        calendar = self.calendar
        self.computed += 1
        due = calendar.add_business_time(start, self.target)
        here = next(calendar.open_intervals(start, start + _HORIZON), None)
        if here is None:  # closed for the whole horizon
            self._open, self._until = False, start + _HORIZON
        elif here[0] > start:  # closed until the next opening
            self._open, self._until = False, here[0]
        else:
            self._open, self._until = True, here[1]
            there = next(calendar.open_intervals(due, due + _HORIZON), None)
            self._due_until = there[1] if there is not None and there[0] == due else due
        self._start, self._due = start, due
        return due
