"""Staffing for one interval and for a whole interval plan (arrivals per interval per line).

:func:`staff` picks the model — Erlang C, or Erlang A when callers' patience is known — solves
for the agents on the phones (or evaluates a given count) and adds shrinkage.
:func:`parse_interval_rows` reads the rows of an interval plan; every bad row is reported with
its row number, column and reason, and nothing is returned unless every row is good.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from kpo.domain.errors import ValidationError
from kpo.planning import erlang, erlang_a
from kpo.planning.erlang import QueueMetrics, agents_after_shrinkage

__all__ = [
    "COLUMNS",
    "IntervalDemand",
    "IntervalFileInvalid",
    "IntervalStaffing",
    "RowProblem",
    "Staffing",
    "StaffingTargets",
    "parse_interval_rows",
    "plan_intervals",
    "staff",
]

COLUMNS = ("service_line", "interval_start", "arrivals", "aht_seconds")
"""Required columns of an interval plan, in any order; other columns are ignored."""

Model = Literal["erlang_c", "erlang_a"]


@dataclass(frozen=True, slots=True)
class StaffingTargets:
    """What a staffing plan must achieve.

    ``target_sl`` of calls answered within ``answer_within`` seconds (0 s: without waiting);
    optionally at most ``max_occupancy`` busy time per agent and, with ``patience_seconds``
    (mean caller patience, switches to Erlang A), at most ``max_abandonment`` hang-ups.
    ``shrinkage`` is the share of paid time not on the phones (breaks, training, absence).
    """

    target_sl: float
    answer_within: float
    max_occupancy: float | None = None
    shrinkage: float = 0.0
    patience_seconds: float | None = None
    max_abandonment: float | None = None

    def __post_init__(self) -> None:
        erlang.check_targets(
            target_sl=self.target_sl,
            answer_within=self.answer_within,
            max_occupancy=self.max_occupancy,
        )
        agents_after_shrinkage(0, self.shrinkage)  # validates the range
        if self.max_abandonment is not None and self.patience_seconds is None:
            raise ValidationError(
                "a maximum abandonment needs the callers' patience (Erlang A); "
                "give the mean patience in seconds as well",
                field="max_abandonment",
            )

    @property
    def model(self) -> Model:
        return "erlang_c" if self.patience_seconds is None else "erlang_a"


@dataclass(frozen=True, slots=True)
class Staffing:
    """``raw_agents`` on the phones give ``metrics``; ``agents`` is that after shrinkage."""

    model: Model
    raw_agents: int
    agents: int
    metrics: QueueMetrics


def staff(
    *,
    arrivals: float,
    interval_seconds: float,
    aht_seconds: float,
    targets: StaffingTargets,
    agents: int | None = None,
) -> Staffing:
    """Required agents for one interval, or the measures for ``agents`` when given."""
    patience = targets.patience_seconds
    within = targets.answer_within
    metrics: QueueMetrics
    if agents is not None and patience is None:
        metrics = erlang.evaluate(
            agents,
            arrivals=arrivals,
            interval_seconds=interval_seconds,
            aht_seconds=aht_seconds,
            answer_within=within,
        )
    elif agents is not None and patience is not None:
        metrics = erlang_a.evaluate(
            agents,
            arrivals=arrivals,
            interval_seconds=interval_seconds,
            aht_seconds=aht_seconds,
            patience_seconds=patience,
            answer_within=within,
        )
    elif patience is None:
        metrics = erlang.required_agents(
            arrivals=arrivals,
            interval_seconds=interval_seconds,
            aht_seconds=aht_seconds,
            target_sl=targets.target_sl,
            answer_within=within,
            max_occupancy=targets.max_occupancy,
        )
    else:
        metrics = erlang_a.required_agents(
            arrivals=arrivals,
            interval_seconds=interval_seconds,
            aht_seconds=aht_seconds,
            patience_seconds=patience,
            target_sl=targets.target_sl,
            answer_within=within,
            max_occupancy=targets.max_occupancy,
            max_abandonment=targets.max_abandonment,
        )
    return Staffing(
        model=targets.model,
        raw_agents=metrics.agents,
        agents=agents_after_shrinkage(metrics.agents, targets.shrinkage),
        metrics=metrics,
    )


@dataclass(frozen=True, slots=True)
class IntervalDemand:
    """Calls expected on one service line in the interval starting at ``interval_start``."""

    service_line: str
    interval_start: datetime
    arrivals: float
    aht_seconds: float


@dataclass(frozen=True, slots=True)
class IntervalStaffing:
    demand: IntervalDemand
    staffing: Staffing


@dataclass(frozen=True, slots=True)
class RowProblem:
    """``row`` counts the header as row 1, as spreadsheets do."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.reason}"


