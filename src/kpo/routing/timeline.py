"""Remaining business time without time-zone arithmetic per decision.

A :class:`BusinessTimeline` lays a calendar's open intervals out as POSIX seconds once (a few
weeks at a time, extended on demand) with the business seconds accumulated before each, so
that the business time between two instants is two bisections.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, datetime, timedelta

from kpo.domain.calendars import BusinessCalendar

__all__ = ["BusinessTimeline"]

_CHUNK = timedelta(days=28)


class BusinessTimeline:
    """Business seconds of ``calendar`` counted from ``origin`` (instants before it are
    answered by the calendar directly)."""

    def __init__(self, calendar: BusinessCalendar, origin: datetime) -> None:
        self.calendar = calendar
        self._origin = origin.astimezone(UTC)
        self._origin_ts = self._origin.timestamp()
        self._starts: list[float] = []
        self._ends: list[float] = []
        self._before: list[float] = []  # business seconds from origin to each start
        self._covered = self._origin
        self._covered_ts = self._origin_ts
        self._total = 0.0

    def _extend(self, until_ts: float) -> None:
        while self._covered_ts < until_ts:
            end = self._covered + _CHUNK
            for opens, closes in self.calendar.open_intervals(self._covered, end):
                start_ts, end_ts = opens.timestamp(), closes.timestamp()
                if self._ends and self._ends[-1] == start_ts:  # touching across chunks
                    self._total += end_ts - start_ts
                    self._ends[-1] = end_ts
                    continue
                self._starts.append(start_ts)
                self._ends.append(end_ts)
                self._before.append(self._total)
                self._total += end_ts - start_ts
            self._covered, self._covered_ts = end, end.timestamp()

    def _elapsed(self, ts: float) -> float:
        self._extend(ts)
        i = bisect_right(self._starts, ts) - 1
        if i < 0:
            return 0.0
        return self._before[i] + min(ts, self._ends[i]) - self._starts[i]

    def seconds_between(self, start: datetime, end: datetime) -> float:
        """Business seconds from ``start`` to ``end``; negative when ``end`` is earlier."""
        a, b = start.timestamp(), end.timestamp()
        if min(a, b) < self._origin_ts:
            sign = 1.0 if b >= a else -1.0
            low, high = (start, end) if b >= a else (end, start)
            return sign * self.calendar.business_time(low, high).total_seconds()
        return self._elapsed(b) - self._elapsed(a)
