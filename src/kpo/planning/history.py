"""Arrival history: counts per interval per service line, read from CSV for forecasting.

:func:`parse_history_rows` reads rows of ``service_line,interval_start,arrivals`` (other
columns, such as ``aht_seconds`` of an interval plan, are ignored). The interval length is
detected from the spacing of the rows — the shortest step between two starts of one line —
and every start must lie on that grid. Intervals missing inside a line's range count as zero
arrivals (exports of ticket systems usually leave empty intervals out); how many were filled
is reported. Every bad row is reported with its row number, column and reason, and nothing is
returned unless every row is good.
"""

from __future__ import annotations

import csv
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

from kpo.domain.errors import ValidationError
from kpo.planning.intervals import RowProblem

__all__ = [
    "COLUMNS",
    "History",
    "HistoryFileInvalid",
    "LineHistory",
    "parse_history_rows",
]

COLUMNS = ("service_line", "interval_start", "arrivals")
"""Required columns of an arrival history, in any order; other columns are ignored."""

_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class LineHistory:
    """Arrivals of one service line in consecutive intervals from ``first_start`` (UTC)."""

    service_line: str
    first_start: datetime
    arrivals: npt.NDArray[np.float64]
    filled_intervals: int = 0

    def start(self, index: int, interval: timedelta) -> datetime:
        return self.first_start + index * interval


@dataclass(frozen=True, slots=True)
class History:
    """Every service line's history; all share one ``interval`` length."""

    interval: timedelta
    lines: tuple[LineHistory, ...]

    @property
    def per_day(self) -> int:
        """Intervals per day (48 for half hours)."""
        return _DAY // self.interval


class HistoryFileInvalid(ValidationError):
    """An arrival history with bad rows; ``problems`` lists every one of them."""

    def __init__(self, problems: Iterable[RowProblem]) -> None:
        listed = list(problems)
        count = len(listed)
        lines = "\n".join(f"  {problem}" for problem in listed)
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} in the arrival history; "
            f"nothing was forecast:\n{lines}",
            field="file",
        )
        self.problems = listed


def _arrivals(text: str, row: int, problems: list[RowProblem]) -> float | None:
    try:
        value = float(text)
    except ValueError:
        problems.append(RowProblem(row, "arrivals", f"{text!r} is not a number"))
        return None
    if not math.isfinite(value):
        problems.append(RowProblem(row, "arrivals", f"{text!r} is not a finite number"))
        return None
    if value < 0:
        problems.append(RowProblem(row, "arrivals", f"must be zero or more, got {text}"))
        return None
    return value


def _start(text: str, row: int, problems: list[RowProblem]) -> datetime | None:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        problems.append(RowProblem(row, "interval_start", f"{text!r} is not an ISO 8601 date-time"))
        return None
    if value.utcoffset() is None:
        problems.append(
            RowProblem(row, "interval_start", f"{text!r} has no UTC offset; add one such as +00:00")
        )
        return None
    return value.astimezone(UTC)


def _minutes(step: timedelta) -> str:
    return f"{step.total_seconds() / 60:g}-minute"


def parse_history_rows(lines: Iterable[str], *, interval_minutes: int | None = None) -> History:
    """Read an arrival history in CSV (see :data:`COLUMNS`); all-or-nothing.

    ``interval_minutes``, when given, must equal the detected interval length. Raises
    :class:`HistoryFileInvalid`.
    """
    reader = csv.DictReader(lines)
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise HistoryFileInvalid(
            [RowProblem(1, name, "column is missing from the header") for name in missing]
        )
    reader.fieldnames = header
    problems: list[RowProblem] = []
    rows: dict[str, dict[datetime, tuple[int, float]]] = defaultdict(dict)
    for row, record in enumerate(reader, start=2):
        if None in record or any(record.get(name) is None for name in COLUMNS):
            problems.append(RowProblem(row, "*", f"expected {len(header)} fields"))
            continue
        before = len(problems)
        line = (record["service_line"] or "").strip()
        if not line:
            problems.append(RowProblem(row, "service_line", "is empty"))
        start = _start((record["interval_start"] or "").strip(), row, problems)
        arrivals = _arrivals((record["arrivals"] or "").strip(), row, problems)
        if start is not None and line:
            earlier = rows[line].get(start)
            if earlier is not None:
                problems.append(
                    RowProblem(
                        row,
                        "interval_start",
                        f"{line!r} already has this interval in row {earlier[0]}",
                    )
                )
        if len(problems) == before:
            assert start is not None
            assert arrivals is not None
            rows[line][start] = (row, arrivals)
    if not rows and not problems:
        problems.append(RowProblem(2, "*", "the history has no rows"))
    if problems:
        raise HistoryFileInvalid(problems)
    interval = _detect_interval(rows, interval_minutes)
    return History(interval, tuple(_line(name, found, interval) for name, found in rows.items()))


def _detect_interval(
    rows: dict[str, dict[datetime, tuple[int, float]]], interval_minutes: int | None
) -> timedelta:
    steps: list[timedelta] = []
    for name, found in rows.items():
        starts = sorted(found)
        if len(starts) < 2:
            (row, _), *_ = found.values()
            reason = f"{name!r} has a single interval; a history needs at least two weeks"
            raise HistoryFileInvalid([RowProblem(row, "service_line", reason)])
        steps.append(min(b - a for a, b in itertools.pairwise(starts)))
    interval = min(steps)
    if interval_minutes is not None and interval != timedelta(minutes=interval_minutes):
        raise ValidationError(
            f"the history has {_minutes(interval)} intervals, not {interval_minutes}-minute "
            f"ones; pass --interval-minutes {interval.total_seconds() / 60:g} or fix the file",
            field="interval_minutes",
        )
    if interval % timedelta(minutes=1) or _DAY % interval:
        raise ValidationError(
            f"the history has {_minutes(interval)} intervals; the interval length must be "
            "whole minutes that divide a day (15, 30, 60 …)",
            field="interval_start",
        )
    problems: list[RowProblem] = []
    for name, found in rows.items():
        first = min(found)
        for start, (row, _) in sorted(found.items(), key=lambda item: item[1][0]):
            if (start - first) % interval:
                problems.append(
                    RowProblem(
                        row,
                        "interval_start",
                        f"{start.isoformat()} is off the {_minutes(interval)} grid of {name!r} "
                        f"that starts at {first.isoformat()}",
                    )
                )
    if problems:
        raise HistoryFileInvalid(problems)
    return interval


def _line(name: str, found: dict[datetime, tuple[int, float]], interval: timedelta) -> LineHistory:
    first, last = min(found), max(found)
    count = (last - first) // interval + 1
    arrivals = np.zeros(count)
    for start, (_, value) in found.items():
        arrivals[(start - first) // interval] = value
    return LineHistory(name, first, arrivals, filled_intervals=count - len(found))