class IntervalFileInvalid(ValidationError):
    """An interval plan with bad rows; ``problems`` lists every one of them."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        count = len(problems)
        lines = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} in the interval plan; "
            f"nothing was planned:\n{lines}",
            field="file",
        )
        self.problems = list(problems)


def _number(
    text: str, *, row: int, column: str, positive: bool, problems: list[RowProblem]
) -> float:
    try:
        value = float(text)
    except ValueError:
        problems.append(RowProblem(row, column, f"{text!r} is not a number"))
        return math.nan
    if not math.isfinite(value):
        problems.append(RowProblem(row, column, f"{text!r} is not a finite number"))
    elif positive and value <= 0:
        problems.append(RowProblem(row, column, f"must be greater than zero, got {text}"))
    elif value < 0:
        problems.append(RowProblem(row, column, f"must be zero or more, got {text}"))
    return value


def parse_interval_rows(lines: Iterable[str]) -> list[IntervalDemand]:
    """Read an interval plan in CSV (see :data:`COLUMNS`); all-or-nothing.

    ``interval_start`` is ISO 8601 with a UTC offset (``2026-03-02T09:00:00+01:00``). A service
    line may appear only once per interval start. Raises :class:`IntervalFileInvalid`.
    """
    reader = csv.DictReader(lines)
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise IntervalFileInvalid(
            [RowProblem(1, name, "column is missing from the header") for name in missing]
        )
    reader.fieldnames = header
    problems: list[RowProblem] = []
    demands: list[IntervalDemand] = []
    seen: dict[tuple[str, datetime], int] = {}
    for row, record in enumerate(reader, start=2):
        if None in record or any(record.get(name) is None for name in COLUMNS):
            problems.append(RowProblem(row, "*", f"expected {len(header)} fields"))
            continue
        line = (record["service_line"] or "").strip()
        if not line:
            problems.append(RowProblem(row, "service_line", "is empty"))
        start_text = (record["interval_start"] or "").strip()
        start: datetime | None = None
        try:
            start = datetime.fromisoformat(start_text)
        except ValueError:
            problems.append(
                RowProblem(row, "interval_start", f"{start_text!r} is not an ISO 8601 date-time")
            )
        if start is not None and start.utcoffset() is None:
            problems.append(
                RowProblem(
                    row,
                    "interval_start",
                    f"{start_text!r} has no UTC offset; add one such as +00:00",
                )
            )
            start = None
        arrivals = _number(
            record["arrivals"].strip(),
            row=row,
            column="arrivals",
            positive=False,
            problems=problems,
        )
        aht = _number(
            record["aht_seconds"].strip(),
            row=row,
            column="aht_seconds",
            positive=True,
            problems=problems,
        )
        if start is not None and line:
            key = (line, start)
            if key in seen:
                problems.append(
                    RowProblem(
                        row,
                        "interval_start",
                        f"{line!r} already has this interval in row {seen[key]}",
                    )
                )
            seen.setdefault(key, row)
        if not problems or problems[-1].row != row:
            assert start is not None
            demands.append(IntervalDemand(line, start, arrivals, aht))
    if problems:
        raise IntervalFileInvalid(problems)
    if not demands:
        raise IntervalFileInvalid([RowProblem(2, "*", "the plan has no rows")])
    return demands


def plan_intervals(
    demands: Sequence[IntervalDemand], *, interval_seconds: float, targets: StaffingTargets
) -> list[IntervalStaffing]:
    """Required staff for every interval, in the order of ``demands``.

    A row whose target cannot be met is reported like a bad row (row numbers assume the
    demands came from :func:`parse_interval_rows`), and nothing is returned.
    """
    problems: list[RowProblem] = []
    plans: list[IntervalStaffing] = []
    for index, demand in enumerate(demands):
        try:
            staffing = staff(
                arrivals=demand.arrivals,
                interval_seconds=interval_seconds,
                aht_seconds=demand.aht_seconds,
                targets=targets,
            )
        except ValidationError as error:
            problems.append(RowProblem(index + 2, "arrivals", error.message))
            continue
        plans.append(IntervalStaffing(demand, staffing))
    if problems:
        raise IntervalFileInvalid(problems)
    return plans
